"""Which tenant a target names, where its API is right now, and where its logins go.

    superoffice:online/Cust12345     SuperOffice Online (also sod/... and qaonline/...; stage/... is
                                     an alias of qaonline/...): the API host is found through
                                     https://{env}.superoffice.com/api/state/{CustId} and found again
                                     when ValidUntil passes or a request gets 421
    superoffice:https://host/app     an onsite install or any base URL: the API is at URL/api/v1

The environments and their hosts are SuperOffice's (developer-portal/getting-started/app-envir.md,
api/authentication/online/api.md): sod (development), qaonline (stage), online (production). The
un-numbered host is for authentication only; numbered ones (sod2, online3) serve API data only.

LEADCONF_SUPEROFFICE_STATE_URL replaces https://{env}.superoffice.com (state, login, jwks and the
OAuth endpoints alike), so that tests can point discovery at the emulator; LEADCONF_SUPEROFFICE_LOGIN_URL
replaces the login root alone, for any target.
"""

from __future__ import annotations

import ipaddress
import os
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from leadconf.errors import TargetError

# environment name -> its documented root (app-envir.md "Base URL"; api.md "Environment-specific sub-domains")
ENVIRONMENTS = {
    "sod": "https://sod.superoffice.com",
    "qaonline": "https://qaonline.superoffice.com",
    "online": "https://online.superoffice.com",
}
# Older names still met in scripts and older pages: accepted, with a note naming the current one.
ALIASES = {"stage": "qaonline"}
ENV_STATE_URL = "LEADCONF_SUPEROFFICE_STATE_URL"
ENV_LOGIN_URL = "LEADCONF_SUPEROFFICE_LOGIN_URL"
ENV_ALLOW_HTTP = "LEADCONF_ALLOW_INSECURE_HTTP"
_EXPECTED = "expected superoffice:online/CustNNNNN (or sod/, qaonline/) or superoffice:https://host/path"
# A SuperOffice Online host of a known environment, numbered (API data) or not (authentication).
_ONLINE_HOST = re.compile(r"^(?P<env>sod|qaonline|online)\d*\.superoffice\.com$", re.IGNORECASE)

_ONLINE = re.compile(r"^(?P<env>[a-z]+)/(?P<cust>Cust\d+)/?$", re.IGNORECASE)
_CUST = re.compile(r"^Cust\d+$", re.IGNORECASE)

# States in which the tenant answers (api/state: IsRunning is true only for these).
RUNNING_STATES = ("Running", "OnlineMaintenance")


@dataclass(frozen=True)
class Target:
    kind: str  # "online" or "url"
    env: str = ""  # online, sod, qaonline
    cust: str = ""  # Cust12345 (for a URL: its last path segment when it looks like one)
    url: str = ""  # the base URL of a "url" target, without a trailing slash
    root: str = ""  # where state, login and jwks live: https://{env}.superoffice.com, or the URL's origin
    custom_root: bool = False  # root came from LEADCONF_SUPEROFFICE_STATE_URL
    note: str = ""  # for the user: the target was given by an older name (stage/)

    @property
    def description(self) -> str:
        # For Online the stable name, not the current (load-balanced) host: a plan made against
        # sod2 must still apply when the tenant has moved to sod3.
        if self.kind == "online":
            return f"superoffice:{self.env}/{self.cust}"
        return f"superoffice:{self.url}"


def parse_target(rest: str, environ=None) -> Target:
    environ = os.environ if environ is None else environ
    rest = (rest or "").strip()
    if rest.lower().startswith(("http://", "https://")):
        return _parse_url(rest, environ)
    m = _ONLINE.match(rest)
    if not m:
        raise TargetError(f"target superoffice:{rest}: {_EXPECTED}")
    env, note = _environment(m.group("env").lower(), rest)
    cust = "Cust" + m.group("cust")[4:]
    custom = environ.get(ENV_STATE_URL, "").strip().rstrip("/")
    if custom:
        check_url(custom, ENV_STATE_URL, environ)
    root = custom or ENVIRONMENTS[env]
    return Target(kind="online", env=env, cust=cust, root=root, custom_root=bool(custom), note=note)


def _environment(name: str, rest: str) -> tuple[str, str]:
    """(the documented environment name, a note when `name` is an older alias of it)."""
    if name in ALIASES:
        current = ALIASES[name]
        return current, (f"note: {name}/ is an older name of SuperOffice's Stage environment; its documented name "
                         f"is {current}/ (https://{current}.superoffice.com): using superoffice:{current}/...")
    if name not in ENVIRONMENTS:
        known = ", ".join(ENVIRONMENTS)
        raise TargetError(f"target superoffice:{rest}: unknown environment {name!r} ({known}; stage is an alias of qaonline)")
    return name, ""


