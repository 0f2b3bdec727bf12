"""No secret in any log line, exception message or repr, after a full run with debug logging."""

from __future__ import annotations

import io
import logging
from dataclasses import replace

import httpx
import pytest

from leadconf.errors import LeadconfError
from leadconf.model.tenant import Category, LeadStatus
from tests.emulator import DEFAULT_ACCESS_TOKEN, DEFAULT_APP_TOKEN, DEFAULT_TICKET, DEFAULT_USER, SystemUser
from tests.superoffice.test_auth import _only


@pytest.fixture
def everything_logged():
    """Like --verbose / LEADCONF_LOG=debug, for every logger (httpx and httpcore too), tracebacks included."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old)


def test_a_full_run_leaks_no_secret(so, open_backend, monkeypatch, tmp_path, everything_logged):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    artifacts = []
    errors = []

    def attempt(fn):
        try:
            return fn()
        except LeadconfError as exc:
            errors.append(exc)
            logging.getLogger("leadconf.superoffice").debug("failed", exc_info=True)

    # 1. ticket + app token: read, every kind of write, a retry, a duplicate
    backend = open_backend(so)
    backend.read()
    backend.write("category", replace(backend.read_item("category", 1), tooltip="t"))
    backend.write("lead_status", LeadStatus(id=None, name="Nurture"))
    backend.write("utm_tracking", False)
    so.inject("status", status=503, retry_after="1", match="PUT ")
    backend.write("lead_status", replace(backend.read_item("lead_status", 1), rank=9))
    attempt(lambda: backend.write("category", Category(id=None, name="lead")))
    artifacts += [repr(backend), repr(backend._api), backend.description]

    # 2. wrong credentials of every kind
    for env in ({"SUPEROFFICE_TICKET": DEFAULT_TICKET + "x", "SUPEROFFICE_APP_TOKEN": DEFAULT_APP_TOKEN},
                {"SUPEROFFICE_USERNAME": DEFAULT_USER[0], "SUPEROFFICE_PASSWORD": DEFAULT_USER[1] + "x"},
                {"SUPEROFFICE_ACCESS_TOKEN": DEFAULT_ACCESS_TOKEN + "x"}):
        _only(monkeypatch, **env)
        attempt(lambda: open_backend(so).read())

    # 3. basic and bearer that work
    _only(monkeypatch, SUPEROFFICE_USERNAME=DEFAULT_USER[0], SUPEROFFICE_PASSWORD=DEFAULT_USER[1])
    open_backend(so).read()
    _only(monkeypatch, SUPEROFFICE_ACCESS_TOKEN=DEFAULT_ACCESS_TOKEN)
    open_backend(so).read()

    # 4. the system user, with a renewal
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "k.pem").write_bytes(pem)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    so.login.system_user = SystemUser("LeadConf-secret-systoken", "client-secret-value-77", public)
    _only(monkeypatch, SUPEROFFICE_SYSTEM_TOKEN="LeadConf-secret-systoken", SUPEROFFICE_PRIVATE_KEY=tmp_path / "k.pem",
          SUPEROFFICE_CLIENT_SECRET="client-secret-value-77")
    system = open_backend(so)
    system.read()
    issued = list(so.login.issued_tickets)
    so.login.expire_issued()
    system.read_item("category", 1)
    issued += so.login.issued_tickets
    artifacts += [repr(system), repr(system._api)]

    # 5. a server that quotes the credentials back in its error message
    def echo(request):
        return httpx.Response(500, json={"Error": True, "ErrorType": "Echo",
                                         "ErrorMessage": f"bad header {request.headers['Authorization']} / "
                                                         f"{request.headers.get('SO-AppToken')}"})

    from leadconf.backends.superoffice import open_superoffice

    echoing = open_superoffice("https://crm.example.com/Cust1", transport=httpx.MockTransport(echo),
                               environ={"SUPEROFFICE_TICKET": DEFAULT_TICKET, "SUPEROFFICE_APP_TOKEN": DEFAULT_APP_TOKEN})
    attempt(lambda: echoing.read())
    assert "***" in str(errors[-1])

    assert len(errors) == 5
    artifacts += [str(e) for e in errors] + [repr(e) for e in errors]
    artifacts.append(everything_logged.getvalue())
    text = "\n".join(artifacts)
    assert "SaveCategoryEntity" in text and "retrying" in text  # the log did record the run

    pem_text = pem.decode()
    pem_lines = [line for line in pem_text.splitlines() if line and not line.startswith("-----")]
    secrets = [DEFAULT_TICKET, DEFAULT_APP_TOKEN, DEFAULT_USER[1], DEFAULT_ACCESS_TOKEN, "LeadConf-secret-systoken",
               "client-secret-value-77", pem_text, *pem_lines, *issued]
    leaked = [s for s in secrets if s in text]
    assert leaked == []
    # the Basic header value (base64 of user:password) either
    import base64

    assert base64.b64encode(f"{DEFAULT_USER[0]}:{DEFAULT_USER[1]}".encode()).decode() not in text
