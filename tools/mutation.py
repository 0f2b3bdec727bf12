"""A sampled mutation run with cosmic-ray (on demand; not part of the suite or CI).

    .venv/bin/pip install -e ".[test,mutation]"
    .venv/bin/python tools/mutation.py --sample 150 --seed 10      # about 30 min on 2 cores

It copies the working tree (without .git and .venv) to a scratch folder, so the mutants never touch
your checkout; makes one cosmic-ray session per group of modules below, each with the tests that
exercise that group; keeps a random sample of the mutants (seeded, so a run can be repeated); runs
them; and prints the kill ratio per group with every survivor's diff. Never run it while a suite
runs on the same cores: a timeout under load counts as a kill.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PYTEST = f"{sys.executable} -m pytest -x -q -p no:cacheprovider"
GROUPS = {
    # the pure core, apply and the snapshot backend: the core tests, the scenarios (golden plans,
    # apply then plan again) and the CLI
    "core": (
        ["leadconf/diff.py", "leadconf/vocabulary.py", "leadconf/plan/plan.py", "leadconf/plan/safety.py",
         "leadconf/plan/change.py", "leadconf/apply/runner.py", "leadconf/apply/state.py",
         "leadconf/apply/session.py", "leadconf/apply/undo.py", "leadconf/apply/journal.py",
         "leadconf/backends/snapshot.py", "leadconf/backends/snapshot_log.py"],
        f"{PYTEST} tests/core tests/test_scenarios.py tests/test_cli.py tests/test_snapshot_log.py",
    ),
    # saved plans: the file form, its schema and seal, and what an unsealed plan may do
    "planfile": (
        ["leadconf/plan/planfile.py", "leadconf/plan/planschema.py", "leadconf/plan/confirm.py"],
        f"{PYTEST} tests/core tests/reliability/test_issue12_plans.py tests/test_cli.py",
    ),
    # the SuperOffice backend: its tests against the emulator, and the scenarios (which run on it too)
    "superoffice": (
        ["leadconf/backends/superoffice/backend.py", "leadconf/backends/superoffice/reads.py",
         "leadconf/backends/superoffice/writes.py", "leadconf/backends/superoffice/codec.py"],
        f"{PYTEST} tests/superoffice tests/test_scenarios.py",
    ),
}


def _config(modules, command, timeout) -> str:
    return (
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(modules)}\n"
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n\n"
        "[cosmic-ray.distributor]\nname = \"local\"\n"
    )


def _annotation_spans(path: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the annotations of a module are, if it never evaluates them (`from __future__ import
    annotations`; none of these modules is a pydantic model): a mutant there is equivalent."""
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    lazy = any(isinstance(n, ast.ImportFrom) and n.module == "__future__" and any(a.name == "annotations" for a in n.names)
               for n in tree.body)
    if not lazy:
        return []
    spans = []
    for node in ast.walk(tree):
        found = []
        if isinstance(node, ast.arg) and node.annotation is not None:
            found.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            found.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
        spans += [((a.lineno, a.col_offset), (a.end_lineno, a.end_col_offset)) for a in found]
    return spans


def _drop_annotation_mutants(session: str, tree: str) -> int:
    db = sqlite3.connect(session)
    rows = db.execute("SELECT job_id, module_path, start_pos_row, start_pos_col, end_pos_row, end_pos_col FROM mutation_specs").fetchall()
    spans: dict[str, list] = {}
    dropped = []
    for job, module, r0, c0, r1, c1 in rows:
        if module not in spans:
            spans[module] = _annotation_spans(os.path.join(tree, module))
        if any(a <= (r0, c0) and (r1, c1) <= b for a, b in spans[module]):
            dropped.append((job,))
    db.executemany("DELETE FROM mutation_specs WHERE job_id = ?", dropped)
    db.executemany("DELETE FROM work_items WHERE job_id = ?", dropped)
    db.commit()
    return len(dropped)


def _sample(session: str, keep: int, rng: random.Random) -> tuple[int, int]:
    db = sqlite3.connect(session)
    # job ids are random: order by what the mutant is, so that a seed picks the same mutants again
    ids = [row[0] for row in db.execute(
        "SELECT job_id FROM mutation_specs ORDER BY module_path, start_pos_row, start_pos_col, operator_name, occurrence")]
    chosen = set(rng.sample(ids, min(keep, len(ids))))
    dropped = [(i,) for i in ids if i not in chosen]
    db.executemany("DELETE FROM mutation_specs WHERE job_id = ?", dropped)
    db.executemany("DELETE FROM work_items WHERE job_id = ?", dropped)
    db.commit()
    return len(ids), len(chosen)


