"""The client-side rate limit: never more than N requests in any one-second window."""

from __future__ import annotations

import threading
import time

import httpx

from leadconf.backends.superoffice.ratelimit import JITTER_MARGIN, RateLimiter, rate_from


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.lock = threading.Lock()

    def clock(self):
        return self.now

    def sleep(self, seconds):
        with self.lock:
            self.now += seconds


def max_in_window(starts, window=1.0) -> int:
    starts = sorted(starts)
    best, j = 0, 0
    for i, t in enumerate(starts):
        while starts[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def test_never_more_than_n_per_second():
    t = FakeTime()
    limiter = RateLimiter(10, clock=t.clock, sleep=t.sleep)
    starts = []
    for _ in range(55):
        limiter.acquire()
        starts.append(t.now)
    assert max_in_window(starts) == 10
    assert starts[:10] == [0.0] * 10  # reads fill the budget at once
    # and then go as fast as the window (with its 5% margin for network jitter) allows
    assert abs(starts[-1] - 5 * JITTER_MARGIN) < 1e-9


def test_fractional_rate_and_unlimited():
    t = FakeTime()
    slow = RateLimiter(0.5, clock=t.clock, sleep=t.sleep)
    slow.acquire()
    slow.acquire()
    assert abs(t.now - 2.0 * JITTER_MARGIN) < 1e-9
    assert RateLimiter(None).acquire() == 0.0
    assert rate_from(None, {}) == 10.0
    assert rate_from(None, {"LEADCONF_RATE_LIMIT": "25"}) == 25.0
    assert rate_from(3, {"LEADCONF_RATE_LIMIT": "25"}) == 3.0
    assert rate_from(None, {"LEADCONF_RATE_LIMIT": "0"}) is None


def test_the_client_respects_the_limit_with_an_injected_clock():
    from leadconf.backends.superoffice import open_superoffice

    t = FakeTime()
    seen = []

    def handler(request):
        seen.append(t.now)
        return httpx.Response(200, json={"Id": 1, "Name": "Open", "Tooltip": "", "Rank": 1, "Deleted": False})

    backend = open_superoffice("https://crm.example.com/Cust1", transport=httpx.MockTransport(handler),
                               environ={"SUPEROFFICE_TICKET": "7T:abcdef"}, rate_limit=5, clock=t.clock, sleep=t.sleep)
    backend._status_list = 31
    for i in range(23):
        backend.read_item("lead_status", i)
    assert max_in_window(seen) == 5


def test_concurrent_reads_share_one_limit(emulator_factory, open_backend, tenant_doc, monkeypatch):
    """30 categories read by 4 threads at 15 requests/s, with the real clock and real sleeps."""
    tenant_doc["categories"] = [dict(tenant_doc["categories"][0], CategoryId=i, Name=f"C{i}") for i in range(1, 31)]
    tenant_doc["category_user_groups"] = {}
    tenant_doc["category_headings"] = {}
    tenant_doc["features"] = {"marketing": "unlicensed"}  # no flows to read
    emu = emulator_factory(tenant_doc)
    monkeypatch.setenv("LEADCONF_RATE_LIMIT", "15")
    backend = open_backend(emu, sleep=time.sleep)
    limiter = backend._api.limiter
    slots, lock = [], threading.Lock()
    acquire = limiter.acquire

    def recording_acquire():
        called = time.monotonic()
        waited = acquire()
        with lock:
            slots.append(called + waited)  # when the request was let go (to within the lock's hold time)
        return waited

    limiter.acquire = recording_acquire
    backend.read()
    # 30 categories + 11 list reads + GetAssociateList
    assert len(slots) == len(emu.api_requests()) == 42
    assert max_in_window(slots, window=0.99) <= 15
    assert 1.9 <= max(slots) - min(slots) < 3.0  # 15 at once, 15 a second later, the last 12 at 2 s
