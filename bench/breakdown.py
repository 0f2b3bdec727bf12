"""Where the time of one `leadconf plan` goes, measured in-process with the real modules.

    python -m bench.breakdown CONFIG SNAPSHOT [--profile FILE.prof] [--top N]

Runs what `leadconf plan -c CONFIG --target snapshot:SNAPSHOT` runs (load_config, the snapshot
backend's read, build_plan, render.text), with timers wrapped around the functions that do the
work. Prints one JSON line: {"phases": {label: seconds}, "total": seconds, "maxrss_mb": ...}.
Phases marked "  ↳" are part of the phase above them (the table shows them indented).
With --profile, also writes a cProfile of the same run and prints its top functions to stderr.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import resource
import sys
import time
from collections import defaultdict

_acc: dict[str, float] = defaultdict(float)
_calls: dict[str, int] = defaultdict(int)
_order: list[str] = []


def _note(label):
    if label not in _order:
        _order.append(label)


def wrap(owner, attr, label, *, generator=False):
    """Accumulate the time spent in owner.attr under `label` (owner: a module or a class)."""
    orig = getattr(owner, attr)
    func = getattr(orig, "__func__", None)  # a classmethod bound to its class
    _note(label)

    if generator:
        def timed(*a, **k):
            t = time.perf_counter()
            out = list(orig(*a, **k))
            _acc[label] += time.perf_counter() - t
            _calls[label] += 1
            return iter(out)
    else:
        def timed(*a, **k):
            t = time.perf_counter()
            try:
                return orig(*a, **k)
            finally:
                _acc[label] += time.perf_counter() - t
                _calls[label] += 1
    functools.update_wrapper(timed, orig)
    if func is not None and isinstance(owner, type):
        setattr(owner, attr, classmethod(lambda cls, *a, **k: timed(*a, **k)))
    else:
        setattr(owner, attr, timed)


def phase(label, fn, *a, **k):
    _note(label)
    t = time.perf_counter()
    try:
        return fn(*a, **k)
    finally:
        _acc[label] += time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("snapshot")
    ap.add_argument("--profile", help="also write a cProfile of the run here")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args(argv)

    t_start = time.perf_counter()

    def imports():
        import click  # noqa: F401

        import leadconf.cli  # noqa: F401
        import leadconf.cli.reconcile  # noqa: F401
        from leadconf import diff  # noqa: F401
        from leadconf.backends import snapshot  # noqa: F401
        from leadconf.config import loader  # noqa: F401
        from leadconf.plan import render  # noqa: F401

    phase("imports (leadconf, click, yaml)", imports)

    from leadconf import diff as diff_mod
    from leadconf.backends import snapshot
    from leadconf.backends.superoffice import codec as api
    from leadconf.config import fastpath, loader, rules, yamlpos
    from leadconf.plan import render

    # loader internals, in the order they run. A valid config never reaches pydantic or jsonschema
    # (config/fastpath.py); the run fails below if this one did.
    wrap(yamlpos, "load", "YAML parse (yamlpos.load: libyaml events, streamed)")
    wrap(fastpath, "build", "schema check + config objects (config/fastpath.py)")
    wrap(rules, "check_config", "config rules (rules.check_config)")
    # the plan
    wrap(snapshot, "load_document", "snapshot: read + json.loads")
    wrap(api, "tenant_from_document", "snapshot: tenant_from_document")
    wrap(rules, "check_against_tenant", "tenant rules (rules.check_against_tenant)")
    wrap(diff_mod, "diff", "diff (leadconf.diff.diff)")
    wrap(diff_mod, "fingerprint", "  ↳ of which fingerprint() of items")
    wrap(loader.LoadedConfig, "source", "  ↳ of which source positions (file:line)")
    wrap(render, "text", "render text")

    def plan_once():
        loaded = phase("load_config (total)", loader.load_config, [args.config])
        backend = snapshot.SnapshotBackend(args.snapshot)
        tenant = phase("snapshot read (total)", backend.read)
        plan = phase("build_plan (total)", diff_mod.build_plan, loaded, tenant, backend.description)
        text = render.text(plan, color=False)
        return plan, text

    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    plan, text = plan_once()
    if prof is not None:
        prof.disable()
        prof.dump_stats(args.profile)
        import pstats

        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(args.top)
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(args.top)
    total = time.perf_counter() - t_start

    # the loader's own work besides the phases wrapped inside it
    if any(m.split(".")[0] in ("pydantic", "jsonschema") for m in sys.modules):
        raise SystemExit("breakdown: the config took the full validation (pydantic, jsonschema): is it valid?")
    inner = ["YAML parse (yamlpos.load: libyaml events, streamed)", "schema check + config objects (config/fastpath.py)",
             "config rules (rules.check_config)"]
    _acc["load_config: merge, ${VAR} scan, digest, GC handling"] = _acc["load_config (total)"] - sum(_acc[k] for k in inner)
    snap_inner = ["snapshot: read + json.loads", "snapshot: tenant_from_document"]
    plan_inner = ["tenant rules (rules.check_against_tenant)", "diff (leadconf.diff.diff)"]
    _acc["build_plan: the rest (Plan object, list sizes)"] = _acc["build_plan (total)"] - sum(_acc[k] for k in plan_inner)
    ordered = [
        "imports (leadconf, click, yaml)",
        *inner,
        "load_config: merge, ${VAR} scan, digest, GC handling",
        *snap_inner,
        *plan_inner,
        "  ↳ of which fingerprint() of items",
        "  ↳ of which source positions (file:line)",
        "build_plan: the rest (Plan object, list sizes)",
        "render text",
    ]
    phases = {k: round(_acc[k], 6) for k in ordered}
    out = {
        "phases": phases,
        "calls": {k: _calls[k] for k in ordered if k in _calls},
        "total": round(total, 6),
        "changes": len(plan.changes),
        "gc_frozen": gc.get_freeze_count(),
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
