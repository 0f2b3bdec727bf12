"""A tenant's current state as a config document: stable order, defaults left out, so that
planning the export against the same tenant shows no changes."""

from __future__ import annotations

from leadconf.model.tenant import Tenant
from leadconf.vocabulary import ALWAYS, API_TO_TRIGGER, FIELDS, model_to_config

SCHEMA_HINT = (
    "# Editor completion: `leadconf schema -o leadconf.schema.json`, then start this file with\n"
    "# yaml-language-server: $schema=leadconf.schema.json   (or export with --schema-ref)"
)


def _by_rank(items):
    return sorted(items, key=lambda i: (i.rank, i.id))


def _written(kind: str, item, names: dict, *, skip=()) -> dict:
    """An item's managed fields as the config writes them: those at their default left out."""
    fields = model_to_config(kind, item, names)
    return {f.config: fields[f.config] for f in FIELDS[kind]
            if f.config not in skip and (f.default is ALWAYS or fields[f.config] not in (f.default, None))}


def export_config(tenant: Tenant, include_deleted: bool = False) -> dict:
    names = {
        "user group": {g.id: g.name for g in tenant.user_groups},
        "heading": {h.id: h.name for h in tenant.headings},
        "associate": {a.id: a.name for a in tenant.associates},
        "category": {c.id: c.name for c in tenant.categories},
        "lead_status": {s.id: s.name for s in tenant.lead_statuses},
    }
    doc: dict = {"version": 1}
    for kind, section, items in (("category", "company_categories", tenant.categories),
                                 ("lead_status", "lead_statuses", tenant.lead_statuses)):
        doc[section] = {"items": [_written(kind, i, names) for i in _by_rank(items) if include_deleted or not i.deleted]}
    automation = {}
    for rule in sorted(tenant.automation, key=lambda r: r.trigger):
        trigger = API_TO_TRIGGER.get(rule.trigger)
        if trigger is not None:
            skip = () if trigger == "lead_status_changed" else ("lead_status",)
            automation[trigger] = _written("category_automation", rule, names, skip=skip)
    if automation:
        doc["category_automation"] = automation
    marketing: dict = {}
    if tenant.utm_tracking is not None:
        marketing["utm_tracking"] = tenant.utm_tracking
    flow = next((f for f in tenant.flows if f.distribute_steps), None)
    if flow is not None:
        marketing["lead_distribution"] = {"flow": flow.name, **_written("lead_distribution", flow.distribute_step, names)}
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
