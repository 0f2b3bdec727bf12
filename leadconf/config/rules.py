"""The product's rules: what SuperOffice requires that a schema cannot say.

`check_config` runs on a schema-valid config alone (LC1xx). `check_against_tenant` adds the rules
that need the tenant's current state (LC2xx); it is pure, so plan can run it on what it has read.
Every rule id is documented in docs/rules.md; ids never change meaning.

"Names" compare as SuperOffice compares them: ignoring case and surrounding white space
(`models.name_key`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from leadconf.config.suggest import did_you_mean
from leadconf.errors import Diagnostic, diagnostic_order
from leadconf.vocabulary import GROUP_TO_API, LEAD_GROUP, SECTIONS, STATUS_TRIGGER, TRIGGER_TO_API, name_key, renamed_from

if TYPE_CHECKING:
    from leadconf.config.loader import LoadedConfig
    from leadconf.config.models import Category, Config, LeadStatus
    from leadconf.model.tenant import Tenant

CATS = SECTIONS["category"]
STATUSES = SECTIONS["lead_status"]
POTENTIAL = LEAD_GROUP
POTENTIAL_API = GROUP_TO_API[LEAD_GROUP]
OPEN = "open"  # name_key of the lead status that SuperOffice gives every new lead

TRIGGERS = tuple(TRIGGER_TO_API)


class _Report:
    """Collects diagnostics, located through the loaded config's lazy position lookup."""

    def __init__(self, loaded: LoadedConfig):
        self.loaded = loaded
        self.found: list[Diagnostic] = []

    def error(self, rule: str, path: tuple, message: str):
        self.found.append(self.loaded.diagnostic(path, rule, message))

    def warning(self, rule: str, path: tuple, message: str):
        self.found.append(self.loaded.diagnostic(path, rule, message, "warning"))

    def place(self, path: tuple) -> str:
        loc = self.loaded.where(path)
        return f"{loc[0]}:{loc[1]}" if loc else "elsewhere"


# -- config rules (LC1xx) -------------------------------------------------------------------------

def check_config(loaded: LoadedConfig) -> list[Diagnostic]:
    report = _Report(loaded)
    config = loaded.config
    if config.company_categories is not None:
        _names(report, CATS, config.company_categories.items, "category")
        _lead_status_groups(report, config)
    if config.lead_statuses is not None:
        _names(report, STATUSES, config.lead_statuses.items, "lead status")
        _open_status(report, config)
    _lead_enabled_category(report, config)
    _automation(report, config)
    _references(report, config)
    return report.found


def _names(report: _Report, section: str, items: Sequence[Category | LeadStatus], what: str):
    """LC104-LC105, LC112-LC113: names unique within the list (renamed_from included), not blank."""
    taken: dict[str, tuple[tuple, str]] = {}  # name_key -> (path, "name" or "renamed_from")
    for i, item in enumerate(items):
        path = (section, "items", i)
        key = name_key(item.name)
        if not key:
            report.error("LC112", path + ("name",), f"the {what} name is blank")
            continue
        if item.name != item.name.strip():
            report.warning("LC113", path + ("name",),
                           f"{what} name {item.name!r} has leading or trailing white space; SuperOffice ignores it "
                           "when matching names")
        first = taken.get(key)
        if first is None:
            taken[key] = (path, "name")
        elif first[1] == "name":
            report.error("LC104", path + ("name",),
                         f"{what} {item.name.strip()!r} is defined twice: here and at {report.place(first[0])} "
                         "(names are unique ignoring case)")
        else:
            report.error("LC104", path + ("name",),
                         f"{what} {item.name.strip()!r} is also the earlier name (renamed_from) of the {what} at "
                         f"{report.place(first[0])}")
        old_names = renamed_from(item)
        for j, old in enumerate(old_names):
            old_path = path + ("renamed_from",) + ((j,) if isinstance(item.renamed_from, list) else ())
            old_key = name_key(old)
            if not old_key:
                report.error("LC112", old_path, "renamed_from holds a blank name")
                continue
            if old_key == key:
                report.error("LC105", old_path,
                             f"{what} {item.name.strip()!r} is renamed from itself; names match ignoring case and "
                             "white space, so write the new spelling as the name and drop renamed_from")
                continue
            first = taken.get(old_key)
            if first is None:
                taken[old_key] = (path, "renamed_from")
            elif first[0] == path:
                report.error("LC104", old_path, f"renamed_from names {old.strip()!r} twice")
            elif first[1] == "name":
                report.error("LC104", old_path,
                             f"renamed_from {old.strip()!r} is the name of another {what} "
                             f"(at {report.place(first[0])}); one item cannot take over another's name")
            else:
                report.error("LC104", old_path,
                             f"two {what} items are renamed from {old.strip()!r}: this one and the one at "
                             f"{report.place(first[0])}")


