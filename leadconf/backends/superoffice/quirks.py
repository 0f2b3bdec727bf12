"""Every behaviour of the Web API that the documentation leaves open, and the reading leadconf takes.

Each choice is the conservative one and lives here only, so that checking it against a live tenant
means reading one file. docs/superoffice-backend.md lists them under "Checked against the
documentation, not yet against a live tenant".
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
# SR_PD_Mailing_EnableUTMSaving). It is read and written at the Database level, the tenant-wide
# level, never at the calling user's own (Individual) level; reading at that exact level (GET
# /Preference/{section}/{key}/{level}) means a user-level override cannot hide our own write.
PREFERENCE_LEVEL = "Database"
UTM_ON, UTM_OFF = "1", "0"
# A preference with no value at that level reads as "off" (the feature is off until turned on).

# U3. Licences are read from GET /User/currentPrincipal: the Name of each entry of Licenses,
# lower-cased (e.g. "marketingpremium"). Without "marketingpremium" the UTM preference and the
# flows are not read at all (utm_tracking None, flows []), since the API's answer for a missing
# licence is undocumented.
MARKETING_PREMIUM = "marketingpremium"

# U4. A tenant without category automation (before 11.7) answers 404 to the agent method:
# automation reads as []; writing it is refused with a clear error.

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

# U9. Associates come from the MDO list "associate" (GET /MDOList/associate?flat=true): Id, Name,
# FullName, Deleted.

# U10. A create that timed out, lost its connection or got 502/504 may or may not have happened.
# It is never blindly re-sent: the list is re-read and the item looked up by name (names are
# unique per list, ignoring case, deleted items included); only if it is not there is the create
# sent once more.


def body_of(raw: dict) -> dict:
    """An entity as read, ready to be sent back: everything but the answer-only fields."""
    return {k: v for k, v in raw.items() if k not in RESPONSE_ONLY_FIELDS}


def same_name(a, b) -> bool:
    return isinstance(a, str) and isinstance(b, str) and a.casefold() == b.casefold()
