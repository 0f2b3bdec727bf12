"""A sampled mutation run with cosmic-ray (on demand; not part of the suite or CI).

    .venv/bin/pip install -e ".[test,mutation]"
    nice .venv/bin/python tools/mutation.py --sample 300 --seed 14 --jobs 2 --keep /tmp/mutation

It copies the working tree (without .git and .venv) to a scratch folder, so the mutants never touch
your checkout; makes one cosmic-ray session per group of modules below, each with the tests that
exercise that group; keeps a random sample of the mutants (seeded, so a run can be repeated); runs
them; and prints the kill ratio per group with every survivor's diff. Never run it while a suite
runs on the same cores: a timeout under load counts as a kill.

Test selection (the default; --no-select runs each group's whole command for every mutant): one
run of the groups' tests on the unmutated copy records which test executes which line
(tools/mutation_cov.py); then each mutant runs only the tests that execute its lines, falling back
to the group's whole command wherever that evidence is not certain (tools/mutation_select.py says
when). A mutant that no test executes survives without running. --compare runs both for every
mutant and reports whether they agree (the whole command's outcome is the one recorded).
"""

from __future__ import annotations

import argparse
import ast
import glob
import json
import os
import random
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# --hypothesis-seed: the same examples in every run (and no example database), so that the coverage
# recorded for a fuzz test is the coverage it has when it runs again
PYTEST = f"{sys.executable} -m pytest -x -q -p no:cacheprovider --hypothesis-seed=0"
# Each group's tests: every test file that executes a line of the group's modules that the others do
# not (measured over the whole suite, November 2026), except tests/pipeline (CI recipes run in
# processes of their own) and tests that reach one or two lines of another group's modules.
GROUPS = {
    # the pure core, apply and the snapshot backend: the core tests, the scenarios (golden plans,
    # apply then plan again), the CLI, and the reliability tests (journal, resume, interrupted apply)
    "core": (
        ["leadconf/diff.py", "leadconf/vocabulary.py", "leadconf/plan/plan.py", "leadconf/plan/safety.py",
         "leadconf/plan/change.py", "leadconf/apply/runner.py", "leadconf/apply/state.py",
         "leadconf/apply/session.py", "leadconf/apply/undo.py", "leadconf/apply/journal.py",
         "leadconf/apply/saved.py", "leadconf/backends/snapshot.py", "leadconf/backends/snapshot_log.py"],
        ["tests/core", "tests/test_scenarios.py", "tests/test_cli.py", "tests/test_snapshot_log.py",
         "tests/reliability", "tests/test_everyday_loop.py"],
    ),
    # saved plans: the file form, its schema and seal, and what an unsealed plan may do
    "planfile": (
        ["leadconf/plan/planfile.py", "leadconf/plan/planschema.py", "leadconf/plan/confirm.py"],
        ["tests/core", "tests/test_cli.py", "tests/reliability", "tests/test_everyday_loop.py"],
    ),
    # the SuperOffice backend: its tests against the emulator, the scenarios (which run on it too),
    # the documented login paths and the reliability tests (signals, secrets, interrupted apply)
    "superoffice": (
        ["leadconf/backends/superoffice/backend.py", "leadconf/backends/superoffice/reads.py",
         "leadconf/backends/superoffice/writes.py", "leadconf/backends/superoffice/codec.py"],
        ["tests/superoffice", "tests/test_scenarios.py", "tests/login/test_documented.py", "tests/reliability",
         "tests/test_cli.py"],
    ),
}
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".leadconf", "*.sqlite", ".hypothesis",
                                     ".pytest_cache", ".mypy_cache", ".ruff_cache", ".import_linter_cache")


def _modules(name: str) -> list[str]:
    """The group's modules that exist (a module listed ahead of the change that adds it is skipped)."""
    return [m for m in GROUPS[name][0] if os.path.exists(os.path.join(ROOT, m))]


def _command(name: str) -> str:
    return f"{PYTEST} {' '.join(GROUPS[name][1])}"


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


def _ordered_ids(session: str) -> list[str]:
    # job ids are random: order by what the mutant is, so that a seed picks the same mutants again
    return [row[0] for row in sqlite3.connect(session).execute(
        "SELECT job_id FROM mutation_specs ORDER BY module_path, start_pos_row, start_pos_col, operator_name, occurrence")]


