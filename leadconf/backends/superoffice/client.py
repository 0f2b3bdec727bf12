"""The HTTP client of one run: one httpx.Client, the rate limit, retries, errors, redacted logs.

Retry policy (tenacity, bounded, exponential backoff with jitter, Retry-After honoured):
- 429 and 503 mean the server did not take the request: retried for every method.
- 502, 504, timeouts and dropped connections leave the outcome unknown: retried only when the
  request is idempotent (GET, PUT, the agents' Get* calls, and saves of an existing entity, which
  set the whole entity). For a create, the error is raised with extra["outcome"] == "unknown" and
  the backend re-reads to find out whether the item exists before trying again.
- connection refused/timed out before sending: nothing reached the server, always retried.
- 401: with renewable credentials (system user, refresh token) the login is redone once.
- 421 Misdirected Request (Online): the tenant moved; re-discover its host and retry at once.
- a Retry-After longer than `max_retry_after` is not waited out: the error is raised at once,
  rather than retrying earlier than the server asked.
Redirects are never followed: a 3xx is an error naming the other host, so credentials cannot
leave for it.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import ssl
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx
import tenacity

from leadconf import __version__
from leadconf.backends.superoffice import redact
from leadconf.backends.superoffice.ratelimit import RateLimiter
from leadconf.backends.superoffice.target import Locator, Target
from leadconf.errors import AuthError, RemoteError, TargetError, TransportError

log = logging.getLogger("leadconf.http")

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=10.0)
DEFAULT_ATTEMPTS = 5
DEFAULT_MAX_RETRY_AFTER = 60.0  # seconds
DEFAULT_MAX_BODY = 32 * 1024 * 1024  # bytes, after decompression
BACKOFF_BASE = 0.5  # seconds; doubles per attempt
BACKOFF_MAX = 8.0

ENV_CA_BUNDLE = "SUPEROFFICE_CA_BUNDLE"

BASE_HEADERS = {
    "Accept": "application/json",
    # No translation: multi-language names (NO:"...";US:"...") come back raw and round-trip.
    "SO-Language": "x",
    "User-Agent": f"leadconf/{__version__}",
}

MISSING = object()  # what call(..., missing_ok=True) returns for a 404

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Exceptions raised before the request left: nothing can have happened on the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class _Retry(Exception):
    """Raised inside an attempt to ask tenacity for another one."""

    def __init__(self, error: RemoteError, retry_after: float | None = None, immediate: bool = False):
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after
        self.immediate = immediate


class ApiClient:
    def __init__(
        self,
        target: Target,
        credentials,
        *,
        transport=None,
        timeout=None,
        rate_limit: float | None = 10.0,
        max_attempts: int = DEFAULT_ATTEMPTS,
        max_retry_after: float = DEFAULT_MAX_RETRY_AFTER,
        max_body: int = DEFAULT_MAX_BODY,
        clock=time.monotonic,
        sleep=time.sleep,
        utcnow=None,
        environ=None,
        jitter=random.random,
    ):
        environ = os.environ if environ is None else environ
        redact.install_log_filter()
        self.target = target
        self._credentials = credentials
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter
        self.max_attempts = max(1, int(max_attempts))
        self.max_retry_after = float(max_retry_after)
        self.max_body = int(max_body)
        if timeout is None:
            timeout = DEFAULT_TIMEOUT
        elif not isinstance(timeout, httpx.Timeout):
            timeout = httpx.Timeout(float(timeout))
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            verify=_tls_verify(environ),
            follow_redirects=False,
            headers=BASE_HEADERS,
        )
        self.limiter = RateLimiter(rate_limit, clock=clock, sleep=sleep)
        self.locator = Locator(target, self._fetch_state, clock, utcnow)
        credentials.bind(self)

    def __repr__(self) -> str:
        return f"<ApiClient {self.target.description} {self._credentials!r}>"

    def close(self):
        self._http.close()

    # -- the API --------------------------------------------------------------------------------

    def call(self, method, path, *, params=None, json=None, item="", idempotent=None, missing_ok=False):
        """One API call (path relative to .../api/v1). Returns the decoded JSON (None for an empty
        body), or MISSING for a 404 when missing_ok."""
        if idempotent is None:
            idempotent = method in _SAFE_METHODS
        return self._execute(method, path, params=params, json=json, item=item, idempotent=idempotent,
                             api=True, missing_ok=missing_ok)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, **kw):
        return self.call("POST", path, **kw)

    def put(self, path, **kw):
        return self.call("PUT", path, **kw)

    # -- unauthenticated calls: discovery and login ---------------------------------------------

    def get_json(self, url, what=""):
        return self._execute("GET", url, item=what, idempotent=True, api=False)

    def post_json(self, url, json=None, data=None, what=""):
        # The login exchanges change nothing on the server; a retry just logs in again.
        return self._execute("POST", url, json=json, data=data, item=what, idempotent=True, api=False)

    def _fetch_state(self, url):
        return self.get_json(url, what=f"the state of tenant {self.target.cust}")

    # -- one call, with its retries -------------------------------------------------------------

    def _execute(self, method, path, *, params=None, json=None, data=None, item="", idempotent=True, api=True, missing_ok=False):
        ctx = {"renewed": False, "rediscovered": False}

        def attempt():
            return self._attempt(method, path, params, json, data, item, idempotent, api, missing_ok, ctx)

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(_Retry),
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _Retry as exc:
            raise _amend(exc.error, f"(gave up after {self.max_attempts} attempts)") from None

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _Retry):
            if exc.immediate:
                return 0.0
            if exc.retry_after is not None:
                return exc.retry_after
        backoff = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (state.attempt_number - 1))
        return backoff / 2 + self._jitter() * backoff / 2  # "equal jitter": never less than half

    def _log_retry(self, state: tenacity.RetryCallState):
        exc = state.outcome.exception() if state.outcome is not None else None
        log.info("retrying (attempt %d of %d) after: %s", state.attempt_number + 1, self.max_attempts, exc)

    def _attempt(self, method, path, params, body, data, item, idempotent, api, missing_ok, ctx):
        url = self.locator.api_base() + path if api else path
        shown = _shown_path(url)
        headers = self._credentials.headers() if api else {}
        _check_headers(headers, method, shown, item)
        self.limiter.acquire()
        start = self._clock()
        request = self._http.build_request(method, url, params=params, json=body, data=data, headers=headers)
        try:
            response = self._http.send(request, stream=True)
            try:
                raw = self._read_body(response, method, shown, item)
            finally:
                response.close()
        except httpx.HTTPError as exc:
            ms = (self._clock() - start) * 1000
            log.debug("%s %s -> %s (%.0f ms)", method, shown, type(exc).__name__, ms)
            raise self._transport_failure(exc, method, shown, item, idempotent) from None
        ms = (self._clock() - start) * 1000
        status = response.status_code
        log.debug("%s %s -> %d (%.0f ms)", method, shown, status, ms)
        if 200 <= status < 300:
            return _decode_json(raw, response.headers, method, shown, item, status)
        if 300 <= status < 400:
            raise RemoteError(_redirect_message(response.headers.get("location"), url),
                              method=method, path=shown, status=status, item=item)
        if status == 401 and api:
            if self._credentials.renewable and not ctx["renewed"]:
                ctx["renewed"] = True
                self._credentials.renew(headers)
                raise _Retry(_error(status, response.headers, raw, method, shown, item), immediate=True)
            err = _error(status, response.headers, raw, method, shown, item)
            raise _amend(err, f"(credentials: {self._credentials.kind}; check the SUPEROFFICE_* variables)")
        if status == 404 and missing_ok:
            return MISSING
        if status == 421 and api and not ctx["rediscovered"] and self.locator.invalidate():
            ctx["rediscovered"] = True
            raise _Retry(_error(status, response.headers, raw, method, shown, item), immediate=True)
        err = _error(status, response.headers, raw, method, shown, item)
        if status in (429, 503):
            wait = _retry_after(response.headers.get("retry-after"))
            if wait is not None and wait > self.max_retry_after:
                raise _amend(err, f"(the server asks to wait {wait:.0f} s, more than the "
                                  f"{self.max_retry_after:.0f} s leadconf waits)")
            raise _Retry(err, retry_after=wait)
        if status in (502, 504):
            if idempotent:
                raise _Retry(err)
            err.extra["outcome"] = "unknown"
        raise err

    def _transport_failure(self, exc, method, shown, item, idempotent):
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
        detail = redact.redact(exc)
        message = f"{kind}: {type(exc).__name__}" + (f" ({detail})" if detail and detail != kind else "")
        err = TransportError(message, method=method, path=shown, item=item)
        if isinstance(exc, _NOT_SENT) or idempotent:
            return _Retry(err)
        err.extra["outcome"] = "unknown"  # the request may or may not have been carried out
        return err

    def _read_body(self, response, method, shown, item) -> bytes:
        limit = self.max_body
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise RemoteError(f"the answer is too large ({int(declared)} bytes, limit {limit})",
                              method=method, path=shown, status=response.status_code, item=item)
        buf = bytearray()
        for chunk in response.iter_bytes():
            buf += chunk
            if len(buf) > limit:
                raise RemoteError(f"the answer is too large (more than {limit} bytes)",
                                  method=method, path=shown, status=response.status_code, item=item)
        return bytes(buf)


# -- helpers ------------------------------------------------------------------------------------


def _check_headers(headers: dict, method: str, shown: str, item: str) -> None:
    """A credential that HTTP cannot carry (a line break, a control or a non-ASCII character) is
    an error naming the header, never the value, before anything tries to encode it."""
    for name, value in headers.items():
        if not all(" " <= ch <= "~" or ch == "\t" for ch in str(value)):
            raise AuthError(
                f"the {name} header cannot be sent: the credential holds a line break, a control character "
                "or a non-ASCII character (check the SUPEROFFICE_* variables for a pasted newline or quote)",
                method=method, path=shown, item=item)


def _amend(err: RemoteError, note: str) -> RemoteError:
    err.message = f"{err.message} {note}"
    err.args = (str(err),)
    return err


def _tls_verify(environ):
    """TLS verification is always on; only the CA bundle can change (onsite installs)."""
    for name in (ENV_CA_BUNDLE, "SSL_CERT_FILE"):
        path = environ.get(name)
        if path:
            if not os.path.isfile(path):
                raise TargetError(f"{name}={path!r}: no such CA bundle file")
            try:
                return ssl.create_default_context(cafile=path)
            except (ssl.SSLError, OSError, ValueError) as exc:
                raise TargetError(f"{name}={path!r}: not a CA bundle (expected PEM certificates; "
                                  f"{getattr(exc, 'reason', None) or exc.__class__.__name__})") from None
    return True


def _shown_path(url: str) -> str:
    """The path of a URL, for logs and errors: no host, no query (so no query secrets)."""
    return redact.redact(httpx.URL(url).path)


def _retry_after(value) -> float | None:
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _redirect_message(location, url) -> str:
    try:
        target = httpx.URL(url).join(location) if location else None
    except Exception:  # an unparsable Location is still a refused redirect
        target = None
    host = target.host if target is not None else "an unknown location"
    return (f"the server redirected to {host}; leadconf does not follow redirects "
            "(credentials are never sent to another host): check the target URL")


def _html_title(text: str) -> str:
    m = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    title = re.sub(r"\s+", " ", m.group(1)).strip() if m else ""
    return redact.cut(title, 120)


def _looks_html(raw: bytes, headers) -> bool:
    ctype = headers.get("content-type", "").lower()
    return "html" in ctype or raw.lstrip()[:1] == b"<"


def _decode_json(raw: bytes, headers, method, shown, item, status):
    if not raw.strip():
        return None
    if _looks_html(raw, headers):
        title = _html_title(raw.decode("utf-8", "replace"))
        raise RemoteError(f"expected JSON, got an HTML page{f' ({title!r})' if title else ''}: a proxy or a login page?",
                          method=method, path=shown, status=status, item=item)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise RemoteError(f"the answer is not valid JSON{where}", method=method, path=shown, status=status, item=item) from None


def _error(status, headers, raw, method, shown, item) -> RemoteError:
    """SuperOffice's error body {Error, ErrorType, ErrorMessage, ErrorSource} -> a RemoteError."""
    cls = AuthError if status in (401, 403) else RemoteError
    etype = ""
    text = redact.redact(raw.decode("utf-8", "replace"))  # masked before anything is cut
    if not raw.strip():
        message = "no error details in the answer"
    elif _looks_html(raw, headers):
        title = _html_title(text)
        message = f"an HTML error page{f' ({title!r})' if title else ''} instead of a SuperOffice error"
    else:
        try:
            body = json.loads(text)
        except (ValueError, RecursionError):
            body = None
        if isinstance(body, dict) and ("ErrorMessage" in body or "ErrorType" in body or "Error" in body):
            message = str(body.get("ErrorMessage") or body.get("Message") or "the server reported an error")
            etype = str(body.get("ErrorType") or "")
        elif isinstance(body, dict) and "Message" in body:
            message = str(body["Message"])
        else:
            snippet = re.sub(r"\s+", " ", text).strip()[:200]
            message = f"an answer that is not a SuperOffice error body: {snippet!r}"
    if status == 401:
        message = f"not authenticated: {message}"
    elif status == 403:
        message = f"not allowed: {message}"
    return cls(redact.cut(message, 1000), method=method, path=shown, status=status,
               error_type=redact.cut(etype, 200), item=item)
