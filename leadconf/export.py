"""A tenant's current state as a config document, in a stable order; planning the export against
the same tenant shows no changes.

By default the export owns what it exported: every managed field written, defaults included, and
`prune: true` on the lists it writes in full, so that a plan of it (the nightly drift check) shows
any hand change to those lists: a field set, an item added. `minimal=True` leaves defaults out and
prunes nothing: whatever the file does not say stays unmanaged.
"""

from __future__ import annotations

from leadconf.model.tenant import Tenant
from leadconf.vocabulary import ALWAYS, API_TO_TRIGGER, FIELDS, STATUS_TRIGGER, list_sections, model_to_config, ref_names

SCHEMA_HINT = (
    "# Editor completion: `leadconf schema -o leadconf.schema.json`, then start this file with\n"
    "# yaml-language-server: $schema=leadconf.schema.json   (or export with --schema-ref)"
)


def _by_rank(items):
    return sorted(items, key=lambda i: (i.rank, i.id))


def _written(kind: str, item, names: dict, *, skip=(), minimal=True) -> dict:
    """An item's managed fields as the config writes them: those at their default left out when
    `minimal`; else every field with a value (`deleted` only when true: listed means live)."""
    fields = model_to_config(kind, item, names)

    def wanted(f) -> bool:
        value = fields[f.config]
        if f.config in skip or value is None:
            return False
        if f.default is ALWAYS:
            return True
        return value != f.default if minimal or f.config == "deleted" else True

    return {f.config: fields[f.config] for f in FIELDS[kind] if wanted(f)}


def export_config(tenant: Tenant, include_deleted: bool = False, minimal: bool = False) -> dict:
    """The tenant as a config document (see the module's docstring for `minimal`)."""
    names = ref_names(tenant)
    doc: dict = {"version": 1}
    # Visibility and headings only where the Category list uses them (LC213 refuses them elsewhere).
    no_links = ("visible_for", "headings") if tenant.category_grouping is False else ()
    for kind, section, _, items in list_sections(None, tenant):
        written = [_written(kind, i, names, skip=no_links, minimal=minimal)
                   for i in _by_rank(items) if include_deleted or not i.deleted]
        doc[section] = {"items": written} if minimal else {"prune": True, "items": written}
    automation = {}
    for rule in sorted(tenant.automation, key=lambda r: r.trigger):
        trigger = API_TO_TRIGGER.get(rule.trigger)
        if trigger is not None:
            skip = () if trigger == STATUS_TRIGGER else ("lead_status",)
            automation[trigger] = _written("category_automation", rule, names, skip=skip, minimal=minimal)
    if automation:
        doc["category_automation"] = automation
    marketing: dict = {}
    if tenant.utm_tracking is not None:
        marketing["utm_tracking"] = tenant.utm_tracking
    flow = next((f for f in tenant.flows if f.distribute_steps), None)
    if flow is not None:
        step = _written("lead_distribution", flow.distribute_step, names, minimal=minimal)
        marketing["lead_distribution"] = {"flow": flow.name, **step}
    if marketing:
        doc["marketing"] = marketing
    return doc


def to_yaml(doc: dict, schema_ref: str | None = None) -> str:
    """The document as YAML; `schema_ref` (a path or URL of the schema) adds the editor's modeline.

    Every string loads back as that string: besides what PyYAML quotes (YAML 1.1's yes, no, dates),
    whatever leadconf's YAML 1.2 loader would read as another type (1e3, 0o17) is quoted too, and a
    literal `${` is written `$${` so that it is not taken for a variable.
    """
    import yaml

    body = yaml.dump(doc, Dumper=_dumper(), sort_keys=False, allow_unicode=True, width=100)
    head = f"# yaml-language-server: $schema={schema_ref}" if schema_ref else SCHEMA_HINT
    return head + "\n" + body


def _dumper() -> type:
    import yaml

    from leadconf.config.yamlpos import plain_reads_as_string

    class ExportDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
        pass

    def represent_str(dumper, value: str):
        value = value.replace("${", "$${")  # the loader substitutes ${...}; $${ is its literal ${
        style = None if plain_reads_as_string(value) else "'"
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    ExportDumper.add_representer(str, represent_str)
    return ExportDumper
