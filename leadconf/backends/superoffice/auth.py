"""Credentials, from environment variables only (never from the config or the command line).

The first complete set wins, in this order:

    token_provider hook (open_superoffice(..., token_provider=f))   Authorization: Bearer f(force)
    SUPEROFFICE_TICKET [+ SUPEROFFICE_APP_TOKEN]                     Authorization: SOTicket ...; SO-AppToken: ...
    SUPEROFFICE_ACCESS_TOKEN                                         Authorization: Bearer ...
    SUPEROFFICE_SYSTEM_TOKEN + SUPEROFFICE_PRIVATE_KEY (a PEM file)
      + SUPEROFFICE_CLIENT_SECRET                                    the system-user ticket, renewed on 401
    SUPEROFFICE_REFRESH_TOKEN + SUPEROFFICE_CLIENT_ID
      + SUPEROFFICE_CLIENT_SECRET                                    an OAuth access token, renewed on 401
    SUPEROFFICE_USERNAME + SUPEROFFICE_PASSWORD                      Authorization: Basic ... (onsite)
    the target's saved login (`leadconf login`: the keyring, else
      ~/.config/leadconf/credentials.json; oauth.py)                 an OAuth access token, renewed on 401

SUPEROFFICE_APP_TOKEN, when set, is sent as SO-AppToken with any scheme (Online wants it for calls
from a server). Every value is registered with the redaction helper as soon as it is read.

Every login request goes to the target's login root (target.login_root): for SuperOffice Online the
un-numbered host of the environment, never the numbered host that serves the tenant's data.

cryptography and PyJWT (the `leadconf[superoffice]` extra) are imported only for the system user.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone

from leadconf.backends.superoffice import redact, tokens
from leadconf.backends.superoffice.credentials import (
    Credentials,
    RenewingCredentials,
    StaticCredentials,
)
from leadconf.backends.superoffice.oauth import saved_login_credentials
from leadconf.backends.superoffice.target import Target, login_root
from leadconf.errors import AuthError, TargetError

TICKET = "SUPEROFFICE_TICKET"
APP_TOKEN = "SUPEROFFICE_APP_TOKEN"
ACCESS_TOKEN = "SUPEROFFICE_ACCESS_TOKEN"
SYSTEM_TOKEN = "SUPEROFFICE_SYSTEM_TOKEN"
PRIVATE_KEY = "SUPEROFFICE_PRIVATE_KEY"
CLIENT_SECRET = "SUPEROFFICE_CLIENT_SECRET"
CLIENT_ID = "SUPEROFFICE_CLIENT_ID"
REFRESH_TOKEN = "SUPEROFFICE_REFRESH_TOKEN"
USERNAME = "SUPEROFFICE_USERNAME"
PASSWORD = "SUPEROFFICE_PASSWORD"

ALL_VARIABLES = (TICKET, APP_TOKEN, ACCESS_TOKEN, SYSTEM_TOKEN, PRIVATE_KEY, CLIENT_SECRET, CLIENT_ID, REFRESH_TOKEN, USERNAME, PASSWORD)

AUTHENTICATE_PATH = "/Login/api/PartnerSystemUser/Authenticate"
JWKS_PATH = "/login/.well-known/jwks"
TOKENS_PATH = "/login/common/oauth/tokens"

MISSING = (
    "no SuperOffice credentials: set SUPEROFFICE_TICKET and SUPEROFFICE_APP_TOKEN, "
    "or SUPEROFFICE_ACCESS_TOKEN, or SUPEROFFICE_SYSTEM_TOKEN + SUPEROFFICE_PRIVATE_KEY + "
    "SUPEROFFICE_CLIENT_SECRET (system user), or SUPEROFFICE_REFRESH_TOKEN + SUPEROFFICE_CLIENT_ID + "
    "SUPEROFFICE_CLIENT_SECRET, or SUPEROFFICE_USERNAME + SUPEROFFICE_PASSWORD (onsite)"
)
# For a person at a terminal, not CI: the saved login of `leadconf login` needs no variable but the app's id.
LOGIN_HINT = "For interactive use, sign in once in the browser instead: leadconf login --target {target}"


class ProviderCredentials(RenewingCredentials):
    """A hook for `leadconf login` (a refresh token kept in the keyring): f(force_refresh) -> access token."""

    kind = "token provider"

    def __init__(self, provider, app_token=None):
        super().__init__(app_token)
        self._provider = provider

    def _obtain(self, force: bool) -> str:
        token = self._provider(force)
        if not isinstance(token, str) or not token:
            raise AuthError("the token provider returned no access token")
        redact.register(token)
        return f"Bearer {token}"


class SystemUserCredentials(RenewingCredentials):
    """The system-user flow: sign "{system_token}.{yyyyMMddHHmm UTC}" with the partner's RSA key,
    exchange it for a JWT, validate the JWT against the jwks, use its ticket claim."""

    kind = "system user"

    def __init__(self, root, context, system_token, key_path, client_secret, utcnow=None):
        super().__init__(client_secret)  # the client secret is the SO-AppToken
        self._root = root
        self._context = context
        self._system_token = system_token
        self._client_secret = client_secret
        self._utcnow = utcnow or (lambda: datetime.now(timezone.utc))
        self._key = _load_private_key(key_path)
        redact.register(system_token, client_secret)

    def _obtain(self, force: bool) -> str:
        signed = self._sign()
        url = self._root + AUTHENTICATE_PATH
        answer = self.http.post_json(
            url,
            json={
                "SignedSystemToken": signed,
                "ApplicationToken": self._client_secret,
                "ContextIdentifier": self._context,
                "ReturnTokenType": "JWT",
            },
            what="system-user login",
        )
        if not isinstance(answer, dict) or not answer.get("IsSuccessful") or not isinstance(answer.get("Token"), str):
            reason = answer.get("ErrorMessage") if isinstance(answer, dict) else None
            raise AuthError(
                f"the system-user login was refused: {reason or 'no token in the answer'}",
                method="POST", path=AUTHENTICATE_PATH,
            )
        token = answer["Token"]
        redact.register(token)
        claims = self._validate(token)
        ticket = claims.get(tokens.TICKET_CLAIM)
        if not isinstance(ticket, str) or not ticket:
            raise AuthError("the system-user JWT has no ticket claim", method="POST", path=AUTHENTICATE_PATH)
        redact.register(ticket)
        return f"SOTicket {ticket}"

    def _sign(self) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        data = f"{self._system_token}.{self._utcnow().strftime('%Y%m%d%H%M')}"
        signature = self._key.sign(data.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        signed = f"{data}.{base64.b64encode(signature).decode('ascii')}"
        redact.register(signed)
        return signed

    def _validate(self, token: str) -> dict:
        """The JWT's claims, verified as validate-security-tokens.md says for the system user: issuer
        "SuperOffice AS", audience "spn:{serial claim}", signed by a key of the jwks, not expired."""
        url = self._root + JWKS_PATH
        jwks = self.http.get_json(url, what="the login service's signing keys")
        serial = tokens.unverified_claims(token).get(tokens.SERIAL_CLAIM)
        if not isinstance(serial, str) or not serial:
            raise AuthError("the system-user JWT has no serial claim, so its audience (spn:{serial}) cannot be "
                            "checked: nothing was trusted", method="POST", path=AUTHENTICATE_PATH)
        claims = tokens.verify(token, jwks, issuer=tokens.SYSTEM_USER_ISSUER, audience=f"spn:{serial}",
                               what="the system-user JWT", where=url)
        context = claims.get(tokens.CTX_CLAIM)
        if isinstance(context, str) and context and context.lower() != self._context.lower():
            raise AuthError(f"the system-user JWT is for tenant {context}, not {self._context}: nothing was trusted",
                            method="POST", path=AUTHENTICATE_PATH)
        return claims


class RefreshTokenCredentials(RenewingCredentials):
    """OAuth refresh-token grant at {root}/login/common/oauth/tokens -> a Bearer access token."""

    kind = "refresh token"

    def __init__(self, root, refresh_token, client_id, client_secret, app_token=None):
        super().__init__(app_token)
        self._root = root
        self._refresh = refresh_token
        self._client_id = client_id
        self._client_secret = client_secret
        redact.register(refresh_token, client_secret)

    def _obtain(self, force: bool) -> str:
        answer = self.http.post_json(
            self._root + TOKENS_PATH,
            data={
                "grant_type": "refresh_token",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
                "refresh_token": self._refresh,
            },
            what="token refresh",
        )
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthError("the token refresh returned no access_token", method="POST", path=TOKENS_PATH)
        redact.register(token)
        new_refresh = answer.get("refresh_token")
        if isinstance(new_refresh, str) and new_refresh:
            redact.register(new_refresh)
            self._refresh = new_refresh
        return f"Bearer {token}"


def _load_private_key(path: str):
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        raise TargetError(
            "the system-user login needs the cryptography and PyJWT packages: pip install 'leadconf[superoffice]'"
        ) from None
    try:
        import jwt  # noqa: F401  (checked here so that a missing package fails before any request)
    except ImportError:
        raise TargetError("the system-user login needs PyJWT: pip install 'leadconf[superoffice]'") from None
    try:
        with open(path, "rb") as fh:
            pem = fh.read()
    except OSError as exc:
        raise TargetError(f"{PRIVATE_KEY}: cannot read the key file {path!r} ({exc.strerror})") from None
    redact.register(pem.decode("utf-8", "replace"))
    try:
        return serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        # never echo the file's content
        raise TargetError(f"{PRIVATE_KEY}: {path!r} is not an unencrypted PEM private key ({type(exc).__name__})") from None


def credentials_from_env(environ, target: Target, token_provider=None) -> Credentials:
    def get(name):
        value = environ.get(name)
        return value if value else None

    app_token = get(APP_TOKEN)
    if token_provider is not None:
        return ProviderCredentials(token_provider, app_token)
    if get(TICKET):
        if target.kind == "online" and not app_token:
            raise TargetError(f"{TICKET} is set but {APP_TOKEN} is not: SuperOffice Online needs both")
        return StaticCredentials("ticket", f"SOTicket {get(TICKET)}", app_token)
    if get(ACCESS_TOKEN):
        return StaticCredentials("access token", f"Bearer {get(ACCESS_TOKEN)}", app_token)
    if get(SYSTEM_TOKEN):
        missing = [n for n in (PRIVATE_KEY, CLIENT_SECRET) if not get(n)]
        if missing:
            raise TargetError(f"{SYSTEM_TOKEN} is set, but the system-user login also needs {' and '.join(missing)}")
        if not target.cust:
            raise TargetError("the system-user login needs the tenant id: use superoffice:online/CustNNNNN (or a URL ending in /CustNNNNN)")
        return SystemUserCredentials(login_root(target, environ), target.cust, get(SYSTEM_TOKEN), get(PRIVATE_KEY), get(CLIENT_SECRET))
    if get(REFRESH_TOKEN):
        missing = [n for n in (CLIENT_ID, CLIENT_SECRET) if not get(n)]
        if missing:
            raise TargetError(f"{REFRESH_TOKEN} is set, but the token refresh also needs {' and '.join(missing)}")
        return RefreshTokenCredentials(login_root(target, environ), get(REFRESH_TOKEN), get(CLIENT_ID), get(CLIENT_SECRET), app_token)
    if get(USERNAME) or get(PASSWORD):
        if not (get(USERNAME) and get(PASSWORD)):
            raise TargetError(f"Basic authentication needs both {USERNAME} and {PASSWORD}")
        redact.register(get(PASSWORD))
        raw = base64.b64encode(f"{get(USERNAME)}:{get(PASSWORD)}".encode()).decode("ascii")
        return StaticCredentials("basic", f"Basic {raw}", app_token)
    # No SUPEROFFICE_* credentials: the login `leadconf login` saved for this target, if any.
    saved = saved_login_credentials(environ, target, app_token)
    if saved is not None:
        return saved
    raise TargetError(MISSING + ".").with_hints(LOGIN_HINT.format(target=target.description))
