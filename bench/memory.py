"""Benchmark 6: peak memory of `leadconf validate` and `leadconf plan` against the config's size.

Generated config + snapshot pairs (bench/gen.py, 1% changed) of about 1, 10 and 50 MB of YAML.
Each command runs as a whole process; its peak RSS comes from os.wait4. The same command on the
example config (a few hundred bytes) is the baseline, measured in the same run: the interpreter and
the imports (about 35 MB), which no config size accounts for. The goal: what a config adds to the
peak, (peak - baseline) / file size, at most 20 for every size. The absolute peak / file size is
shown too (at 1 MB the interpreter alone is 35 times the file).
"""

from __future__ import annotations

import os
import shutil

from bench import gen
from bench.report import Goal, Section, table
from bench.util import ROOT, BenchError, base_env, run, script, secs

EXAMPLE_CONFIG = os.path.join(ROOT, "examples", "lead-management.yaml")
EXAMPLE_TENANT = os.path.join(ROOT, "examples", "tenants", "new-database.json")
ITEMS_PER_MB = 7_450  # bench/gen.py writes about 134 bytes of YAML per item
LIMIT = 20.0


def _peaks(config: str, snapshot: str, env: dict) -> dict[str, tuple[float, float]]:
    """command -> (peak RSS in MB, wall in s)"""
    lc = script("leadconf")
    out = {}
    for command, extra in (("validate", []), ("plan", ["--target", f"snapshot:{snapshot}", "--no-color"])):
        result = run([lc, command, "-c", config, *extra], env=env, timeout=1800, check=False)
        if result.rc not in (0, 2):
            raise BenchError(f"leadconf {command} of {config} exited {result.rc}: {result.stderr[-1500:]}")
        out[command] = (result.maxrss_kb / 1024, result.wall)
    return out


def bench(work: str, quick: bool) -> Section:
    sizes_mb = [1, 10] if quick else [1, 10, 50]
    env = base_env()
    tenant = os.path.join(work, "new-database.json")
    shutil.copyfile(EXAMPLE_TENANT, tenant)
    base = _peaks(EXAMPLE_CONFIG, tenant, env)
    rows = [[f"example ({os.path.getsize(EXAMPLE_CONFIG):,} bytes)", c, f"{base[c][0]:.0f} MB", "", "", secs(base[c][1])]
            for c in ("validate", "plan")]
    goals, data = [], {"baseline": base}
    for mb in sizes_mb:
        folder = os.path.join(work, f"memory-{mb}")
        config, snapshot, _ = gen.leadconf_pair(mb * ITEMS_PER_MB, folder)
        size = os.path.getsize(config) / 2**20
        peaks = _peaks(config, snapshot, env)
        data[f"{mb} MB"] = {"config_mb": size, **peaks}
        for command, (peak, wall) in peaks.items():
            added = (peak - base[command][0]) / size
            rows.append([f"{size:.1f} MB YAML ({mb * ITEMS_PER_MB:,} items)", command, f"{peak:.0f} MB",
                         f"{added:.1f}", f"{peak / size:.1f}", secs(wall)])
            goals.append(Goal(f"memory: `leadconf {command}` of a {size:.1f} MB config, (peak - baseline) ÷ size",
                              f"{added:.1f}", f"≤ {LIMIT:g}", added <= LIMIT, f"absolute peak ÷ size {peak / size:.1f}"))
        shutil.rmtree(folder, ignore_errors=True)
    body = (
        "Whole processes, one run each (peak RSS varies little between runs). Baseline: the same command on "
        "`examples/lead-management.yaml` in the same run. `plan` also reads a snapshot of the same items "
        "(1.5 times the YAML's size).\n\n"
        + table(["config", "command", "peak RSS", "(peak - baseline) ÷ size", "peak ÷ size", "wall"], rows)
    )
    return Section("6. Memory", body, goals, data)
