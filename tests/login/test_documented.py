"""`leadconf login` / `logout` as SuperOffice documents them, against the emulator over real sockets:
the registered redirect rule (exact and regular-expression forms), form_post and query, the
id_token's verification (issuer, audience, expiry, nonce, signature, ctx), the OpenID metadata,
a confidential app, revocation, and the qaonline environment."""

from __future__ import annotations

import json
import re
import socket
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.emulator import DEFAULT_CLIENT
from tests.emulator.login import CTX_CLAIM, NATIVE_REDIRECT, OAuthClient
from tests.helpers import run_cli

TOKENS = "/login/common/oauth/tokens"
REVOKE = "/login/common/oauth/revoke"


def _login(emu, *args, target=None, timeout="20"):
    return run_cli("-v", "login", "--target", target or emu.target, "--timeout", timeout, *args)


def _saved(cred_file) -> dict:
    return json.loads(cred_file.read_text())["logins"]


def _secrets(emu, browser=None) -> list[str]:
    values = list(emu.login.issued_refresh_tokens) + list(emu.login.issued_tokens) + [DEFAULT_CLIENT[1]]
    values += [c.secret for c in emu.login.oauth_clients.values()]
    if browser is not None:
        values += browser.codes
    return [v for v in values if v]


def _assert_clean(text: str, secrets: list[str]):
    for value in secrets:
        assert value not in text, "a secret was printed"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _refresh_works(emu, token: str, client_id: str = DEFAULT_CLIENT[0]) -> bool:
    answer = httpx.post(emu.root_url + TOKENS, data={"grant_type": "refresh_token", "client_id": client_id,
                                                     "refresh_token": token})
    return answer.status_code == 200


# -- the redirect ---------------------------------------------------------------------------------


def test_the_native_template_rule_accepts_the_redirect_and_form_post_is_answered(emu, browser, cred_file):
    code, _, err = _login(emu)
    assert code == 0, err
    redirect_uri = parse_qs(urlsplit(browser.opened[0]).query)["redirect_uri"][0]
    assert re.fullmatch(NATIVE_REDIRECT, redirect_uri)
    assert browser.callbacks == [("POST", redirect_uri)]
    assert browser.pages[-1].status_code == 200 and "Signed in" in browser.pages[-1].text


def test_response_mode_query_is_answered_by_get(emu, browser, cred_file):
    code, _, err = _login(emu, "--response-mode", "query")
    assert code == 0, err
    redirect_uri = parse_qs(urlsplit(browser.opened[0]).query)["redirect_uri"][0]
    assert parse_qs(urlsplit(browser.opened[0]).query)["response_mode"] == ["query"]
    assert browser.callbacks == [("GET", redirect_uri)]
    assert emu.target in _saved(cred_file)


def test_a_redirect_the_regular_expression_does_not_allow_is_refused(emu, browser, cred_file):
    """An app that registered the old form with a path: the login page shows an error and never
    sends the browser back; leadconf's wait ends with what to register."""
    emu.login.oauth_clients[DEFAULT_CLIENT[0]].redirect_patterns = [r"^http://127.0.0.1\:\d{4,10}/callback$"]
    code, out, err = _login(emu, timeout="2")
    assert code == 1
    browser.join()
    assert browser.pages[-1].status_code == 400 and "is not registered" in browser.pages[-1].text
    assert "Location" not in browser.pages[-1].headers and browser.callbacks == []
    assert re.search(r"the browser never came back to http://127\.0\.0\.1:\d+\. ", err)
    assert r"^http://127.0.0.1\:\d{4,10}$" in err
    assert not cred_file.exists() and "Traceback" not in err
    _assert_clean(out + err, _secrets(emu, browser))


def test_the_exact_form_of_a_confidential_app(emu, browser, cred_file, monkeypatch):
    """A web (confidential) app that lists one exact redirect URL: only that port works, and only
    with its client secret."""
    port = _free_port()
    emu.login.oauth_clients["web-app-1"] = OAuthClient("web-secret-77c1", native=False, redirect_patterns=[],
                                                       redirect_uris=[f"http://127.0.0.1:{port}"])
    monkeypatch.setenv("SUPEROFFICE_CLIENT_ID", "web-app-1")
    other = _free_port()
    while other == port:
        other = _free_port()
    code, _, err = _login(emu, "--port", str(other), timeout="2")
    assert code == 1 and "never came back" in err  # another port: refused at the login page
    browser.join()
    assert browser.pages[-1].status_code == 400

    code, out, err = _login(emu, "--port", str(port))  # the registered one, but no secret
    assert code == 1
    assert "the app wants a client secret" in err and "register the app as native" in err
    assert "SUPEROFFICE_CLIENT_SECRET" in err and not cred_file.exists()

    monkeypatch.setenv("SUPEROFFICE_CLIENT_SECRET", "web-secret-77c1")
    code, out2, err2 = _login(emu, "--port", str(port))
    assert code == 0, err2
    assert _saved(cred_file)[emu.target]["client_id"] == "web-app-1"
    _assert_clean(out + err + out2 + err2, _secrets(emu, browser))


