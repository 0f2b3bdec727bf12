"""The plan: a value object (changes, warnings, what it was computed from), its safety rails,
its renderings, and its file form."""

from leadconf.plan.change import ACTIONS, KINDS, Change
from leadconf.plan.plan import Plan

__all__ = ["ACTIONS", "KINDS", "Change", "Plan"]
