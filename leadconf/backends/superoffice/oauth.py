"""`leadconf login` and `leadconf logout`: SuperOffice's authorization-code flow with PKCE, the saved
login it leaves, and its revocation. Each step follows a page of SuperOffice's documentation
(docs/en/... in SuperOfficeDocs/superoffice-docs; the full list is in docs/superoffice-backend.md):

1. The OpenID metadata at {login root}/login/.well-known/openid-configuration names the issuer and
   the endpoints (api/authentication/online/api.md). Its issuer must be the login root, and every
   endpoint must be on the login root's host: tokens go nowhere else.
2. A one-shot listener on http://127.0.0.1:PORT (loopback.py) is the redirect URI, exactly as the
   Native app template registers it (developer-portal/create-app/native-app.md).
3. The browser goes to the authorization endpoint with client_id, scope=openid, response_type=code,
   redirect_uri, state, nonce, code_challenge (S256), response_mode=form_post (or query) and
   acr_values=tenant:CustNNNNN (sign-in-user/auth-code-flow.md, sign-in-user/native-apps.md).
4. The code is exchanged at the token endpoint (auth-code-flow.md), with client_secret only when
   SUPEROFFICE_CLIENT_SECRET is set: without one the app must be registered as native.
5. The id_token is verified (tokens.py: signature against the jwks, issuer, audience = client id,
   expiry, nonce) and its ctx claim must be the target's tenant. Only then is the refresh token saved
   (credstore.py): "With a verified id_token the application can safely store the refresh_token".
6. Later runs redeem the refresh token at the saved token endpoint (SavedLoginCredentials).
7. Logout revokes the refresh token at the metadata's revocation_endpoint (RFC 7009), then forgets it
   whatever the answer; a failed revocation is reported, never hidden.

Every secret (code, verifier, tokens, client secret) is registered with redact.py the moment it
exists. Nothing here prints: the CLI gets the authorize URL through a callback.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from leadconf.backends.superoffice import credstore, redact, tokens
from leadconf.backends.superoffice.credentials import (
    Credentials,
    LoginHttp,
    RenewingCredentials,
)
from leadconf.backends.superoffice.loopback import CallbackListener
from leadconf.backends.superoffice.target import Target, check_url, login_root
from leadconf.errors import AuthError, LeadconfError, RemoteError, TargetError

log = logging.getLogger("leadconf.superoffice")

METADATA_PATH = "/login/.well-known/openid-configuration"
DEFAULT_TIMEOUT = 300.0  # seconds to wait for the browser
SCOPE = "openid"  # the only scope SuperOffice has
RESPONSE_MODES = ("form_post", "query")
# Renew a little before the access token's expires_in, so that a request does not race its expiry.
EXPIRY_MARGIN = 60.0
NATIVE_HINT = ("set SUPEROFFICE_CLIENT_SECRET for a confidential app, or register the app as native "
               "(the Native app template; \"Is native or mobile\") to sign in with PKCE alone")


def store_key(target: Target) -> str:
    """The name a target's login is saved under: its description (superoffice:online/Cust12345)."""
    return target.description


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge): 86 unreserved characters, and BASE64URL(SHA256) of them."""
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")
    redact.register(verifier)
    return verifier, challenge


# -- the OpenID metadata ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    revocation_endpoint: str = ""  # named by api.md, absent from its sample document
    response_modes: tuple[str, ...] = ()


def discover(http: LoginHttp, root: str, environ) -> Metadata:
    """The login service's metadata; TargetError when it is not SuperOffice's at that root."""
    url = root + METADATA_PATH
    doc = http.get_json(url, what="the login service's OpenID metadata")
    if not isinstance(doc, dict):
        raise TargetError(f"{url}: the OpenID metadata is not a JSON object")
    if doc.get("issuer") != root:
        raise TargetError(f"{url}: the metadata's issuer {str(doc.get('issuer'))[:100]!r} is not {root!r}: "
                          "refusing to sign in there")

    def endpoint(name: str, required: bool = True) -> str:
        value = doc.get(name)
        if not value and not required:
            return ""
        if not value:
            raise TargetError(f"{url}: the metadata has no {name}")
        if not isinstance(value, str) or not same_origin(value, root):
            raise TargetError(f"{url}: {name} {str(value)[:100]!r} is not on {root}: refusing to send tokens there")
        check_url(value, f"{url}: {name}", environ)
        return value

    modes = doc.get("response_modes_supported")
    return Metadata(
        issuer=root,
        authorization_endpoint=endpoint("authorization_endpoint"),
        token_endpoint=endpoint("token_endpoint"),
        jwks_uri=endpoint("jwks_uri"),
        revocation_endpoint=endpoint("revocation_endpoint", required=False),
        response_modes=tuple(m for m in modes if isinstance(m, str)) if isinstance(modes, list) else (),
    )


def same_origin(url: str, root: str) -> bool:
    a, b = urlsplit(url), urlsplit(root)
    return (a.scheme, (a.hostname or "").lower(), a.port) == (b.scheme, (b.hostname or "").lower(), b.port)


def _open_client(target: Target, environ, transport=None):
    from leadconf.backends.superoffice import client as client_mod
    from leadconf.backends.superoffice.ratelimit import rate_from

    return client_mod.ApiClient(target, Credentials(), transport=transport, rate_limit=rate_from(None, environ),
                                max_attempts=3, environ=environ)


# -- the token endpoint -----------------------------------------------------------------------------


def oauth_error(exc: RemoteError) -> tuple[str, str]:
    """(error, error_description) of an OAuth error answer, from the client's error text."""
    text = exc.message or ""
    error = re.search(r'"error"\s*:\s*"([^"\\]{1,80})"', text)
    description = re.search(r'"error_description"\s*:\s*"([^"\\]{1,200})"', text)
    return (error.group(1) if error else "", description.group(1) if description else "")


