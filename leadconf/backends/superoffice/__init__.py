"""The SuperOffice Web API backend: `open_superoffice("online/Cust12345")` or `open_superoffice(URL)`.

Modules: target (target strings, tenant discovery), auth (credentials from the environment),
client (one httpx.Client: rate limit, retries, errors, redacted logs), backend (the contract),
quirks (every undocumented behaviour, in one place), redact, ratelimit, lock.

httpx and tenacity are imported only when a target is opened, so `leadconf --help` stays fast.
"""

from __future__ import annotations

import logging
import os

__all__ = ["open_superoffice"]


def open_superoffice(
    rest: str,
    *,
    transport=None,
    rate_limit=None,
    timeout=None,
    max_attempts=None,
    max_retry_after=None,
    max_body=None,
    clock=None,
    sleep=None,
    token_provider=None,
    workers=None,
    environ=None,
):
    """Open `superoffice:<rest>`. Credentials come from the environment (auth.py).

    transport      an httpx transport (httpx.MockTransport in tests)
    rate_limit     requests per second (default $LEADCONF_RATE_LIMIT, else 10; 0 = no limit)
    timeout        seconds, or an httpx.Timeout (default: connect 10, read/write 60)
    max_attempts   tries per request, retries included (default 5)
    max_retry_after  the longest Retry-After leadconf waits out (default 60 s)
    max_body       the largest answer accepted, in bytes (default 32 MiB)
    clock, sleep   monotonic clock and sleep, injectable for tests
    token_provider f(force_refresh: bool) -> access token, for `leadconf login`
    workers        concurrent per-category reads (default 4)
    environ        the environment to read (default os.environ)
    """
    import time

    from leadconf.backends.superoffice import client as client_mod
    from leadconf.backends.superoffice.auth import credentials_from_env
    from leadconf.backends.superoffice.backend import DEFAULT_WORKERS, SuperOfficeBackend
    from leadconf.backends.superoffice.ratelimit import rate_from
    from leadconf.backends.superoffice.target import parse_target

    environ = os.environ if environ is None else environ
    target = parse_target(rest, environ)
    if target.note:  # stage/ -> qaonline/: the CLI shows warnings (the last-resort handler without -v)
        logging.getLogger("leadconf.superoffice").warning("%s", target.note)
    credentials = credentials_from_env(environ, target, token_provider)
    client = client_mod.ApiClient(
        target,
        credentials,
        transport=transport,
        timeout=timeout,
        rate_limit=rate_from(rate_limit, environ),
        max_attempts=max_attempts or client_mod.DEFAULT_ATTEMPTS,
        max_retry_after=client_mod.DEFAULT_MAX_RETRY_AFTER if max_retry_after is None else max_retry_after,
        max_body=max_body or client_mod.DEFAULT_MAX_BODY,
        clock=time.monotonic if clock is None else clock,
        sleep=time.sleep if sleep is None else sleep,
        environ=environ,
    )
    return SuperOfficeBackend(target, client, workers=workers or DEFAULT_WORKERS, environ=environ)
