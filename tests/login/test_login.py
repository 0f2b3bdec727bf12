"""`leadconf login` / `logout` against the emulator's OAuth endpoints, over real sockets: the browser
is simulated (a thread that follows the authorize redirect to leadconf's 127.0.0.1 listener)."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import sys
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest

from leadconf.errors import AuthError, TargetError
from tests.emulator import DEFAULT_CLIENT
from tests.emulator.login import NATIVE_REDIRECT
from tests.helpers import EXAMPLES, ROOT, run_cli
from tests.login.conftest import Browser

LEAD_MGMT = os.path.join(EXAMPLES, "lead-management.yaml")
TOKENS = "/login/common/oauth/tokens"


def _saved(cred_file) -> dict:
    return json.loads(cred_file.read_text())["logins"]


def _token_posts(emu) -> int:
    return sum(1 for r in emu.requests if r.method == "POST" and r.path.lower() == TOKENS)


def _secrets(emu, browser=None) -> list[str]:
    values = list(emu.login.issued_refresh_tokens) + list(emu.login.issued_tokens) + [DEFAULT_CLIENT[1]]
    if browser is not None:
        values += browser.codes
    return [v for v in values if v]


def _assert_clean(text: str, secrets: list[str]):
    for value in secrets:
        assert value not in text, "a secret was printed"


def _replace_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _login(emu, *args, target=None):
    return run_cli("-v", "login", "--target", target or emu.target, "--timeout", "20", *args)


def _plan(emu, target=None):
    return run_cli("-v", "plan", "-c", LEAD_MGMT, "--target", target or emu.target)


# -- the whole flow ---------------------------------------------------------------------------------


def test_login_then_plan_with_no_credentials_in_the_environment(emu, browser, cred_file, monkeypatch):
    code, out, err = _login(emu)
    assert code == 0, err
    assert browser.opened and not browser.errors
    assert browser.pages[-1].status_code == 200 and "Signed in" in browser.pages[-1].text
    assert out.strip() == (f"Logged in to {emu.target}. The refresh token is saved in {cred_file} "
                           "(readable by you only).")
    assert "Opening the browser" in err

    # the authorize request: PKCE S256, state, nonce, form_post, the tenant hint, and the loopback
    # redirect exactly as the Native app template allows it (no path, a port of 4 to 10 digits)
    query = parse_qs(urlsplit(browser.opened[0]).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 32 and query["scope"] == ["openid"] and query["response_type"] == ["code"]
    assert len(query["nonce"][0]) >= 32 and query["response_mode"] == ["form_post"]
    redirect_uri = query["redirect_uri"][0]
    assert re.fullmatch(NATIVE_REDIRECT, redirect_uri) and re.fullmatch(r"http://127\.0\.0\.1:\d+", redirect_uri)
    assert browser.callbacks == [("POST", redirect_uri)]  # the form_post answer, on /
    assert query["acr_values"] == ["tenant:Cust12345"]

    # the refresh token, in a file readable by the user alone, in a folder only the user can enter
    assert stat.S_IMODE(cred_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(cred_file.parent.stat().st_mode) == 0o700
    entry = _saved(cred_file)[emu.target]
    assert entry == {"client_id": DEFAULT_CLIENT[0], "refresh_token": emu.login.issued_refresh_tokens[-1],
                     "token_url": emu.root_url + TOKENS}
    assert not list(cred_file.parent.glob(".leadconf-*"))  # no temporary file left behind

    # a later plan, with no SUPEROFFICE_* variable at all
    monkeypatch.delenv("SUPEROFFICE_CLIENT_ID")
    before = _token_posts(emu)
    code, plan_out, plan_err = _plan(emu)
    assert code == 0, plan_err
    assert plan_out.rstrip().splitlines()[-1].startswith("Plan: ")
    assert _token_posts(emu) == before + 1  # one refresh for the whole run (13 API requests)
    assert "POST /login/common/oauth/tokens -> 200" in plan_err  # --verbose logged it ...
    _assert_clean(out + err + plan_out + plan_err, _secrets(emu, browser))  # ... and no token anywhere


def test_no_browser_prints_the_url_to_stderr(emu, cred_file, tmp_path):
    """The real command in a subprocess: --no-browser prints the URL; a 'user' opens it."""
    env = {k: v for k, v in os.environ.items()}
    proc = subprocess.Popen([sys.executable, "-m", "leadconf", "-v", "login", "--no-browser", "--target", emu.target,
                             "--timeout", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=str(tmp_path))
    try:
        shown = []
        for line in proc.stderr:
            shown.append(line)
            found = re.search(r"(http://127\.0\.0\.1:\d+/login/common/oauth/authorize\?\S+)", line)
            if found:
                break
        assert found, "".join(shown)
        user = Browser()  # follows the form_post page to the listener, as a browser does
        user(found.group(1))
        user.join()
        assert not user.errors and user.pages[-1].status_code == 200
        out, rest = proc.communicate(timeout=30)
    finally:
        proc.kill()
    err = "".join(shown) + rest
    assert proc.returncode == 0, err
    assert "open this URL in a browser" in err and "Opening the browser" not in err
    assert f"Logged in to {emu.target}." in out
    assert stat.S_IMODE(cred_file.stat().st_mode) == 0o600
    _assert_clean(out + err, _secrets(emu))


def test_online_target_through_the_login_url(emu, browser, cred_file, monkeypatch):
    """superoffice:online/CustNNNNN: authorize, tokens and discovery at the (overridden) roots."""
    monkeypatch.setenv("LEADCONF_SUPEROFFICE_STATE_URL", emu.root_url)
    monkeypatch.setenv("LEADCONF_SUPEROFFICE_LOGIN_URL", emu.root_url)
    code, _, err = _login(emu, target="superoffice:online/Cust12345")
    assert code == 0, err
    assert browser.opened[0].startswith(emu.root_url + "/login/common/oauth/authorize?")
    assert "superoffice:online/Cust12345" in _saved(cred_file)
    monkeypatch.delenv("LEADCONF_SUPEROFFICE_LOGIN_URL")  # the saved token endpoint is used, not this
    monkeypatch.delenv("SUPEROFFICE_CLIENT_ID")
    code, _, plan_err = _plan(emu, target="superoffice:online/cust12345/")  # the same target, spelled differently
    assert code == 0, plan_err


def test_fixed_port(emu, browser, cred_file):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _, err = _login(emu, "--port", str(port))
    assert code == 0, err
    assert parse_qs(urlsplit(browser.opened[0]).query)["redirect_uri"] == [f"http://127.0.0.1:{port}"]


def test_port_in_use(emu, browser, cred_file):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        code, _, err = _login(emu, "--port", str(s.getsockname()[1]))
    assert code == 1 and "cannot listen on 127.0.0.1:" in err and "--port" in err
    assert not browser.opened and not cred_file.exists()


# -- refused logins ---------------------------------------------------------------------------------


def test_wrong_state_is_refused(emu, browser, cred_file):
    browser.tweak_callback = lambda fields: {**fields, "state": "forged-state-0123456789"}
    code, out, err = _login(emu, "--timeout", "4")  # the listener waits on for the right answer
    assert code == 1
    assert "state does not match" in err and "leadconf login" in err
    browser.join()
    assert browser.pages[-1].status_code == 400
    assert not cred_file.exists() and _token_posts(emu) == 0  # the code was never redeemed
    _assert_clean(out + err, _secrets(emu, browser))


def test_missing_state_is_refused(emu, browser, cred_file):
    browser.tweak_callback = lambda fields: {k: v for k, v in fields.items() if k != "state"}
    code, _, err = _login(emu, "--timeout", "4")
    assert code == 1 and "state does not match" in err and not cred_file.exists()


def test_pkce_mismatch_is_refused(emu, browser, cred_file):
    """A code obtained with another challenge (an intercepted or injected code) is not redeemable."""
    browser.tweak_authorize = lambda url: _replace_query(url, code_challenge="A" * 43)
    code, out, err = _login(emu)
    assert code == 1
    assert "refused the authorization code" in err and "PKCE verification failed" in err
    assert "run `leadconf login` again" in err
    assert not cred_file.exists()
    _assert_clean(out + err, _secrets(emu, browser))


def test_the_login_service_says_no(emu, browser, cred_file):
    """The user clicks "deny": the redirect carries error=access_denied (with the right state)."""
    browser.tweak_callback = lambda fields: {"error": "access_denied", "state": fields["state"],
                                             "error_description": "The user said no"}
    code, _, err = _login(emu)
    assert code == 1 and "refused the sign-in: access_denied (The user said no)" in err
    assert not cred_file.exists()


def test_timeout_is_a_clear_error(emu, cred_file):
    code, _, err = run_cli("login", "--target", emu.target, "--no-browser", "--timeout", "1")
    assert code == 1
    assert re.search(r"no sign-in within 1 s: the browser never came back to http://127\.0\.0\.1:\d+\. ", err)
    assert "--timeout" in err and not cred_file.exists()


def test_another_tenant_is_not_saved(emu, browser, cred_file):
    target = f"superoffice:{emu.root_url}/Cust99999"
    code, _, err = _login(emu, target=target)
    assert code == 1
    assert f"you signed in to tenant Cust12345, but the target is {target}" in err
    assert not cred_file.exists()


def test_client_id_is_required(emu, monkeypatch, browser):
    monkeypatch.delenv("SUPEROFFICE_CLIENT_ID")
    code, _, err = _login(emu)
    assert code == 1 and "--client-id" in err and "SUPEROFFICE_CLIENT_ID" in err
    assert not browser.opened


def test_client_id_option_and_secret_from_the_environment(emu, browser, cred_file, monkeypatch):
    monkeypatch.delenv("SUPEROFFICE_CLIENT_ID")
    monkeypatch.setenv("SUPEROFFICE_CLIENT_SECRET", "wrong-secret-value")
    code, out, err = _login(emu, "--client-id", DEFAULT_CLIENT[0])
    assert code == 1 and "invalid_client" in err and "SUPEROFFICE_CLIENT_SECRET" in err
    assert "wrong-secret-value" not in out + err
    monkeypatch.setenv("SUPEROFFICE_CLIENT_SECRET", DEFAULT_CLIENT[1])
    code, out, err = _login(emu, "--client-id", DEFAULT_CLIENT[0])
    assert code == 0, err
    assert _saved(cred_file)[emu.target]["client_id"] == DEFAULT_CLIENT[0]
    _assert_clean(out + err, _secrets(emu, browser))


@pytest.mark.parametrize("target, message", [
    ("snapshot:tenant.json", "a snapshot file needs no login"),
    ("online/Cust12345", "expected superoffice:online/CustNNNNN"),
    ("superoffice:moon/Cust1", "unknown environment"),
])
def test_targets_that_cannot_log_in(emu, browser, target, message):
    code, _, err = run_cli("login", "--target", target)
    assert code == 1 and message in err and not browser.opened


def test_target_from_the_environment(emu, browser, cred_file, monkeypatch):
    monkeypatch.setenv("LEADCONF_TARGET", emu.target)
    code, out, err = run_cli("login", "--timeout", "20")
    assert code == 0, err
    assert emu.target in _saved(cred_file)
    code, out, _ = run_cli("logout")
    assert code == 0 and out.startswith(f"Logged out of {emu.target}")


# -- logout -----------------------------------------------------------------------------------------


def test_logout_removes_the_saved_login(emu, browser, cred_file, monkeypatch):
    assert _login(emu)[0] == 0
    monkeypatch.delenv("SUPEROFFICE_CLIENT_ID")
    code, out, err = run_cli("-v", "logout", "--target", emu.target)
    assert code == 0, err
    assert out.strip() == f"Logged out of {emu.target}: the refresh token was revoked and removed from {cred_file}."
    assert _saved(cred_file) == {}
    assert stat.S_IMODE(cred_file.stat().st_mode) == 0o600
    code, out, _ = run_cli("logout", "--target", emu.target)
    assert code == 0 and out.strip() == f"No saved login for {emu.target}: nothing to do."
    code, _, err = _plan(emu)
    assert code == 1 and "no SuperOffice credentials" in err
    _assert_clean(out + err, _secrets(emu, browser))


def test_logins_of_several_targets_are_kept_apart(emu, browser, cred_file, monkeypatch):
    other = f"superoffice:{emu.base_url}/"  # normalised to the same target
    assert _login(emu)[0] == 0
    monkeypatch.setenv("LEADCONF_SUPEROFFICE_STATE_URL", emu.root_url)
    monkeypatch.setenv("LEADCONF_SUPEROFFICE_LOGIN_URL", emu.root_url)
    assert _login(emu, target="superoffice:sod/Cust12345")[0] == 0
    assert _login(emu, target=other)[0] == 0  # replaces the first one
    assert sorted(_saved(cred_file)) == sorted([emu.target, "superoffice:sod/Cust12345"])
    assert run_cli("logout", "--target", "superoffice:sod/Cust12345")[0] == 0
    assert list(_saved(cred_file)) == [emu.target]


# -- the saved login in later runs ------------------------------------------------------------------


def test_revoked_refresh_token_says_log_in_again(emu, browser, cred_file, monkeypatch):
    assert _login(emu)[0] == 0
    emu.login.revoke_refresh_tokens()
    code, out, err = _plan(emu)
    assert code == 1
    assert f"the saved login for {emu.target} is no longer accepted" in err
    assert "expired or was revoked" in err
    assert f"run `leadconf login --target {emu.target}` again" in err
    assert "Traceback" not in err
    _assert_clean(out + err, _secrets(emu, browser))


def test_environment_credentials_come_first(emu, browser, cred_file, monkeypatch):
    assert _login(emu)[0] == 0
    for name, value in emu.env().items():  # the ticket and app token the emulator accepts
        monkeypatch.setenv(name, value)
    before = _token_posts(emu)
    code, _, err = _plan(emu)
    assert code == 0, err
    assert _token_posts(emu) == before  # the saved login was not used
    code, _, err = _login(emu)  # and login says so
    assert code == 0 and "SUPEROFFICE_TICKET is set: environment credentials come first" in err


def test_a_rotated_refresh_token_is_saved(emu, browser, cred_file, monkeypatch):
    emu.login.rotate_refresh_tokens = True
    assert _login(emu)[0] == 0
    first = _saved(cred_file)[emu.target]["refresh_token"]
    code, out, err = _plan(emu)
    assert code == 0, err
    second = _saved(cred_file)[emu.target]["refresh_token"]
    assert second != first and second == emu.login.issued_refresh_tokens[-1]
    assert stat.S_IMODE(cred_file.stat().st_mode) == 0o600
    code, out2, err2 = _plan(emu)  # the old one is dead; the saved one works
    assert code == 0, err2
    _assert_clean(out + err + out2 + err2, _secrets(emu, browser))


def test_expired_access_token_is_refreshed_once(emu, browser, cred_file, monkeypatch):
    from leadconf.backends.superoffice import open_superoffice

    assert _login(emu)[0] == 0
    monkeypatch.delenv("SUPEROFFICE_CLIENT_ID")
    backend = open_superoffice(emu.base_url)
    try:
        assert "saved login" in repr(backend._api)
        start = _token_posts(emu)
        backend.read()
        assert _token_posts(emu) == start + 1
        emu.login.expire_issued()  # the access token dies mid-session
        backend.read()
        assert _token_posts(emu) == start + 2  # one 401, one refresh, then on
        assert sum(1 for r in emu.requests if r.status == 401) == 1
    finally:
        backend.close()


def test_access_token_renewed_when_its_lifetime_has_passed(emu, browser, cred_file):
    from leadconf.backends.superoffice import credstore
    from leadconf.backends.superoffice.client import ApiClient
    from leadconf.backends.superoffice.oauth import SavedLoginCredentials
    from leadconf.backends.superoffice.target import parse_target

    assert _login(emu)[0] == 0
    saved, where = credstore.load(emu.target)
    now = [1000.0]
    credentials = SavedLoginCredentials(emu.target, saved, where, clock=lambda: now[0])
    client = ApiClient(parse_target(emu.base_url), credentials, rate_limit=None)
    try:
        start = _token_posts(emu)
        client.get("/User/currentPrincipal")
        client.get("/User/currentPrincipal")
        assert _token_posts(emu) == start + 1  # kept in memory
        now[0] += 3600  # expires_in (3600 s) has passed
        client.get("/User/currentPrincipal")
        assert _token_posts(emu) == start + 2
        assert not any(r.status == 401 for r in emu.requests)  # renewed before, not after a 401
    finally:
        client.close()


def test_a_credentials_file_readable_by_others_is_refused(emu, browser, cred_file, monkeypatch):
    assert _login(emu)[0] == 0
    cred_file.chmod(0o644)
    code, _, err = _plan(emu)
    assert code == 1 and "readable by other users (mode 0644)" in err and f"chmod 600 {cred_file}" in err


def test_a_broken_credentials_file_is_a_clear_error(emu, cred_file):
    cred_file.parent.mkdir(parents=True, mode=0o700)
    cred_file.write_text("{not json")
    cred_file.chmod(0o600)
    code, _, err = _plan(emu)
    assert code == 1 and "not valid JSON" in err and str(cred_file) in err


# -- the keyring ------------------------------------------------------------------------------------


@pytest.fixture
def memory_keyring(monkeypatch):
    import keyring
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    class Memory(KeyringBackend):
        """A keyring in memory."""

        priority = 1

        def __init__(self):
            super().__init__()
            self.items = {}

        def get_password(self, service, username):
            return self.items.get((service, username))

        def set_password(self, service, username, password):
            self.items[(service, username)] = password

        def delete_password(self, service, username):
            if self.items.pop((service, username), None) is None:
                raise PasswordDeleteError("not found")

    previous = keyring.get_keyring()
    backend = Memory()
    keyring.set_keyring(backend)
    monkeypatch.delenv("LEADCONF_KEYRING")
    yield backend
    keyring.set_keyring(previous)


def test_keyring_is_used_when_usable(emu, browser, cred_file, memory_keyring, monkeypatch):
    code, out, err = _login(emu)
    assert code == 0, err
    assert out.strip() == f"Logged in to {emu.target}. The refresh token is saved in the system keyring."
    assert not cred_file.exists()  # the refresh token is not on disk
    value = json.loads(memory_keyring.items[("leadconf", emu.target)])
    assert value["refresh_token"] == emu.login.issued_refresh_tokens[-1]
    monkeypatch.delenv("SUPEROFFICE_CLIENT_ID")
    code, plan_out, plan_err = _plan(emu)
    assert code == 0, plan_err
    code, lo_out, _ = run_cli("logout", "--target", emu.target)
    assert code == 0 and lo_out.strip() == (f"Logged out of {emu.target}: the refresh token was revoked and removed "
                                            "from the system keyring.")
    assert memory_keyring.items == {}
    _assert_clean(out + err + plan_out + plan_err, _secrets(emu, browser))


def test_logout_clears_both_stores(emu, browser, cred_file, memory_keyring, monkeypatch):
    monkeypatch.setenv("LEADCONF_KEYRING", "0")
    assert _login(emu)[0] == 0  # to the file
    monkeypatch.delenv("LEADCONF_KEYRING")
    assert _login(emu)[0] == 0  # to the keyring; the file's copy goes
    assert _saved(cred_file) == {} and ("leadconf", emu.target) in memory_keyring.items
    # both hold one (e.g. written by two versions): logout clears both
    from leadconf.backends.superoffice import credstore

    credstore.save(emu.target, credstore.load(emu.target)[0], where=str(cred_file))
    code, out, _ = run_cli("logout", "--target", emu.target)
    assert code == 0 and "the system keyring and " + str(cred_file) in out
    assert memory_keyring.items == {} and _saved(cred_file) == {}


def test_a_locked_keyring(emu, browser, cred_file, memory_keyring, monkeypatch):
    def locked(*args):
        raise RuntimeError("the keyring is locked")

    memory_keyring.set_password = locked
    code, out, err = _login(emu)
    assert code == 0, err
    assert str(cred_file) in out  # fell back to the file
    memory_keyring.get_password = locked
    monkeypatch.delenv("SUPEROFFICE_CLIENT_ID")
    code, _, err = _plan(emu)
    assert code == 0, err  # found in the file
    code, _, err = run_cli("logout", "--target", emu.target)
    assert code == 1 and f"cannot update the system keyring (RuntimeError) (removed from {cred_file})" in err
    assert _saved(cred_file) == {}
    code, _, err = _plan(emu)
    assert code == 1 and "cannot read the system keyring to look for the saved login" in err
    assert "LEADCONF_KEYRING=0" in err


def test_null_keyring_backend_means_the_file(emu, browser, cred_file, monkeypatch):
    import keyring
    from keyring.backends import null

    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    monkeypatch.delenv("LEADCONF_KEYRING")
    try:
        code, out, err = _login(emu)
    finally:
        keyring.set_keyring(previous)
    assert code == 0, err
    assert str(cred_file) in out and emu.target in _saved(cred_file)


# -- pieces -----------------------------------------------------------------------------------------


def test_login_root():
    from leadconf.backends.superoffice.target import login_root, parse_target

    assert login_root(parse_target("online/Cust1", {}), {}) == "https://online.superoffice.com"
    assert login_root(parse_target("sod/Cust1", {}), {}) == "https://sod.superoffice.com"
    assert login_root(parse_target("qaonline/Cust1", {}), {}) == "https://qaonline.superoffice.com"
    assert login_root(parse_target("https://qaonline3.superoffice.com/Cust1", {}), {}) == "https://qaonline.superoffice.com"
    with pytest.raises(TargetError, match="cannot tell which SuperOffice environment app.superoffice.com"):
        login_root(parse_target("https://app.superoffice.com/Cust1", {}), {})
    # numbered hosts serve data only; authentication is at the root sub-domain
    assert login_root(parse_target("https://sod2.superoffice.com/Cust1", {}), {}) == "https://sod.superoffice.com"
    assert login_root(parse_target("https://online10.superoffice.com/Cust1", {}), {}) == "https://online.superoffice.com"
    assert login_root(parse_target("https://crm.example.com/SuperOffice", {}), {}) == "https://crm.example.com"
    env = {"LEADCONF_SUPEROFFICE_LOGIN_URL": "https://login.example.com/"}
    assert login_root(parse_target("https://crm.example.com/SuperOffice", {}), env) == "https://login.example.com"
    with pytest.raises(TargetError, match="plain http"):
        login_root(parse_target("online/Cust1", {}), {"LEADCONF_SUPEROFFICE_LOGIN_URL": "http://login.example.com"})


def test_pkce_pair_is_s256():
    import base64
    import hashlib

    from leadconf.backends.superoffice.oauth import pkce_pair

    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128 and re.fullmatch(r"[A-Za-z0-9_\-]+", verifier)
    assert challenge == base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert pkce_pair()[0] != verifier


def test_the_command_module_imports_only_click():
    code = ("import sys, leadconf.cli.login; "
            "print(sorted(m for m in ('httpx', 'keyring', 'tenacity', 'yaml', 'filelock') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_saved_login_repr_hides_the_token():
    from leadconf.backends.superoffice.credstore import SavedLogin

    saved = SavedLogin("rt-secret-value-123", "client", "https://x/login/common/oauth/tokens")
    assert "rt-secret-value-123" not in repr(saved)


def test_help_lists_login_and_logout():
    code, out, _ = run_cli("--help")
    assert code == 0 and "login" in out and "logout" in out
    code, out, _ = run_cli("login", "--help")
    assert code == 0 and "--no-browser" in out and "--client-id" in out and "--port" in out


def test_auth_error_is_raised_for_revoked_token_in_the_api(emu, browser, cred_file):
    """The Python API gets an AuthError (status 400) from open_superoffice(...).read()."""
    from leadconf.backends.superoffice import open_superoffice

    assert _login(emu)[0] == 0
    emu.login.revoke_refresh_tokens()
    backend = open_superoffice(emu.base_url)
    try:
        with pytest.raises(AuthError) as caught:
            backend.read()
    finally:
        backend.close()
    assert caught.value.status == 400 and "leadconf login" in str(caught.value)


def test_concurrent_401s_renew_the_login_once(emu, browser, cred_file, monkeypatch):
    """Regression: every per-category read that met the expired token refreshed it again."""
    from leadconf.backends.superoffice import open_superoffice

    doc = emu.document()
    doc["categories"] = [dict(doc["categories"][0], CategoryId=i, Name=f"Category {i}", Rank=i) for i in range(1, 41)]
    emu.reset(doc)
    assert _login(emu)[0] == 0
    monkeypatch.delenv("SUPEROFFICE_CLIENT_ID")
    backend = open_superoffice(emu.base_url, workers=8)
    try:
        backend.read()
        start = _token_posts(emu)
        original = backend._read_category

        def expire_first(*args):  # the token dies while eight reads are in flight
            if not getattr(expire_first, "done", False):
                expire_first.done = True
                emu.login.expire_issued()
            return original(*args)

        monkeypatch.setattr(backend, "_read_category", expire_first)
        backend.read()
        assert _token_posts(emu) == start + 1
    finally:
        backend.close()
