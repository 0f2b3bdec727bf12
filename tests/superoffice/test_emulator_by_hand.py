"""The emulator started by hand (`python -m tests.emulator`, as docs/emulator.md shows), including a
divergent answer, so that a user can see `leadconf doctor` report one without writing a test."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest

from tests.helpers import ROOT, run_cli

TENANT = os.path.join(ROOT, "tests", "superoffice", "tenant.json")


def _start(*extra: str) -> tuple[subprocess.Popen, str, dict[str, str]]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.emulator", "--snapshot", TENANT, *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Ctrl-C"):
            break
    text = "".join(lines)
    target = re.search(r"leadconf plan --target (\S+)", text)
    assert target, text
    env = dict(re.findall(r"export (SUPEROFFICE_\w+)='([^']*)'", text))
    return proc, target.group(1), env


@pytest.mark.parametrize("extra, code", [((), 0), (("--variant", "preference-at-level-object"), 1)])
def test_doctor_against_the_emulator_started_by_hand(monkeypatch, extra, code):
    proc, target, env = _start(*extra)
    try:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        got, out, err = run_cli("doctor", "--target", target)
        assert got == code, out + err
        if code:
            assert re.search(r"^U2 GET Preference/\S+/Database answers .* differs ", out, re.M), out
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def test_an_unknown_variant_is_refused_by_name():
    proc = subprocess.run([sys.executable, "-m", "tests.emulator", "--snapshot", TENANT, "--variant", "nope"],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "preference-at-level-object" in proc.stderr
