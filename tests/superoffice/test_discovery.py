"""Targets, and finding an Online tenant's host through api/state (re-found on 421 or expiry)."""

from __future__ import annotations

import httpx
import pytest

from leadconf.backends.superoffice.target import parse_target
from leadconf.errors import TargetError


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def online(so, monkeypatch):
    monkeypatch.setenv("LEADCONF_SUPEROFFICE_STATE_URL", so.root_url)
    so.relocate("sod2")
    return so


def state_calls(emu):
    return [r for r in emu.requests if r.path.startswith("/api/state/")]


def test_online_target_discovers_the_host(online, open_backend):
    backend = open_backend("sod/Cust12345")
    assert backend.description == "superoffice:sod/Cust12345"
    assert backend.read().context == "Cust12345"
    assert len(state_calls(online)) == 1
    assert all(r.path.startswith("/sod2/Cust12345/api/v1/") for r in online.api_requests())


def test_421_re_discovers_the_host(online, open_backend):
    backend = open_backend("online/Cust12345")
    backend.read_item("lead_status", 1)
    online.relocate("sod3")
    online.requests.clear()
    assert backend.read_item("lead_status", 1).name == "Open"
    assert [(r.path.split("/")[1], r.status) for r in online.requests] == [("sod2", 421), ("api", 200), ("sod3", 200)]


def test_valid_until_passing_re_discovers(online, open_backend):
    clock = Clock()
    online.state_valid_for = 60
    backend = open_backend("online/Cust12345", clock=clock)
    backend.read_item("lead_status", 1)
    backend.read_item("lead_status", 2)
    assert len(state_calls(online)) == 1
    clock.now += 61
    backend.read_item("lead_status", 3)
    assert len(state_calls(online)) == 2


def test_a_tenant_that_is_not_running(online, open_backend):
    online.tenant_state = "Suspended"
    with pytest.raises(TargetError, match="not running: its state is 'Suspended'"):
        open_backend("online/Cust12345").read()


def test_discovery_only_trusts_superoffice_hosts():
    from leadconf.backends.superoffice import open_superoffice

    def handler(request):
        assert "Authorization" not in request.headers  # the state call carries no credentials
        return httpx.Response(200, json={"ContextIdentifier": "Cust1", "Endpoint": "https://evil.example.com/Cust1",
                                         "State": "Running", "IsRunning": True, "ValidUntil": "2099-01-01T00:00:00Z"})

    env = {"SUPEROFFICE_TICKET": "7T:abcdef", "SUPEROFFICE_APP_TOKEN": "app-token-1"}
    backend = open_superoffice("online/Cust1", transport=httpx.MockTransport(handler), environ=env)
    with pytest.raises(TargetError, match="not an https superoffice.com host"):
        backend.read()


@pytest.mark.parametrize("rest, kind, description, root", [
    ("online/Cust12345", "online", "superoffice:online/Cust12345", "https://online.superoffice.com"),
    ("sod/cust26759", "online", "superoffice:sod/Cust26759", "https://sod.superoffice.com"),
    ("qaonline/Cust1/", "online", "superoffice:qaonline/Cust1", "https://qaonline.superoffice.com"),
    ("stage/Cust1/", "online", "superoffice:qaonline/Cust1", "https://qaonline.superoffice.com"),  # an alias
    ("https://crm.example.com/SuperOffice/", "url", "superoffice:https://crm.example.com/SuperOffice", "https://crm.example.com"),
    ("http://127.0.0.1:8080/Cust12345", "url", "superoffice:http://127.0.0.1:8080/Cust12345", "http://127.0.0.1:8080"),
])
def test_target_parsing(rest, kind, description, root):
    target = parse_target(rest, environ={})
    assert (target.kind, target.description, target.root) == (kind, description, root)


@pytest.mark.parametrize("rest, message", [
    ("prod/Cust1", "unknown environment"),
    ("online/12345", "expected superoffice:online/CustNNNNN"),
    ("https://user:pw@crm.example.com/x", "must not contain credentials"),
    ("http://crm.example.com/x", "clear text"),
    ("https://crm.example.com/x?ticket=1", "no query"),
    ("ftp://crm.example.com/x", "expected superoffice:online"),
])
def test_bad_targets(rest, message):
    with pytest.raises(TargetError, match=message):
        parse_target(rest, environ={})


def test_url_target_api_base(emulator, open_backend):
    backend = open_backend(emulator)
    backend.read_item("category", 1)
    assert emulator.api_requests()[0].path.startswith(f"/{emulator.tenant}/api/v1/")
    assert state_calls(emulator) == []
