"""The SuperOffice emulator (tests/emulator, docs/emulator.md) as the benchmarks use it.

Only the emulator's public API is used: Emulator(document, tenant=...), start/stop, target, env(),
api_requests(), writes(), reset(document), and inject("latency", ...) / inject("status", ...,
match=callable). The server-side rate limit is a "status 429" fault whose `match` callable is a
sliding-window counter (ServerLimit below): the emulator calls it for every API request as the
request arrives, so it also timestamps every request.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field


def available() -> str | None:
    """None when the emulator can be imported, else why not."""
    try:
        import tests.emulator  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"
    return None


@dataclass
class Arrival:
    t: float  # time.perf_counter() when the request reached the emulator
    method: str
    path: str
    limited: bool  # answered 429


@dataclass
class ServerLimit:
    """At most `rate` accepted API requests in any window of `window` seconds; others get a 429.

    Used as the `match` of a 429 fault: returns True (answer 429) when the request is over the limit.
    Requests answered 429 do not count against the window (as with a server that drops them).
    """

    rate: int = 10
    window: float = 1.0
    arrivals: list[Arrival] = field(default_factory=list)
    _accepted: deque = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, method: str, path: str) -> bool:
        if "/api/v1/" not in path:
            return False
        now = time.perf_counter()
        with self._lock:
            acc = self._accepted
            while acc and acc[0] <= now - self.window:
                acc.popleft()
            limited = len(acc) >= self.rate
            if not limited:
                acc.append(now)
            self.arrivals.append(Arrival(now, method, path, limited))
        return limited

    @property
    def rejected(self) -> int:
        return sum(a.limited for a in self.arrivals)

    def clear(self):
        with self._lock:
            self.arrivals.clear()
            self._accepted.clear()

    def max_in_window(self) -> int:
        """The most requests that arrived within any `window` (the achieved peak rate)."""
        times = [a.t for a in self.arrivals]
        best, j = 0, 0
        for i, t in enumerate(times):
            while times[j] <= t - self.window:
                j += 1
            best = max(best, i - j + 1)
        return best


def start(document: dict, *, tenant: str | None = None, latency: float = 0.0, limit: int | None = 10,
          groups_and_headings: bool | None = None):
    """A started emulator with the latency and the server-side limit installed; (emulator, ServerLimit)."""
    from tests.emulator import Emulator

    emu = Emulator(document, tenant=tenant, groups_and_headings=groups_and_headings)
    emu.start()
    server_limit = ServerLimit(rate=limit or 10**9)
    arm(emu, server_limit, latency)
    return emu, server_limit


def arm(emu, server_limit: ServerLimit, latency: float):
    """(Re)install the faults: after emu.reset() they are gone."""
    if latency:
        emu.inject("latency", seconds=latency, times=None)
    emu.inject("status", status=429, retry_after="1", times=None, match=server_limit)