def _lead_status_groups(report: _Report, config: Config):
    """LC102: only a potential_customer category may enable lead status."""
    for i, cat in enumerate(config.company_categories.items if config.company_categories else ()):
        if cat.lead_status and cat.group is not None and cat.group != POTENTIAL and not cat.deleted:
            report.error("LC102", (CATS, "items", i, "lead_status"),
                         f"category {cat.name.strip()!r} is in group {cat.group}: only potential_customer "
                         "categories can enable lead status")


def _lead_enabled_category(report: _Report, config: Config):
    """LC103: with lead statuses in play, some potential_customer category must enable lead status."""
    cats = config.company_categories
    if not _lead_status_in_play(config) or cats is None:
        return
    possible = any(
        not c.deleted and c.group in (None, POTENTIAL) and c.lead_status in (None, True) for c in cats.items
    )
    if possible:
        return  # definitely there, or it depends on what the tenant holds (checked at plan time)
    message = ("no potential_customer category has lead status enabled, so no company can carry a lead "
               "status (step 1 of setting up lead management)")
    if cats.prune:  # a warning still: the tenant may have none yet (an export of it); LC202 decides at plan time
        report.warning("LC103", (CATS, "prune"), message + "; the list is pruned, so none will be left (plan "
                       "refuses this where the tenant has one now: LC202)")
    else:
        report.warning("LC103", (CATS,), message + " here; the tenant must hold one (checked at plan time)")


def _lead_status_in_play(config: Config) -> bool:
    cats = config.company_categories
    return config.lead_statuses is not None or (
        cats is not None and any(c.lead_status and not c.deleted for c in cats.items)
    )


def _open_status(report: _Report, config: Config):
    """LC106-LC107: "Open" is the default status of every new lead."""
    statuses = config.lead_statuses
    if statuses is None:
        return
    listed = False
    for i, status in enumerate(statuses.items):
        path = (STATUSES, "items", i)
        if name_key(status.name) == OPEN:
            listed = True
            if status.deleted:
                report.error("LC106", path + ("deleted",),
                             "lead status 'Open' cannot be deleted: SuperOffice gives it to every new lead")
        for j, old in enumerate(renamed_from(status)):
            if name_key(old) == OPEN and name_key(status.name) != OPEN:
                listed = True
                old_path = path + ("renamed_from",) + ((j,) if isinstance(status.renamed_from, list) else ())
                if status.deleted:
                    report.error("LC106", path + ("deleted",),
                                 "this lead status was 'Open', which cannot be deleted: SuperOffice gives it to every new lead")
                else:
                    report.warning("LC107", old_path,
                                   f"renames 'Open', the status of every new lead, to {status.name.strip()!r}: "
                                   "check that SuperOffice still gives new leads this status")
    if statuses.prune and not listed:  # a warning here: the tenant may have no live 'Open' (renamed, an
        # export of it); plan and validate --target make it an error where it has one (_tenant_open_pruned)
        report.warning("LC106", (STATUSES, "prune"),
                       "prune: true would delete the lead status 'Open' (the status of every new lead) where the "
                       "tenant has one: list it under items (checked against the tenant at plan time)")


def _automation(report: _Report, config: Config):
    """LC108-LC111: what category_automation names must exist, not be deleted, and be given when enabled."""
    auto = config.category_automation
    if auto is None:
        return
    for trigger in TRIGGERS:
        rule = getattr(auto, trigger)
        if rule is None:
            continue
        path = ("category_automation", trigger)
        if rule.enabled and rule.category is None:
            report.error("LC111", path, f"{trigger} is enabled but names no category (category: ...)")
        if trigger == STATUS_TRIGGER and rule.enabled and rule.lead_status is None:
            report.error("LC111", path, "lead_status_changed is enabled but names no lead status (lead_status: ...)")
        if rule.category is not None:
            _named(report, config.company_categories, CATS, rule.category, path + ("category",), "category")
        if trigger == STATUS_TRIGGER and rule.lead_status is not None:
            _named(report, config.lead_statuses, STATUSES, rule.lead_status, path + ("lead_status",), "lead status")


