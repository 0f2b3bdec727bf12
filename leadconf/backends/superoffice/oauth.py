"""`leadconf login`: the OAuth 2 authorization-code flow with PKCE, and the saved login it leaves.

The flow (RFC 6749 4.1, RFC 7636 S256, RFC 8252 loopback redirect):

1. A one-shot HTTP listener on 127.0.0.1 (an ephemeral port unless --port) is the redirect_uri:
   http://127.0.0.1:PORT/callback.
2. The browser is sent to {login root}/login/common/oauth/authorize with client_id, scope=openid,
   response_type=code, redirect_uri, a random `state`, code_challenge = BASE64URL(SHA256(verifier))
   with code_challenge_method=S256 (and acr_values=tenant:CustNNNNN when the target names one).
3. The listener takes the first request to /callback: its `state` must equal ours (else refused:
   a forged or stale redirect), it must carry a `code` (or the login service's `error`). Waiting is
   bounded (default 5 minutes).
4. The code is exchanged at {login root}/login/common/oauth/tokens (grant_type=authorization_code,
   code_verifier, client_id, and client_secret only when SUPEROFFICE_CLIENT_SECRET is set). The
   id_token's tenant claim is checked against the target's CustNNNNN; the refresh token is saved
   (credstore.py) with the client id and the token endpoint that issued it.

The login root: LEADCONF_SUPEROFFICE_LOGIN_URL when set (tests point it at the emulator), else for an
Online target https://{env}.superoffice.com (or LEADCONF_SUPEROFFICE_STATE_URL, like discovery), for
a URL target on a numbered SuperOffice host (https://sod2.superoffice.com/Cust1) the un-numbered one
(https://sod.superoffice.com: SuperOffice says numbered hosts are for API data only), else the URL's
origin.

Later runs (`SavedLoginCredentials`, used by auth.credentials_from_env when no SUPEROFFICE_*
credentials are set): the refresh-token grant at the saved token endpoint gives a Bearer access
token, kept in memory for the run, renewed when its expires_in has passed or once after a 401; a
rotated refresh token is saved back where the old one was.

Every secret (code, verifier, tokens, client secret) is registered with redact.py the moment it
exists. Nothing here prints: the CLI gets the authorize URL through a callback.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import socketserver
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from leadconf.backends.superoffice import credstore, redact
from leadconf.backends.superoffice.auth import TOKENS_PATH, Credentials, _RenewingCredentials
from leadconf.backends.superoffice.target import Target, _check_url
from leadconf.errors import AuthError, RemoteError, TargetError

log = logging.getLogger("leadconf.superoffice")

ENV_LOGIN_URL = "LEADCONF_SUPEROFFICE_LOGIN_URL"
AUTHORIZE_PATH = "/login/common/oauth/authorize"
CALLBACK_PATH = "/callback"
DEFAULT_TIMEOUT = 300.0  # seconds to wait for the browser
SCOPE = "openid"  # the only scope SuperOffice has
CTX_CLAIM = "http://schemes.superoffice.net/identity/ctx"
# Renew a little before the access token's expires_in, so that a request does not race its expiry.
EXPIRY_MARGIN = 60.0

_NUMBERED_HOST = re.compile(r"^(online|sod|stage|qaonline)\d+\.superoffice\.com$", re.IGNORECASE)


def store_key(target: Target) -> str:
    """The name a target's login is saved under: its description (superoffice:online/Cust12345)."""
    return target.description


def login_root(target: Target, environ) -> str:
    custom = environ.get(ENV_LOGIN_URL, "").strip().rstrip("/")
    if custom:
        parts = _check_url(custom, ENV_LOGIN_URL, environ)
        if parts.query or parts.fragment:
            raise TargetError(f"{ENV_LOGIN_URL}: a base URL takes no query or fragment")
        return custom
    if target.kind == "online":
        return target.root
    parts = urlsplit(target.url)
    m = _NUMBERED_HOST.match(parts.hostname or "")
    if m and parts.scheme == "https":
        return f"https://{m.group(1).lower()}.superoffice.com"
    return target.root


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge): 86 unreserved characters, and BASE64URL(SHA256) of them."""
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")
    redact.register(verifier)
    return verifier, challenge


# -- the local listener -----------------------------------------------------------------------------

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>leadconf login</title></head>
<body style="font-family: sans-serif; margin: 3em"><h1>{title}</h1><p>{text}</p></body></html>
"""


