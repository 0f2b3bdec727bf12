"""octoDNS as the baseline: a YAML-to-YAML plan (octodns-sync without --doit)."""

from __future__ import annotations

import re

from bench import gen
from bench.util import BenchError, script

_SUMMARY = re.compile(r"Summary: Creates=(\d+), Updates=(\d+), Deletes=(\d+), Existing=(\d+)")


def setup(n: int, folder: str):
    """(argv, checker) for planning an n-record zone; the checker raises unless octoDNS planned
    exactly the generated changes against a zone it read in full."""
    config, expected, existing = gen.octodns_setup(n, folder)
    argv = [script("octodns-sync"), "--config-file", config]

    def check(run):
        text = run.stdout + run.stderr
        found = _SUMMARY.findall(text)
        if run.rc != 0 or len(found) != 1:
            raise BenchError(f"octodns-sync ({n} records) did not plan: rc={run.rc}\n{text[-2000:]}")
        creates, updates, deletes, exist = map(int, found[0])
        got = (creates, updates, deletes, exist)
        want = (expected.create, expected.update, expected.delete, existing)
        if got != want:
            raise BenchError(f"octodns-sync ({n} records) planned creates/updates/deletes/existing {got}, expected {want}")

    return argv, check


def version() -> str:
    try:
        from importlib.metadata import version as v

        return v("octodns")
    except Exception:  # noqa: BLE001
        return "?"