def _keep_only(session: str, keep: set[str]) -> None:
    db = sqlite3.connect(session)
    dropped = [(i,) for (i,) in db.execute("SELECT job_id FROM mutation_specs").fetchall() if i not in keep]
    db.executemany("DELETE FROM mutation_specs WHERE job_id = ?", dropped)
    db.executemany("DELETE FROM work_items WHERE job_id = ?", dropped)
    db.commit()


def _sample(session: str, keep: int, rng: random.Random) -> tuple[int, int]:
    ids = _ordered_ids(session)
    chosen = set(rng.sample(ids, min(keep, len(ids))))
    _keep_only(session, chosen)
    return len(ids), len(chosen)


def _shard(session: str, jobs: int) -> list[str]:
    """Split a session into `jobs` sessions (the first keeps its name), round robin in mutant order."""
    ids = _ordered_ids(session)
    paths = [session] + [session.replace(".sqlite", f".{k}.sqlite") for k in range(1, jobs)]
    for k, path in enumerate(paths):
        if k:
            shutil.copyfile(session, path)
    for k, path in enumerate(paths):
        _keep_only(path, set(ids[k::jobs]))
    return paths


def _sessions_of(work: str, name: str) -> list[str]:
    first = os.path.join(work, f"{name}.sqlite")
    if not os.path.exists(first):
        return []
    return [first] + sorted(glob.glob(os.path.join(work, f"{name}.[0-9]*.sqlite")))


def _results(session: str):
    db = sqlite3.connect(session)
    return db.execute(
        "SELECT s.module_path, s.start_pos_row, s.operator_name, r.test_outcome, r.output, r.diff "
        "FROM mutation_specs s JOIN work_results r ON r.job_id = s.job_id ORDER BY s.module_path, s.start_pos_row"
    ).fetchall()


def _tree(work: str, k: int) -> str:
    return os.path.join(work, "tree" if k == 0 else f"tree-{k}")


def _env_with_tools(tree: str, **extra: str) -> dict:
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (os.path.join(tree, "tools"), env.get("PYTHONPATH")) if p)
    return env


def _record(work: str, groups, jobs: int) -> list[tuple[str, str, str]]:
    """Run the groups' tests once on the unmutated copies, with per-test coverage; they must pass.
    Returns (tree, coverage data file, test list file) per part (the tests split over `jobs`)."""
    args: list[str] = []
    for name in groups:
        args += [a for a in GROUPS[name][1] if a not in args]

    def start(k: int) -> subprocess.Popen:
        tree, data, listing = parts[k]
        cmd = [sys.executable, "-m", "coverage", "run", f"--data-file={data}", "--include=leadconf/*",
               "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=0", "-p", "mutation_cov", *args]
        env = _env_with_tools(tree, MUTATION_COV_OUT=listing, MUTATION_COV_PART=f"{k}/{jobs}")
        log = open(os.path.join(work, f"record.{k}.log"), "w", encoding="utf-8")  # noqa: SIM115
        return subprocess.Popen(cmd, cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT)

    parts = [(_tree(work, k), os.path.join(work, f"coverage.{k}"), os.path.join(work, f"tests.{k}.json"))
             for k in range(jobs)]
    print(f"recording which test executes which line ({jobs} part(s)): {' '.join(args)}", flush=True)
    procs = [start(k) for k in range(jobs)]
    for k, proc in enumerate(procs):
        if proc.wait() != 0:
            with open(os.path.join(work, f"record.{k}.log"), encoding="utf-8") as fh:
                print(fh.read()[-3000:])
            print(f"part {k + 1} of {jobs} failed on the unmutated copy: once more (a test flaky under load?)", flush=True)
            if start(k).wait() != 0:
                # the tests must pass on the unmutated copy, or every mutant would count as killed
                raise SystemExit(f"the tests fail on the unmutated copy (part {k + 1} of {jobs}): {' '.join(args)}")
    return parts


def _belongs(nodeid: str, args: list[str]) -> int | None:
    for i, arg in enumerate(args):
        if nodeid == arg or nodeid.startswith(arg.rstrip("/") + "/") or nodeid.startswith(arg + "::"):
            return i
    return None