def test_the_emulator_refuses_an_unregistered_redirect_without_redirecting(emu):
    params = {"client_id": DEFAULT_CLIENT[0], "response_type": "code", "scope": "openid", "state": "s"}
    for redirect_uri in ("http://127.0.0.1:9999/callback", "http://127.0.0.1:99", "http://localhost:9999",
                         "http://127.0.0.1:9999\n"):
        answer = httpx.get(emu.root_url + "/login/common/oauth/authorize", params={**params, "redirect_uri": redirect_uri})
        assert answer.status_code == 400 and "location" not in answer.headers, redirect_uri
    answer = httpx.get(emu.root_url + "/login/common/oauth/authorize",
                       params={**params, "redirect_uri": "http://127.0.0.1:9999"})
    assert answer.status_code == 302 and answer.headers["location"].startswith("http://127.0.0.1:9999?code=")


def test_a_port_below_1000_is_refused_before_anything_starts(emu, browser):
    code, _, err = _login(emu, "--port", "999")
    assert code == 3 and "1000<=x<=65535" in err and not browser.opened


def test_the_listener_answers_only_the_sign_in(emu):
    """Stray requests (a favicon, a visit to /, a form of another type) neither end nor decide the
    login; the first answer with a state does."""
    from leadconf.backends.superoffice.loopback import CallbackListener

    with CallbackListener("the-state-0123456789", 0) as listener:
        import threading

        results = {}
        waiter = threading.Thread(target=lambda: results.setdefault("code", listener.wait(10)))
        waiter.start()
        base = listener.redirect_uri
        assert httpx.get(base + "/favicon.ico").status_code == 404
        assert httpx.get(base + "/").status_code == 400
        assert httpx.post(base + "/", content=b"state=the-state-0123456789&code=x",
                          headers={"Content-Type": "text/plain"}).status_code == 400
        assert listener.outcome is None
        page = httpx.post(base + "/", data={"state": "the-state-0123456789", "code": "the-code-1"})
        waiter.join(10)
    assert page.status_code == 200 and results["code"] == "the-code-1"


def test_an_answer_with_another_state_does_not_end_the_login(emu):
    """Before: any request with a wrong `state` (curl -d 'state=bogus&code=x' to the port, from any
    local process or web page) ended the login with an error."""
    from leadconf.backends.superoffice.loopback import CallbackListener

    with CallbackListener("the-state-0123456789", 0) as listener:
        import threading

        results = {}
        waiter = threading.Thread(target=lambda: results.setdefault("code", listener.wait(10)))
        waiter.start()
        base = listener.redirect_uri
        assert httpx.post(base + "/", data={"state": "bogus", "code": "x"}).status_code == 400
        assert httpx.get(base + "/?code=y").status_code == 400  # no state at all
        assert listener.outcome is None and waiter.is_alive()
        page = httpx.post(base + "/", data={"state": "the-state-0123456789", "code": "the-code-1"})
        waiter.join(10)
    assert page.status_code == 200 and results["code"] == "the-code-1"


def test_refused_answers_are_named_when_the_login_times_out():
    from leadconf.backends.superoffice.loopback import CallbackListener
    from leadconf.errors import AuthError

    with CallbackListener("the-state-0123456789", 0) as listener:
        import threading

        errors = []

        def wait():
            try:
                listener.wait(1.5)
            except AuthError as exc:
                errors.append(str(exc))

        waiter = threading.Thread(target=wait)
        waiter.start()
        httpx.post(listener.redirect_uri + "/", data={"state": "bogus", "code": "x"})
        waiter.join(10)
    assert errors and "1 answer(s)" in errors[0] and "state does not match" in errors[0]


# -- the id_token -----------------------------------------------------------------------------------