def _describe(exc: RemoteError) -> str:
    error, description = oauth_error(exc)
    if error and description:
        return f"{error}: {description}"
    return error or description or f"HTTP {exc.status}"


def token_request(http: LoginHttp, token_url: str, form: dict, what: str) -> dict:
    """POST the form; the decoded answer. RemoteError (status 400/401) when the grant is refused."""
    answer = http.post_json(token_url, data=form, what=what)
    if not isinstance(answer, dict):
        raise AuthError(f"{what}: the login service's answer is not a JSON object", method="POST",
                        path=urlsplit(token_url).path)
    for name in ("access_token", "refresh_token", "id_token"):
        value = answer.get(name)
        redact.register(value if isinstance(value, str) else None)
    return answer


# -- leadconf login ---------------------------------------------------------------------------------


@dataclass
class LoginResult:
    key: str  # the target, as saved
    where: str  # "the system keyring" or the file's path
    context: str  # the tenant the id_token names


@dataclass
class _Request:
    """One login attempt's secrets and the authorize URL built from them."""

    client_id: str
    redirect_uri: str = ""
    state: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    pkce: tuple[str, str] = field(default_factory=pkce_pair)

    def authorize_url(self, endpoint: str, tenant: str, response_mode: str) -> str:
        params = {
            "client_id": self.client_id,
            "scope": SCOPE,
            "response_type": "code",
            "redirect_uri": self.redirect_uri,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.pkce[1],
            "code_challenge_method": "S256",
            "response_mode": response_mode,
        }
        if tenant:
            params["acr_values"] = f"tenant:{tenant}"
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def login(
    target: Target,
    client_id: str,
    *,
    client_secret: str | None = None,
    port: int = 0,
    timeout: float = DEFAULT_TIMEOUT,
    response_mode: str = "form_post",
    open_browser: Callable[[str], Any] | None = None,
    on_url: Callable[[str, bool], None] | None = None,
    environ=None,
    clock: Callable[[], float] = time.monotonic,
    transport=None,
) -> LoginResult:
    """The whole flow; saves the refresh token. `open_browser(url) -> bool` (None: don't);
    `on_url(url, opened)` is told the authorize URL once the listener is up."""
    environ = os.environ if environ is None else environ
    if response_mode not in RESPONSE_MODES:
        raise TargetError(f"response mode {response_mode!r}: use one of {', '.join(RESPONSE_MODES)}")
    redact.register(client_secret)
    http = _open_client(target, environ, transport)
    try:
        meta = discover(http, login_root(target, environ), environ)
        request = _Request(client_id)
        with CallbackListener(request.state, port) as listener:
            request.redirect_uri = listener.redirect_uri
            url = request.authorize_url(meta.authorization_endpoint, target.cust, response_mode)
            _show(url, open_browser, on_url)
            code = listener.wait(timeout, clock)
        answer = _exchange(http, meta, request, code, client_secret)
        context = _verify_id_token(http, meta, answer, request, target)
    finally:
        http.close()
    saved = credstore.SavedLogin(answer["refresh_token"], client_id, meta.token_endpoint)
    where = credstore.save(store_key(target), saved, environ)
    return LoginResult(key=store_key(target), where=where, context=context)