def _plans(work: str, groups, recorded, jobs: int, compare: bool) -> dict[str, list[str]]:
    """Write each group's selection plan (one per worker: its own log); returns their paths."""
    import coverage  # the mutation extra

    runs = []
    for tree, data, listing in recorded:
        with open(listing, encoding="utf-8") as fh:
            meta = json.load(fh)
        cov = coverage.CoverageData(data)
        cov.read()
        runs.append((tree, cov, meta))
    pristine = os.path.join(work, "pristine")
    plans = {}
    for name in groups:
        modules, args = _modules(name), GROUPS[name][1]
        tests = []
        for _, _, meta in runs:
            tests += [(_belongs(t, args), meta["position"][t], t) for t in meta["order"] if _belongs(t, args) is not None]
        tests.sort()
        index = {t: i for i, (_, _, t) in enumerate(tests)}
        spawners = {s for _, _, meta in runs for s in meta["spawners"]}
        # a process started outside any test (collection, a shared fixture): what it runs is not
        # measured and belongs to no test, so every mutant runs the whole command
        disabled = "a process was started outside any test" if "" in spawners else ""
        lines: dict[str, dict[str, list[int]]] = {}
        for module in modules:
            per_line: dict[int, set[int]] = {}
            for tree, cov, _ in runs:
                path = os.path.join(tree, module)
                if path not in cov.measured_files():
                    continue
                for line, contexts in cov.contexts_by_lineno(path).items():
                    for ctx in contexts:
                        if ctx == "":
                            per_line.setdefault(line, set()).add(-1)
                        elif ctx in index:
                            per_line.setdefault(line, set()).add(index[ctx])
            lines[module] = {str(ln): sorted(v) for ln, v in per_line.items()}
            os.makedirs(os.path.dirname(os.path.join(pristine, module)), exist_ok=True)
            shutil.copyfile(os.path.join(_tree(work, 0), module), os.path.join(pristine, module))
        plans[name] = []
        for k in range(jobs):
            plan = {"modules": modules, "pristine": pristine, "full": _command(name), "select": PYTEST,
                    "tests": [t for _, _, t in tests], "always": sorted(index[s] for s in spawners if s in index),
                    "lines": lines, "compare": compare, "disabled": disabled, "log": os.path.join(work, f"{name}.select.{k}.jsonl")}
            path = os.path.join(work, f"{name}.plan.{k}.json")
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(plan, fh)
            plans[name].append(path)
        print(f"{name}: {len(tests)} tests, {len(spawners & set(index))} of them start a process "
              f"(run for every mutant)", flush=True)
    return plans


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=int, default=150, help="mutants in all, shared by the groups in proportion")
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--group", choices=sorted(GROUPS), action="append", help="only these groups (repeatable)")
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds per mutant before it counts as killed")
    ap.add_argument("--jobs", type=int, default=1, help="mutants run in parallel, each worker in its own copy")
    ap.add_argument("--no-select", dest="select", action="store_false",
                    help="run each group's whole test command for every mutant (no coverage-based selection)")
    ap.add_argument("--compare", action="store_true",
                    help="validation: run the selected tests AND the whole command for every mutant, report both")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep it (default: a temporary folder)")
    ap.add_argument("--report", metavar="DIR", help="only report the sessions a --keep DIR run left")
    ap.add_argument("--brief", action="store_true", help="report survivors one line each (file:line operator: - old + new)")
    ap.add_argument("--retest", metavar="DIR",
                    help="run the survivors of a --keep DIR run again, against the tests as they are now "
                         "(only where the mutated modules are unchanged since; each group's whole command)")
    args = ap.parse_args(argv)
    if args.retest:
        return _retest(args.retest, args.group or sorted(GROUPS), args.brief)
    if args.report:
        return _report({n: _sessions_of(args.report, n) for n in sorted(GROUPS) if _sessions_of(args.report, n)},
                       args.report, args.brief)
    groups = args.group or sorted(GROUPS)
    jobs = max(1, args.jobs)
    work = args.keep or tempfile.mkdtemp(prefix="leadconf-mutation-")
    for k in range(jobs):
        shutil.rmtree(_tree(work, k), ignore_errors=True)
        shutil.copytree(ROOT, _tree(work, k), ignore=COPY_IGNORE)
    for stale in glob.glob(os.path.join(work, "*.sqlite")) + glob.glob(os.path.join(work, "*.jsonl")):
        os.remove(stale)
    tree = _tree(work, 0)
    # the tests must import the copy, not the checkout
    probe = subprocess.run([sys.executable, "-c", "import leadconf; print(leadconf.__file__)"], cwd=tree,
                           capture_output=True, text=True, check=True)
    assert probe.stdout.startswith(tree), f"the copy does not import its own leadconf: {probe.stdout}"
    cr = os.path.join(os.path.dirname(sys.executable), "cosmic-ray")
    rng = random.Random(args.seed)
    sessions = {}
    for name in groups:
        modules = _modules(name)
        missing = sorted(set(GROUPS[name][0]) - set(modules))
        if missing:
            print(f"{name}: not in this tree, left out: {', '.join(missing)}")
        cfg, session = os.path.join(work, f"{name}.toml"), os.path.join(work, f"{name}.sqlite")
        with open(cfg, "w", encoding="utf-8") as fh:
            fh.write(_config(modules, _command(name), args.timeout))
        subprocess.run([cr, "init", cfg, session], cwd=tree, check=True)
        print(f"{name}: {_drop_annotation_mutants(session, tree)} mutants in annotations left out (never evaluated)")
        sessions[name] = session
    if args.select:
        plans = _plans(work, groups, _record(work, groups, jobs), jobs, args.compare)
    else:
        for name in groups:  # the tests must pass on the unmutated copy, or every mutant would count as killed
            subprocess.run(shlex.split(_command(name)), cwd=tree, check=True)
    totals = {n: sqlite3.connect(s).execute("SELECT COUNT(*) FROM work_items").fetchone()[0] for n, s in sessions.items()}
    everything = sum(totals.values())
    work_lists: list[list[tuple[str, str]]] = [[] for _ in range(jobs)]
    shards = {}
    for name, session in sessions.items():
        share = max(1, round(args.sample * totals[name] / everything))
        total, kept = _sample(session, share, rng)
        print(f"{name}: {kept} of {total} mutants sampled", flush=True)
        shards[name] = _shard(session, jobs)
        for k, shard in enumerate(shards[name]):
            command = f"{sys.executable} tools/mutation_select.py {plans[name][k]}" if args.select else _command(name)
            cfg = shard.replace(".sqlite", ".toml")
            with open(cfg, "w", encoding="utf-8") as fh:
                fh.write(_config(_modules(name), command, args.timeout))
            work_lists[k].append((cfg, shard))

    def worker(k: int) -> None:
        for cfg, shard in work_lists[k]:
            subprocess.run([cr, "exec", cfg, shard], cwd=_tree(work, k), check=True)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return _report(shards, work, args.brief)