def _named(report: _Report, section, section_key: str, name: str, path: tuple, what: str):
    key = name_key(name)
    if not key:
        report.error("LC112", path, f"the {what} name is blank")
        return
    if section is None:
        return  # the list is not managed here: checked against the tenant at plan time
    for i, item in enumerate(section.items):
        if name_key(item.name) == key:
            if item.deleted:
                report.error("LC110", path,
                             f"category automation names the {what} {name.strip()!r}, which is deleted "
                             f"at {report.place((section_key, 'items', i))}")
            return
    rule = "LC108" if section_key == CATS else "LC109"
    renamed = next((it for it in section.items if key in {name_key(n) for n in renamed_from(it)}), None)
    if renamed is not None:
        hint = f"; it is renamed to {renamed.name.strip()!r}"
    else:
        plural = "categories" if section_key == CATS else "lead statuses"
        hint = did_you_mean(name, [it.name.strip() for it in section.items if not it.deleted],
                            listing=f"{plural} in {section_key}")
    report.error(rule, path, f"category automation names the {what} {name.strip()!r}, which is not in {section_key}{hint}")


def _references(report: _Report, config: Config):
    """LC112, LC114-LC115: names of user groups, headings and associates; lead distribution."""
    if config.company_categories is not None:
        for i, cat in enumerate(config.company_categories.items):
            for field in ("visible_for", "headings"):
                _name_list(report, getattr(cat, field), (CATS, "items", i, field))
    dist = config.marketing.lead_distribution if config.marketing is not None else None
    if dist is None:
        return
    path = ("marketing", "lead_distribution")
    if not name_key(dist.flow):
        report.error("LC112", path + ("flow",), "the flow name is blank")
    _name_list(report, dist.associates, path + ("associates",))
    _name_list(report, dist.user_groups, path + ("user_groups",))
    if dist.fallback is not None and not name_key(dist.fallback):
        report.error("LC112", path + ("fallback",), "the fallback associate's name is blank")
    if dist.associates == [] and dist.user_groups == []:
        report.error("LC114", path,
                     "lead_distribution names no associates and no user groups: there is no one to distribute to")


def _name_list(report: _Report, names: list[str] | None, path: tuple):
    if not names:
        return
    seen: set[str] = set()
    for j, name in enumerate(names):
        key = name_key(name)
        if not key:
            report.error("LC112", path + (j,), "blank name")
        elif key in seen:
            report.warning("LC115", path + (j,), f"{name.strip()!r} is listed twice")
        seen.add(key)


# -- rules against the tenant (LC2xx) -------------------------------------------------------------

def _index(items: Iterable, *, live_only: bool = False) -> dict:
    out: dict = {}
    for item in items:
        if live_only and getattr(item, "deleted", False):
            continue
        out.setdefault(name_key(item.name), item)
    return out


def _match(item, live: dict):
    """The live item a config item stands for: by its name, else by an earlier name."""
    found = live.get(name_key(item.name))
    if found is not None:
        return found
    for old in renamed_from(item):
        found = live.get(name_key(old))
        if found is not None:
            return found
    return None


def _resulting_categories(config: Config, tenant: Tenant):
    """(name_key, group API string, lead enabled, deleted, config index or None) of every category
    the tenant would hold after an apply: live items matched by name with the managed fields applied."""
    cats = config.company_categories
    live = _index(tenant.categories)
    result: list[tuple] = []
    matched: set[int] = set()
    for i, item in enumerate(cats.items if cats is not None else ()):
        current = _match(item, live)
        if current is not None:
            matched.add(id(current))
        group = GROUP_TO_API[item.group] if item.group is not None else (current.group if current else "Unknown")
        lead = item.lead_status if item.lead_status is not None else (current.enable_lead_status if current else False)
        result.append((name_key(item.name), group, lead, item.deleted, i))
    for current in tenant.categories:
        if id(current) in matched:
            continue
        deleted = current.deleted or bool(cats is not None and cats.prune)
        result.append((name_key(current.name), current.group, current.enable_lead_status, deleted, None))
    return result


def check_against_tenant(loaded: LoadedConfig, tenant: Tenant) -> list[Diagnostic]:
    """The rules that need the tenant's current state, sorted by file and line.

    Pure: reads the two arguments only."""
    report = _Report(loaded)
    config = loaded.config
    cats = _resulting_categories(config, tenant)
    _tenant_lead_groups(report, config, cats)
    _tenant_lead_enabled(report, config, tenant, cats)
    _tenant_automation(report, config, tenant)
    _tenant_licences(report, config, tenant)
    _tenant_references(report, config, tenant)
    _tenant_grouping(report, config, tenant)
    _tenant_open_pruned(report, config, tenant)
    if config.company_categories is not None:
        _tenant_renames(report, CATS, config.company_categories.items, tenant.categories, "category")
    if config.lead_statuses is not None:
        _tenant_renames(report, STATUSES, config.lead_statuses.items, tenant.lead_statuses, "lead status")
    return sorted(report.found, key=diagnostic_order(loaded.files))