class _Outcome:
    def __init__(self, code=None, error=None):
        self.code = code
        self.error = error


class _Handler(BaseHTTPRequestHandler):
    timeout = 10  # a connection that sends nothing does not hold the listener
    server_version = "leadconf-login"
    sys_version = ""

    def log_message(self, format, *args):  # never: the query holds the authorization code
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self._page(404, "Not found", "This is leadconf's sign-in listener; it only answers the login redirect.")
            return
        outcome = self.server.judge(parse_qs(parts.query, keep_blank_values=True))
        try:
            if outcome.code is not None:
                self._page(200, "Signed in", "leadconf received the sign-in. You can close this tab and return to the terminal.")
            else:
                text = outcome.error[:1].upper() + outcome.error[1:]
                self._page(400, "Sign-in failed", _html_escape(text) + ". Return to the terminal.")
        finally:
            self.server.deliver(outcome)  # after the page: the command may end as soon as it knows

    def _page(self, status, title, text):
        body = _PAGE.format(title=title, text=text).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


def _printable(text: str, limit: int = 200) -> str:
    """Text from the redirect's query, safe to show in a terminal: no control characters, bounded."""
    return "".join(c for c in text if c.isprintable())[:limit]


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class _CallbackServer(socketserver.ThreadingMixIn, HTTPServer):
    # A thread per connection: a browser's idle pre-connection must not hold up the real request.
    daemon_threads = True
    # POSIX: rebinding a fixed --port right after the last login (TIME_WAIT) must work. Windows:
    # SO_REUSEADDR would let another program bind the same port, so not there.
    allow_reuse_address = os.name != "nt"
    timeout = 0.05  # handle_request() returns this often, so that the deadline and the outcome are checked

    def server_bind(self):
        # HTTPServer.server_bind looks the host name up (socket.getfqdn), which can stall on DNS
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):  # a broken connection is not worth a traceback
        pass


class CallbackListener:
    """The one-shot redirect target: http://127.0.0.1:PORT/callback."""

    def __init__(self, state: str, port: int = 0):
        self._state = state
        self.outcome: _Outcome | None = None
        self._delivered = threading.Lock()
        try:
            self._server = _CallbackServer(("127.0.0.1", port), _Handler)
        except OSError as exc:
            raise TargetError(f"cannot listen on 127.0.0.1:{port} for the sign-in redirect ({exc.strerror or exc}); "
                              "choose another --port") from None
        self._server.judge = self._judge
        self._server.deliver = self._deliver

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    def _judge(self, query: dict) -> _Outcome:
        def one(name):
            values = query.get(name) or []
            return values[0] if len(values) == 1 else None

        state = one("state")
        code = one("code")
        redact.register(code)
        if state is None or not hmac.compare_digest(state.encode(), self._state.encode()):
            return _Outcome(error="the sign-in answer does not belong to the login waiting here "
                                  "(its state does not match): refused")
        if one("error") is not None:
            detail = _printable(one("error_description") or "")
            return _Outcome(error=f"the login service refused the sign-in: {_printable(one('error'))}"
                                  + (f" ({detail})" if detail else ""))
        if not code:
            return _Outcome(error="the sign-in answer has no authorization code")
        return _Outcome(code=code)

    def _deliver(self, outcome: _Outcome) -> None:
        with self._delivered:
            if self.outcome is None:  # the first answer counts; the listener closes after it
                self.outcome = outcome

    def wait(self, timeout: float, clock=time.monotonic) -> str:
        """The authorization code; AuthError for a refused, failed or missing answer."""
        deadline = clock() + timeout
        while self.outcome is None:
            if clock() >= deadline:
                raise AuthError(
                    f"no sign-in within {timeout:g} s: the browser never came back to {self.redirect_uri}; "
                    "run `leadconf login` again (--timeout to wait longer)"
                )
            self._server.handle_request()
        if self.outcome.code is None:
            raise AuthError(redact.redact(self.outcome.error) + "; run `leadconf login` again")
        return self.outcome.code

    def close(self):
        self._server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# -- the token endpoint -----------------------------------------------------------------------------