def login_root(target: Target, environ=None) -> str:
    """Where every login request of the target goes (OAuth, system user, jwks, metadata).

    LEADCONF_SUPEROFFICE_LOGIN_URL when set; an Online target's un-numbered environment host (or
    LEADCONF_SUPEROFFICE_STATE_URL); for a URL on a SuperOffice host, the un-numbered host of its
    environment ("DO NOT USE numbered sub-domains for authentication", api.md); else (onsite, the
    emulator) the URL's origin.
    """
    environ = os.environ if environ is None else environ
    custom = environ.get(ENV_LOGIN_URL, "").strip().rstrip("/")
    if custom:
        parts = check_url(custom, ENV_LOGIN_URL, environ)
        if parts.query or parts.fragment:
            raise TargetError(f"{ENV_LOGIN_URL}: a base URL takes no query or fragment")
        return custom
    if target.kind == "online":
        return target.root
    host = (urlsplit(target.url).hostname or "").lower()
    m = _ONLINE_HOST.match(host)
    if m:
        return ENVIRONMENTS[m.group("env").lower()]
    if host == "superoffice.com" or host.endswith(".superoffice.com"):
        raise TargetError(
            f"target {target.description}: cannot tell which SuperOffice environment {host} belongs to, so "
            f"not where to log in (only sod, qaonline and online hosts sign in); use "
            f"superoffice:online/{target.cust or 'CustNNNNN'} (or sod/, qaonline/) instead"
        )
    return target.root


def _parse_url(rest: str, environ) -> Target:
    url = rest.rstrip("/")
    parts = check_url(url, f"target superoffice:{rest}", environ)
    if parts.query or parts.fragment:
        raise TargetError(f"target superoffice:{rest}: a base URL takes no query or fragment")
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    cust = last if _CUST.match(last) else ""
    return Target(kind="url", url=url, cust=cust, root=f"{parts.scheme}://{parts.netloc}")


def check_url(url: str, what: str, environ):
    """The parts of an http(s) URL that may carry credentials: https, or http to a loopback host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(f"{what}: not an http(s) URL")
    if parts.username or parts.password:
        # credentials come from the environment only, never from a target string
        raise TargetError(f"{what}: a URL must not contain credentials; set SUPEROFFICE_USERNAME/PASSWORD instead")
    if parts.scheme == "http" and not _is_loopback(parts.hostname) and environ.get(ENV_ALLOW_HTTP) != "1":
        raise TargetError(
            f"{what}: plain http would send credentials in clear text; use https "
            f"(or set {ENV_ALLOW_HTTP}=1 for a trusted network)"
        )
    return parts


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Locator:
    """The tenant's API base URL, discovered (Online) or fixed (a URL target).

    `fetch_state(url)` does the unauthenticated GET of the state document; `clock` is monotonic
    and `utcnow` the wall clock, both injectable for tests.
    """

    def __init__(self, target: Target, fetch_state, clock, utcnow=None):
        self.target = target
        self._fetch_state = fetch_state
        self._clock = clock
        self._utcnow = utcnow or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()
        self._base: str | None = None
        self._deadline = 0.0
        if target.kind == "url":
            self._base = target.url + "/api/v1"
            self._deadline = float("inf")

    def api_base(self) -> str:
        with self._lock:
            if self._base is None or self._clock() >= self._deadline:
                self._discover()
            assert self._base is not None  # set by _discover, or it raised
            return self._base

    def invalidate(self) -> bool:
        """Forget the discovered host (after a 421). False when there is nothing to re-discover."""
        if self.target.kind != "online":
            return False
        with self._lock:
            self._base = None
        return True

    def _discover(self):
        t = self.target
        state_url = f"{t.root}/api/state/{t.cust}"
        doc = self._fetch_state(state_url)
        if not isinstance(doc, dict):
            raise TargetError(f"{state_url}: the tenant state is not a JSON object")
        if not doc.get("IsRunning"):
            state = doc.get("State") or "Unknown"
            raise TargetError(f"tenant {t.cust} ({t.env}) is not running: its state is {state!r}; try again later")
        endpoint = doc.get("Endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            raise TargetError(f"{state_url}: the tenant state has no Endpoint")
        endpoint = endpoint.rstrip("/")
        self._check_endpoint(endpoint, state_url)
        self._base = endpoint + "/api/v1"
        self._deadline = self._clock() + _seconds_until(doc.get("ValidUntil"), self._utcnow())

    def _check_endpoint(self, endpoint: str, state_url: str):
        # Credentials go wherever the state document points: only to a SuperOffice https host,
        # unless the root itself was overridden (tests, a private cloud).
        parts = urlsplit(endpoint)
        if self.target.custom_root:
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise TargetError(f"{state_url}: Endpoint {endpoint!r} is not an http(s) URL")
            return
        host = (parts.hostname or "").lower()
        if parts.scheme != "https" or not (host == "superoffice.com" or host.endswith(".superoffice.com")):
            raise TargetError(f"{state_url}: refusing Endpoint {endpoint!r}: not an https superoffice.com host")


# Without a usable ValidUntil, look again after this long rather than trusting the host forever.
DEFAULT_STATE_TTL = 300.0


def _seconds_until(valid_until, now: datetime) -> float:
    if not isinstance(valid_until, str) or not valid_until:
        return DEFAULT_STATE_TTL
    text = valid_until.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # .NET writes 7 fractional digits; fromisoformat wants at most 6
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return DEFAULT_STATE_TTL
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())
