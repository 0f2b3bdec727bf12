"""Safety rails: what apply refuses to do unless told to."""

from __future__ import annotations

from leadconf.errors import UnsafePlan
from leadconf.plan.change import KIND_TITLES, LIST_KINDS
from leadconf.plan.plan import Plan

# Changes to existing items count towards the threshold; creates and reorders do not.
_COUNTED = ("update", "rename", "restore", "delete")


def check(plan: Plan, *, allow_delete: bool = False, allow_large_change: bool = False) -> None:
    problems = []
    deletes = [c for c in plan.changes if c.action == "delete"]
    if deletes and not allow_delete:
        names = ", ".join(f"{c.kind.replace('_', ' ')} {c.name!r}" for c in deletes[:5])
        more = f" and {len(deletes) - 5} more" if len(deletes) > 5 else ""
        problems.append(
            f"the plan deletes {len(deletes)} item(s) ({names}{more}); deletes are soft (the items can be "
            "restored) but hide them from users. Review the plan, then re-run with --allow-delete."
        )
    if not allow_large_change:
        limit = float(plan.policy.get("max_change_percent", 30))
        floor = int(plan.policy.get("min_list_size", 10))
        for kind in LIST_KINDS:
            size = plan.list_sizes.get(kind, 0)
            if size < floor or size == 0:
                continue
            count = sum(1 for c in plan.changes if c.kind == kind and c.action in _COUNTED)
            share = 100.0 * count / size
            if share > limit:
                problems.append(
                    f"{KIND_TITLES[kind]}: the plan changes {count} of {size} items ({share:.1f}%, over the "
                    f"policy's {limit:g}%). Review the plan, then re-run with --allow-large-change, or raise "
                    "policy.max_change_percent in the config."
                )
    if problems:
        raise UnsafePlan("apply refused:\n  - " + "\n  - ".join(problems))
