"""The system user's JWT checked as validate-security-tokens.md says (issuer "SuperOffice AS",
audience "spn:{serial}"), against the emulator; and every login request at the un-numbered host."""

from __future__ import annotations

import httpx
import pytest

from leadconf.errors import AuthError, LeadconfError
from tests.emulator import SystemUser
from tests.emulator.fixtures import ENV_TO_CLEAR
from tests.emulator.login import CTX_CLAIM, SERIAL_CLAIM

SYSTEM_TOKEN = "LeadConf-7f3a9"
CLIENT_SECRET = "client-secret-0c4e"


@pytest.fixture
def key_pair(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "partner.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return path, public


@pytest.fixture
def system_user(emulator, monkeypatch, key_pair):
    path, public = key_pair
    emulator.login.system_user = SystemUser(SYSTEM_TOKEN, CLIENT_SECRET, public)
    for name in ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    env = {"SUPEROFFICE_SYSTEM_TOKEN": SYSTEM_TOKEN, "SUPEROFFICE_PRIVATE_KEY": str(path),
           "SUPEROFFICE_CLIENT_SECRET": CLIENT_SECRET}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return emulator


def _read(emu):
    from leadconf.backends.superoffice import open_superoffice

    backend = open_superoffice(emu.base_url)
    try:
        return backend.read()
    finally:
        backend.close()


def test_the_documented_claims_are_accepted(system_user):
    assert _read(system_user).context == "Cust12345"


@pytest.mark.parametrize("claims, message", [
    ({"iss": "https://sod.superoffice.com"}, "its issuer is not 'SuperOffice AS'"),
    ({"aud": "spn:1234"}, "its audience is not 'spn:1801550193'"),
    ({"aud": "emulator-client-id"}, "its audience is not 'spn:1801550193'"),
    ({SERIAL_CLAIM: None}, "no serial claim"),
    ({CTX_CLAIM: "Cust99999"}, "the system-user JWT is for tenant Cust99999, not Cust12345"),
])
def test_a_jwt_that_does_not_check_out_is_not_trusted(system_user, claims, message):
    system_user.login.system_user_claims = claims
    with pytest.raises(AuthError) as caught:
        _read(system_user)
    assert message in str(caught.value) and "nothing was trusted" in str(caught.value)
    assert system_user.api_requests() == []  # the ticket was never used
    for ticket in system_user.login.issued_tickets:
        assert ticket not in str(caught.value)


def _recording_transport(seen: list):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path == "/Login/api/PartnerSystemUser/Authenticate":
            return httpx.Response(200, json={"IsSuccessful": False, "Token": None, "ErrorMessage": "No such app"})
        return httpx.Response(400, json={"error": "invalid_grant"})

    return httpx.MockTransport(handler)


@pytest.mark.parametrize("host, root", [
    ("sod2", "https://sod.superoffice.com"),
    ("online10", "https://online.superoffice.com"),
    ("qaonline3", "https://qaonline.superoffice.com"),
])
def test_a_numbered_host_target_logs_in_at_the_environment_host(monkeypatch, key_pair, host, root):
    """api.md: "DO NOT USE numbered sub-domains for authentication". System user and refresh token alike."""
    from leadconf.backends.superoffice import open_superoffice

    path, _ = key_pair
    env = {"SUPEROFFICE_SYSTEM_TOKEN": SYSTEM_TOKEN, "SUPEROFFICE_PRIVATE_KEY": str(path),
           "SUPEROFFICE_CLIENT_SECRET": CLIENT_SECRET}
    seen: list[str] = []
    backend = open_superoffice(f"https://{host}.superoffice.com/Cust12345", environ=env,
                               transport=_recording_transport(seen), rate_limit=0)
    with pytest.raises(AuthError, match="No such app"):
        backend.read()
    assert seen == [f"{root}/Login/api/PartnerSystemUser/Authenticate"]

    env = {"SUPEROFFICE_REFRESH_TOKEN": "rt-1", "SUPEROFFICE_CLIENT_ID": "app", "SUPEROFFICE_CLIENT_SECRET": "s"}
    seen.clear()
    backend = open_superoffice(f"https://{host}.superoffice.com/Cust12345", environ=env,
                               transport=_recording_transport(seen), rate_limit=0, max_attempts=1)
    with pytest.raises(LeadconfError):
        backend.read()
    assert seen == [f"{root}/login/common/oauth/tokens"]


def test_qaonline_discovery_and_login_hosts():
    """check-status.md: GET https://{ENVIR}.superoffice.com/api/state/{CONTEXTID}, ENVIR sod, qaonline or online."""
    from leadconf.backends.superoffice import open_superoffice

    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"ContextIdentifier": "Cust1", "Endpoint": "https://qaonline2.superoffice.com/Cust1",
                                         "State": "Running", "IsRunning": True, "ValidUntil": "2099-01-01T00:00:00Z"})

    env = {"SUPEROFFICE_TICKET": "7T:abcdef", "SUPEROFFICE_APP_TOKEN": "app-token-1"}
    backend = open_superoffice("qaonline/Cust1", transport=httpx.MockTransport(handler), environ=env, rate_limit=0)
    assert backend.description == "superoffice:qaonline/Cust1"
    with pytest.raises(LeadconfError):
        backend.read()  # the mock's answer is no API answer: only the URLs matter
    assert seen[0] == "https://qaonline.superoffice.com/api/state/Cust1"
    assert seen[1].startswith("https://qaonline2.superoffice.com/Cust1/api/v1/")