def _tenant_open_pruned(report: _Report, config: Config, tenant: Tenant):
    """LC106 against the tenant: prune: true would delete its live 'Open' (no item is named or
    renamed from it). A tenant whose 'Open' was renamed has none to delete."""
    statuses = config.lead_statuses
    if statuses is None or not statuses.prune:
        return
    if any(name_key(n) == OPEN for s in statuses.items for n in (s.name, *renamed_from(s))):
        return  # listed: the config-only rule has said what there is to say
    if any(name_key(s.name) == OPEN and not s.deleted for s in tenant.lead_statuses):
        report.error("LC106", (STATUSES, "prune"),
                     "prune: true would delete the lead status 'Open' (the status of every new lead): "
                     "list it under items")


def _tenant_renames(report: _Report, section: str, items, tenant_items, what: str):
    """LC215-LC216: what `renamed_from` finds in the tenant.

    A rename needs the item under its earlier name and no other item holding the new one. An
    earlier name that finds nothing while the new name finds nothing either makes the plan
    create a second item (a typo, most likely); both names live means no rename can happen."""
    by_key = _index(tenant_items)
    named = {name_key(n) for it in items for n in (it.name, *renamed_from(it))}
    for i, item in enumerate(items):
        olds = renamed_from(item)
        if not olds or item.deleted:
            continue
        current = by_key.get(name_key(item.name))
        earlier = [by_key[name_key(old)] for old in olds if name_key(old) in by_key]
        path = (section, "items", i, "renamed_from")
        if current is None and not earlier:
            spare = [t.name for k, t in by_key.items() if k not in named and not t.deleted]
            report.warning("LC215", path,
                           f"{what} {item.name.strip()!r}: no {what} in the tenant is named "
                           f"{' or '.join(repr(o.strip()) for o in olds)}, so it will be created, not renamed"
                           + did_you_mean(olds[0], spare, listing=f"live {_plural(what)} the config does not name"))
            continue
        both = [e for e in earlier if current is not None and not current.deleted and not e.deleted and e is not current]
        if both:
            report.error("LC216", path,
                         f"{what} {item.name.strip()!r} is renamed from {both[0].name.strip()!r}, but both exist live in "
                         f"the tenant: names are unique, so the rename cannot happen. Drop renamed_from (and retire "
                         f"{both[0].name.strip()!r} with an item of its own, deleted: true), or delete "
                         f"{item.name.strip()!r} in SuperOffice first")


def _plural(what: str) -> str:
    return "categories" if what == "category" else what + "es"


def _tenant_grouping(report: _Report, config: Config, tenant: Tenant):
    """LC213: visibility or headings for a Category list that does not use grouping."""
    if tenant.category_grouping is not False or config.company_categories is None:
        return
    for i, cat in enumerate(config.company_categories.items):
        for field in ("visible_for", "headings"):
            if getattr(cat, field):
                report.error("LC213", (CATS, "items", i, field),
                             f"category {cat.name.strip()!r}: {field} needs \"Use grouping and user group filtering "
                             "for this list\" on Company – Category, which is off in the tenant (every item is "
                             f"visible to every user group); turn it on in Settings and maintenance, or drop {field}")


def _tenant_lead_groups(report: _Report, config: Config, cats):
    """LC201: a category the config touches would end up lead-enabled outside PotentialCustomer."""
    for _key, group, lead, deleted, index in cats:
        if index is None or deleted or not lead or group == POTENTIAL_API:
            continue
        assert config.company_categories is not None  # index is a position in it
        item = config.company_categories.items[index]
        if item.group is not None and item.lead_status is not None:
            continue  # both written in the config: LC102's business
        if item.group is None and item.lead_status is None:
            continue  # the config leaves both as they are
        if item.group is None:
            report.error("LC201", (CATS, "items", index, "lead_status"),
                         f"category {item.name.strip()!r} is in group {group} in the tenant (group: is not managed "
                         "here), so it cannot enable lead status; add group: potential_customer")
        else:
            report.error("LC201", (CATS, "items", index, "group"),
                         f"category {item.name.strip()!r} has lead status enabled in the tenant (lead_status: is "
                         f"not managed here), which group {item.group} does not allow; add lead_status: false")