def _show(url: str, open_browser, on_url) -> None:
    opened = False
    if open_browser is not None:
        try:
            opened = bool(open_browser(url))
        except Exception:  # noqa: BLE001 - no browser here: the URL is shown instead
            opened = False
    if on_url is not None:
        on_url(url, opened)


def _exchange(http: LoginHttp, meta: Metadata, request: _Request, code: str, client_secret: str | None) -> dict:
    form = {
        "grant_type": "authorization_code",
        "client_id": request.client_id,
        "code": code,
        "redirect_uri": request.redirect_uri,  # exactly the one of the authorize request
        "code_verifier": request.pkce[0],
    }
    if client_secret:
        form["client_secret"] = client_secret
    try:
        answer = token_request(http, meta.token_endpoint, form, "the authorization-code exchange")
    except RemoteError as exc:
        if exc.status not in (400, 401):
            raise
        error, _ = oauth_error(exc)
        hint = ""
        if error == "invalid_client":
            hint = ("check SUPEROFFICE_CLIENT_SECRET and the client id; " if client_secret
                    else f"the app wants a client secret: {NATIVE_HINT}; ")
        raise AuthError(f"the login service refused the authorization code ({_describe(exc)}); {hint}"
                        "run `leadconf login` again", method="POST", path=exc.path, status=exc.status) from None
    refresh = answer.get("refresh_token")
    if not isinstance(refresh, str) or not refresh:
        raise AuthError("the login service returned no refresh_token: is the app registered for the "
                        "authorization-code flow?", method="POST", path=urlsplit(meta.token_endpoint).path)
    return answer


def _verify_id_token(http: LoginHttp, meta: Metadata, answer: dict, request: _Request, target: Target) -> str:
    """The tenant the verified id_token names; AuthError (nothing saved) otherwise."""
    jwks = http.get_json(meta.jwks_uri, what="the login service's signing keys")
    claims = tokens.verify(answer.get("id_token"), jwks, issuer=meta.issuer, audience=request.client_id,
                           what="the id_token of this sign-in", where=meta.jwks_uri, nonce=request.nonce,
                           require=("exp", "iss", "aud", "sub"))
    return tokens.check_tenant(claims, target.cust, "the id_token of this sign-in", store_key(target))


# -- leadconf logout --------------------------------------------------------------------------------


@dataclass
class LogoutResult:
    key: str
    removed: list[str]  # where the saved login was found (and removed); [] when there was none
    revoked: bool = False  # the login service confirmed the revocation
    problem: str = ""  # why the revocation failed (the saved login was removed all the same)


