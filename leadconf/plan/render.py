"""Renderings of a plan: text (for a terminal), json (documented, stable), markdown (for a
pull-request comment), github (workflow annotations). Each returns a string; the CLI prints it."""

from __future__ import annotations

import json

from leadconf.plan.change import KIND_TITLES, KINDS, Change
from leadconf.plan.plan import Plan

_SIGIL = {"create": "+", "update": "~", "rename": ">", "restore": "^", "reorder": "#", "delete": "-"}
_COLOR = {"create": "32", "restore": "32", "update": "33", "rename": "33", "reorder": "36", "delete": "31"}
_LONG_LIST = 12  # show at most this many names of a reorder


def _fmt(value) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _order(names: list[str]) -> str:
    if len(names) <= _LONG_LIST:
        return ", ".join(names)
    return ", ".join(names[:_LONG_LIST]) + f", … ({len(names) - _LONG_LIST} more)"


# Warnings that mean the tenant, as its users see it, still differs from the config after apply.
UNMATCHED = ("LC302",)


def summary_line(plan: Plan) -> str:
    s = plan.summary()
    if not plan.changes:
        if any(w.rule in UNMATCHED for w in plan.warnings):
            return "Nothing to write, but the tenant does not match the configuration (see warning LC302)."
        return "No changes. The tenant matches the configuration."
    return (
        f"Plan: {s['create']} to create, {s['update']} to update, {s['rename']} to rename, "
        f"{s['restore']} to restore, {s['reorder']} to reorder, {s['delete']} to delete."
    )


def _grouped(plan: Plan):
    for kind in KINDS:
        changes = [c for c in plan.changes if c.kind == kind]
        if changes:
            yield kind, changes


def _field_lines(change: Change) -> list[tuple[str, str]]:
    """(field, "before → after") pairs of a change."""
    if change.action == "reorder":
        return [("order", _order((change.after or {})["order"])), ("was", _order((change.before or {})["order"]))]
    after = change.after or {}
    before = change.before or {}
    lines = []
    for field, value in after.items():
        if field in ("name",) and change.action == "create":
            continue
        if change.action == "create":
            lines.append(("position", str(value)) if field == "rank" else (field, _fmt(value)))
        else:
            lines.append((field, f"{_fmt(before.get(field))} → {_fmt(value)}"))
    return lines


def text(plan: Plan, color: bool = False) -> str:
    def paint(code, s):
        return f"\x1b[{code}m{s}\x1b[0m" if color else s

    out = [f"Target: {plan.target}", ""]
    for kind, changes in _grouped(plan):
        out.append(paint("1", KIND_TITLES[kind]))
        for c in changes:
            head = f"  {_SIGIL[c.action]} {c.action:<8} {'(the order of the list)' if c.action == 'reorder' else c.name}"
            if c.meta.get("old_name"):
                head += f"  (was {c.meta['old_name']!r})"
            out.append(paint(_COLOR[c.action], head))
            for field, value in _field_lines(c):
                out.append(f"      {field}: {value}")
            out.append(f"      why: {c.reason}" + (f"  [{c.source}]" if c.source else ""))
        out.append("")
    for w in plan.warnings:
        out.append(paint("33", str(w)))
    if plan.warnings:
        out.append("")
    out.append(paint("1", summary_line(plan)))
    return "\n".join(out) + "\n"


def as_json(plan: Plan) -> str:
    return json.dumps(plan.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown(plan: Plan) -> str:
    out = [f"### leadconf plan for `{plan.target}`", "", f"**{summary_line(plan)}**", ""]
    if plan.changes:
        out += ["| | Action | List | Item | Change | Source |", "|---|---|---|---|---|---|"]
        for kind, changes in _grouped(plan):
            for c in changes:
                detail = "; ".join(f"{f}: {v}" for f, v in _field_lines(c))
                name = c.name + (f" (was {c.meta['old_name']})" if c.meta.get("old_name") else "")
                if c.action == "reorder":
                    name = "(the order of the list)"
                out.append(
                    f"| {_SIGIL[c.action]} | {c.action} | {KIND_TITLES[kind]} | {_md_cell(name)} | "
                    f"{_md_cell(detail)} | {_md_cell(c.source or '')} |"
                )
        out.append("")
    if plan.warnings:
        out.append("**Warnings**")
        out.append("")
        out += [f"- {_md_cell(str(w))}" for w in plan.warnings]
        out.append("")
    deletes = plan.summary()["delete"]
    if deletes:
        out.append(f"> [!WARNING]\n> This plan deletes {deletes} item(s): apply needs `--allow-delete`.")
        out.append("")
    return "\n".join(out)


_RISKY = {"delete": "error", "rename": "warning"}


def github(plan: Plan) -> str:
    """GitHub workflow commands: an annotation on the YAML line of every risky change."""
    out = []
    for c in plan.changes:
        level = _RISKY.get(c.action)
        lead_status_flag = c.kind == "category" and "lead_status" in (c.after or {}) and c.action != "create"
        if (c.kind == "lead_status" and c.action != "reorder") or lead_status_flag:
            level = level or "warning"
        if level is None:
            continue
        file, _, line = (c.source or "").rpartition(":")
        loc = f" file={file},line={line}" if file and line.isdigit() else ""
        msg = f"{c.action} {c.kind.replace('_', ' ')} {c.name}: {c.reason}"
        out.append(f"::{level}{loc}::{_gh_escape(msg)}")
    for w in plan.warnings:
        loc = f" file={w.file},line={w.line or 1}" if w.file else ""
        out.append(f"::warning{loc}::{_gh_escape(f'{w.rule} {w.message}')}")
    out.append(f"::notice::{_gh_escape(summary_line(plan))}")
    return "\n".join(out) + "\n"


def _gh_escape(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


RENDERERS = {"text": text, "json": as_json, "markdown": markdown, "github": github}
