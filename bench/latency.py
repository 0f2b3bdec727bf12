"""Benchmark 1: everyday latency, whole processes, interleaved with the baselines.

leadconf validate / plan of examples/lead-management.yaml against examples/tenants/new-database.json,
vs octoDNS planning a 100-record zone YAML-to-YAML; leadconf --help vs python -c pass.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections import defaultdict

from bench import octo
from bench.report import Goal, Section, table
from bench.util import ROOT, BenchError, base_env, interleaved, ms, ratio, run, script

EXAMPLE_CONFIG = os.path.join(ROOT, "examples", "lead-management.yaml")
EXAMPLE_TENANT = os.path.join(ROOT, "examples", "tenants", "new-database.json")


def commands(work: str) -> dict:
    lc = script("leadconf")
    tenant = os.path.join(work, "new-database.json")
    shutil.copyfile(EXAMPLE_TENANT, tenant)  # plan never writes, but never risk the example
    octo_argv, octo_check = octo.setup(100, os.path.join(work, "octodns-100"))
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "leadconf --help": [lc, "--help"],
        "leadconf validate": [lc, "validate", "-c", EXAMPLE_CONFIG],
        "leadconf plan": [lc, "plan", "-c", EXAMPLE_CONFIG, "--target", f"snapshot:{tenant}", "--no-color"],
        "octodns-sync (100 records)": octo_argv,
    }
    return cases, octo_check


def _check_factory(octo_check):
    def check(label, result):
        if label.startswith("octodns"):
            octo_check(result)
        elif result.rc != 0:
            raise BenchError(f"{label} exited {result.rc}: {result.stderr[-2000:]}")
        elif label == "leadconf plan" and not result.stdout.strip():
            raise BenchError("leadconf plan printed no plan")
    return check


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s*\|\s*(\d+)\s*\|(\s*)(\S+)")


def import_profile(argv: list[str], env) -> tuple[float, list[tuple[str, float]]]:
    """-X importtime of one command: (total ms, [(package, ms)]), each module's *self* time credited
    to its package (leadconf by subpackage), so nothing is counted twice."""
    r = run([sys.executable, "-X", "importtime", *argv], env=env)
    per_root = defaultdict(float)
    for line in r.stderr.splitlines():
        m = _IMPORT_LINE.match(line)
        if not m:
            continue
        self_us, name = int(m.group(1)), m.group(4)
        parts = name.split(".")
        root = ".".join(parts[:2]) if parts[0] == "leadconf" and len(parts) > 1 else parts[0]
        per_root[root] += self_us / 1000
    total = sum(per_root.values())
    return total, sorted(per_root.items(), key=lambda kv: -kv[1])


def bench(work: str, quick: bool) -> Section:
    if not os.path.exists(EXAMPLE_CONFIG):
        return Section("1. Everyday latency", f"_Not run: {os.path.relpath(EXAMPLE_CONFIG, ROOT)} is missing._",
                       [Goal("validate ≤ octoDNS 100", "n/a", "≤ 1.00", None), Goal("plan ≤ 0.8 × octoDNS 100", "n/a", "≤ 0.80", None)])
    rounds = 7 if quick else 31
    env = base_env()
    cases, octo_check = commands(work)
    series = interleaved(cases, rounds=rounds, warmup=2, check=_check_factory(octo_check), env=env)
    base = series["octodns-sync (100 records)"].median
    bare = series["python -c pass"].median
    rows = []
    for label, s in series.items():
        lo, hi = s.spread
        vs = ratio(s.median, base) if not label.startswith(("python", "leadconf --help")) else ""
        vs_bare = ratio(s.median, bare) if label in ("leadconf --help",) else ""
        rows.append([f"`{label}`", vs, vs_bare, ms(s.median), f"{ms(lo)}–{ms(hi)}", f"{s.peak_mb:.0f} MB"])
    v = series["leadconf validate"].median / base
    p = series["leadconf plan"].median / base
    h = series["leadconf --help"].median / bare
    goals = [
        Goal("latency: `leadconf validate` vs octoDNS 100-record plan", f"{v:.2f}", "≤ 1.00", v <= 1.0),
        Goal("latency: `leadconf plan` (the README's main job) vs octoDNS 100-record plan", f"{p:.2f}", "≤ 0.80", p <= 0.8),
        Goal("latency: `leadconf --help` vs `python -c pass`", f"{h:.2f} (+{ms(series['leadconf --help'].median - bare)})",
             "none (the reference measured +38 ms for a click CLI)", "info"),
    ]
    # where the start-up goes: the imports of `leadconf plan`
    total, roots = import_profile(cases["leadconf plan"], env)
    imp_rows = [[f"`{name}`", f"{cum:.0f} ms"] for name, cum in roots[:12]]
    body = (
        f"Whole processes, {rounds} interleaved rounds after 2 warm-up rounds; median, min–max, peak RSS.\n\n"
        + table(["command", "÷ octoDNS 100", "÷ python -c pass", "median", "min–max", "peak RSS"], rows)
        + f"\n\nImports of `leadconf plan` (`python -X importtime`, one run; each module's own time, summed by package, "
        f"leadconf by subpackage; a module's top-level code counts; a valid config loads neither pydantic nor jsonschema; "
        f"total {total:.0f} ms):\n\n"
        + table(["package", "import time"], imp_rows)
    )
    data = {label: {"median_s": s.median, "walls": s.walls, "peak_mb": s.peak_mb} for label, s in series.items()}
    data["imports_ms"] = dict(roots)
    return Section("1. Everyday latency", body, goals, data)
