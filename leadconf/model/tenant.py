"""A tenant's current lead-management state, in SuperOffice's terms but in no backend's format.

Values keep the product's meaning (the category group as SuperOffice names it, ids as the tenant's
ids), so that a backend converts field names and nothing else; the Web API's field names live in
backends/superoffice/codec.py. Items are plain slotted dataclasses: a tenant of
50,000 items is built in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import asdict, dataclass, field, replace

# What a tenant's own answers say about an optional feature (Tenant.features): the feature endpoint
# answered normally, answered with a licence error, or does not exist (404: the version lacks it).
FEATURE_AVAILABLE, FEATURE_UNLICENSED, FEATURE_MISSING = "available", "unlicensed", "missing"
MARKETING, AUTOMATION = "marketing", "automation"


@dataclass(slots=True)
class Category:
    """An item of the list Company – Category, with its user-group visibility and headings."""

    id: int | None  # None before it is created
    name: str
    group: str = "Unknown"  # the category group: Unknown, Customer, PotentialCustomer, Partner, Lost, Other
    tooltip: str = ""
    rank: int = 0
    enable_lead_status: bool = False
    deleted: bool = False
    family_id: int = 0  # the category family: not managed, carried through writes
    # ids of the user groups that see the item, and of the headings it is under. None only on an
    # item about to be created whose config leaves them unmanaged: the server's default applies
    # (SuperOffice makes a new item visible to every user group).
    user_groups: tuple[int, ...] | None = ()
    headings: tuple[int, ...] | None = ()


@dataclass(slots=True)
class LeadStatus:
    """An item of the list Contact – Lead status."""

    id: int | None
    name: str
    tooltip: str = ""
    rank: int = 0
    deleted: bool = False


@dataclass(slots=True, frozen=True)
class NamedItem:
    """A user group, a heading or an associate: referenced by name in the config, by id in the API."""

    id: int
    name: str
    deleted: bool = False
    full_name: str = ""  # associates only


@dataclass(slots=True)
class AutomationRule:
    """One rule of Lead categorization (category automation): at most one per trigger."""

    trigger: str  # SaleRegistered, SaleSold, SaleLost, LeadStatusChanged
    enabled: bool = False
    user_confirmation: bool = False
    category_id: int = 0  # the category it sets (0: none)
    lead_status_id: int = 0  # the lead status that triggers it (LeadStatusChanged only; 0: none)


@dataclass(slots=True)
class DistributeStep:
    """The "Distribute to owner" step of a lead-nurturing flow."""

    step_id: int
    flow_id: int
    associates: tuple[int, ...] = ()
    user_groups: tuple[int, ...] = ()
    only_unassigned: bool = True
    default_associate: int = 0
    rank: int = 0


@dataclass(slots=True)
class Flow:
    id: int
    name: str
    distribute_steps: tuple[DistributeStep, ...] = ()

    @property
    def distribute_step(self) -> DistributeStep | None:
        """The "Distribute to owner" step leadconf manages: the first of the flow's steps (in the
        order the tenant lists them); a flow's other Distribute-to-owner steps are left as they are."""
        return self.distribute_steps[0] if self.distribute_steps else None


@dataclass(slots=True)
class Tenant:
    """Everything leadconf reads from one tenant."""

    categories: list[Category] = field(default_factory=list)
    lead_statuses: list[LeadStatus] = field(default_factory=list)
    user_groups: list[NamedItem] = field(default_factory=list)
    headings: list[NamedItem] = field(default_factory=list)  # headings of the category list
    associates: list[NamedItem] = field(default_factory=list)
    automation: list[AutomationRule] = field(default_factory=list)
    # UTM tracking as set tenant-wide (the Database level, else the level below it that applies);
    # None where it is not known (a snapshot without the preference).
    utm_tracking: bool | None = None
    # The level whose value overrides or hides the tenant-wide one for the signed-in user (Group,
    # Individual, PC; or SystemWide hiding a Database value), and that effective value; "" if none.
    utm_override: str = ""
    utm_effective: bool | None = None
    # Why the UTM preference could not be read ("" if it could): a backend keeps the error here
    # instead of failing the whole read, since only a config that manages UTM tracking needs it.
    utm_error: str = ""
    flows: list[Flow] = field(default_factory=list)
    licenses: frozenset[str] = frozenset()
    context: str = ""  # the tenant's context identifier, e.g. Cust12345
    # "Use grouping and user group filtering for this list" on Company – Category; None where the
    # source does not say. Off: no visibility or headings.
    category_grouping: bool | None = None
    # MARKETING / AUTOMATION -> FEATURE_*: decided by the feature endpoints' own answers; a feature
    # missing from the mapping is not known (the rules then check nothing).
    features: dict[str, str] = field(default_factory=dict)

    def copy(self) -> Tenant:
        return replace(
            self,
            categories=[replace(c) for c in self.categories],
            lead_statuses=[replace(s) for s in self.lead_statuses],
            user_groups=list(self.user_groups),
            headings=list(self.headings),
            associates=list(self.associates),
            automation=[replace(a) for a in self.automation],
            flows=list(self.flows),
            features=dict(self.features),
        )


def name_key(name: str) -> str:
    """How SuperOffice compares list-item names: ignoring case and surrounding white space. Defined
    in the model (the lowest layer that compares names); `leadconf.vocabulary` re-exports it."""
    return name.strip().casefold()


def loose_name(text: str) -> str:
    """A name as a hurried reader sees it: no case, accents, spaces or punctuation. The one "near
    name" of did-you-mean hints and of the diff's did-you-rename warning."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def associates_named(associates: list[NamedItem], key: str) -> list[NamedItem]:
    """The associates a config name stands for, compared as SuperOffice compares names (`key` is
    the config name's name_key: stripped, case-folded): the one whose login name it is (login names
    are unique), else every one whose full name it is. More than one is an ambiguity the caller
    reports, naming them."""
    if not key:
        return []
    by_login = [a for a in associates if name_key(a.name) == key]
    return by_login or [a for a in associates if name_key(a.full_name) == key]


def associate_ids(associates: list[NamedItem]) -> dict[str, int]:
    """name_key -> id of every live associate a config may name: login names, and full names that
    only one live associate has (an ambiguous one is refused by the rules before this is used)."""
    live = [a for a in associates if not a.deleted]
    out = {}
    for a in live:
        full = name_key(a.full_name)
        if full and len(associates_named(live, full)) == 1:
            out[full] = a.id
    out.update({name_key(a.name): a.id for a in live})
    return out


def fingerprint(item) -> str:
    """A short digest of an item's whole state: a plan records it, apply compares it."""
    if item is None:
        data = None
    elif _is_flat(item):  # the common case, without asdict's deep copy (2x faster on 50,000 items)
        data = {name: getattr(item, name) for name in item.__slots__}
    else:
        data = asdict(item)
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), default=list)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _is_flat(item) -> bool:
    return isinstance(item, (Category, LeadStatus, AutomationRule, DistributeStep))
