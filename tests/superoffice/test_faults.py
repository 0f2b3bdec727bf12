"""Retries, and clear failures, under the emulator's injected faults."""

from __future__ import annotations

import pytest

from leadconf.errors import RemoteError, TransportError
from leadconf.model.tenant import Category, LeadStatus
from tests.emulator import Emulator

CATEGORY_ITEMS = r"GET .*/List/Category/Items$"


def test_429_retry_after_is_honoured(so, open_backend, sleeps):
    so.inject("status", status=429, retry_after="7", match=CATEGORY_ITEMS)
    open_backend(so).read()
    assert sleeps == [7.0]
    assert [r.status for r in so.requests if r.path.endswith("/List/Category/Items")] == [429, 200]


def test_retry_after_as_an_http_date(so, open_backend, sleeps):
    from datetime import datetime, timedelta, timezone
    from email.utils import format_datetime

    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    so.inject("status", status=503, retry_after=when, match=CATEGORY_ITEMS)
    open_backend(so).read()
    assert len(sleeps) == 1 and 25 <= sleeps[0] <= 30


def test_retry_after_beyond_the_cap_is_not_waited_out(so, open_backend, sleeps):
    so.inject("status", status=429, retry_after="3600", match=CATEGORY_ITEMS)
    with pytest.raises(RemoteError, match="asks to wait 3600 s") as caught:
        open_backend(so).read()
    assert caught.value.status == 429 and sleeps == []


def test_503_then_success_with_backoff_and_jitter(so, open_backend, sleeps):
    so.inject("status", status=503, times=3, match=CATEGORY_ITEMS)
    open_backend(so).read()
    assert len(sleeps) == 3
    for n, wait in enumerate(sleeps):  # equal jitter: between half and all of 0.5 * 2**n
        assert 0.25 * 2 ** n <= wait <= 0.5 * 2 ** n


def test_retries_exhausted_is_a_clear_error(so, open_backend, sleeps):
    so.inject("status", status=503, times=None, match=CATEGORY_ITEMS)
    with pytest.raises(RemoteError) as caught:
        open_backend(so, max_attempts=3).read()
    err = caught.value
    assert err.status == 503 and "gave up after 3 attempts" in str(err)
    assert err.item == "the Company - Category list" and "GET" in str(err)
    assert len(sleeps) == 2


def test_dropped_connection_on_a_read_is_retried(so, open_backend, sleeps):
    so.inject("drop", match=CATEGORY_ITEMS)
    open_backend(so).read()
    assert [r.status for r in so.requests if r.path.endswith("/List/Category/Items")] == [0, 200]


def test_timeout_on_a_read_is_retried(so, open_backend, sleeps):
    so.inject("timeout", seconds=0.6, match=CATEGORY_ITEMS)
    open_backend(so, timeout=0.25).read()
    assert len(sleeps) == 1


def test_timeouts_exhausted(so, open_backend):
    so.inject("timeout", seconds=0.4, match=CATEGORY_ITEMS, times=None)
    with pytest.raises(TransportError, match="timed out.*gave up after 2 attempts"):
        open_backend(so, timeout=0.15, max_attempts=2).read()


def test_an_update_is_retried_after_a_dropped_connection(so, open_backend):
    backend = open_backend(so)
    current = backend.read_item("lead_status", 2)
    so.inject("drop", apply=True, match=r"PUT ")
    backend.write("lead_status", LeadStatus(id=2, name="Contacting", tooltip="x", rank=current.rank))
    assert [r.status for r in so.writes()] == [0, 200]


def test_a_create_whose_answer_was_lost_is_not_created_twice(so, open_backend):
    backend = open_backend(so)
    so.inject("drop", apply=True, match=r"POST .*/SaveCategoryEntity")  # it happened, the answer got lost
    created = backend.write("category", Category(id=None, name="Opportunity", group="PotentialCustomer"))
    names = [c["Name"] for c in so.document()["categories"]]
    assert names.count("Opportunity") == 1 and created.id == 6
    assert len([r for r in so.requests if r.path.endswith("/SaveCategoryEntity")]) == 1


