"""Ctrl-C (SIGINT) and SIGTERM during `leadconf apply`, sent by a real signal to a child process,
on the snapshot backend and over the Web API: the write in flight finishes, the report gives the
counts, the journal, and the exact resume and undo commands, and the exit is 130. The commands it
prints work: resuming finishes the apply, and the undo plan (after any number of runs) takes the
tenant back to where it started."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers import EXAMPLES, run_cli
from tests.reliability import as_before

CONFIG = os.path.join(os.path.dirname(__file__), "many-changes.yaml")
TENANT = os.path.join(EXAMPLES, "tenants", "existing-customer.json")
FLAGS = ["--auto-approve", "--allow-delete", "--allow-large-change"]

# A child `leadconf ARGS` whose backend, right after its Nth write, says so (READY file) and holds
# that write "in flight" until the parent has signalled it (SENT file).
CHILD = """
import os, sys, time
from {module} import {cls} as Backend
limit, ready, sent = int(os.environ["HOLD_AFTER_WRITES"]), os.environ["READY"], os.environ["SENT"]
real = Backend.write
count = 0
def write(self, kind, item):
    global count
    result = real(self, kind, item)
    count += 1
    if count == limit:
        open(ready, "w").close()
        deadline = time.monotonic() + 30
        while not os.path.exists(sent) and time.monotonic() < deadline:
            time.sleep(0.01)
    return result
