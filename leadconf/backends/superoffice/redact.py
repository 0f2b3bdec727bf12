"""The one place that knows what a secret is, so that no log line or error ever carries one.

Every credential leadconf reads or obtains (ticket, app token, access and refresh tokens, the
password, the private key, the signed system token) is registered here the moment it exists.
`redact()` then masks it wherever it turns up: log records of the `leadconf.http` and
`leadconf.superoffice` loggers (through a logging filter), and the text of every error the client
raises (server messages are echoed back and could quote a header).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from urllib.parse import quote, quote_plus

MASK = "***"

# Headers that carry credentials; never logged with their values.
SECRET_HEADERS = frozenset({"authorization", "so-apptoken", "cookie", "set-cookie", "x-xsrf-token", "proxy-authorization"})

# Query parameters whose values are secrets by name (OAuth codes, tokens...); leadconf puts none in
# a URL itself, but a redirect Location or a server message might.
_SECRET_QUERY = re.compile(
    r"(?i)([?&;](?:[^=&;#\s]*(?:token|ticket|password|secret|code|key|assertion|signature)[^=&;#\s]*)=)[^&;#\s]*"
)

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern | None = None

# Values shorter than this are not masked: masking "1" or "x" would garble every message, and a
# credential that short is not worth protecting by substitution anyway.
_MIN_LEN = 4
# A fragment of a secret (between control or non-ASCII characters, a PEM line) is masked on its own
# only from this length: a short fragment ("line", "key") is a word that appears everywhere.
_MIN_FRAGMENT = 8


def register(*values: str | None) -> None:
    """Remember secret values so that redact() masks them from now on."""
    global _pattern
    added = False
    with _lock:
        for value in values:
            if not value or not isinstance(value, str):
                continue
            for part, shortest in _variants(value):
                if len(part) >= shortest and part not in _secrets:
                    _secrets.add(part)
                    added = True
        if added:
            # longest first, so that a secret containing another is masked whole
            ordered = sorted(_secrets, key=len, reverse=True)
            _pattern = re.compile("|".join(re.escape(s) for s in ordered))


# What splits a secret into fragments that are masked on their own: a control character or a
# non-ASCII one may be shown escaped, replaced or dropped by whoever quotes the secret.
_SPLIT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]|[^\x00-\x7f]")


def _variants(value: str):
    """(form, shortest length masked) of each form a secret takes when something quotes it: as is,
    trimmed, escaped by Python's repr (of the text or of its UTF-8 bytes: httpx's header errors),
    by JSON, by URL encoding, as UTF-8 read as Latin-1; and, for a secret with control or
    non-ASCII characters (or a PEM key), each fragment between them."""
    for form in (value, value.strip(), repr(value)[1:-1], repr(value.encode("utf-8", "surrogatepass"))[2:-1],
                 json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1], quote(value, safe=""),
                 quote_plus(value, safe=""), value.encode("utf-8", "surrogatepass").decode("latin-1")):
        yield form, _MIN_LEN
    for fragment in _SPLIT.split(value):
        fragment = fragment.strip()
        if not fragment.startswith("-----"):  # a PEM key's BEGIN/END lines are not secret
            yield fragment, _MIN_FRAGMENT


def redact(text, queries: bool = True) -> str:
    """`text` with every registered secret masked, and (`queries`) every secret-looking query
    value: off for what leadconf itself shows on purpose, such as the sign-in URL."""
    if text is None:
        return ""
    text = str(text)
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return _SECRET_QUERY.sub(lambda m: m.group(1) + MASK, text) if queries else text


def cut(text, limit: int) -> str:
    """`text` masked, then cut to `limit` characters: masking first, so that a cut never leaves
    the start of a secret behind."""
    return redact(text)[:limit]


def redact_headers(headers) -> dict:
    return {k: (MASK if k.lower() in SECRET_HEADERS else redact(v)) for k, v in dict(headers).items()}


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's final message (and in its exception text) before any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            import traceback

            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None
        return True


LOGGER_NAMES = ("leadconf.http", "leadconf.superoffice")
_installed = False


def install_log_filter() -> None:
    """Attach the filter to leadconf's HTTP loggers (once per process)."""
    global _installed
    with _lock:
        if _installed:
            return
        for name in LOGGER_NAMES:
            logging.getLogger(name).addFilter(RedactingFilter())
        _installed = True