def test_a_create_that_never_arrived_is_sent_again(so, open_backend):
    backend = open_backend(so, timeout=0.2)
    backend.read_item("lead_status", 1)
    so.inject("timeout", seconds=0.5, match=r"POST .*/List/\d+/Items$")  # never carried out
    created = backend.write("lead_status", LeadStatus(id=None, name="Re-nurture"))
    assert created.name == "Re-nurture"
    assert [s["Name"] for s in so.document()["lead_statuses"]].count("Re-nurture") == 1


def test_a_create_with_a_502_is_checked_not_blindly_retried(so, open_backend):
    backend = open_backend(so)
    so.inject("status", status=502, match=r"POST .*/SaveCategoryEntity")
    created = backend.write("category", Category(id=None, name="Opportunity", group="PotentialCustomer"))
    assert created.name == "Opportunity"
    saves = [r.status for r in so.requests if r.path.endswith("/SaveCategoryEntity")]
    assert saves == [502, 200]  # re-read found nothing, then one more create


def test_failure_on_the_nth_write(so, open_backend):
    backend = open_backend(so)
    backend.read_item("lead_status", 1)
    so.inject("status", status=500, on_write=2)
    backend.write("lead_status", LeadStatus(id=None, name="A"))
    with pytest.raises(RemoteError) as caught:
        backend.write("lead_status", LeadStatus(id=None, name="B"))
    assert caught.value.status == 500 and caught.value.item == "lead status 'B'"
    backend.write("lead_status", LeadStatus(id=None, name="C"))
    names = [s["Name"] for s in so.document()["lead_statuses"]]
    assert "A" in names and "B" not in names and "C" in names


@pytest.mark.parametrize("kind, options, message", [
    ("malformed", {}, "not valid JSON"),
    ("html", {"status": 200}, "HTML page"),
    ("html", {"status": 500}, "HTML error page"),
    ("shape", {"body": {"unexpected": True}}, "expected a JSON array"),
    ("shape", {"body": [{"Id": "seven", "Name": 1}]}, "unexpected answer"),
])
def test_broken_answers_are_clear_errors(so, open_backend, kind, options, message):
    so.inject(kind, match=CATEGORY_ITEMS, **options)
    with pytest.raises(RemoteError, match=message) as caught:
        open_backend(so).read()
    assert caught.value.item == "the Company - Category list" or "category list" in str(caught.value)


def test_huge_answer_is_refused(so, open_backend):
    so.inject("huge", size=2_000_000, match=CATEGORY_ITEMS)
    with pytest.raises(RemoteError, match="too large"):
        open_backend(so, max_body=64 * 1024).read()


def test_huge_streamed_answer_without_a_length_is_cut_off():
    import httpx

    from leadconf.backends.superoffice import open_superoffice

    def endless():
        while True:
            yield b"[" + b"0," * 4096

    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=endless()))
    backend = open_superoffice("https://crm.example.com/Cust1", transport=transport, max_body=100_000,
                               environ={"SUPEROFFICE_TICKET": "7T:abcdef"})
    with pytest.raises(RemoteError, match="more than 100000 bytes"):
        backend.read()


def test_redirect_to_another_host_is_refused_and_gets_no_credentials(so, open_backend):
    with Emulator({}) as elsewhere:
        location = f"http://localhost:{elsewhere.port}/steal"
        so.inject("redirect", location=location, match=CATEGORY_ITEMS)
        with pytest.raises(RemoteError, match="redirected to localhost") as caught:
            open_backend(so).read()
        assert caught.value.status == 302
        assert elsewhere.requests == []


def test_latency_is_only_slower(so, open_backend):
    so.inject("latency", seconds=0.02, times=None)
    assert open_backend(so).read().context == "Cust12345"
