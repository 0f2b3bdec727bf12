"""Benchmark 3: the API. Requests and wall time of a plan and an apply against the emulator.

A tenant with 30 categories and 6 lead statuses; the config changes 6 of them (3 updates, 1
rename, 2 creates). The emulator adds 100 ms to every API request and enforces 10 requests/s
(sliding window; over it: 429 with Retry-After: 1); leadconf runs with its default client-side
limit of 10/s and 4 read workers.
"""

from __future__ import annotations

import math
import os
import re
import statistics
import time

from bench import emu as emu_mod
from bench import gen
from bench.report import Goal, Section, table
from bench.util import BenchError, base_env, run, script, secs

LATENCY = 0.1
RATE = 10
WORKERS = 4  # leadconf.backends.superoffice.backend.DEFAULT_WORKERS
# The fixed reads of SuperOfficeBackend.read() for a tenant without Marketing Premium:
# currentPrincipal, /List, /List/Category, the category, lead-status, user-group, heading and
# associate lists, GetAllAutomatedCategoryUpdates, and (since issue 11 decides Marketing Premium
# from the feature endpoints' own answers, not from a licence name) the UTM preference and the
# flow list (/MDOList/emailflow).
LIST_READS = 11
PER_CATEGORY = "/Agents/List/GetCategoryEntity"
_SUMMARY = re.compile(r"Plan: (\d+) to create, (\d+) to update, (\d+) to rename")
_APPLIED = re.compile(r"Applied: (\d+) done, (\d+) already done, (\d+) failed")


