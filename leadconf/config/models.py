"""The configuration file, version 1, as typed models.

These models are the one source of truth for the format: `schemas/leadconf.schema.json` is generated
from them (`leadconf schema`), and a test keeps the committed file current.

A field left as None was not written in the YAML: leadconf does not manage it. An explicit value
(`""` and `[]` included) is managed.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

# The vocabulary is defined once, in leadconf.vocabulary; these names stay importable from here.
from leadconf.vocabulary import (  # noqa: F401
    API_TO_GROUP,
    API_TO_TRIGGER,
    GROUP_LABELS,
    GROUP_TO_API,
    MAX_CHANGE_PERCENT,
    MIN_LIST_SIZE,
    TRIGGER_TO_API,
    name_key,
    renamed_from,
)

CATEGORY_NAME_MAX = 239  # Category.name String(239)
CATEGORY_TOOLTIP_MAX = 254  # Category.tooltip String(254)
LEAD_STATUS_NAME_MAX = 4000  # leadstatus.name String(4000)
LEAD_STATUS_TOOLTIP_MAX = 4000

# No control characters (tab, newline, NUL ...): the list dialogs cannot show them and the names
# travel in URLs and CSV exports.
_NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"


# A group is written in the config's spelling or in the API's (PotentialCustomer); the model holds
# the config's.
CategoryGroup = Annotated[
    Literal["customer", "potential_customer", "partner", "lost", "other", "none",
            "Customer", "PotentialCustomer", "Partner", "Lost", "Other", "Unknown"],
    AfterValidator(lambda value: API_TO_GROUP.get(value, value)),
]

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


_MATCHED = "Matched ignoring case and surrounding white space."
CategoryName = Annotated[
    str,
    Field(min_length=1, max_length=CATEGORY_NAME_MAX, pattern=_NO_CONTROL, description=f"The category's name. {_MATCHED}"),
]
LeadStatusName = Annotated[
    str,
    Field(min_length=1, max_length=LEAD_STATUS_NAME_MAX, pattern=_NO_CONTROL, description=f"The lead status's name. {_MATCHED}"),
]
RefName = Annotated[str, Field(min_length=1, max_length=CATEGORY_NAME_MAX, pattern=_NO_CONTROL)]
LeadStatusRef = Annotated[str, Field(min_length=1, max_length=LEAD_STATUS_NAME_MAX, pattern=_NO_CONTROL)]


class Category(_Strict):
    """One item of the list Company – Category."""

    name: CategoryName
    group: CategoryGroup | SkipJsonSchema[None] = Field(
        None,
        description="Category group: customer, potential_customer, partner, lost, other, or none (Unknown); "
        "the API's spelling (PotentialCustomer) is accepted too.",
    )
    lead_status: bool | SkipJsonSchema[None] = Field(
        None,
        description='"Enable lead status for this category". Only a potential_customer category may enable it.',
    )
    description: Annotated[str, Field(max_length=CATEGORY_TOOLTIP_MAX, pattern=_NO_CONTROL)] | SkipJsonSchema[None] = Field(
        None, description="Shown as the tooltip."
    )
    visible_for: list[RefName] | SkipJsonSchema[None] = Field(
        None,
        description="User-group names that see this item (where the list uses user-group filtering). [] = none selected.",
    )
    headings: list[RefName] | SkipJsonSchema[None] = Field(None, description="Heading names this item is listed under.")
    renamed_from: RefName | list[RefName] | SkipJsonSchema[None] = Field(
        None, description="Earlier name(s): the item with that name is renamed, never deleted and re-created."
    )
    deleted: bool = Field(False, description="Retire the item (soft delete). Records that point at it keep it.")


class CategoryList(_Strict):
    """The list Company – Category (Settings and maintenance > Lists)."""

    prune: bool = Field(False, description="Soft-delete live items that the list does not name.")
    items: list[Category] = Field([], description="In the order of the list (its Rank).")


class LeadStatus(_Strict):
    """One item of the list Contact – Lead status (no groups, headings or visibility exist for it)."""

    name: LeadStatusName
    description: Annotated[str, Field(max_length=LEAD_STATUS_TOOLTIP_MAX, pattern=_NO_CONTROL)] | SkipJsonSchema[None] = Field(
        None, description="Shown as the tooltip."
    )
    renamed_from: LeadStatusRef | list[LeadStatusRef] | SkipJsonSchema[None] = Field(None, description="Earlier name(s).")
    deleted: bool = Field(False, description="Retire the lead status (soft delete). Never for Open.")


class LeadStatusList(_Strict):
    """The list Contact – Lead status (Settings and maintenance > Lists)."""

    prune: bool = Field(False, description="Soft-delete live lead statuses that the list does not name.")
    items: list[LeadStatus] = Field([], description="In the order of the list (its Rank).")


class AutomationRule(_Strict):
    """One trigger of Settings and maintenance > Workflow > Lead categorization (11.7+)."""

    enabled: bool = Field(True, description="Turn the rule on or off.")
    category: RefName | SkipJsonSchema[None] = Field(
        None, description="Set category to (a category name). Required when enabled."
    )
    confirm: bool | SkipJsonSchema[None] = Field(None, description="Ask for user confirmation before updating.")


class LeadStatusAutomationRule(AutomationRule):
    lead_status: LeadStatusRef | SkipJsonSchema[None] = Field(
        None, description="The lead status that triggers the rule. Required when enabled."
    )


class CategoryAutomation(_Strict):
    """At most one rule per trigger, as SuperOffice stores them."""

    sale_registered: AutomationRule | SkipJsonSchema[None] = Field(
        None, description="Update the company's category when a sale is registered."
    )
    sale_sold: AutomationRule | SkipJsonSchema[None] = Field(
        None, description="Update the company's category when a sale is sold."
    )
    sale_lost: AutomationRule | SkipJsonSchema[None] = Field(
        None, description="Update the company's category when a sale is lost."
    )
    lead_status_changed: LeadStatusAutomationRule | SkipJsonSchema[None] = Field(
        None, description="Update the company's category when a contact's lead status is set to lead_status."
    )


class LeadDistribution(_Strict):
    """The "Distribute to owner" step of one lead-nurturing flow (Marketing Premium)."""

    flow: RefName = Field(description="The flow's name.")
    associates: list[RefName] | SkipJsonSchema[None] = Field(
        None, description="Associates (users) to distribute to, by login name or full name."
    )
    user_groups: list[RefName] | SkipJsonSchema[None] = Field(None, description="Or members of these user groups.")
    only_unassigned: bool = Field(
        True, description="Only apply a new owner if the contact is currently unassigned."
    )
    fallback: RefName | SkipJsonSchema[None] = Field(
        None, description="If no one is available, assign contacts to this associate (login name or full name)."
    )


class Marketing(_Strict):
    """Marketing Premium options (Settings and maintenance > Marketing; flows)."""

    utm_tracking: bool | SkipJsonSchema[None] = Field(
        None, description='"Enable UTM data transfer on form submissions".'
    )
    lead_distribution: LeadDistribution | SkipJsonSchema[None] = Field(
        None, description='The "Distribute to owner" step of a lead-nurturing flow.'
    )


class Policy(_Strict):
    """Safety rails for apply."""

    max_change_percent: Annotated[float, Field(ge=0, le=100)] = Field(
        MAX_CHANGE_PERCENT, description="Refuse a plan that changes more than this share of a list..."
    )
    min_list_size: Annotated[int, Field(ge=0)] = Field(
        MIN_LIST_SIZE, description="...of a list that has at least this many items."
    )


class Config(_Strict):
    """A SuperOffice tenant's lead-management setup."""

    version: Literal[1] = Field(description="The file format version.")
    target: Annotated[str, Field(min_length=1)] | SkipJsonSchema[None] = Field(
        None, description="Default target, e.g. snapshot:tenant.json or superoffice:online/Cust12345."
    )
    policy: Policy | SkipJsonSchema[None] = Field(None, description="Safety rails for apply.")
    company_categories: CategoryList | SkipJsonSchema[None] = Field(
        None, description="The list Company – Category. Omitted: not managed."
    )
    lead_statuses: LeadStatusList | SkipJsonSchema[None] = Field(
        None, description="The list Contact – Lead status. Omitted: not managed."
    )
    category_automation: CategoryAutomation | SkipJsonSchema[None] = Field(
        None, description="Lead categorization (SuperOffice 11.7+): at most one rule per trigger."
    )
    marketing: Marketing | SkipJsonSchema[None] = Field(
        None, description="Marketing Premium: UTM tracking and lead distribution."
    )