def _results(session: str):
    db = sqlite3.connect(session)
    return db.execute(
        "SELECT s.module_path, s.start_pos_row, s.operator_name, r.test_outcome, r.worker_outcome, r.diff "
        "FROM mutation_specs s JOIN work_results r ON r.job_id = s.job_id ORDER BY s.module_path, s.start_pos_row"
    ).fetchall()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=int, default=150, help="mutants in all, shared by the groups in proportion")
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--group", choices=sorted(GROUPS), action="append", help="only these groups (repeatable)")
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds per mutant before it counts as killed")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temporary folder)")
    ap.add_argument("--report", metavar="DIR", help="only report the sessions a --keep DIR run left")
    ap.add_argument("--retest", metavar="DIR",
                    help="run the survivors of a --keep DIR run again, against the tests as they are now "
                         "(only where the mutated modules are unchanged since)")
    args = ap.parse_args(argv)
    if args.retest:
        return _retest(args.retest, args.group or sorted(GROUPS))
    if args.report:
        return _report({n: (None, os.path.join(args.report, f"{n}.sqlite")) for n in sorted(GROUPS)
                        if os.path.exists(os.path.join(args.report, f"{n}.sqlite"))}, args.report)
    groups = args.group or sorted(GROUPS)
    work = args.keep or tempfile.mkdtemp(prefix="leadconf-mutation-")
    tree = os.path.join(work, "tree")
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", ".leadconf", "*.sqlite"))
    cr = os.path.join(os.path.dirname(sys.executable), "cosmic-ray")
    rng = random.Random(args.seed)
    sessions = {}
    for name in groups:
        modules, command = GROUPS[name]
        cfg, session = os.path.join(work, f"{name}.toml"), os.path.join(work, f"{name}.sqlite")
        with open(cfg, "w", encoding="utf-8") as fh:
            fh.write(_config(modules, command, args.timeout))
        subprocess.run([cr, "init", cfg, session], cwd=tree, check=True)
        print(f"{name}: {_drop_annotation_mutants(session, tree)} mutants in annotations left out (never evaluated)")
        sessions[name] = (cfg, session)
        # the tests must pass on the unmutated copy (and import it, not the checkout), or every
        # mutant would count as killed
        probe = subprocess.run([sys.executable, "-c", "import leadconf; print(leadconf.__file__)"], cwd=tree,
                               capture_output=True, text=True, check=True)
        assert probe.stdout.startswith(tree), f"the copy does not import its own leadconf: {probe.stdout}"
        subprocess.run(command.split(), cwd=tree, check=True)
    totals = {n: sqlite3.connect(s).execute("SELECT COUNT(*) FROM work_items").fetchone()[0] for n, (_, s) in sessions.items()}
    everything = sum(totals.values())
    for name, (cfg, session) in sessions.items():
        share = max(1, round(args.sample * totals[name] / everything))
        total, kept = _sample(session, share, rng)
        print(f"{name}: {kept} of {total} mutants sampled", flush=True)
        subprocess.run([cr, "exec", cfg, session], cwd=tree, check=True)
    return _report(sessions, work)


def _retest(work: str, groups) -> int:
    tree = os.path.join(work, "tree")
    cr = os.path.join(os.path.dirname(sys.executable), "cosmic-ray")
    sessions = {}
    for name in groups:
        cfg, session = os.path.join(work, f"{name}.toml"), os.path.join(work, f"{name}.sqlite")
        if not os.path.exists(session):
            continue
        modules = GROUPS[name][0]
        changed = [m for m in modules if not _same_file(os.path.join(ROOT, m), os.path.join(tree, m))]
        if changed:
            print(f"{name}: not retested, the code changed since the run: {', '.join(changed)}")
            continue
        shutil.copytree(ROOT, tree, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", ".leadconf", "*.sqlite"))
        db = sqlite3.connect(session)
        again = db.execute("SELECT job_id FROM work_results WHERE lower(test_outcome) = 'survived'").fetchall()
        db.executemany("DELETE FROM work_results WHERE job_id = ?", again)
        db.commit()
        print(f"{name}: {len(again)} survivors run again", flush=True)
        subprocess.run([cr, "exec", cfg, session], cwd=tree, check=True)
        sessions[name] = (cfg, session)
    return _report(sessions, work)


def _same_file(a: str, b: str) -> bool:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def _report(sessions, work) -> int:
    print(f"\nsessions and the copied tree: {work}")
    grand_killed = grand_total = 0
    for name, (_, session) in sessions.items():
        rows = _results(session)
        outcome = [str(r[3]).lower() for r in rows]
        killed = outcome.count("killed")
        incompetent = outcome.count("incompetent")
        survived = [r for r, o in zip(rows, outcome) if o == "survived"]
        counted = killed + len(survived)
        grand_killed, grand_total = grand_killed + killed, grand_total + counted
        print(f"\n== {name}: {killed} of {counted} killed ({100.0 * killed / max(1, counted):.1f}%), "
              f"{incompetent} incompetent (not counted)")
        for module, row, op, _, _, diff in survived:
            print(f"-- survived: {module}:{row} {op}\n{diff}")
    print(f"\nall: {grand_killed} of {grand_total} killed ({100.0 * grand_killed / max(1, grand_total):.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
