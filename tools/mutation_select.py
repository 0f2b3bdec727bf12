"""cosmic-ray's test command in tools/mutation.py runs: only the tests that execute the mutated line.

    python tools/mutation_select.py PLAN.json      (run in the copied tree, with one module mutated)

PLAN (written by tools/mutation.py) holds the group's modules, the folder with their pristine text,
the group's whole test command, and the per-test coverage of a run of that command on the pristine
tree (tools/mutation_cov.py). This finds the mutated module and lines by comparing the modules with
their pristine text, and runs `pytest -x` on the tests (in the whole command's order) that executed
those lines, plus the tests that start another process (not measured). Its exit status is the
selected run's (0: all passed, the mutant survived; 1: a test failed, killed). The whole command
runs instead when the evidence is less than certain:
- the lines are not inside a function body (executed at import: every test that imports the module
  sees the mutant), or inside a cached function (functools.cache, lru_cache, cached_property);
- one of the lines ran outside any test (at import, at collection, in a fixture shared by tests);
- any failure to find the mutation or the tests, or a selected run that ends in neither 0 nor 1
  (a test not found, a collection error, pytest's internal error).
A mutant whose lines no test executes (and not at import) runs only the tests that start a process,
or, if the group has none, survives without running any test (the whole command could not fail). With "compare" in PLAN (the validation), both the selected
tests and the whole command run, each outcome is logged, and the whole command's decides.
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import resource
import shlex
import subprocess
import sys
import time


def _changed(pristine: str, mutated: str) -> tuple[int, int] | None:
    """The first and last line of the pristine text that the mutation changed (1-based)."""
    a, b = pristine.splitlines(), mutated.splitlines()
    spans = [(i1, i2) for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
             if tag != "equal"]
    if not spans:
        return None
    lo, hi = spans[0][0], spans[-1][1]
    return lo + 1, max(hi, lo + 1)


def _head(stmt: ast.AST) -> list[int]:
    """The lines of a simple statement, or of a compound statement's header."""
    body = getattr(stmt, "body", None)
    if isinstance(body, list) and body:
        return list(range(stmt.lineno, max(body[0].lineno, stmt.lineno + 1)))
    return list(range(stmt.lineno, stmt.end_lineno + 1))


def _lookup_lines(source: str, lo: int, hi: int) -> tuple[list[int] | None, str]:
    """The lines whose execution can observe a change in lines lo..hi, or None (with why) when the
    change is not inside a function body or is inside a cached function."""
    tree = ast.parse(source)
    functions, statements, tries = [], [], []
    for depth, node in enumerate(ast.walk(tree)):  # breadth first: a later node is no shallower
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body[0].lineno <= lo \
                and hi <= node.end_lineno:
            functions.append(node)
        if isinstance(node, (ast.stmt, ast.ExceptHandler)) and node.lineno <= lo and hi <= node.end_lineno:
            statements.append((node.end_lineno - node.lineno, -depth, node))
        if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            tries.append(node)
    if not functions:
        return None, "not in a function body (runs at import)"
    for fn in functions:
        for deco in fn.decorator_list:
            if "cache" in ast.unparse(deco):
                return None, f"in a cached function ({fn.name})"
    inner = min(statements, key=lambda t: t[:2])[2]
    if isinstance(inner, ast.ExceptHandler) and lo < inner.body[0].lineno:
        # an except clause matters only for an exception raised in its try: every test entering it
        lines = list(range(inner.lineno, inner.body[0].lineno))
        for t in tries:
            if inner in t.handlers:
                lines += _head(t.body[0])
        return lines, "except clause"
    body = getattr(inner, "body", None)
    if isinstance(body, list) and body and lo < body[0].lineno:
        return _head(inner), "compound statement's header"
    return list(range(inner.lineno, inner.end_lineno + 1)), "statement"


def decide(plan: dict, cwd: str = ".") -> dict:
    """What to run for the mutant in cwd: {"mode": "selected"|"full"|"none", "tests": [...], "why": ...}."""
    if plan.get("disabled"):
        return {"mode": "full", "why": plan["disabled"]}
    mutated = []
    for module in plan["modules"]:
        with open(os.path.join(cwd, module), encoding="utf-8") as fh:
            now = fh.read()
        with open(os.path.join(plan["pristine"], module), encoding="utf-8") as fh:
            before = fh.read()
        if now != before:
            mutated.append((module, before, now))
    if len(mutated) != 1:
        return {"mode": "full", "why": f"{len(mutated)} modules changed"}
    module, before, now = mutated[0]
    span = _changed(before, now)
    if span is None:
        return {"mode": "full", "why": "no changed line found", "module": module}
    lo, hi = span
    where = {"module": module, "lines": [lo, hi]}
    lines, why = _lookup_lines(before, lo, hi)
    if lines is None:
        return {"mode": "full", "why": why, **where}
    covered = plan["lines"].get(module, {})
    found: set[int] = set()
    for line in set(lines) | set(range(lo, hi + 1)):
        tests = covered.get(str(line))
        if tests is None:
            continue
        if -1 in tests:
            return {"mode": "full", "why": f"line {line} runs outside a test (import, collection, shared fixture)", **where}
        found.update(tests)
    if not found and not plan["always"]:
        return {"mode": "none", "why": f"{why}: no test executes it", "tests": [], **where}
    if not found:
        why += ": no test executes it here, only the tests that start a process can"
    found.update(plan["always"])
    return {"mode": "selected", "why": why, "tests": [plan["tests"][i] for i in sorted(found)], **where}


def _run(argv: list[str], entry: dict, key: str) -> int:
    """Run argv; note its wall time and its CPU time (its own and its children's) in entry."""
    started, before = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    sys.stdout.flush()
    code = subprocess.run(argv).returncode
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    entry[f"{key}_s"] = round(time.monotonic() - started, 2)
    entry[f"{key}_cpu"] = round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2)
    entry[f"{key}_exit"] = code
    return code


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0], encoding="utf-8") as fh:
        plan = json.load(fh)
    full = shlex.split(plan["full"])
    try:
        choice = decide(plan)
    except Exception as exc:  # any doubt: the whole command
        choice = {"mode": "full", "why": f"lookup failed: {exc!r}"}
    print(f"mutation_select: {choice['mode']} ({choice['why']}), {len(choice.get('tests', []))} tests", flush=True)
    entry = {k: v for k, v in choice.items() if k != "tests"}
    entry["selected"] = len(choice.get("tests", []))
    code = 0
    if choice["mode"] == "selected":
        code = _run(shlex.split(plan["select"]) + choice["tests"], entry, "selected")
        if code not in (0, 1):
            entry["fallback"] = True
    if choice["mode"] == "full" or entry.get("fallback") or plan.get("compare"):
        code = _run(full, entry, "full")
    with open(plan["log"], "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