def _retest(work: str, groups, brief: bool) -> int:
    tree = os.path.join(work, "tree")
    cr = os.path.join(os.path.dirname(sys.executable), "cosmic-ray")
    sessions = {}
    for name in groups:
        paths = _sessions_of(work, name)
        if not paths:
            continue
        modules = _modules(name)
        changed = [m for m in modules if not _same_file(os.path.join(ROOT, m), os.path.join(tree, m))]
        if changed:
            print(f"{name}: not retested, the code changed since the run: {', '.join(changed)}")
            continue
        shutil.copytree(ROOT, tree, dirs_exist_ok=True, ignore=COPY_IGNORE)
        # the recorded coverage does not know today's tests: the whole command, for every survivor
        cfg = os.path.join(work, f"{name}.retest.toml")
        with open(cfg, "w", encoding="utf-8") as fh:
            fh.write(_config(modules, _command(name), 180.0))
        for session in paths:
            db = sqlite3.connect(session)
            again = db.execute("SELECT job_id FROM work_results WHERE lower(test_outcome) = 'survived'").fetchall()
            db.executemany("DELETE FROM work_results WHERE job_id = ?", again)
            db.commit()
            print(f"{name}: {len(again)} survivors run again ({os.path.basename(session)})", flush=True)
            subprocess.run([cr, "exec", cfg, session], cwd=tree, check=True)
        sessions[name] = paths
    return _report(sessions, work, brief)