@pytest.mark.parametrize("claims, message", [
    ({"aud": "another-app"}, "its audience is not 'emulator-client-id'"),
    ({"iss": "https://sod.superoffice.com"}, "its issuer is not 'http://127.0.0.1:"),
    ({"exp": int(time.time()) - 3600}, "it has expired"),
    ({"nonce": "replayed-nonce"}, "its nonce is not the one this login sent"),
    ({"nonce": None}, "its nonce is not the one this login sent"),
    ({"aud": None}, "it has no 'aud' claim"),
    ({"sub": None}, "it has no 'sub' claim"),
])
def test_an_id_token_that_does_not_verify_saves_nothing(emu, browser, cred_file, claims, message):
    emu.login.id_token_claims = claims
    code, out, err = _login(emu)
    assert code == 1
    assert "the id_token of this sign-in did not verify" in err and message in err
    assert "nothing was trusted" in err and "Traceback" not in err
    assert not cred_file.exists()
    _assert_clean(out + err, _secrets(emu, browser))


def test_an_id_token_without_ctx_is_refused_naming_the_tenant(emu, browser, cred_file):
    emu.login.id_token_claims = {CTX_CLAIM: None}
    code, _, err = _login(emu)
    assert code == 1
    assert "names no tenant (no ctx claim)" in err and "Cust12345" in err and emu.target in err
    assert not cred_file.exists()


def test_an_id_token_of_another_tenant_is_refused(emu, browser, cred_file):
    emu.login.id_token_claims = {CTX_CLAIM: "Cust99999"}
    code, _, err = _login(emu)
    assert code == 1
    assert f"you signed in to tenant Cust99999, but the target is {emu.target} (tenant Cust12345)" in err
    assert not cred_file.exists()


def test_an_id_token_signed_by_another_key_is_refused(emu, browser, cred_file, monkeypatch):
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    other = json.loads(RSAAlgorithm.to_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()))
    other.update(kid=emu.login.kid, use="sig", alg="RS256")
    monkeypatch.setattr(emu.login, "jwks", lambda: {"keys": [other]})
    code, _, err = _login(emu)
    assert code == 1 and "the signature does not match the login service's keys" in err
    assert not cred_file.exists()


# -- the OpenID metadata ----------------------------------------------------------------------------


@pytest.mark.parametrize("changes, message", [
    ({"issuer": "https://sod.superoffice.com"}, "the metadata's issuer 'https://sod.superoffice.com' is not"),
    ({"token_endpoint": "https://evil.example.com/login/common/oauth/tokens"}, "token_endpoint"),
    ({"authorization_endpoint": None}, "the metadata has no authorization_endpoint"),
])
def test_metadata_that_is_not_the_login_roots_is_refused(emu, browser, cred_file, changes, message):
    emu.login.metadata_changes = changes
    code, _, err = _login(emu)
    assert code == 1 and message in err and "Traceback" not in err
    assert not browser.opened and not cred_file.exists()


# -- logout: revocation -----------------------------------------------------------------------------


def test_logout_revokes_the_refresh_token(emu, browser, cred_file, monkeypatch):
    assert _login(emu)[0] == 0
    refresh = _saved(cred_file)[emu.target]["refresh_token"]
    assert _refresh_works(emu, refresh)
    monkeypatch.delenv("SUPEROFFICE_CLIENT_ID")
    code, out, err = run_cli("-v", "logout", "--target", emu.target)
    assert code == 0, err
    assert out.strip() == f"Logged out of {emu.target}: the refresh token was revoked and removed from {cred_file}."
    assert emu.login.revoked == [refresh] and not _refresh_works(emu, refresh)
    assert f"POST {REVOKE} -> 200" in err and _saved(cred_file) == {}
    _assert_clean(out + err, _secrets(emu, browser))


def test_a_failed_revocation_still_forgets_the_token_and_says_so(emu, browser, cred_file):
    assert _login(emu)[0] == 0
    refresh = _saved(cred_file)[emu.target]["refresh_token"]
    emu.inject("status", status=503, times=None, match=rf"POST {REVOKE}$")
    code, out, err = run_cli("logout", "--target", emu.target)
    assert code == 1
    assert out.strip() == f"Logged out of {emu.target}: the saved login was removed from {cred_file}."
    assert "error: the refresh token could not be revoked at SuperOffice" in err and "HTTP 503" in err
    assert "may stay valid until the app's consent is withdrawn" in err and "Traceback" not in err
    assert _saved(cred_file) == {}  # forgotten here all the same
    assert emu.login.revoked == [] and _refresh_works(emu, refresh)  # ... but still valid there
    _assert_clean(out + err, _secrets(emu, browser))


