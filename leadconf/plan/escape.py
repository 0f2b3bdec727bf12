"""Untrusted text (names from a tenant or a config, file names, server messages) made safe to show.

A name may hold any character. Printed raw, a line break starts a line of its own that a CI log
acts on (`::error …` on GitHub, `##vso[task.setvariable …]` on Azure), ESC sequences redraw a
terminal (a delete shown as an update), CR overwrites a line, and U+2028/2029 or C1 NEL break
lines in some viewers. Each such character is shown as a visible escape (`\\x1b`, `\\u2028`), so
an untrusted value stays on the line it was put on and never starts a line of its own.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
# overrides and isolates ("Trojan Source": text that reads differently from what it is).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# Azure Pipelines acts on `##vso[` and `##[` anywhere in a line; the second `#` is escaped.
_AZURE_COMMAND = re.compile(r"#(?=#(?:vso)?\[)", re.IGNORECASE)
# GitHub acts on a line whose text starts with `::`; a value that starts so gets its first `:` escaped.
_LINE_COMMAND = re.compile(r"^(\s*):(?=:)")
# A run of three backticks or tildes would close the code block a CI recipe posts our output in
# (a PR comment): every such character after the second of a run is escaped (``\x60).
_FENCE = re.compile(r"(?<=``)`|(?<=~~)~")


def _code(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(value: object) -> str:
    """One untrusted value, for a line of text output: no control characters, no CI command."""
    text = _UNSAFE.sub(_code, str(value))
    text = _AZURE_COMMAND.sub(r"\\x23", text)
    text = _FENCE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return _LINE_COMMAND.sub(r"\1\\x3a", text)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")
_MD_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", "@": "&#64;"}


def markdown(value: object) -> str:
    """An untrusted value inside a markdown line (a table cell, a heading): no HTML, no links,
    no mentions, no emphasis, no table break."""
    text = safe(value)
    text = "".join(_MD_ENTITIES.get(ch, ch) for ch in text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def markdown_code(value: object) -> str:
    """An untrusted value as a markdown code span (outside a table): nothing in it is markup; the
    fence is longer than any run of backticks inside."""
    text = safe(value)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def json_text(document: object) -> str:
    """A JSON document for a terminal or a CI log: JSON escapes C0 controls itself; C1 controls,
    the line separators and the bidirectional controls are escaped too (`\\u0085`), and so is the `#`
    that starts an Azure command (`\\u0023#vso[`): still valid JSON, read back unchanged."""
    import json

    text = json.dumps(document, indent=2, ensure_ascii=False)
    text = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    # `#` occurs only inside strings in JSON, where `\u0023` is the same character: Azure's `##vso[`
    # and `##[` are broken on the line while the document reads back the same.
    return _AZURE_COMMAND.sub(r"\\u0023", text) + "\n"


def github_message(value: object) -> str:
    """The message of a GitHub workflow command (after `::`): GitHub's own escapes."""
    return safe(str(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def github_property(value: object) -> str:
    """A property value of a GitHub workflow command (file=…, title=…): GitHub's escapes, `:` and `,` too."""
    return github_message(value).replace(":", "%3A").replace(",", "%2C")
