"""The tenant as leadconf sees it: typed, backend-neutral, in SuperOffice's terms."""

from leadconf.model.tenant import (
    AutomationRule,
    Category,
    DistributeStep,
    Flow,
    LeadStatus,
    NamedItem,
    Tenant,
)

__all__ = ["AutomationRule", "Category", "DistributeStep", "Flow", "LeadStatus", "NamedItem", "Tenant"]
