"""The words the layers share, each defined once, without pydantic.

The config (YAML) speaks `potential_customer`, `sale_sold` and `visible_for`; the tenant model speaks
the API's values (`PotentialCustomer`, `SaleSold`) and attributes (`user_groups`). This module holds
the translation: the group and trigger maps, the kinds of item, the policy defaults, one table of
fields per kind, how names compare, and the digests a plan records. The diff, the apply and the
export all read the same table, so adding a managed field means adding one row here (and the
field to the config model and the codec).

Importing it costs nothing: `leadconf apply PLANFILE` uses it without loading the config models.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from leadconf.model.tenant import fingerprint, loose_name, name_key

# -- names -----------------------------------------------------------------------------------------

# name_key and loose_name are defined in the model (below this layer) and re-exported here.

# ref (as the config's messages name it) -> the Tenant attribute that lists those items
REF_LISTS = {"user group": "user_groups", "heading": "headings", "associate": "associates",
             "category": "categories", "lead_status": "lead_statuses"}


def ref_names(tenant) -> dict[str, dict[int, str]]:
    """ref -> {id: name} of the items a config names by name (deleted ones included)."""
    return {ref: {i.id: i.name for i in getattr(tenant, attr)} for ref, attr in REF_LISTS.items()}


def renamed_from(item) -> list[str]:
    """A config item's `renamed_from` as a list, whichever way it was written."""
    value = item.renamed_from
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


# -- enums -----------------------------------------------------------------------------------------

# SuperOffice's fixed CategoryGroup enum: config spelling -> the API's string (CategoryEntity.CategoryGroup).
GROUP_TO_API = {
    "customer": "Customer",
    "potential_customer": "PotentialCustomer",
    "partner": "Partner",
    "lost": "Lost",
    "other": "Other",
    "none": "Unknown",
}
API_TO_GROUP = {v: k for k, v in GROUP_TO_API.items()}
# The labels SuperOffice's screens show for the groups (English, Dutch): not accepted as values,
# but a config that writes one is told the key it means.
GROUP_LABELS = {
    "Potential customer": "potential_customer", "Potentiële klant": "potential_customer",
    "Klant": "customer", "Verloren": "lost", "Overig": "other", "(No Selection)": "none",
}

# Lead categorization triggers: config key -> the API's TriggerType.
TRIGGER_TO_API = {
    "sale_registered": "SaleRegistered",
    "sale_sold": "SaleSold",
    "sale_lost": "SaleLost",
    "lead_status_changed": "LeadStatusChanged",
}
API_TO_TRIGGER = {v: k for k, v in TRIGGER_TO_API.items()}
LEAD_GROUP = "potential_customer"  # the one group whose categories may enable lead status
STATUS_TRIGGER = "lead_status_changed"  # the one trigger that names a lead status

# -- kinds of item ---------------------------------------------------------------------------------

KIND_TITLES = {
    "category": "Company – Category",
    "lead_status": "Contact – Lead status",
    "category_automation": "Category automation",
    "utm_tracking": "Marketing – UTM tracking",
    "lead_distribution": "Marketing – Lead distribution",
}
KINDS = tuple(KIND_TITLES)  # in the order plans show them
LIST_KINDS = ("category", "lead_status")  # ordered, soft-deleted lists of named items
SETTING_KINDS = ("utm_tracking", "lead_distribution")  # one setting each: only ever updated
VALUE_KINDS = ("utm_tracking",)  # a setting held as a plain value (a bool), not an item: its key is None
SECTIONS = {"category": "company_categories", "lead_status": "lead_statuses"}  # list kind -> its config section


def list_sections(config, tenant) -> list[tuple[str, str, object, list]]:
    """(kind, config section name, the config's section or None, the tenant's items) of each list."""
    return [(kind, SECTIONS[kind], getattr(config, SECTIONS[kind]) if config is not None else None,
             getattr(tenant, REF_LISTS[kind])) for kind in LIST_KINDS]


def kind_words(kind: str) -> str:
    """A kind as words in a message: "lead status"."""
    return kind.replace("_", " ")


# -- the apply safety rail -------------------------------------------------------------------------

MAX_CHANGE_PERCENT = 30  # refuse a plan that changes more than this share of a list ...
MIN_LIST_SIZE = 10  # ... of a list with at least this many live items


def policy_defaults() -> dict:
    """The policy a plan records when the config sets none (its file form: a float, an int)."""
    return {"max_change_percent": float(MAX_CHANGE_PERCENT), "min_list_size": MIN_LIST_SIZE}


def policy_of(section=None) -> dict:
    """The policy a plan records for a config: its `policy:` section (the config model's, read by
    attribute), else the defaults."""
    if section is None:
        return policy_defaults()
    return {"max_change_percent": section.max_change_percent, "min_list_size": section.min_list_size}


# -- the managed fields of each kind ---------------------------------------------------------------

ALWAYS = object()  # an export default no value equals: the field is always written


