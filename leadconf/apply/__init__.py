"""Apply: the only layer with effects on a tenant. It carries a plan out through a backend,
journals every change, and writes the inverse plan. `ApplySession` is the way in."""

from leadconf.apply.journal import Journal, latest_unfinished, read_journal
from leadconf.apply.runner import ApplyReport, Outcome, apply_plan, raise_if_failed
from leadconf.apply.session import ApplySession

__all__ = [
    "ApplyReport", "ApplySession", "Journal", "Outcome", "apply_plan", "latest_unfinished", "raise_if_failed",
    "read_journal",
]
