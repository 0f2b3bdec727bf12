"""Benchmark 5: snapshot apply is linear in the number of changes.

One `leadconf apply` of 25,000 lead-status creates into a copy of the example tenant, against 25
applies of 1,000 creates each, every one into a fresh copy (the same work in total, with the
tenant small throughout). Whole processes, run one after the other; every run is checked (all
changes done, nothing left to plan). With --quick: 5,000 against 5 x 1,000.
"""

from __future__ import annotations

import os
import re
import shutil

from bench.report import Goal, Section, table
from bench.util import ROOT, BenchError, base_env, run, script, secs

EXAMPLE_TENANT = os.path.join(ROOT, "examples", "tenants", "new-database.json")
CHUNK = 1_000
LIMIT = 3.0  # the goal: the big apply within 3x the chunked ones
_DONE = re.compile(r"Applied: (\d+) done, 0 already done, 0 failed, 0 skipped, 0 not started")


def _config(folder: str, n: int, offset: int = 0) -> str:
    path = os.path.join(folder, f"creates-{n}.yaml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("version: 1\npolicy: {max_change_percent: 100}\nlead_statuses:\n  items:\n")
        fh.writelines(f"    - name: Status {offset + i:06d}\n" for i in range(n))
    return path


def _apply(folder: str, config: str, n: int, env: dict):
    tenant = os.path.join(folder, "tenant.json")
    shutil.copyfile(EXAMPLE_TENANT, tenant)
    lc = script("leadconf")
    argv = [lc, "apply", "-c", config, "--target", f"snapshot:{tenant}", "--auto-approve", "--allow-large-change",
            "--journal-dir", os.path.join(folder, "journal"), "--no-color"]
    result = run(argv, env=env, timeout=7200)
    found = _DONE.search(result.stdout)
    if result.rc != 0 or not found or int(found.group(1)) != n:
        raise BenchError(f"apply of {n} creates did not do them all: rc={result.rc}\n{result.stdout[-800:]}{result.stderr[-800:]}")
    again = run([lc, "plan", "-c", config, "--target", f"snapshot:{tenant}", "--detailed-exitcode"], env=env, check=False)
    if again.rc != 0:
        raise BenchError(f"a plan after the apply of {n} creates shows changes (exit {again.rc})")
    return result


def bench(work: str, quick: bool) -> Section:
    total = 5_000 if quick else 25_000
    env = base_env()
    chunks = []
    for k in range(total // CHUNK):
        folder = os.path.join(work, f"chunk-{k}")
        os.makedirs(folder)
        chunks.append(_apply(folder, _config(folder, CHUNK, k * CHUNK), CHUNK, env))
    big_folder = os.path.join(work, "whole")
    os.makedirs(big_folder)
    big = _apply(big_folder, _config(big_folder, total), total, env)

    chunked = sum(r.wall for r in chunks)
    ratio = big.wall / chunked
    rows = [
        [f"`leadconf apply` of {total:,} creates, once", secs(big.wall), f"{big.wall / total * 1e3:.2f} ms",
         f"{big.maxrss_kb / 1024:.0f} MB"],
        [f"`leadconf apply` of {CHUNK:,} creates, {len(chunks)} times (sum)", secs(chunked),
         f"{chunked / total * 1e3:.2f} ms", f"{max(r.maxrss_kb for r in chunks) / 1024:.0f} MB (largest)"],
    ]
    goal = Goal(f"apply: {total:,} creates vs {len(chunks)} × {CHUNK:,} creates (linear)", f"{ratio:.2f}",
                f"≤ {LIMIT:g}", ratio <= LIMIT if not quick else "info",
                "" if not quick else "--quick: 5,000 vs 5 × 1,000")
    body = (
        f"Whole processes, one after the other: {len(chunks)} applies of {CHUNK:,} creates, each into a fresh copy of "
        f"`examples/tenants/new-database.json`, then one apply of {total:,} creates into another copy. Each is checked "
        "(every change done, a plan afterwards is empty). Each change costs three fsyncs (journal start, journal done, "
        "the snapshot's change log), so the times follow the disk; the ratio compares runs made side by side.\n\n"
        + table(["run", "wall", "per change", "peak RSS"], rows)
        + f"\n\nRatio: **{ratio:.2f}** (goal ≤ {LIMIT:g})."
    )
    data = {"total": total, "big_s": big.wall, "chunks_s": [r.wall for r in chunks], "ratio": ratio}
    return Section("5. Apply scale (snapshot)", body, [goal], data)
