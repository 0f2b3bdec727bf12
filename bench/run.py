"""Run every benchmark; print a markdown report and write it to bench/results/latest.md.

    python -m bench            # the full run (about 6-9 minutes on a 2-core machine)
    python -m bench --quick    # fewer rounds, no 50,000-item run, 10 tenants (under 2 minutes)
    python -m bench --only scale,api

Installs nothing: `pip install -e ".[bench]"` first (octoDNS is the baseline).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

if __package__ in (None, ""):  # `python bench/run.py`
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.report import Section, table  # noqa: E402
from bench.util import ROOT, BenchError  # noqa: E402

BENCHES = ("latency", "scale", "api", "tenants", "apply_scale", "memory")
DEFAULT_OUT = os.path.join(ROOT, "bench", "results", "latest.md")


def _load(name):
    import importlib

    return importlib.import_module(f"bench.{name}")


def _machine() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "leadconf"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        rev, dirty = "?", ""
    from bench.octo import version

    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return (f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; leadconf at {rev}{' + uncommitted changes' if dirty else ''}; "
            f"Python {platform.python_version()}; octoDNS {version()}; {os.cpu_count()} CPUs; load average {load:.2f} at start")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a smaller run (under 2 minutes)")
    ap.add_argument("--only", default=",".join(BENCHES), help=f"comma-separated subset of {','.join(BENCHES)}")
    ap.add_argument("--out", default=DEFAULT_OUT,
                    help="where to write the report (default bench/results/latest.md; '-' = stdout only)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files (their folder is printed)")
    args = ap.parse_args(argv)
    chosen = [b.strip() for b in args.only.split(",") if b.strip()]
    unknown = set(chosen) - set(BENCHES)
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    work = tempfile.mkdtemp(prefix="leadconf-bench-")
    started = time.monotonic()
    machine = _machine()
    sections: list[Section] = []
    try:
        for name in chosen:
            t0 = time.monotonic()
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            try:
                folder = os.path.join(work, name)
                os.makedirs(folder, exist_ok=True)
                section = _load(name).bench(folder, args.quick)
            except BenchError as exc:
                section = Section(name, f"**Failed:** {exc}")
            sections.append(section)
            print(f"bench: {name} done in {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
    finally:
        if args.keep:
            print(f"bench: generated files kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    elapsed = time.monotonic() - started
    goals = [g for s in sections for g in s.goals]
    lines = [
        f"# leadconf benchmarks{' (--quick)' if args.quick else ''}",
        "",
        f"{machine}; the run took {elapsed:.0f} s.",
        "",
        "## Goals",
        "",
        table(["goal", "measured", "target", "verdict"],
              [[g.name, g.measured, g.target, g.verdict + (f" ({g.note})" if g.note else "")] for g in goals]),
        "",
    ]
    head = list(lines[2:])  # the machine line and the goals table
    for s in sections:
        lines += [f"## {s.title}", "", s.body, ""]
    text = "\n".join(lines)
    print(text)
    if args.out != "-":
        os.makedirs(os.path.dirname(args.out), exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
        with open(os.path.splitext(args.out)[0] + ".json", "w", encoding="utf-8") as fh:
            json.dump({"machine": machine, "quick": args.quick, "elapsed_s": elapsed,
                       "goals": [g.__dict__ for g in goals],
                       "sections": {s.title: s.data for s in sections}}, fh, indent=1, default=str)
        print(f"bench: wrote {os.path.relpath(args.out)}", file=sys.stderr)
    if not args.quick and chosen == list(BENCHES) and args.out == DEFAULT_OUT:
        _update_readme(machine, head, sections)
    return 0


def _update_readme(machine: str, head: list[str], sections: list[Section]):
    """A full run of every benchmark also refreshes the results block of bench/README.md."""
    path = os.path.join(ROOT, "bench", "README.md")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    start, end = "<!-- RESULTS -->", "<!-- /RESULTS -->"
    if start not in text or end not in text:
        return
    block = ["", *[ln.replace("## Goals", "### Goals") for ln in head]]
    for s in sections:
        block += [f"### {s.title}", "", s.body, ""]
    new = text[: text.index(start) + len(start)] + "\n" + "\n".join(block) + "\n" + text[text.index(end):]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(new)
    print("bench: refreshed the results in bench/README.md", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