def _tenant_lead_enabled(report: _Report, config: Config, tenant: Tenant, cats):
    """LC202: the tenant would hold no potential_customer category with lead status enabled.

    An error when the config takes the last one away; a warning when the tenant has none to start
    with (lead management not set up yet): a plan that changes nothing there should not be refused,
    an exported tenant must plan cleanly, and the warning still says what is missing. Also a warning
    when the config states "none" outright (_lead_status_off_everywhere): the tenant drifted, and
    the plan shows the change (exit 2 under --detailed-exitcode) instead of refusing to plan.
    """
    if not _lead_status_in_play(config):
        return
    if any(lead and not deleted and group == POTENTIAL_API for _k, group, lead, deleted, _i in cats):
        return
    path = (CATS,) if config.company_categories is not None else (STATUSES,)
    fix = "enable it on one (group: potential_customer, lead_status: true)"
    had_one = any(c.enable_lead_status and not c.deleted and c.group == POTENTIAL_API for c in tenant.categories)
    if had_one and _lead_status_off_everywhere(config):
        report.warning("LC202", path,
                       "the config says lead_status: false on every category, so apply turns lead status off where "
                       "the tenant has it now (changed by hand?) and no company could carry a lead status; if the "
                       f"tenant is right, {fix}")
    elif had_one:
        report.error("LC202", path,
                     "after apply, no potential_customer category would have lead status enabled, so no company "
                     f"could carry a lead status; {fix}")
    else:
        report.warning("LC202", path,
                       "no potential_customer category has lead status enabled in the tenant, nor would one after "
                       f"apply: no company can carry a lead status yet; {fix}")


def _lead_status_off_everywhere(config: Config) -> bool:
    """The config owns the whole list (prune: true) and says lead_status: false on every category in
    it: the shape of the export of a tenant with none enabled. A tenant that has one on was changed
    since (drift), and turning it off is what the config states outright, not a slip (the last one
    pruned, deleted, regrouped, or switched off among categories that leave the flag unstated)."""
    cats = config.company_categories
    return bool(cats is not None and cats.prune and cats.items and all(c.lead_status is False for c in cats.items))


def _tenant_automation(report: _Report, config: Config, tenant: Tenant):
    """LC203-LC204: names in category_automation exist in the tenant when the config does not list them."""
    auto = config.category_automation
    if auto is None:
        return
    live_cats = _index(tenant.categories, live_only=True)
    live_statuses = _index(tenant.lead_statuses, live_only=True)
    for trigger in TRIGGERS:
        rule = getattr(auto, trigger)
        if rule is None:
            continue
        path = ("category_automation", trigger)
        if rule.category is not None and config.company_categories is None and name_key(rule.category) not in live_cats:
            report.error("LC203", path + ("category",),
                         f"category automation names the category {rule.category.strip()!r}, which the tenant does "
                         "not have (or has deleted)" + _tenant_hint(rule.category, live_cats, "categories"))
        status = getattr(rule, "lead_status", None)
        if status is not None and config.lead_statuses is None and name_key(status) not in live_statuses:
            report.error("LC204", path + ("lead_status",),
                         f"category automation names the lead status {status.strip()!r}, which the tenant does not "
                         "have (or has deleted)" + _tenant_hint(status, live_statuses, "lead statuses"))


def _tenant_hint(name: str, live: dict, plural: str) -> str:
    """did-you-mean among the tenant's live items (`live`: name_key -> item)."""
    return did_you_mean(name, [item.name.strip() for item in live.values()],
                        listing=f"live {plural} in the tenant")


def _tenant_licences(report: _Report, config: Config, tenant: Tenant):
    """LC205, LC206, LC214: features the config manages that the tenant's own answers refuse.

    Decided by the feature endpoints (the flow list, the automation agent method), never by a
    licence name: none documented identifies these features. A feature not known is not checked."""
    from leadconf.model.tenant import AUTOMATION, FEATURE_MISSING, FEATURE_UNLICENSED, MARKETING

    marketing = config.marketing
    manages_marketing = marketing is not None and (
        marketing.utm_tracking is not None or marketing.lead_distribution is not None
    )
    if manages_marketing and tenant.features.get(MARKETING) in (FEATURE_UNLICENSED, FEATURE_MISSING):
        report.error("LC205", ("marketing",),
                     "the tenant refuses Marketing Premium: its flow list answered with a licence error, so "
                     "UTM tracking and lead-nurturing flows cannot be managed (nothing will be written)")
    if config.category_automation is None:
        return
    state = tenant.features.get(AUTOMATION)
    if state == FEATURE_UNLICENSED:
        report.error("LC206", ("category_automation",),
                     "the tenant refuses category automation: the automation agent method answered with a licence "
                     "error (SuperOffice documents lead categorization for Sales Premium); nothing will be written")
    elif state == FEATURE_MISSING:
        report.error("LC214", ("category_automation",),
                     "the tenant has no category automation (the agent method answers 404: it needs SuperOffice "
                     "11.7 or later); remove category_automation, or upgrade the tenant (nothing will be written)")