def _same_file(a: str, b: str) -> bool:
    if not (os.path.exists(a) and os.path.exists(b)):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def _brief_diff(diff: str) -> str:
    lines = [ln for ln in diff.splitlines() if ln[:1] in "-+" and not ln.startswith(("---", "+++"))]
    return "  ".join(" ".join(ln.split()) for ln in lines)


def _selection_summary(work: str) -> None:
    entries = []
    for path in sorted(glob.glob(os.path.join(work, "*.select.*.jsonl"))):
        with open(path, encoding="utf-8") as fh:
            entries += [json.loads(line) for line in fh if line.strip()]
    if not entries:
        return
    modes = {m: sum(1 for e in entries if e["mode"] == m) for m in ("selected", "full", "none")}
    fallbacks = sum(1 for e in entries if e.get("fallback"))
    print(f"\nselection: {len(entries)} mutants: {modes['selected']} ran only the tests that execute their lines "
          f"({fallbacks} of them fell back to the whole command), {modes['full']} the whole command, "
          f"{modes['none']} survived without running (no test executes their lines)")
    ran = [e.get("selected_cpu", 0.0) + e.get("full_cpu", 0.0) for e in entries]
    if any("selected_cpu" in e or "full_cpu" in e for e in entries):
        print(f"CPU per mutant: {sum(ran) / len(ran):.1f} s (all the tests it ran)")
    compared = [e for e in entries if "full_exit" in e and e["mode"] != "full" and not e.get("fallback")]
    if not compared:
        return

    def outcome(code):
        return "killed" if code else "survived"

    agree = [e for e in compared if outcome(e.get("selected_exit", 0)) == outcome(e["full_exit"])]
    print(f"compare: {len(agree)} of {len(compared)} selected or not-run mutants agree with the whole command")
    for e in compared:
        if e not in agree:
            print(f"  DISAGREE {e.get('module')}:{e.get('lines')} selected {outcome(e.get('selected_exit', 0))} "
                  f"({e['selected']} tests) vs whole command {outcome(e['full_exit'])}: {e['why']}")
    full_s = [e["full_s"] for e in entries if "full_s" in e]
    sel_s = [e.get("selected_s", 0.0) + (e["full_s"] if e["mode"] == "full" or e.get("fallback") else 0.0)
             for e in entries if "full_s" in e]
    print(f"time per mutant: whole command {sum(full_s) / len(full_s):.1f} s, with selection "
          f"{sum(sel_s) / len(sel_s):.1f} s (same mutants, same run; wall clock)")
    cpu = [e for e in entries if "full_cpu" in e]
    if cpu:
        sel_cpu = [e.get("selected_cpu", 0.0) + (e["full_cpu"] if e["mode"] == "full" or e.get("fallback") else 0.0)
                   for e in cpu]
        print(f"CPU per mutant: whole command {sum(e['full_cpu'] for e in cpu) / len(cpu):.1f} s, with selection "
              f"{sum(sel_cpu) / len(sel_cpu):.1f} s")


def _report(sessions, work, brief: bool = False) -> int:
    print(f"\nsessions and the copied tree: {work}")
    grand_killed = grand_total = 0
    for name, paths in sessions.items():
        rows = [r for path in paths for r in _results(path)]
        rows.sort(key=lambda r: (r[0], r[1]))
        outcome = [str(r[3]).lower() for r in rows]
        killed = outcome.count("killed")
        incompetent = outcome.count("incompetent")
        survived = [r for r, o in zip(rows, outcome) if o == "survived"]
        counted = killed + len(survived)
        grand_killed, grand_total = grand_killed + killed, grand_total + counted
        print(f"\n== {name}: {killed} of {counted} killed ({100.0 * killed / max(1, counted):.1f}%), "
              f"{incompetent} incompetent (not counted)")
        for module, row, op, _, output, diff in survived:
            # a mutant no test executes was not run (tools/mutation_select.py): no test could fail
            note = " (not run: no test executes it)" if str(output).startswith("mutation_select: none") else ""
            if brief:
                print(f"-- {module}:{row} {op.split('/')[-1]}{note}: {_brief_diff(diff)}")
            else:
                print(f"-- survived: {module}:{row} {op}{note}\n{diff}")
    print(f"\nall: {grand_killed} of {grand_total} killed ({100.0 * grand_killed / max(1, grand_total):.1f}%)")
    _selection_summary(work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