def _oauth_error(exc: RemoteError) -> tuple[str, str]:
    """(error, error_description) of an OAuth error answer, from the client's error text."""
    text = exc.message or ""
    error = re.search(r'"error"\s*:\s*"([^"\\]{1,80})"', text)
    description = re.search(r'"error_description"\s*:\s*"([^"\\]{1,200})"', text)
    return (error.group(1) if error else "", description.group(1) if description else "")


def _describe(exc: RemoteError) -> str:
    error, description = _oauth_error(exc)
    if error and description:
        return f"{error}: {description}"
    return error or description or f"HTTP {exc.status}"


def _token_request(http, token_url: str, form: dict, what: str) -> dict:
    """POST the form; the decoded answer. RemoteError (status 400/401) when the grant is refused."""
    answer = http.post_json(token_url, data=form, what=what)
    if not isinstance(answer, dict):
        raise AuthError(f"{what}: the login service's answer is not a JSON object", method="POST", path=TOKENS_PATH)
    for name in ("access_token", "refresh_token", "id_token"):
        redact.register(answer.get(name) if isinstance(answer.get(name), str) else None)
    return answer


def _claims(id_token) -> dict:
    """The id_token's payload, unverified: it came straight from the token endpoint over the same
    connection as the tokens (OIDC Core 3.1.3.7), and it is only used to catch a wrong tenant."""
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return {}
    payload = id_token.split(".")[1]
    try:
        doc = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _open_client(target: Target, environ, transport=None):
    from leadconf.backends.superoffice import client as client_mod
    from leadconf.backends.superoffice.ratelimit import rate_from

    return client_mod.ApiClient(target, Credentials(), transport=transport, rate_limit=rate_from(None, environ),
                                max_attempts=3, environ=environ)


# -- leadconf login ---------------------------------------------------------------------------------


@dataclass
class LoginResult:
    key: str  # the target, as saved
    where: str  # "the system keyring" or the file's path
    context: str  # the tenant the id_token names ("" when it names none)


