"""Renderings of a plan: text (for a terminal), json (documented, stable), markdown (for a
pull-request comment), github (workflow annotations). Each returns a string; the CLI prints it."""

from __future__ import annotations

import json
from collections.abc import Callable

from leadconf.plan import escape
from leadconf.plan.change import KIND_TITLES, KINDS, Change
from leadconf.plan.plan import Plan

_SIGIL = {"create": "+", "update": "~", "rename": ">", "restore": "^", "reorder": "#", "delete": "-"}
_COLOR = {"create": "32", "restore": "32", "update": "33", "rename": "33", "reorder": "36", "delete": "31"}
_LONG_LIST = 12  # show at most this many names of a reorder


Escape = Callable[[object], str]  # how an untrusted value is made safe in one output format


def _fmt(value, esc: Escape = escape.safe) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(esc(v) for v in value) + "]"
    return esc(json.dumps(value, ensure_ascii=False))


def _order(names: list[str], esc: Escape = escape.safe) -> str:
    shown = ", ".join(esc(n) for n in names[:_LONG_LIST])
    if len(names) <= _LONG_LIST:
        return shown
    return shown + f", … ({len(names) - _LONG_LIST} more)"




def summary_line(plan: Plan) -> str:
    s = plan.summary()
    if not plan.changes:
        if plan.differs:
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


def _field_lines(change: Change, esc: Escape = escape.safe) -> list[tuple[str, str]]:
    """(field, "before → after") pairs of a change, the values made safe by `esc`."""
    if change.action == "reorder":
        return [("order", _order((change.after or {})["order"], esc)), ("was", _order((change.before or {})["order"], esc))]
    after = change.after or {}
    before = change.before or {}
    lines = []
    for field, value in after.items():
        if field in ("name",) and change.action == "create":
            continue
        if change.action == "create":
            lines.append(("position", esc(value)) if field == "rank" else (escape.safe(field), _fmt(value, esc)))
        else:
            lines.append((escape.safe(field), f"{_fmt(before.get(field), esc)} → {_fmt(value, esc)}"))
    return lines


def text(plan: Plan, color: bool = False) -> str:
    def paint(code, s):
        return f"\x1b[{code}m{s}\x1b[0m" if color else s

    safe = escape.safe
    out = [f"Target: {safe(plan.target)}", ""]
    for kind, changes in _grouped(plan):
        out.append(paint("1", KIND_TITLES[kind]))
        for c in changes:
            head = f"  {_SIGIL[c.action]} {c.action:<8} {'(the order of the list)' if c.action == 'reorder' else safe(c.name)}"
            if c.meta.get("old_name"):
                head += f"  (was {safe(repr(c.meta['old_name']))})"
            out.append(paint(_COLOR[c.action], head))
            for field, value in _field_lines(c):
                out.append(f"      {field}: {value}")
            out.append(f"      why: {safe(c.reason)}" + (f"  [{safe(c.source)}]" if c.source else ""))
        out.append("")
    for w in plan.warnings:
        out.append(paint("33", safe(str(w))))
    if plan.warnings:
        out.append("")
    out.append(paint("1", summary_line(plan)))
    return "\n".join(out) + "\n"


def as_json(plan: Plan) -> str:
    return escape.json_text(plan.to_dict())


def markdown(plan: Plan) -> str:
    md = escape.markdown
    out = [f"### leadconf plan for {escape.markdown_code(plan.target)}", "", f"**{summary_line(plan)}**", ""]
    if plan.changes:
        out += ["| | Action | List | Item | Change | Source |", "|---|---|---|---|---|---|"]
        for kind, changes in _grouped(plan):
            for c in changes:
                detail = "; ".join(f"{f}: {v}" for f, v in _field_lines(c, md))
                name = md(c.name) + (f" (was {md(c.meta['old_name'])})" if c.meta.get("old_name") else "")
                if c.action == "reorder":
                    name = "(the order of the list)"
                out.append(
                    f"| {_SIGIL[c.action]} | {c.action} | {KIND_TITLES[kind]} | {name} | "
                    f"{detail} | {md(c.source or '')} |"
                )
        out.append("")
    if plan.warnings:
        out.append("**Warnings**")
        out.append("")
        out += [f"- {md(str(w))}" for w in plan.warnings]
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
        loc = github_location(file, int(line)) if file and line.isdigit() else ""
        msg = f"{c.action} {c.kind.replace('_', ' ')} {c.name}: {c.reason}"
        out.append(f"::{level}{loc}::{escape.github_message(msg)}")
    for w in plan.warnings:
        loc = github_location(w.file, w.line or 1) if w.file else ""
        out.append(f"::warning{loc}::{escape.github_message(f'{w.rule} {w.message}')}")
    out.append(f"::notice::{escape.github_message(summary_line(plan))}")
    return "\n".join(out) + "\n"


def github_location(file: str, line: int, column: int | None = None) -> str:
    """The ` file=…,line=…` properties of a GitHub workflow command, escaped by GitHub's rules."""
    loc = f" file={escape.github_property(file)},line={int(line)}"
    return loc + (f",col={int(column)}" if column else "")


RENDERERS = {"text": text, "json": as_json, "markdown": markdown, "github": github}