def _floors(n, n_parallel, n_sequential):
    """(requests ÷ rate, sliding-window floor, latency-chain floor) in seconds."""
    nominal = n / RATE
    window = ((n - 1) // RATE) * 1.0 + LATENCY
    chain = (n_sequential + math.ceil(n_parallel / WORKERS)) * LATENCY
    return nominal, window, chain


def _one(kind, argv, env, emu, limit, t_check):
    emu.requests.clear()
    limit.clear()
    t0 = time.perf_counter()
    r = run(argv, env=env, timeout=300)
    t_check(r)
    arrivals = list(limit.arrivals)
    api = emu.api_requests()
    writes = emu.writes()
    per_cat = sum(1 for a in arrivals if a.path.endswith(PER_CATEGORY))
    full_reads = sum(1 for a in arrivals if a.method == "GET" and a.path.endswith("/User/currentPrincipal"))
    first = arrivals[0].t - t0 if arrivals else float("nan")
    phase = (arrivals[-1].t - arrivals[0].t + LATENCY) if arrivals else float("nan")
    return {
        "wall": r.wall, "requests": len(api), "writes": len(writes), "reads": len(api) - len(writes),
        "per_category": per_cat, "full_reads": full_reads, "rejected_429": limit.rejected,
        "startup": first, "api_phase": phase, "peak_in_window": limit.max_in_window(),
        "min_gap": min((arrivals[i + RATE].t - arrivals[i].t for i in range(len(arrivals) - RATE)), default=float("nan")),
    }


def bench(work: str, quick: bool) -> Section:
    why = emu_mod.available()
    if why:
        return Section("3. The API", f"_Not run: the emulator (tests/emulator) cannot be imported ({why})._",
                       [Goal("API: requests and wall time", "n/a", "", None, "emulator missing")])
    rounds = 1 if quick else 2
    doc = gen.small_tenant_document(n_categories=30)
    n_cat = len(doc["categories"])
    config, expected = gen.small_change_config(doc, work)
    changes = expected.total
    emu, limit = emu_mod.start(doc, latency=LATENCY, limit=RATE)
    try:
        env = base_env(**emu.env(), XDG_CACHE_HOME=os.path.join(work, "cache"))
        lc = script("leadconf")
        plan_argv = [lc, "plan", "-c", config, "--target", emu.target, "--no-color"]
        apply_argv = [lc, "apply", "-c", config, "--target", emu.target, "--auto-approve", "--no-color",
                      "--journal-dir", os.path.join(work, "journal")]

        def check_plan(r):
            m = _SUMMARY.search(r.stdout)
            if r.rc != 0 or not m or tuple(map(int, m.groups())) != (expected.create, expected.update, expected.rename):
                raise BenchError(f"plan against the emulator: rc={r.rc}\n{r.stderr[-1500:]}\n{r.stdout[-800:]}")

        def check_apply(r):
            m = _APPLIED.search(r.stdout)
            if r.rc != 0 or not m or int(m.group(1)) != changes:
                raise BenchError(f"apply against the emulator: rc={r.rc}\n{r.stderr[-1500:]}\n{r.stdout[-800:]}")

        results = {"plan": [], "apply": []}
        for _ in range(rounds):
            results["plan"].append(_one("plan", plan_argv, env, emu, limit, check_plan))
            results["apply"].append(_one("apply", apply_argv, env, emu, limit, check_apply))
            # the apply worked: a plan now shows nothing (checked without latency or limits)
            emu.clear_faults()
            r = run([lc, "plan", "-c", config, "--target", emu.target, "--detailed-exitcode", "--no-color"],
                    env={**env, "LEADCONF_RATE_LIMIT": "0"}, check=False)
            if r.rc != 0:
                raise BenchError(f"after the apply, plan still shows changes (exit {r.rc}):\n{r.stdout[-1500:]}")
            emu.reset(doc)
            emu_mod.arm(emu, limit, LATENCY)
        links = None
        if not quick:  # informational: a tenant whose Category list uses groups and headings
            emu.reset(doc, groups_and_headings=True)
            emu_mod.arm(emu, limit, LATENCY)
            links = _one("plan", plan_argv, env, emu, limit, check_plan)
    finally:
        emu.stop()

    def med(kind, key):
        return statistics.median(x[key] for x in results[kind])

    expect_plan = LIST_READS + n_cat
    re_reads = expected.update + expected.rename  # read_item just before each write of an existing item
    expect_apply = expect_plan + re_reads + changes
    rows = []
    goals = []
    for kind, expect_n, n_seq, n_par in (
        ("plan", expect_plan, LIST_READS, n_cat),
        ("apply", expect_apply, LIST_READS + re_reads + changes, n_cat),
    ):
        x = results[kind][-1]
        n = x["requests"]
        n_ok = n - x["rejected_429"]  # the requests leadconf meant to make (429-answered ones were retried)
        nominal, window, chain = _floors(n_ok, n_cat * x["full_reads"], n_seq * max(1, x["full_reads"]))
        floor_ideal = max(expect_n / RATE, (n_seq + math.ceil(n_par / WORKERS)) * LATENCY)
        wall, phase = med(kind, "wall"), med(kind, "api_phase")
        rows.append([
            kind, f"{n_ok} ({x['reads'] - x['rejected_429']} reads: {x['full_reads']} full tenant read(s); {x['writes']} writes)"
            + (f" + {x['rejected_429']} answered 429" if x["rejected_429"] else ""),
            expect_n, x["rejected_429"], f"{x['peak_in_window']} ({x['min_gap'] * 1000:.0f} ms)", secs(nominal), f"{phase / nominal:.2f}", f"{wall / nominal:.2f}",
            secs(phase), secs(wall), secs(med(kind, "startup")),
        ])
        goals.append(Goal(f"API {kind}: requests (reads = {LIST_READS} list reads + 1 per category"
                          + (f"; + {re_reads} re-reads + {changes} writes" if kind == "apply" else "") + ")",
                          str(n_ok), f"= {expect_n}", n_ok == expect_n,
                          note=f"{x['full_reads']} full tenant reads" if x["full_reads"] != 1 else ""))
        if kind == "apply":
            goals.append(Goal("API apply: writes = one per change", str(x["writes"]), f"= {changes}", x["writes"] == changes))
        goals.append(Goal(f"API {kind}: no 429 provoked (server limit {RATE}/s)", str(sum(y["rejected_429"] for y in results[kind])),
                          "0", all(y["rejected_429"] == 0 for y in results[kind])))
        target = max(nominal, chain)
        goals.append(Goal(f"API {kind}: API phase (first request → last answer) ÷ max(requests ÷ rate, latency floor)",
                          f"{phase / target:.2f}", "≤ 1.15", phase <= 1.15 * target))
        goals.append(Goal(f"API {kind}: whole-process wall ÷ (requests ÷ rate)", f"{wall / nominal:.2f}", "≤ 1.15",
                          wall <= 1.15 * nominal,
                          note=f"start-up before the first request {secs(med(kind, 'startup'))}; "
                               f"at the ideal {expect_n} requests the floor is {secs(floor_ideal)}"))
    if links is not None:
        n = links["requests"] - links["rejected_429"]
        rows.append([
            "plan, groups and headings on (informational)",
            f"{n} ({n_cat} per-category + {n - n_cat - LIST_READS} link reads)"
            + (f" + {links['rejected_429']} answered 429" if links["rejected_429"] else ""),
            f"{LIST_READS + 3 * n_cat} (1 + 2 per category)", links["rejected_429"],
            f"{links['peak_in_window']} ({links['min_gap'] * 1000:.0f} ms)",
            secs(n / RATE), f"{links['api_phase'] / (n / RATE):.2f}", f"{links['wall'] / (n / RATE):.2f}",
            secs(links["api_phase"]), secs(links["wall"]), secs(links["startup"]),
        ])
    body = (
        f"Emulator: {n_cat} categories, {len(doc['lead_statuses'])} lead statuses, +{LATENCY * 1000:.0f} ms per API request, "
        f"server limit {RATE} requests in any 1 s (else 429). leadconf: default client limit {RATE}/s, {WORKERS} read workers. "
        f"The change set: {expected.update} updates, {expected.rename} rename, {expected.create} creates. "
        f"{rounds} run(s) each (medians; request counts from the last run); after every apply a plan must show no changes.\n\n"
        + table(["command", "requests (answered)", "expected", "429s", f"most in 1 s (shortest span of {RATE + 1} requests)", "requests ÷ rate",
                 "API phase ÷ that", "wall ÷ that", "API phase", "wall", "start-up"], rows)
        + "\n\n*requests ÷ rate* counts the requests leadconf meant to make, not the retries of 429-answered ones. "
        "*API phase*: from the first request's arrival to the last one's arrival + the added latency. "
        "*start-up*: process start to the first request (imports, config, httpx client). "
        f"*most in 1 s*: the most requests that arrived within any 1 s, and the shortest time in which {RATE + 1} "
        f"consecutive requests arrived (under 1000 ms: the server sees more than {RATE} in a second). The sliding-window "
        f"limit lets the first {RATE} requests go at once, so a client that issues independent reads "
        f"concurrently can finish {RATE} requests ahead of requests ÷ rate: "
        f"floor = ⌊(n−1)/{RATE}⌋ s + latency."
    )
    data = {"results": results, "links": links, "expected": {"plan": expect_plan, "apply": expect_apply}}
    return Section("3. The API", body, goals, data)
