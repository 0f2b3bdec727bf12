"""Helpers for the config tests."""

from __future__ import annotations

import os

import pytest

from leadconf.config.loader import load_config
from leadconf.errors import ConfigError
from tests.helpers import ROOT, run_cli

EXAMPLES = os.path.join(ROOT, "examples")
TENANTS = os.path.join(EXAMPLES, "tenants")


def errors_of(paths, env=None) -> list:
    """The diagnostics that load_config raises (it must raise)."""
    with pytest.raises(ConfigError) as exc:
        load_config(paths if isinstance(paths, list) else [paths], env=env or {})
    return exc.value.diagnostics


def located(diagnostics, rule=None) -> list[tuple]:
    """(file basename, line, column, rule) of each diagnostic, optionally of one rule only."""
    return [
        (os.path.basename(d.file) if d.file else None, d.line, d.column, d.rule)
        for d in diagnostics
        if rule is None or d.rule == rule
    ]


def validate(*args, cwd=None) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `leadconf validate ARGS`."""
    return run_cli("validate", *args, cwd=cwd)