Backend.write = write
from leadconf.cli import main
main(sys.argv[1:])
"""
SNAPSHOT_CHILD = CHILD.format(module="leadconf.backends.snapshot", cls="SnapshotBackend")
SUPEROFFICE_CHILD = CHILD.format(module="leadconf.backends.superoffice.backend", cls="SuperOfficeBackend")


def _interrupt(child_code, args, tmp_path, signals, after_writes=4, env=None):
    """Run the child, send `signals` while its Nth write is in flight; (exit code, stdout, stderr)."""
    ready, sent = tmp_path / "ready", tmp_path / "sent"
    child_env = dict(env or os.environ, HOLD_AFTER_WRITES=str(after_writes), READY=str(ready), SENT=str(sent))
    proc = subprocess.Popen([sys.executable, "-c", child_code, *args], cwd=str(tmp_path), env=child_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.01)
    for sig in signals:
        proc.send_signal(sig)
        time.sleep(0.2)
    sent.touch()
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def _snapshot(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)




@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_after_the_write_in_flight_snapshot(tmp_path, sig):
    tenant = tmp_path / "tenant.json"
    shutil.copy(TENANT, tenant)
    original = _snapshot(tenant)
    code, out, err = _interrupt(SNAPSHOT_CHILD, ["apply", "-c", CONFIG, "--target", "snapshot:tenant.json", *FLAGS],
                                tmp_path, [sig])
    assert code == 130, out + err
    assert "Traceback" not in err
    assert f"{sig.name}: stopping after the change in flight" in err
    counts = re.search(r"^Interrupted: (\d+) done, 0 already done, 0 failed, 0 skipped, (\d+) not started\.$", out, re.M)
    assert counts, out
    done, remaining = int(counts.group(1)), int(counts.group(2))
    assert done >= 1 and remaining >= 1
    journal = re.search(r"^Journal: (\S+)$", out, re.M).group(1)
    events = [json.loads(line) for line in (tmp_path / journal).read_text().splitlines()]
    assert sum(e["type"] == "done" for e in events) == done  # the write in flight was finished and journaled
    assert events[-1] == {"type": "end", "status": "interrupted"}
    resume = re.search(r"^To finish it: (leadconf apply --resume .+)$", out, re.M).group(1)
    assert resume == f"leadconf apply --resume {journal} --allow-delete --allow-large-change"
    undo_line = re.search(r"^Undo plan: (\S+) \(to go back: (leadconf apply .+)\)$", out, re.M)
    assert undo_line, out

    # The printed commands work: resume finishes the apply ...
    code, resumed, err = run_cli(*shlex.split(resume)[1:], cwd=str(tmp_path))
    assert code == 0, resumed + err
    assert f"Applied: {remaining} done, {done} already done" in resumed
    code, out, err = run_cli("plan", "-c", CONFIG, "--target", "snapshot:tenant.json", "--detailed-exitcode",
                             cwd=str(tmp_path))
    assert code == 0, out + err
    # ... and its undo plan takes back everything the journal did, the interrupted run's changes too.
    undo = re.search(r"^Undo plan: (\S+) \(to go back: (leadconf apply .+)\)$", resumed, re.M)
    assert undo, resumed
    code, out, err = run_cli(*shlex.split(undo.group(2))[1:], cwd=str(tmp_path))  # as printed
    assert code == 0, out + err
    assert as_before(original, _snapshot(tenant)) == []


def test_a_second_signal_abandons_the_write_in_flight(tmp_path):
    tenant = tmp_path / "tenant.json"
    shutil.copy(TENANT, tenant)
    original = _snapshot(tenant)
    code, out, err = _interrupt(SNAPSHOT_CHILD, ["apply", "-c", CONFIG, "--target", "snapshot:tenant.json", *FLAGS],
                                tmp_path, [signal.SIGINT, signal.SIGINT])
    assert code == 130, out + err
    assert "Traceback" not in err
    assert "interrupted in the middle of a change" in err
    journal = re.search(r"^Journal: (\S+)$", err, re.M).group(1)
    counts = re.search(r"^Interrupted: (\d+) done, 0 already done, 0 failed, 1 abandoned in flight, (\d+) not started\.$",
                       err, re.M)  # G7: the counts, from the journal
    assert counts, err
    events = [json.loads(line) for line in (tmp_path / journal).read_text().splitlines()]
    planned = len(events[0]["plan"]["changes"])
    assert int(counts.group(1)) == sum(e["type"] == "done" for e in events) >= 1
    assert int(counts.group(1)) + 1 + int(counts.group(2)) == planned
    resume = re.search(r"^To finish it: (.+)$", err, re.M).group(1)
    assert resume == f"leadconf apply --resume {journal} --allow-delete --allow-large-change"
    assert f"leadconf undo {journal}" in err
    code, out, err = run_cli(*shlex.split(resume)[1:], cwd=str(tmp_path))
    assert code == 0, out + err
    code, out, err = run_cli("undo", journal, "--out", "undo.json", cwd=str(tmp_path))
    assert code == 0, out + err
    printed = out.splitlines()[-1].removeprefix("To go back: ")
    assert printed.startswith("leadconf apply undo.json --allow-delete"), printed
    code, out, err = run_cli(*shlex.split(printed)[1:], cwd=str(tmp_path))  # as printed
    assert code == 0, out + err
    assert as_before(original, _snapshot(tenant)) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_after_the_write_in_flight_web_api(emulator, tmp_path, sig):
    original = emulator.document()
    emulator.reset(_snapshot(TENANT))
    before = emulator.document()
    code, out, err = _interrupt(SUPEROFFICE_CHILD, ["apply", "-c", CONFIG, "--target", emulator.target, *FLAGS],
                                tmp_path, [sig], env=dict(os.environ))
    assert original is not None
    assert code == 130, out + err
    assert "Traceback" not in err
    counts = re.search(r"^Interrupted: (\d+) done, 0 already done, 0 failed, 0 skipped, (\d+) not started\.$", out, re.M)
    assert counts and int(counts.group(1)) >= 1 and int(counts.group(2)) >= 1, out
    writes = len(emulator.writes())
    resume = re.search(r"^To finish it: (.+)$", out, re.M).group(1)
    code, out, err = run_cli(*shlex.split(resume)[1:], cwd=str(tmp_path))
    assert code == 0, out + err
    assert len(emulator.writes()) > writes
    code, out, err = run_cli("plan", "-c", CONFIG, "--target", emulator.target, "--detailed-exitcode")
    assert code == 0, out + err
    journal = re.search(r"^Journal: (\S+)$", out, re.M) or re.search(r"--resume (\S+)", resume)
    code, out, err = run_cli("undo", journal.group(1), "--out", "undo.json", cwd=str(tmp_path))
    assert code == 0, out + err
    code, out, err = run_cli("apply", "undo.json", "--allow-delete", "--allow-large-change", "--journal-dir", "j2",
                             cwd=str(tmp_path))
    assert code == 0, out + err
    assert as_before(before, emulator.document()) == []


def test_an_interrupted_apply_with_output_json_says_so_in_json(tmp_path):
    shutil.copy(TENANT, tmp_path / "tenant.json")
    code, out, err = _interrupt(SNAPSHOT_CHILD, ["apply", "-c", CONFIG, "--target", "snapshot:tenant.json", *FLAGS,
                                                 "--output", "json"], tmp_path, [signal.SIGTERM])
    assert code == 130, out + err
    report = json.loads(out)
    assert report["interrupted"] is True and report["ok"] is False
    assert report["counts"]["done"] >= 1 and report["counts"]["not started"] >= 1
    assert report["resume_command"] == f"leadconf apply --resume {report['journal']} --allow-delete --allow-large-change"
    assert report["undo"].endswith(".undo.json") and report["undo_command"] == f"leadconf apply {report['undo']} --allow-delete"