def logout(target: Target, environ=None, transport=None) -> LogoutResult:
    """Revoke the target's saved refresh token at the login service, then forget it (keyring and
    file) whatever the answer."""
    environ = os.environ if environ is None else environ
    key = store_key(target)
    try:
        found = credstore.load(key, environ)
    except TargetError as exc:  # an unreadable store: still try to remove what can be removed
        return LogoutResult(key, credstore.delete(key, environ), problem=f"the saved login could not be read ({exc})")
    if found is None:
        return LogoutResult(key, credstore.delete(key, environ))
    problem = ""
    try:
        revoke(found[0], target, environ, transport)
    except LeadconfError as exc:
        problem = redact.redact(str(exc))
    removed = credstore.delete(key, environ)
    return LogoutResult(key, removed, revoked=not problem, problem=problem)


def revoke(saved: credstore.SavedLogin, target: Target, environ, transport=None) -> None:
    """RFC 7009 at the metadata's revocation_endpoint of the service that issued the token."""
    root = "{0.scheme}://{0.netloc}".format(urlsplit(saved.token_url))
    http = _open_client(target, environ, transport)
    try:
        meta = discover(http, root, environ)
        if not meta.revocation_endpoint:
            raise AuthError(f"{root}{METADATA_PATH} lists no revocation_endpoint")
        form = {"token": saved.refresh_token, "token_type_hint": "refresh_token", "client_id": saved.client_id}
        secret = environ.get("SUPEROFFICE_CLIENT_SECRET") or None
        if secret:
            redact.register(secret)
            form["client_secret"] = secret
        http.post_json(meta.revocation_endpoint, data=form, what="token revocation")
    finally:
        http.close()


# -- later runs: the saved login as credentials -----------------------------------------------------


class SavedLoginCredentials(RenewingCredentials):
    """Bearer access tokens from the refresh token `leadconf login` saved."""

    kind = "saved login (leadconf login)"

    def __init__(self, key: str, saved: credstore.SavedLogin, where: str, *, client_secret=None, app_token=None,
                 environ=None, clock: Callable[[], float] = time.monotonic):
        super().__init__(app_token)
        self._key = key
        self._saved = saved
        self._where = where
        self._client_secret = client_secret
        self._environ = os.environ if environ is None else environ
        self._clock = clock
        self._expires = float("inf")
        redact.register(saved.refresh_token, client_secret)

    def _expired(self) -> bool:
        return self._clock() >= self._expires  # by its own expires_in: get a new one before sending

    def _obtain(self, force: bool) -> str:
        form = {
            "grant_type": "refresh_token",
            "client_id": self._saved.client_id,
            "refresh_token": self._saved.refresh_token,
        }
        if self._client_secret:
            form["client_secret"] = self._client_secret
        try:
            answer = token_request(self.http, self._saved.token_url, form, "token refresh (saved login)")
        except RemoteError as exc:
            if exc.status in (400, 401):
                raise self._refused(exc) from None
            raise
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthError("the token refresh returned no access_token", method="POST",
                            path=urlsplit(self._saved.token_url).path)
        expires_in = answer.get("expires_in")
        if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool) and expires_in > 0:
            self._expires = self._clock() + max(0.0, float(expires_in) - EXPIRY_MARGIN)
        else:
            self._expires = float("inf")  # no lifetime given: renewed after a 401
        rotated = answer.get("refresh_token")
        if isinstance(rotated, str) and rotated and rotated != self._saved.refresh_token:
            self._rotate(rotated)
        return f"Bearer {token}"

    def _refused(self, exc: RemoteError) -> AuthError:
        error, _ = oauth_error(exc)
        if error == "invalid_client":
            why = (f"the login service does not accept client {self._saved.client_id!r} (invalid_client): "
                   f"{NATIVE_HINT}; or")
        else:
            why = (f"the saved login for {self._key} is no longer accepted "
                   f"({error or 'HTTP ' + str(exc.status)}: the refresh token expired or was revoked):")
        return AuthError(f"{why} run `leadconf login --target {self._key}` again",
                         method="POST", path=exc.path, status=exc.status)

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
    check_url(saved.token_url, f"the saved login of {key} (token_url)", environ)
    client_secret = environ.get("SUPEROFFICE_CLIENT_SECRET") or None
    return SavedLoginCredentials(key, saved, where, client_secret=client_secret, app_token=app_token, environ=environ)
