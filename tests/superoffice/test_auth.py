"""Each way of authenticating, against the emulator's checks."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from leadconf.errors import AuthError, TargetError
from tests.emulator import DEFAULT_ACCESS_TOKEN, DEFAULT_CLIENT, DEFAULT_USER, SystemUser
from tests.emulator.fixtures import ENV_TO_CLEAR


@pytest.fixture
def rsa_key(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    path = tmp_path / "partner.pem"
    path.write_bytes(pem)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return path, public


def _only(monkeypatch, **env):
    for name in ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, str(value))


def test_no_credentials_names_the_variables(so, open_backend, monkeypatch):
    _only(monkeypatch)
    with pytest.raises(TargetError) as caught:
        open_backend(so)
    for name in ("SUPEROFFICE_TICKET", "SUPEROFFICE_APP_TOKEN", "SUPEROFFICE_ACCESS_TOKEN", "SUPEROFFICE_SYSTEM_TOKEN",
                 "SUPEROFFICE_PRIVATE_KEY", "SUPEROFFICE_CLIENT_SECRET", "SUPEROFFICE_USERNAME", "SUPEROFFICE_PASSWORD"):
        assert name in str(caught.value)


def test_incomplete_system_user_names_what_is_missing(so, open_backend, monkeypatch):
    _only(monkeypatch, SUPEROFFICE_SYSTEM_TOKEN="App-123")
    with pytest.raises(TargetError, match="SUPEROFFICE_PRIVATE_KEY and SUPEROFFICE_CLIENT_SECRET"):
        open_backend(so)


def test_online_ticket_needs_the_app_token(monkeypatch):
    from leadconf.backends.superoffice import open_superoffice

    with pytest.raises(TargetError, match="SUPEROFFICE_APP_TOKEN"):
        open_superoffice("online/Cust1", environ={"SUPEROFFICE_TICKET": "7T:x"})


def test_the_emulator_answers_401_with_www_authenticate(so):
    answer = httpx.get(f"{so.base_url}/api/v1/List")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="SuperOffice Username or Ticket"'
    assert answer.json()["Error"] is True


def test_wrong_ticket_is_an_auth_error(so, open_backend, monkeypatch):
    _only(monkeypatch, SUPEROFFICE_TICKET="7T:not-a-valid-ticket", SUPEROFFICE_APP_TOKEN=so.env()["SUPEROFFICE_APP_TOKEN"])
    with pytest.raises(AuthError) as caught:
        open_backend(so).read()
    assert caught.value.status == 401 and "credentials: ticket" in str(caught.value)


def test_ticket_without_its_app_token_is_refused(so, open_backend, monkeypatch):
    _only(monkeypatch, SUPEROFFICE_TICKET=so.env()["SUPEROFFICE_TICKET"])
    with pytest.raises(AuthError, match="SO-AppToken"):
        open_backend(so).read()


def test_bearer(so, open_backend, monkeypatch):
    _only(monkeypatch, SUPEROFFICE_ACCESS_TOKEN=DEFAULT_ACCESS_TOKEN)
    assert open_backend(so).read().context == "Cust12345"


def test_basic(so, open_backend, monkeypatch):
    _only(monkeypatch, SUPEROFFICE_USERNAME=DEFAULT_USER[0], SUPEROFFICE_PASSWORD=DEFAULT_USER[1])
    assert open_backend(so).read().context == "Cust12345"
    _only(monkeypatch, SUPEROFFICE_USERNAME=DEFAULT_USER[0], SUPEROFFICE_PASSWORD="wrong")
    with pytest.raises(AuthError):
        open_backend(so).read()


def test_system_user_login_and_renewal_on_401(so, open_backend, monkeypatch, rsa_key):
    key_path, public = rsa_key
    so.login.system_user = SystemUser("LeadConf-7f3a9", "client-secret-0c4e", public)
    _only(monkeypatch, SUPEROFFICE_SYSTEM_TOKEN="LeadConf-7f3a9", SUPEROFFICE_PRIVATE_KEY=key_path,
          SUPEROFFICE_CLIENT_SECRET="client-secret-0c4e")
    backend = open_backend(so)
    assert backend.read().context == "Cust12345"
    logins = [r for r in so.requests if r.path == "/Login/api/PartnerSystemUser/Authenticate"]
    assert len(logins) == 1 and any(r.path == "/login/.well-known/jwks" for r in so.requests)
    so.login.expire_issued()  # the ticket runs out
    so.requests.clear()
    assert backend.read_item("category", 1).name == "Lead"
    assert [r.status for r in so.api_requests()][:2] == [401, 200]
    assert len([r for r in so.requests if r.path.endswith("/Authenticate")]) == 1


def test_system_user_with_a_key_the_partner_did_not_register(so, open_backend, monkeypatch, rsa_key, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key_path, _ = rsa_key
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    so.login.system_user = SystemUser("LeadConf-7f3a9", "client-secret-0c4e", other.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    _only(monkeypatch, SUPEROFFICE_SYSTEM_TOKEN="LeadConf-7f3a9", SUPEROFFICE_PRIVATE_KEY=key_path,
          SUPEROFFICE_CLIENT_SECRET="client-secret-0c4e")
    with pytest.raises(AuthError, match="Signature verification failed"):
        open_backend(so).read()


def test_system_user_with_an_unreadable_key_file(so, open_backend, monkeypatch, tmp_path):
    bad = tmp_path / "key.pem"
    bad.write_text("not a key")
    _only(monkeypatch, SUPEROFFICE_SYSTEM_TOKEN="App-1", SUPEROFFICE_PRIVATE_KEY=bad, SUPEROFFICE_CLIENT_SECRET="s3cret-value")
    with pytest.raises(TargetError, match="not an unencrypted PEM private key"):
        open_backend(so)


def test_refresh_token(so, open_backend, monkeypatch):
    so.login.add_refresh_token("refresh-token-9d1e")
    _only(monkeypatch, SUPEROFFICE_REFRESH_TOKEN="refresh-token-9d1e", SUPEROFFICE_CLIENT_ID=DEFAULT_CLIENT[0],
          SUPEROFFICE_CLIENT_SECRET=DEFAULT_CLIENT[1])
    backend = open_backend(so)
    assert backend.read().context == "Cust12345"
    so.login.expire_issued()
    assert backend.read_item("lead_status", 1).name == "Open"  # renewed after a 401


def test_token_provider_hook(so, open_backend, monkeypatch):
    _only(monkeypatch)
    calls = []

    def provider(force):
        calls.append(force)
        return DEFAULT_ACCESS_TOKEN

    assert open_backend(so, token_provider=provider).read().context == "Cust12345"
    assert calls == [False]


def test_oauth_authorization_code_with_pkce(so):
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    with httpx.Client() as client:
        answer = client.get(f"{so.root_url}/login/common/oauth/authorize", params={
            "client_id": DEFAULT_CLIENT[0], "redirect_uri": "http://127.0.0.1:9999", "response_type": "code",
            "state": "xyz", "scope": "openid", "code_challenge": challenge, "code_challenge_method": "S256"})
        assert answer.status_code == 302
        query = parse_qs(urlsplit(answer.headers["location"]).query)
        assert query["state"] == ["xyz"]
        form = {"grant_type": "authorization_code", "client_id": DEFAULT_CLIENT[0], "code": query["code"][0],
                "redirect_uri": "http://127.0.0.1:9999", "code_verifier": "wrong"}
        assert client.post(f"{so.root_url}/login/common/oauth/tokens", data=form).status_code == 400
        # a code is single-use even after a failed exchange: start again
        answer = client.get(f"{so.root_url}/login/common/oauth/authorize", params={
            "client_id": DEFAULT_CLIENT[0], "redirect_uri": "http://127.0.0.1:9999", "response_type": "code",
            "code_challenge": challenge, "code_challenge_method": "S256"})
        form["code"] = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
        form["code_verifier"] = verifier
        tokens = client.post(f"{so.root_url}/login/common/oauth/tokens", data=form).json()
        assert tokens["token_type"] == "Bearer" and tokens["refresh_token"]
        api = client.get(f"{so.base_url}/api/v1/List", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        assert api.status_code == 200
        refreshed = client.post(f"{so.root_url}/login/common/oauth/tokens", data={
            "grant_type": "refresh_token", "client_id": DEFAULT_CLIENT[0], "client_secret": DEFAULT_CLIENT[1],
            "refresh_token": tokens["refresh_token"]}).json()
        assert refreshed["access_token"] != tokens["access_token"]
