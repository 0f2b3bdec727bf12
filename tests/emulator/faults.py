"""Fault injection for the emulator, per test.

    emu.inject("latency", seconds=0.05, times=None)      every matching request waits first
    emu.inject("status", status=429, retry_after="2")    one 429 with Retry-After
    emu.inject("status", status=503, times=3)            three 503s in a row
    emu.inject("drop")                                   close the connection without an answer
    emu.inject("drop", apply=True)                       carry the request out, then close
    emu.inject("timeout", seconds=1.0)                   answer nothing for 1 s, then close
    emu.inject("timeout", seconds=1.0, apply=True)       carry it out, answer 1 s late
    emu.inject("status", status=500, on_write=3)         the 3rd write from now fails
    emu.inject("malformed")                              200 with truncated JSON
    emu.inject("html", status=502)                       an HTML error page
    emu.inject("huge", size=5_000_000)                   a 5 MB answer
    emu.inject("redirect", location="http://other/x")    302 to another host
    emu.inject("shape", body={"unexpected": True})       200 with JSON of the wrong shape

`match` narrows a fault to some requests: a regex searched in "METHOD /path" (e.g.
"GET .*/List/Category/Items$"), or a callable (method, path) -> bool. By default a fault matches
the tenant's API (/api/v1/) only, not discovery or login. `times` is how many requests it hits
(None: all of them).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

KINDS = ("latency", "status", "drop", "timeout", "malformed", "html", "huge", "redirect", "shape")


def is_write(method: str, path: str) -> bool:
    if "/api/v1/" not in path:
        return False
    if method in ("PUT", "DELETE", "PATCH"):
        return True
    return method == "POST" and not re.search(r"/Agents/[^/]+/Get", path)


@dataclass
class Fault:
    kind: str
    match: object = None
    times: int | None = 1
    on_write: int | None = None
    status: int = 500
    retry_after: str | None = None
    seconds: float = 0.0
    apply: bool = False
    body: object = None
    size: int = 1_000_000
    location: str = "http://elsewhere.invalid/login"
    hits: int = 0
    writes_seen: int = field(default=0, repr=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(KINDS)}")

    def matches(self, method: str, path: str) -> bool:
        if self.match is None:
            return "/api/v1/" in path
        if callable(self.match):
            return bool(self.match(method, path))
        return re.search(self.match, f"{method} {path}") is not None

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times


class FaultPlan:
    def __init__(self):
        self._lock = threading.Lock()
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self):
        with self._lock:
            self.faults.clear()

    def pick(self, method: str, path: str) -> tuple[float, Fault | None]:
        """(latency to add, the one other fault to apply) for this request."""
        latency = 0.0
        chosen = None
        write = is_write(method, path)
        with self._lock:
            for fault in self.faults:
                if fault.spent or not fault.matches(method, path):
                    continue
                if fault.on_write is not None:
                    if not write:
                        continue
                    fault.writes_seen += 1
                    if fault.writes_seen != fault.on_write:
                        continue
                if fault.kind == "latency":
                    fault.hits += 1
                    latency += fault.seconds
                elif chosen is None:
                    fault.hits += 1
                    chosen = fault
        return latency, chosen
