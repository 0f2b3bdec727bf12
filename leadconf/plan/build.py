"""Config + tenant -> Plan. Pure: the caller reads the config and the tenant."""

from __future__ import annotations

from leadconf.diff import diff, list_fingerprint
from leadconf.errors import ConfigError
from leadconf.model.tenant import Tenant
from leadconf.plan.plan import Plan


def build_plan(loaded, tenant: Tenant, target: str, locator: str = "") -> Plan:
    """Run the rules that need the tenant, then the diff. Raises ConfigError on rule errors."""
    from leadconf.config.rules import check_against_tenant

    findings = check_against_tenant(loaded, tenant)
    errors = [d for d in findings if d.severity == "error"]
    if errors:
        raise ConfigError(findings)
    result = diff(loaded.config, tenant, loaded.source)
    policy = loaded.config.policy
    lists = {"category": (loaded.config.company_categories, tenant.categories),
             "lead_status": (loaded.config.lead_statuses, tenant.lead_statuses)}
    reordered = {c.kind for c in result.changes if c.action == "reorder"}
    list_fingerprints = {
        kind: list_fingerprint(items)
        for kind, (section, items) in lists.items()
        if kind in reordered or (section is not None and section.prune)
    }
    return Plan(
        target=target,
        locator=locator,
        changes=result.changes,
        warnings=list(loaded.warnings) + findings + result.warnings,
        config_digest=loaded.digest,
        config_files=list(loaded.files),
        policy={
            "max_change_percent": policy.max_change_percent if policy else 30.0,
            "min_list_size": policy.min_list_size if policy else 10,
        },
        list_fingerprints=list_fingerprints,
        list_sizes={
            "category": sum(1 for c in tenant.categories if not c.deleted),
            "lead_status": sum(1 for s in tenant.lead_statuses if not s.deleted),
        },
    )