def authorize_url(root: str, client_id: str, redirect_uri: str, state: str, challenge: str, tenant: str = "") -> str:
    params = {
        "client_id": client_id,
        "scope": SCOPE,
        "response_type": "code",
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if tenant:
        params["acr_values"] = f"tenant:{tenant}"
    return f"{root}{AUTHORIZE_PATH}?{urlencode(params)}"


def login(
    target: Target,
    client_id: str,
    *,
    client_secret: str | None = None,
    port: int = 0,
    timeout: float = DEFAULT_TIMEOUT,
    open_browser=None,
    on_url=None,
    environ=None,
    clock=time.monotonic,
    transport=None,
) -> LoginResult:
    """The whole flow; saves the refresh token. `open_browser(url) -> bool` (None: don't);
    `on_url(url, opened)` is told the authorize URL once the listener is up."""
    environ = os.environ if environ is None else environ
    redact.register(client_secret)
    root = login_root(target, environ)
    token_url = root + TOKENS_PATH
    key = store_key(target)
    state = secrets.token_urlsafe(32)
    verifier, challenge = pkce_pair()
    with CallbackListener(state, port) as listener:
        url = authorize_url(root, client_id, listener.redirect_uri, state, challenge, target.cust)
        opened = False
        if open_browser is not None:
            try:
                opened = bool(open_browser(url))
            except Exception:  # no browser here: the URL is shown instead
                opened = False
        if on_url is not None:
            on_url(url, opened)
        code = listener.wait(timeout, clock)
        redirect_uri = listener.redirect_uri
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    if client_secret:
        form["client_secret"] = client_secret
    http = _open_client(target, environ, transport)
    try:
        answer = _token_request(http, token_url, form, "the authorization-code exchange")
    except RemoteError as exc:
        if exc.status in (400, 401):
            raise AuthError(
                f"the login service refused the authorization code ({_describe(exc)}); "
                + ("check SUPEROFFICE_CLIENT_SECRET and the client id; " if "client" in _describe(exc) else "")
                + "run `leadconf login` again",
                method="POST", path=exc.path, status=exc.status,
            ) from None
        raise
    finally:
        http.close()
    refresh = answer.get("refresh_token")
    if not isinstance(refresh, str) or not refresh:
        raise AuthError("the login service returned no refresh_token: is the app registered for the "
                        "authorization-code flow?", method="POST", path=TOKENS_PATH)
    context = _claims(answer.get("id_token")).get(CTX_CLAIM)
    context = context if isinstance(context, str) else ""
    if context and target.cust and context.lower() != target.cust.lower():
        raise AuthError(f"you signed in to tenant {context}, but the target is {key}: nothing was saved; "
                        f"run `leadconf login` again and pick {target.cust}, or use the target of {context}")
    where = credstore.save(key, credstore.SavedLogin(refresh, client_id, token_url), environ)
    return LoginResult(key=key, where=where, context=context)


def logout(target: Target, environ=None) -> list[str]:
    """Forget the target's saved login (keyring and file); where it was found."""
    return credstore.delete(store_key(target), environ)


# -- later runs: the saved login as credentials -----------------------------------------------------


class SavedLoginCredentials(_RenewingCredentials):
    """Bearer access tokens from the refresh token `leadconf login` saved."""

    kind = "saved login (leadconf login)"

    def __init__(self, key: str, saved: credstore.SavedLogin, where: str, *, client_secret=None, app_token=None,
                 environ=None, clock=time.monotonic):
        super().__init__(app_token)
        self._key = key
        self._saved = saved
        self._where = where
        self._client_secret = client_secret
        self._environ = os.environ if environ is None else environ
        self._clock = clock
        self._expires = float("inf")
        redact.register(saved.refresh_token, client_secret)

    def _auth_headers(self) -> dict:
        with self._lock:
            if self._value is not None and self._clock() >= self._expires:
                self._value = None  # expired by its own expires_in: get a new one before sending
        return super()._auth_headers()

    def _obtain(self, force: bool) -> str:
        form = {
            "grant_type": "refresh_token",
            "client_id": self._saved.client_id,
            "refresh_token": self._saved.refresh_token,
        }
        if self._client_secret:
            form["client_secret"] = self._client_secret
        try:
            answer = _token_request(self._http, self._saved.token_url, form, "token refresh (saved login)")
        except RemoteError as exc:
            if exc.status in (400, 401):
                error, _ = _oauth_error(exc)
                if error == "invalid_client":
                    why = (f"the login service does not accept client {self._saved.client_id!r} (invalid_client): "
                           "check SUPEROFFICE_CLIENT_SECRET (a confidential app needs it), or")
                else:
                    why = (f"the saved login for {self._key} is no longer accepted "
                           f"({error or 'HTTP ' + str(exc.status)}: the refresh token expired or was revoked):")
                raise AuthError(f"{why} run `leadconf login --target {self._key}` again",
                                method="POST", path=exc.path, status=exc.status) from None
            raise
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthError("the token refresh returned no access_token", method="POST", path=TOKENS_PATH)
        expires_in = answer.get("expires_in")
        if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool) and expires_in > 0:
            self._expires = self._clock() + max(0.0, float(expires_in) - EXPIRY_MARGIN)
        else:
            self._expires = float("inf")  # no lifetime given: renewed after a 401
        rotated = answer.get("refresh_token")
        if isinstance(rotated, str) and rotated and rotated != self._saved.refresh_token:
            self._rotate(rotated)
        return f"Bearer {token}"

    def _rotate(self, refresh: str) -> None:
        saved = credstore.SavedLogin(refresh, self._saved.client_id, self._saved.token_url)
        self._saved = saved
        try:
            credstore.save(self._key, saved, self._environ, where=self._where)
        except (TargetError, OSError) as exc:
            # The run goes on with the access token it has; the next one may need a new login.
            log.warning("could not save the renewed refresh token of %s (%s); if the next run is refused, "
                        "run `leadconf login --target %s` again", self._key, exc, self._key)


def saved_login_credentials(environ, target: Target, app_token=None) -> SavedLoginCredentials | None:
    """The credentials of the target's saved login, or None when there is none."""
    key = store_key(target)
    found = credstore.load(key, environ)
    if found is None:
        return None
    saved, where = found
    _check_url(saved.token_url, f"the saved login of {key} (token_url)", environ)
    client_secret = environ.get("SUPEROFFICE_CLIENT_SECRET") or None
    return SavedLoginCredentials(key, saved, where, client_secret=client_secret, app_token=app_token, environ=environ)
