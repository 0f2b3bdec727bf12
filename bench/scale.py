"""Benchmark 2: scale. Generated configs + snapshots of 1k/10k/50k items, 1% changed.

`leadconf plan` as whole processes (wall time, peak RSS), interleaved with octoDNS planning 1k and
10k-record zones; then an in-process breakdown per size (bench/breakdown.py, real modules).
"""

from __future__ import annotations

import json
import os
import re
import sys

from bench import gen, octo
from bench.report import Goal, Section, table
from bench.util import ROOT, BenchError, base_env, interleaved, run, script, secs

_SUMMARY = re.compile(
    r"Plan: (\d+) to create, (\d+) to update, (\d+) to rename, (\d+) to restore, (\d+) to reorder, (\d+) to delete"
)


def _plan_checker(n, expected):
    def check(result):
        m = _SUMMARY.search(result.stdout)
        if result.rc != 0 or not m:
            raise BenchError(f"leadconf plan ({n} items) rc={result.rc}, no plan summary:\n{result.stderr[-2000:]}{result.stdout[-500:]}")
        create, update, rename, restore, reorder, delete = map(int, m.groups())
        got = (create, update, rename, restore, reorder, delete)
        want = (expected.create, expected.update, expected.rename, 0, 0, 0)
        if got != want:
            raise BenchError(f"leadconf plan ({n} items) planned {got} (create, update, rename, restore, reorder, delete), expected {want}")
    return check


def bench(work: str, quick: bool) -> Section:
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 50_000]
    octo_sizes = [10_000] if quick else [1_000, 10_000]
    rounds, warmup = (2, 0) if quick else (5, 1)
    env = base_env()
    lc = script("leadconf")
    cases, checks, files = {}, {}, {}
    for n in sizes:
        folder = os.path.join(work, f"scale-{n}")
        config, snapshot, expected = gen.leadconf_pair(n, folder)
        files[n] = (config, snapshot, expected)
        label = f"leadconf plan {n:,}"
        cases[label] = [lc, "plan", "-c", config, "--target", f"snapshot:{snapshot}", "--no-color"]
        checks[label] = _plan_checker(n, expected)
    for n in octo_sizes:
        label = f"octodns-sync {n:,}"
        cases[label], checks[label] = octo.setup(n, os.path.join(work, f"octodns-{n}"))

    series = interleaved(cases, rounds=rounds, warmup=warmup, check=lambda label, r: checks[label](r),
                         env=env, timeout=600)

    t = {n: series[f"leadconf plan {n:,}"].median for n in sizes}
    o10k = series["octodns-sync 10,000"].median
    rows = []
    for label, s in series.items():
        n = int(label.rsplit(" ", 1)[1].replace(",", ""))
        lo, hi = s.spread
        vs_octo = f"{s.median / o10k:.2f}" if n == 10_000 else ""
        rows.append([f"`{label}`", vs_octo, secs(s.median), f"{secs(lo)}–{secs(hi)}",
                     f"{s.median / n * 1e6:.0f} µs", f"{s.peak_mb:.0f} MB"])
    goals = []
    growth_rows = []
    for a, b in zip(sizes, sizes[1:]):
        factor = b / a
        limit = factor * 1.1
        g = t[b] / t[a]
        marginal = (t[b] - t[a]) / (b - a) * 1e6
        growth_rows.append([f"{a:,} → {b:,} (×{factor:g})", f"×{g:.2f}", f"≤ ×{limit:g}", f"{marginal:.0f} µs/item"])
        goals.append(Goal(f"scale: plan time {a:,} → {b:,} items (linear)", f"×{g:.2f}", f"≤ ×{limit:g}", g <= limit))
    for a, b in zip(octo_sizes, octo_sizes[1:]):
        sa, sb = series[f"octodns-sync {a:,}"].median, series[f"octodns-sync {b:,}"].median
        growth_rows.append([f"octoDNS {a:,} → {b:,} (×{b / a:g})", f"×{sb / sa:.2f}", "(baseline)",
                            f"{(sb - sa) / (b - a) * 1e6:.0f} µs/record"])
    r10 = t[10_000] / o10k
    goals.append(Goal("scale: plan 10,000 items vs octoDNS 10,000 records", f"{r10:.2f}", "≤ 0.50", r10 <= 0.5))
    if quick:
        goals.append(Goal("scale: 50,000 items", "not run (--quick)", "", None))

    # in-process breakdown, one fresh interpreter per size
    br_rows, br_data = [], {}
    phases_seen: list[str] = []
    for n in sizes:
        config, snapshot, _ = files[n]
        r = run([sys.executable, "-m", "bench.breakdown", config, snapshot], cwd=ROOT, env=env, timeout=600)
        data = json.loads(r.stdout.strip().splitlines()[-1])
        br_data[n] = data
        for p in data["phases"]:
            if p not in phases_seen:
                phases_seen.append(p)
    for p in phases_seen:
        row = [p]
        for n in sizes:
            v = br_data[n]["phases"].get(p)
            tot = br_data[n]["total"]
            row.append("" if v is None else f"{secs(v)} ({v / tot * 100:.0f}%)")
        br_rows.append(row)
    br_rows.append(["**total (in-process)**"] + [f"**{secs(br_data[n]['total'])}**" for n in sizes])
    br_rows.append(["peak RSS of the in-process run"] + [f"{br_data[n]['maxrss_mb']:.0f} MB" for n in sizes])

    sizes_line = ", ".join(
        f"{n:,}: {os.path.getsize(files[n][0]) / 1e6:.1f} MB YAML + {os.path.getsize(files[n][1]) / 1e6:.1f} MB JSON, "
        f"{files[n][2].total} changes" for n in sizes)
    body = (
        f"Whole processes, {rounds} interleaved rounds{' after a warm-up round' if warmup else ''}; median, min–max, peak RSS. "
        f"Inputs ({sizes_line}).\n\n"
        + table(["command", "÷ octoDNS 10,000", "median", "min–max", "per item", "peak RSS"], rows)
        + "\n\nGrowth (goal: ten times the items at most eleven times the time):\n\n"
        + table(["step", "time grows", "goal", "marginal cost"], growth_rows)
        + "\n\nWhere the time goes (in-process, real modules, one fresh interpreter per size, `python -m bench.breakdown`):\n\n"
        + table(["phase"] + [f"{n:,} items" for n in sizes], br_rows)
    )
    data = {label: {"median_s": s.median, "walls": s.walls, "peak_mb": s.peak_mb} for label, s in series.items()}
    data["breakdown"] = br_data
    return Section("2. Scale", body, goals, data)