@dataclass(frozen=True)
class Field:
    """One managed field: its config key, the tenant-model attribute that holds it, and how the
    value translates.

    ref      the value names items of this kind ("user group", "heading", "associate", "category",
             "lead_status"); the model holds their ids. `many`: a list of them.
    enum     config value -> model value; `from_model` the way back (an unknown value: `default`)
    default  the value `export` leaves out (ALWAYS: written whatever it is)
    plain    the JSON type of a value that is neither a reference nor an enum (a plan file is checked by it)
    keep_if_empty  an empty reference leaves the model's id as it is (else it clears it to 0)
    """

    config: str
    attr: str
    ref: str | None = None
    many: bool = False
    enum: dict | None = None
    from_model: dict | None = None
    default: object = None
    keep_if_empty: bool = False
    plain: type = bool


FIELDS: dict[str, tuple[Field, ...]] = {
    "category": (
        Field("name", "name", default=ALWAYS, plain=str),
        Field("group", "group", enum=GROUP_TO_API, from_model=API_TO_GROUP, default="none"),
        Field("lead_status", "enable_lead_status", default=False),
        Field("description", "tooltip", default="", plain=str),
        Field("visible_for", "user_groups", ref="user group", many=True, default=[]),
        Field("headings", "headings", ref="heading", many=True, default=[]),
        Field("deleted", "deleted", default=False),
    ),
    "lead_status": (
        Field("name", "name", default=ALWAYS, plain=str),
        Field("description", "tooltip", default="", plain=str),
        Field("deleted", "deleted", default=False),
    ),
    "category_automation": (
        Field("enabled", "enabled", default=ALWAYS),
        Field("category", "category_id", ref="category", keep_if_empty=True),
        Field("confirm", "user_confirmation", default=False),
        Field("lead_status", "lead_status_id", ref="lead_status", keep_if_empty=True),
    ),
    "lead_distribution": (
        Field("only_unassigned", "only_unassigned", default=True),
        Field("associates", "associates", ref="associate", many=True, default=[]),
        Field("user_groups", "user_groups", ref="user group", many=True, default=[]),
        Field("fallback", "default_associate", ref="associate"),
    ),
}
FIELD = {kind: {f.config: f for f in fields} for kind, fields in FIELDS.items()}

# Fields a config item carries that are instructions, not managed values.
NOT_MANAGED = ("renamed_from",)


def model_to_config(kind: str, item, names: dict, *, unknown=None) -> dict:
    """A model item's managed fields in the config's vocabulary.

    `names`: ref -> {id: name}. An id that names nothing is `unknown(id)` in a list (left out when
    `unknown` is None); a single reference to nothing (or 0) is None.
    """
    out = {}
    for f in FIELDS[kind]:
        value = getattr(item, f.attr)
        if f.from_model is not None:
            value = f.from_model.get(value, f.default)
        elif f.ref and f.many:
            table = names[f.ref]
            found = [table[i] if i in table else (unknown(i) if unknown else None) for i in value or ()]
            value = sorted((n for n in found if n is not None), key=str.casefold)
        elif f.ref:
            value = names[f.ref].get(value) if value else None
        out[f.config] = value
    return out


def same_value(field: Field, now, want) -> bool:
    """Does the tenant's value (config vocabulary) equal the config's? Names of referenced items
    compare as SuperOffice compares them; lists of names as sets."""
    if isinstance(want, list):
        return sorted(map(name_key, now or ())) == sorted(map(name_key, want))
    if field.ref and isinstance(want, str):
        return isinstance(now, str) and name_key(now) == name_key(want)
    return now == want


# -- digests a plan records ------------------------------------------------------------------------


def fingerprint_value(value) -> str:
    """The digest of a plain value (the UTM preference)."""
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16]


def item_fingerprint(kind: str, item) -> str:
    """The digest a plan records for an item of `kind` (a plain value's for a value kind)."""
    return fingerprint_value(item) if kind in VALUE_KINDS else fingerprint(item)


def list_fingerprint(items) -> str:
    """A digest of a list's membership and order: a reorder or prune in a plan records it."""
    data = [(i.id, i.name, i.rank, i.deleted) for i in items]
    return hashlib.sha256(json.dumps(data, separators=(",", ":")).encode()).hexdigest()[:16]


__all__ = [
    "ALWAYS", "API_TO_GROUP", "API_TO_TRIGGER", "FIELD", "FIELDS", "Field", "GROUP_TO_API", "KINDS",
    "KIND_TITLES", "LIST_KINDS", "MAX_CHANGE_PERCENT", "MIN_LIST_SIZE", "TRIGGER_TO_API", "fingerprint",
    "LEAD_GROUP", "REF_LISTS", "SECTIONS", "SETTING_KINDS", "VALUE_KINDS", "STATUS_TRIGGER", "fingerprint_value", "item_fingerprint", "kind_words", "list_fingerprint", "list_sections", "loose_name", "model_to_config", "name_key",
    "policy_defaults", "policy_of", "ref_names", "renamed_from", "same_value",
]
