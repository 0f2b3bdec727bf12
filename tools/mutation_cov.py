"""pytest plugin for tools/mutation.py: records which test executes which line (on demand only).

Loaded by `coverage run ... -m pytest -p mutation_cov` (PYTHONPATH=tools) in the copied tree. It
switches coverage's dynamic context to the test's node id for its setup, call and teardown, and
back to the empty context between tests, so every line executed outside a test (at import, at
collection, in a fixture wider than a function, whose value later tests share) is in the empty
context: tools/mutation_select.py runs the whole test command for a mutant on such a line. It also
notes the tests that start another process (their lines are not measured here): those run for every
mutant of their group. It writes MUTATION_COV_OUT (JSON): the tests in run order, each test's place in
the whole collection, the spawners. With MUTATION_COV_PART "k/n" it runs only every n-th test.
"""

from __future__ import annotations

import json
import os
import subprocess

import coverage
import pytest

_state: dict = {"context": "", "order": [], "spawners": set(), "position": {}}


def _switch(context: str) -> None:
    _state["context"] = context
    cov = coverage.Coverage.current()
    if cov is not None:
        cov.switch_context(context)


def _note_spawn() -> None:
    _state["spawners"].add(_state["context"] or "")


def pytest_configure(config):
    # every way a test can start a process: its lines would not be measured in this one
    original_init = subprocess.Popen.__init__

    def init(self, *args, **kwargs):
        _note_spawn()
        original_init(self, *args, **kwargs)

    subprocess.Popen.__init__ = init  # type: ignore[method-assign]
    for name in ("fork", "system", "posix_spawn", "posix_spawnp", "spawnv", "spawnve", "execv", "execve"):
        original = getattr(os, name, None)
        if original is None:
            continue

        def wrapper(*args, _original=original, **kwargs):
            _note_spawn()
            return _original(*args, **kwargs)

        setattr(os, name, wrapper)


def pytest_collection_modifyitems(session, config, items):
    # MUTATION_COV_PART "k/n": this run records every n-th test from the k-th (n runs in parallel)
    _state["position"] = {item.nodeid: i for i, item in enumerate(items)}
    part = os.environ.get("MUTATION_COV_PART")
    if part:
        k, n = (int(x) for x in part.split("/"))
        keep = items[k::n]
        config.hook.pytest_deselected(items=[it for i, it in enumerate(items) if i % n != k])
        items[:] = keep


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _state["order"].append(item.nodeid)
    _switch(item.nodeid)
    yield
    _switch("")


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    # a fixture shared by several tests: what it executes counts for all of them, i.e. for none
    if fixturedef.scope == "function":
        yield
        return
    before = _state["context"]
    _switch("")
    try:
        yield
    finally:
        _switch(before)


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get("MUTATION_COV_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            json.dump({"order": _state["order"], "position": _state["position"], "spawners": sorted(_state["spawners"]),
                       "exitstatus": int(exitstatus)}, fh)
