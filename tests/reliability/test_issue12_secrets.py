"""Issue 12, item 3: secrets are masked before anything is cut or encoded, in every output,
including secrets with control characters or non-ASCII characters."""

from __future__ import annotations

import httpx
import pytest

from leadconf.backends.superoffice import open_superoffice, redact
from leadconf.errors import AuthError, LeadconfError
from tests.helpers import EXAMPLES, run_cli

CONFIG = f"{EXAMPLES}/lead-management.yaml"


@pytest.mark.parametrize("secret", ["abc\ndefghij-ticket-secret-1", "t\u00e9l\u00e9-ticket-secret-\u00f82", "tab\tbed\x1b[31m-ticket-3"])
def test_a_credential_http_cannot_carry_is_a_clear_error_without_the_value(emulator, monkeypatch, secret):
    """Before: a line break was printed whole in httpx's "Illegal header value b'...'" error;
    a non-ASCII secret ended in "internal error: UnicodeEncodeError"."""
    monkeypatch.setenv("SUPEROFFICE_TICKET", secret)
    code, out, err = run_cli("plan", "-c", CONFIG, "--target", emulator.target)
    assert code == 1, err
    assert "internal error" not in err and "UnicodeEncodeError" not in err
    assert "the Authorization header cannot be sent" in err
    shown = out + err
    for fragment in ("defghij-ticket-secret-1", "ticket-secret-", "-ticket-3", "abc\\ndefghij"):
        assert fragment not in shown


def _echoing_backend(message_of, secret: str):
    def handler(request):
        return httpx.Response(500, json={"Error": True, "ErrorType": "Echo", "ErrorMessage": message_of(request)})

    return open_superoffice("https://crm.example.com/Cust1", transport=httpx.MockTransport(handler), max_attempts=1,
                            environ={"SUPEROFFICE_TICKET": secret, "SUPEROFFICE_APP_TOKEN": "app-token-value-123"})


def _error_of(backend) -> LeadconfError:
    with pytest.raises(LeadconfError) as info:
        backend.read()
    backend.close()
    return info.value


def test_server_text_is_masked_before_it_is_cut():
    """Before: the message was cut to 1,000 characters, then masked: a ticket echoed at the cut
    left its first characters in the error."""
    secret = "7T:" + "s3cr3t" * 10
    backend = _echoing_backend(lambda r: "x" * 980 + r.headers["Authorization"], secret)
    text = str(_error_of(backend))
    assert "7T:s3cr" not in text and "s3cr3t" not in text


def test_a_non_json_answer_is_masked_before_its_snippet_is_cut():
    secret = "7T:" + "n0tjs0n" * 10

    def handler(request):
        return httpx.Response(500, text="y" * 180 + request.headers["Authorization"])

    backend = open_superoffice("https://crm.example.com/Cust1", transport=httpx.MockTransport(handler), max_attempts=1,
                               environ={"SUPEROFFICE_TICKET": secret, "SUPEROFFICE_APP_TOKEN": "app-token-value-123"})
    text = str(_error_of(backend))
    assert "n0tj" not in text and "7T:" not in text


@pytest.mark.parametrize("quoted", [
    lambda s: repr(s.encode()),  # httpx: Illegal header value b'...'
    lambda s: repr(s),
    lambda s: s.encode().decode("latin-1"),
    lambda s: __import__("json").dumps(s),
    lambda s: __import__("urllib.parse").parse.quote(s, safe=""),
])
def test_a_secret_is_masked_in_every_form_it_is_quoted_in(quoted):
    secret = "quoted-secret-one\nbreak-secret-\u00e9-value-two"
    redact.register(secret)
    assert "break-secret-" not in redact.redact(f"server said: {quoted(secret)}")
    assert "quoted-secret-one" not in redact.redact(f"server said: {quoted(secret)}")


def test_the_cli_masks_secrets_in_every_error_it_prints(monkeypatch):
    from leadconf.cli.common import clean

    redact.register("cli-secret-\u00e9\nvalue-42")
    assert "value-42" not in clean("refused: cli-secret-\u00e9\nvalue-42")
    assert "\x1b" not in clean("name \x1b[2Kgone") and "\\x1b" in clean("name \x1b[2Kgone")


def test_an_auth_error_names_the_header_not_the_value():
    backend = _echoing_backend(lambda r: "unused", "ok-ticket\r\nX-Injected: 1")
    err = _error_of(backend)
    assert isinstance(err, AuthError)
    assert "X-Injected" not in str(err) and "ok-ticket" not in str(err)


def test_a_ca_bundle_that_is_not_certificates_is_a_clear_error(emulator, tmp_path, monkeypatch):
    """Before: SUPEROFFICE_CA_BUNDLE=/etc/passwd gave "internal error: SSLError ... This is a bug"."""
    bundle = tmp_path / "passwd"
    bundle.write_text("root:x:0:0:root:/root:/bin/bash\n")
    monkeypatch.setenv("SUPEROFFICE_CA_BUNDLE", str(bundle))
    config = tmp_path / "c.yaml"
    config.write_text("version: 1\n")
    code, out, err = run_cli("plan", "-c", str(config), "--target", emulator.target)
    assert code == 1, out + err
    assert "internal error" not in err and "SUPEROFFICE_CA_BUNDLE" in err and "certificate" in err, err


@pytest.mark.parametrize("value", ["bogus", "2", "maybe"])
def test_an_unknown_leadconf_keyring_value_is_a_clear_error(emulator, tmp_path, monkeypatch, value):
    """Before: LEADCONF_KEYRING=bogus was taken as "use the keyring"."""
    monkeypatch.setenv("LEADCONF_KEYRING", value)
    code, out, err = run_cli("logout", "--target", emulator.target)
    assert code == 1, out + err
    assert f"LEADCONF_KEYRING={value!r}" in err and "internal error" not in err, err


@pytest.mark.parametrize("value", ["0", "off", "No", "false", "1", "on", "yes", "true", ""])
def test_the_documented_leadconf_keyring_values_are_accepted(monkeypatch, value):
    from leadconf.backends.superoffice import credstore

    monkeypatch.setenv("LEADCONF_KEYRING", value)
    credstore._keyring(dict(LEADCONF_KEYRING=value))  # no error