def test_no_revocation_endpoint_in_the_metadata(emu, browser, cred_file):
    assert _login(emu)[0] == 0
    emu.login.metadata_changes = {"revocation_endpoint": None}
    code, out, err = run_cli("logout", "--target", emu.target)
    assert code == 1 and "lists no revocation_endpoint" in err
    assert "the saved login was removed from" in out and _saved(cred_file) == {}


def test_a_confidential_app_revokes_with_its_secret(emu, browser, cred_file, monkeypatch):
    emu.login.oauth_clients["web-app-2"] = OAuthClient("web-secret-2", native=False)
    monkeypatch.setenv("SUPEROFFICE_CLIENT_ID", "web-app-2")
    monkeypatch.setenv("SUPEROFFICE_CLIENT_SECRET", "web-secret-2")
    assert _login(emu)[0] == 0
    monkeypatch.delenv("SUPEROFFICE_CLIENT_SECRET")
    code, _, err = run_cli("logout", "--target", emu.target)
    assert code == 1 and "invalid_client" in err  # the emulator wants the secret of a web app
    assert _saved(cred_file) == {} and emu.login.revoked == []
    monkeypatch.setenv("SUPEROFFICE_CLIENT_SECRET", "web-secret-2")
    assert _login(emu)[0] == 0
    code, out, err = run_cli("logout", "--target", emu.target)
    assert code == 0 and "revoked" in out and len(emu.login.revoked) == 1
    _assert_clean(out + err, _secrets(emu, browser))


# -- environments -----------------------------------------------------------------------------------


def test_qaonline_target(emu, browser, cred_file, monkeypatch):
    monkeypatch.setenv("LEADCONF_SUPEROFFICE_STATE_URL", emu.root_url)
    code, out, err = _login(emu, target="superoffice:qaonline/Cust12345")
    assert code == 0, err
    assert out.startswith("Logged in to superoffice:qaonline/Cust12345.")
    assert "superoffice:qaonline/Cust12345" in _saved(cred_file)
    monkeypatch.delenv("SUPEROFFICE_CLIENT_ID")
    code, _, err = run_cli("plan", "-c", "examples/lead-management.yaml", "--target", "superoffice:qaonline/Cust12345")
    assert code == 0, err


def test_stage_is_an_alias_of_qaonline_with_a_note(emu, browser, cred_file, monkeypatch):
    monkeypatch.setenv("LEADCONF_SUPEROFFICE_STATE_URL", emu.root_url)
    code, out, err = run_cli("login", "--target", "superoffice:stage/Cust12345", "--timeout", "20")
    assert code == 0, err
    assert "note: stage/ is an older name of SuperOffice's Stage environment" in err and "qaonline/" in err
    assert out.startswith("Logged in to superoffice:qaonline/Cust12345.")
    assert list(_saved(cred_file)) == ["superoffice:qaonline/Cust12345"]


def test_stage_alias_in_a_plan_is_noted(emu, browser, cred_file, monkeypatch, caplog):
    monkeypatch.setenv("LEADCONF_SUPEROFFICE_STATE_URL", emu.root_url)
    assert _login(emu, target="superoffice:qaonline/Cust12345")[0] == 0
    code, _, err = run_cli("plan", "-c", "examples/lead-management.yaml", "--target", "superoffice:stage/Cust12345")
    assert code == 0, err  # the same tenant, the same saved login
    notes = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("stage/ is an older name" in n for n in notes)


def test_stage_alias_note_without_verbose_in_a_real_process(tmp_path):
    """Without -v, Python's last-resort handler shows the warning on stderr."""
    import subprocess
    import sys

    from tests.helpers import ROOT

    proc = subprocess.run([sys.executable, "-m", "leadconf", "plan", "-c", "examples/lead-management.yaml",
                           "--target", "superoffice:stage/Cust1"], capture_output=True, text=True, cwd=ROOT,
                          check=False, env={"PATH": "", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "LEADCONF_KEYRING": "0"})
    assert proc.returncode == 1
    assert "note: stage/ is an older name" in proc.stderr  # then: no credentials
    assert "no SuperOffice credentials" in proc.stderr and "superoffice:qaonline/Cust1" in proc.stderr
