"""Safety rails: what apply refuses to do unless told to. `Plan.raise_if_unsafe()` applies them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadconf.vocabulary import KIND_TITLES, LIST_KINDS, MAX_CHANGE_PERCENT, MIN_LIST_SIZE, kind_words

if TYPE_CHECKING:
    from leadconf.plan.plan import Plan

# Changes to existing items count towards the threshold; creates and reorders do not.
_COUNTED = ("update", "rename", "restore", "delete")
_NAMED = 5  # the deletes a refusal names; the rest are counted ("and N more")


def unsafe_reasons(plan: Plan, *, allow_delete: bool, allow_large_change: bool) -> list[str]:
    """Why apply must refuse `plan` without the allow flags given; [] when it may go ahead."""
    problems = []
    deletes = [c for c in plan.changes if c.action == "delete"]
    if deletes and not allow_delete:
        names = ", ".join(f"{kind_words(c.kind)} {c.name!r}" for c in deletes[:_NAMED])
        more = f" and {len(deletes) - _NAMED} more" if len(deletes) > _NAMED else ""
        problems.append(
            f"the plan deletes {len(deletes)} item(s) ({names}{more}); deletes are soft (the items can be "
            "restored) but hide them from users. Review the plan, then re-run with --allow-delete."
        )
    if not allow_large_change:
        problems += _large_changes(plan)
    return problems


def _large_changes(plan: Plan) -> list[str]:
    limit = float(plan.policy.get("max_change_percent", MAX_CHANGE_PERCENT))
    floor = int(plan.policy.get("min_list_size", MIN_LIST_SIZE))
    problems = []
    for kind in LIST_KINDS:
        size = plan.list_sizes.get(kind, 0)
        emptied = _emptied(plan, kind, size)
        if emptied:
            problems.append(emptied)
            continue
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
    return problems


def _emptied(plan: Plan, kind: str, size: int) -> str | None:
    """A plan that deletes every live item of a list (`prune: true` with no items, every item
    marked deleted, or the undo of an apply that created them all) is a mass delete whatever the list's size or the policy: the flag it needs is
    the same as any change over the threshold."""
    deletes = sum(1 for c in plan.changes if c.kind == kind and c.action == "delete")
    if size == 0 or deletes < size:
        return None
    return (f"{KIND_TITLES[kind]}: the plan deletes every item of the list ({deletes} of {size})."
            " Review the plan, then re-run with --allow-large-change.")
