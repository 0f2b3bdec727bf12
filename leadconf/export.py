"""A tenant's current state as a config document: stable order, defaults left out, so that
planning the export against the same tenant shows no changes."""

from __future__ import annotations

from leadconf.config.models import API_TO_TRIGGER, GROUP_TO_API
from leadconf.model.tenant import Tenant

API_TO_GROUP = {v: k for k, v in GROUP_TO_API.items()}
SCHEMA_HINT = (
    "# Editor completion: `leadconf schema -o leadconf.schema.json`, then start this file with\n"
    "# yaml-language-server: $schema=leadconf.schema.json   (or export with --schema-ref)"
)


def _by_rank(items):
    return sorted(items, key=lambda i: (i.rank, i.id))


def export_config(tenant: Tenant, include_deleted: bool = False) -> dict:
    names = {
        "group": {g.id: g.name for g in tenant.user_groups},
        "heading": {h.id: h.name for h in tenant.headings},
        "associate": {a.id: a.name for a in tenant.associates},
        "category": {c.id: c.name for c in tenant.categories},
        "lead_status": {s.id: s.name for s in tenant.lead_statuses},
    }

    def refs(kind, ids):
        return sorted((names[kind][i] for i in ids if i in names[kind]), key=str.casefold)

    doc: dict = {"version": 1}
    categories = []
    for c in _by_rank(tenant.categories):
        if c.deleted and not include_deleted:
            continue
        item = {"name": c.name}
        if c.group != "Unknown":
            item["group"] = API_TO_GROUP.get(c.group, "none")
        if c.enable_lead_status:
            item["lead_status"] = True
        if c.tooltip:
            item["description"] = c.tooltip
        if c.user_groups:
            item["visible_for"] = refs("group", c.user_groups)
        if c.headings:
            item["headings"] = refs("heading", c.headings)
        if c.deleted:
            item["deleted"] = True
        categories.append(item)
    doc["company_categories"] = {"items": categories}

    statuses = []
    for s in _by_rank(tenant.lead_statuses):
        if s.deleted and not include_deleted:
            continue
        item = {"name": s.name}
        if s.tooltip:
            item["description"] = s.tooltip
        if s.deleted:
            item["deleted"] = True
        statuses.append(item)
    doc["lead_statuses"] = {"items": statuses}

    automation = {}
    for rule in sorted(tenant.automation, key=lambda r: r.trigger):
        trigger = API_TO_TRIGGER.get(rule.trigger)
        if trigger is None:
            continue
        entry: dict = {"enabled": rule.enabled}
        if rule.category_id in names["category"]:
            entry["category"] = names["category"][rule.category_id]
        if rule.user_confirmation:
            entry["confirm"] = True
        if trigger == "lead_status_changed" and rule.lead_status_id in names["lead_status"]:
            entry["lead_status"] = names["lead_status"][rule.lead_status_id]
        automation[trigger] = entry
    if automation:
        doc["category_automation"] = automation

    marketing: dict = {}
    if tenant.utm_tracking is not None:
        marketing["utm_tracking"] = tenant.utm_tracking
    flow = next((f for f in tenant.flows if f.distribute_steps), None)
    if flow is not None:
        step = flow.distribute_steps[0]
        dist: dict = {"flow": flow.name}
        if step.associates:
            dist["associates"] = refs("associate", step.associates)
        if step.user_groups:
            dist["user_groups"] = refs("group", step.user_groups)
        if not step.only_unassigned:
            dist["only_unassigned"] = False
        if step.default_associate in names["associate"]:
            dist["fallback"] = names["associate"][step.default_associate]
        marketing["lead_distribution"] = dist
    if marketing:
        doc["marketing"] = marketing
    return doc


def to_yaml(doc: dict, schema_ref: str | None = None) -> str:
    """The document as YAML; `schema_ref` (a path or URL of the schema) adds the editor's modeline."""
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    body = yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    head = f"# yaml-language-server: $schema={schema_ref}" if schema_ref else SCHEMA_HINT
    return head + "\n" + body