def _check_associate(report: _Report, name: str, path: tuple, tenant: Tenant):
    """LC209: an associate is named by login name or full name; it must be one, and not retired."""
    from leadconf.model.tenant import associates_named

    found = associates_named(tenant.associates, name_key(name))
    live = [a for a in found if not a.deleted]
    if len(live) > 1:
        named = ", ".join(f"{a.name!r} ({a.full_name})" for a in live)
        report.error("LC209", path, f"the associate name {name.strip()!r} matches {len(live)} associates: {named}; "
                                    "name one by its login name")
    elif live:
        return
    elif found:
        report.error("LC209", path, f"the tenant has a retired associate {name.strip()!r}")
    else:
        live_ones = [a for a in tenant.associates if not a.deleted]
        names = [a.name.strip() for a in live_ones] + [a.full_name.strip() for a in live_ones if a.full_name]
        report.error("LC209", path, f"the tenant has no associate with the login name or full name {name.strip()!r}"
                     + did_you_mean(name, list(dict.fromkeys(names)), listing="live associates in the tenant"))


def _missing(name: str, index: dict, what: str) -> str | None:
    """What is wrong with a reference to a user group, heading or associate (`index`: name_key ->
    item, deleted ones included), or None when it names a live one."""
    found = index.get(name_key(name))
    if found is None:
        live = {k: item for k, item in index.items() if not item.deleted}
        return f"the tenant has no {what} named {name.strip()!r}" + _tenant_hint(name, live, what + "s")
    if found.deleted:
        return f"the {what} {name.strip()!r} is deleted in the tenant"
    return None


def _tenant_references(report: _Report, config: Config, tenant: Tenant):
    """LC207-LC212: user groups, headings, associates and the flow exist; the flow can distribute."""
    groups = _index(tenant.user_groups)
    headings = _index(tenant.headings)

    def check(names, path, index, rule, what):
        for j, name in enumerate(names or ()):
            problem = _missing(name, index, what)
            if problem:
                report.error(rule, path + (j,), problem)

    if config.company_categories is not None:
        for i, cat in enumerate(config.company_categories.items):
            check(cat.visible_for, (CATS, "items", i, "visible_for"), groups, "LC207", "user group")
            check(cat.headings, (CATS, "items", i, "headings"), headings, "LC208", "heading")
    dist = config.marketing.lead_distribution if config.marketing is not None else None
    if dist is None:
        return
    path = ("marketing", "lead_distribution")
    check(dist.user_groups, path + ("user_groups",), groups, "LC207", "user group")
    for j, name in enumerate(dist.associates or ()):
        _check_associate(report, name, path + ("associates", j), tenant)
    if dist.fallback is not None:
        _check_associate(report, dist.fallback, path + ("fallback",), tenant)
    if tenant.features.get("marketing") in ("unlicensed", "missing"):
        return  # no flow list to look in: LC205 says why, an LC210 "no flow named" would mislead
    flow = next((f for f in tenant.flows if name_key(f.name) == name_key(dist.flow)), None)
    if flow is None:
        report.error("LC210", path + ("flow",), f"the tenant has no flow named {dist.flow.strip()!r}"
                     + did_you_mean(dist.flow, [f.name for f in tenant.flows], listing="flows in the tenant"))
        return
    step = flow.distribute_step
    if step is None:
        report.error("LC211", path + ("flow",),
                     f"the flow {dist.flow.strip()!r} has no \"Distribute to owner\" step to configure; add one in "
                     "SuperOffice first")
        return
    has_associates = dist.associates if dist.associates is not None else step.associates
    has_groups = dist.user_groups if dist.user_groups is not None else step.user_groups
    if not has_associates and not has_groups:
        report.error("LC212", path,
                     "after apply, the flow's \"Distribute to owner\" step would have no associates and no user "
                     "groups to distribute to")
