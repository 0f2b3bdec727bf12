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


_BANNERS: list[str] = []  # what each emulator started here printed


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
    _BANNERS.append(text)
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


def _banner_commands(text: str, command: str) -> list[str]:
    return re.findall(rf"^  (leadconf {command} .+)$", text, re.M)


def test_the_documented_login_against_the_emulator_started_by_hand(tmp_path, monkeypatch):
    """G4 of the issue 14 review: docs/emulator.md and the banner give what `leadconf login` needs
    (the client id, the exact command); the commands the banner prints are run as printed, the sign-in
    URL driven as a browser would, and the plan after it uses the saved login."""
    import shlex

    from tests.login.conftest import Browser

    doc = open(os.path.join(ROOT, "docs", "emulator.md"), encoding="utf-8").read()
    proc, target, _ = _start()
    try:
        banner = _BANNERS[-1]
        login = _banner_commands(banner, "login")
        assert login == [f"leadconf login --target {target} --client-id emulator-client-id --no-browser"], banner
        documented = login[0].replace(target, "superoffice:http://127.0.0.1:8080/Cust12345")
        assert documented in doc
        plan = _banner_commands(banner.split(login[0], 1)[1], "plan")[0]
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUPEROFFICE_")}
        env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_CACHE_HOME=str(tmp_path / "cache"), LEADCONF_KEYRING="0")
        child = subprocess.Popen([sys.executable, "-c", "import sys; from leadconf.cli import main; main(sys.argv[1:])",
                                  *shlex.split(login[0])[1:]], cwd=str(tmp_path), env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert child.stderr is not None
        url = ""
        for line in child.stderr:
            if line.startswith("  http"):
                url = line.strip()
                break
        assert url, child.communicate(timeout=10)
        browser = Browser()
        browser(url)
        out, err = child.communicate(timeout=30)
        browser.join()
        assert child.returncode == 0 and out.startswith(f"Logged in to {target}"), out + err
        for name in [n for n in os.environ if n.startswith("SUPEROFFICE_")]:
            monkeypatch.delenv(name)
        for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "LEADCONF_KEYRING"):
            monkeypatch.setenv(name, env[name])
        (tmp_path / "leadconf.yaml").write_text("version: 1\nlead_statuses:\n  items:\n    - name: Open\n")
        code, out, err = run_cli(*shlex.split(plan)[1:], cwd=str(tmp_path))
        assert code == 0, out + err
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
