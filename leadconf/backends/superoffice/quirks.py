"""Every behaviour of the Web API that the documentation leaves open, and the reading leadconf takes.

Each choice is the conservative one and lives here only, so that checking it against a live tenant
means reading one file. docs/superoffice-backend.md lists them under "Checked against the
documentation, not yet against a live tenant"; `leadconf doctor` (doctor.py) asks a live tenant the
question behind each of them.
"""

from __future__ import annotations

# U1. The lead-status list has no dedicated controller and its id is not documented. It is found
# in GET /List by ListType "LeadStatus" (the table is `leadstatus`), compared ignoring case; a
# list whose raw Name is "Lead status" is the fallback. Its id is then used as an opaque number.
LEAD_STATUS_LIST_TYPES = ("leadstatus",)
LEAD_STATUS_LIST_NAMES = ("lead status", "leadstatus", "contact - lead status", "person - lead status")


def find_lead_status_list(lists: list) -> int | None:
    def norm(value) -> str:
        return str(value or "").strip().casefold().replace("–", "-")

    for entry in lists:
        if isinstance(entry, dict) and norm(entry.get("ListType")) in LEAD_STATUS_LIST_TYPES and not entry.get("Deleted"):
            return entry.get("Id")
    for entry in lists:
        if isinstance(entry, dict) and norm(entry.get("Name")) in LEAD_STATUS_LIST_NAMES and not entry.get("Deleted"):
            return entry.get("Id")
    return None


# U2. The UTM switch is the preference Mailing/EnableUTMSaving (inferred from the resource string
# SR_PD_Mailing_EnableUTMSaving), values "1"/"0". Documented: GET /Preference/{section}/{key} answers
# a Preference object whose Level is where the value "closest to the user" is defined (Undefined
# when none), and GET /Preference/{section}/{key}/{prefLevel} answers a JSON string (page
# v1Preference_GetPrefValueAtLevel). Undocumented, and read here: an empty string means "no value at
# that level". leadconf writes at the Database level (tenant-wide), never at a user's own level.
PREFERENCE_LEVEL = "Database"
UTM_ON, UTM_OFF = "1", "0"
# The levels, from the least to the most specific (docs/database/user-preferences: "We always use
# the most specific preference for the logged in user").
PREF_LEVELS = ("Undefined", "HardDefault", "SystemWide", "Database", "Group", "Individual", "PC")
# A preference with no value at any level reads as off (the feature is off until turned on).

# U3. Licences. GET /User/currentPrincipal lists Licenses[].Name (module names, lower-cased here).
# The documented names (docs/en/admin/license/dev/user-plans.md, hidden-licenses.md) identify user
# plans such as "ten-sales" (Sales Premium) and markers such as "sales-t1"; none identifies
# Marketing Premium or category automation ("marketingpremium" is only a page tag). So no feature is
# refused on a licence name: each is decided by its endpoint's own answer (U4, U11).
SALES_PREMIUM_PLAN = "ten-sales"  # informative only (doctor shows it)

# U4. A tenant without category automation (before 11.7) answers 404 to the agent method:
# automation is "missing"; a config that manages it is refused at plan time (LC214).

# U11. A licence error is undocumented in shape: it is taken to be an error answer (any status)
# whose ErrorType or ErrorMessage mentions a licence ("licen", e.g. SoLicenseException). The flow
# list (GET /MDOList/emailflow) decides Marketing Premium, the automation agent method decides
# category automation: a licence error there makes the feature "unlicensed" (LC205, LC206).
LICENCE_WORDS = ("licen",)


def is_licence_error(error_type: str, message: str) -> bool:
    text = f"{error_type} {message}".casefold()
    return any(word in text for word in LICENCE_WORDS)


# U5. User groups visible for a category, and its headings: PUT .../UserGroups and .../Headings
# take the full array of SelectableMDOListItem as read, with Selected set for the ones wanted.
# Whether omitted entries are unselected is undocumented, so the full array is always sent. These
# links are read and written only when GET /List/Category says UseGroupsAndHeadings; otherwise
# every item is visible to every group and headings do not apply (the admin guide's wording).

# U6. Deleting and restoring a category is a SaveCategoryEntity with Deleted true/false (there is
# no Delete agent method); never the older PUT /List/Category/Items/{id}, which does not carry
# CategoryGroup and EnableLeadStatus (whether it resets them is undocumented).

# U7. Fields that only appear in answers (rights metadata) are dropped from a body before it is
# sent back; every other field read is sent back unchanged, since the server binds a body to the
# whole entity.
RESPONSE_ONLY_FIELDS = ("TableRight", "FieldProperties")

# U8. Flows: the list is the MDO list "emailflow" (GET /MDOList/emailflow?flat=true), each flow
# comes from Agents/Workflow/GetEmailFlow, whose Steps are documented as WorkflowStepBase only
# (id, flow, type, rank); so each DistributeToOwner step is fetched whole through GetWorkflowStep
# and saved whole through SaveWorkflowStep.
DISTRIBUTE_STEP = "DistributeToOwner"

# U9. Associates. The MDO list "associate" (GET /MDOList/associate?flat=true) gives Id and Name, and
# its documented sample shows Name as the full name ("Admin Adminson"). The login name is the Name of
# the Associate carrier, read for all of them at once with POST /Agents/Associate/GetAssociateList
# (documented: "Initials, also login name"). Undocumented, read here: the page names the body
# `associateIds` without properties, so it is sent as the bare JSON array of ids. A config names an
# associate by login name or by full name; a name that matches two is refused, naming both (LC209).

# U10. A create that timed out, lost its connection or got 502/504 may or may not have happened.
# It is never blindly re-sent: the list is re-read and the item looked up by name (names are
# unique per list, ignoring case, deleted items included); only if it is not there is the create
# sent once more.


def body_of(raw: dict) -> dict:
    """An entity as read, ready to be sent back: everything but the answer-only fields."""
    return {k: v for k, v in raw.items() if k not in RESPONSE_ONLY_FIELDS}


def same_name(a, b) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.casefold() == b.casefold()
