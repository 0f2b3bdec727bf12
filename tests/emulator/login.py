r"""What the emulator accepts as credentials, and the login services that hand them out.

- Authorization: SOTicket <ticket> (+ SO-AppToken that goes with the ticket), Bearer <token>,
  Basic <user:password>; anything else gets 401 with WWW-Authenticate, like the real API.
- /Login/api/PartnerSystemUser/Authenticate: checks the signed system token against a configured
  public key (RSA-SHA256, PKCS#1 v1.5) and a fresh timestamp, and answers with a JWT signed by the
  emulator's own key (published at /login/.well-known/jwks) carrying a new ticket.
- /login/.well-known/openid-configuration: the OpenID metadata of api/authentication/online/api.md
  (includes/oidc-metadata.md), plus the revocation endpoint that page names.
- /login/common/oauth/authorize: the registered redirect rule, exact URL or regular expression
  (sign-in-user/auth-code-flow.md "must exactly match"; developer-portal/create-app/config/redirects.md;
  the Native app template's ^http://127.0.0.1\:\d{4,10}$, create-app/native-app.md); response_mode
  query (302) or form_post (an auto-submitting form, as identity providers answer it).
- /login/common/oauth/tokens: authorization code with PKCE, and refresh tokens; an app that is not
  registered as native must send its client secret. The id_token's claims follow
  validate-security-tokens.md (iss = the root, aud = the client id, ctx, nonce, ...).
- /login/common/oauth/revoke: RFC 7009 (the URL is the emulator's choice: the docs give none).

cryptography and PyJWT are imported only when a login service is used.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode

CLAIMS = "http://schemes.superoffice.net/identity/"
TICKET_CLAIM = CLAIMS + "ticket"
CTX_CLAIM = CLAIMS + "ctx"
SERIAL_CLAIM = CLAIMS + "serial"
SYSTEM_USER_ISSUER = "SuperOffice AS"
SIGNATURE_MAX_AGE = timedelta(minutes=10)
NATIVE_REDIRECT = r"^http://127.0.0.1\:\d{4,10}$"  # what the Native app template registers
SERIAL = "1801550193"
METADATA_PATH = "/login/.well-known/openid-configuration"
AUTHORIZE_PATH = "/login/common/oauth/authorize"
TOKENS_PATH = "/login/common/oauth/tokens"
REVOKE_PATH = "/login/common/oauth/revoke"
JWKS_PATH = "/login/.well-known/jwks"
AUTHENTICATE_PATH = "/login/api/partnersystemuser/authenticate"

DEFAULT_TICKET = "7T:ZW11bGF0b3ItdGlja2V0LTAwMQ=="
DEFAULT_APP_TOKEN = "emulator-app-token-7c1f"
DEFAULT_ACCESS_TOKEN = "8A:emulator-access-token-22b4"
DEFAULT_USER = ("ADMIN", "emulator-password-91d3")
DEFAULT_CLIENT = ("emulator-client-id", "emulator-client-secret-5e0a")


@dataclass
class OAuthClient:
    """An app registration: its secret, "Is native or mobile", and its allowed redirect URLs."""

    secret: str
    native: bool = True
    redirect_uris: list[str] = field(default_factory=list)  # exact
    redirect_patterns: list[str] = field(default_factory=lambda: [NATIVE_REDIRECT])  # regular expressions

    def allows(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris or any(re.fullmatch(p, redirect_uri) for p in self.redirect_patterns)


@dataclass
class SystemUser:
    """What the partner registered: its system token, client secret and public key (PEM bytes)."""

    system_token: str
    client_secret: str
    public_key_pem: bytes


class Login:
    def __init__(self):
        self._lock = threading.Lock()
        self.tickets: dict[str, str | None] = {DEFAULT_TICKET: DEFAULT_APP_TOKEN}  # ticket -> its SO-AppToken
        self.bearer_tokens: set[str] = {DEFAULT_ACCESS_TOKEN}
        self.users: dict[str, str] = {DEFAULT_USER[0]: DEFAULT_USER[1]}
        self.oauth_clients: dict[str, OAuthClient] = {DEFAULT_CLIENT[0]: OAuthClient(DEFAULT_CLIENT[1])}
        self.system_user: SystemUser | None = None
        self.issued_tickets: list[str] = []
        self.issued_tokens: list[str] = []
        self._codes: dict[str, dict] = {}
        self._refresh: dict[str, str] = {}  # refresh token -> client id
        self.issued_refresh_tokens: list[str] = []  # every refresh token handed out, in order
        self.rotate_refresh_tokens = False  # True: a refresh grant also returns a new refresh token, the old one dies
        self.revoked: list[str] = []  # refresh tokens revoked at the revocation endpoint
        # Tests change what is issued: a claim set to None is left out.
        self.id_token_claims: dict = {}
        self.system_user_claims: dict = {}
        self.metadata_changes: dict = {}
        self._key = None
        self.kid = "emulator-key-1"

    # -- checking a request ---------------------------------------------------------------------

    def check(self, headers) -> str | None:
        """None when the request is authenticated, else why not."""
        auth = headers.get("Authorization") or ""
        scheme, _, value = auth.partition(" ")
        scheme = scheme.lower()
        value = value.strip()
        with self._lock:
            if scheme == "soticket":
                if value not in self.tickets:
                    return "Invalid or expired ticket"
                wanted = self.tickets[value]
                if wanted is not None and headers.get("SO-AppToken") != wanted:
                    return "Missing or wrong SO-AppToken"
                return None
            if scheme == "bearer":
                return None if value in self.bearer_tokens else "Invalid or expired access token"
            if scheme == "basic":
                try:
                    user, _, password = base64.b64decode(value).decode("utf-8").partition(":")
                except (ValueError, UnicodeDecodeError):
                    return "Malformed Basic credentials"
                return None if self.users.get(user) == password else "Wrong user name or password"
        return "No credentials"

    def expire_issued(self):
        """Forget the tickets and tokens handed out by the login services (to test renewal)."""
        with self._lock:
            for t in self.issued_tickets:
                self.tickets.pop(t, None)
            for t in self.issued_tokens:
                self.bearer_tokens.discard(t)
            self.issued_tickets.clear()
            self.issued_tokens.clear()

    # -- keys and JWTs --------------------------------------------------------------------------

    def _private_key(self):
        if self._key is None:
            from cryptography.hazmat.primitives.asymmetric import rsa

            self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return self._key

    def jwks(self) -> dict:
        import json

        from jwt.algorithms import RSAAlgorithm

        jwk = json.loads(RSAAlgorithm.to_jwk(self._private_key().public_key()))
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        return {"keys": [jwk]}

    def _jwt(self, claims: dict, changes: dict) -> str:
        import jwt

        now = int(time.time())
        payload = {"iat": now, "nbf": now, "exp": now + 3600, **claims, **changes}
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, self._private_key(), algorithm="RS256", headers={"kid": self.kid})

    # -- the system user ------------------------------------------------------------------------

    def authenticate_system_user(self, body, context: str) -> dict:
        def refuse(reason):
            return {"IsSuccessful": False, "Token": None, "ErrorMessage": reason}

        cfg = self.system_user
        if cfg is None:
            return refuse("No system user is registered for this application")
        if not isinstance(body, dict):
            return refuse("Malformed request")
        signed = body.get("SignedSystemToken")
        if body.get("ApplicationToken") != cfg.client_secret:
            return refuse("Unknown application token")
        if body.get("ContextIdentifier") != context:
            return refuse("Unknown context identifier")
        if not isinstance(signed, str) or signed.count(".") < 2:
            return refuse("Malformed signed system token")
        token, stamp, signature = signed.rsplit(".", 2)
        if token != cfg.system_token:
            return refuse("Unknown system token")
        try:
            when = datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=timezone.utc)
        except ValueError:
            return refuse("Malformed timestamp")
        if abs(datetime.now(timezone.utc) - when) > SIGNATURE_MAX_AGE:
            return refuse("The signed system token is too old")
        if not _verify(cfg.public_key_pem, f"{token}.{stamp}".encode(), signature):
            return refuse("Signature verification failed")
        ticket = "7T:" + secrets.token_urlsafe(24)
        with self._lock:
            self.tickets[ticket] = cfg.client_secret
            self.issued_tickets.append(ticket)
        claims = {"iss": SYSTEM_USER_ISSUER, "aud": f"spn:{SERIAL}", SERIAL_CLAIM: SERIAL, TICKET_CLAIM: ticket,
                  CTX_CLAIM: context}  # validate-security-tokens.md: "SuperOffice AS", spn:{serial}
        jwt_token = self._jwt(claims, self.system_user_claims)
        return {"IsSuccessful": True, "Token": jwt_token, "ErrorMessage": ""}

    # -- routing --------------------------------------------------------------------------------

    def route(self, method: str, path: str, query: dict, raw: bytes, root_url: str, tenant: str, base_url: str):
        """(status, headers, body) of a login-service request, or None when `path` is not one."""
        low = path.lower()
        if low == AUTHENTICATE_PATH and method == "POST":
            try:
                body = json.loads(raw) if raw.strip() else None
            except ValueError:
                body = None
            return _json(200, self.authenticate_system_user(body, tenant))
        if low == JWKS_PATH:
            return _json(200, self.jwks())
        if low == METADATA_PATH:
            return _json(200, self.metadata(root_url))
        if low == AUTHORIZE_PATH:
            return self.authorize(query)
        form = dict(parse_qsl(raw.decode("utf-8", "replace"))) if method == "POST" else {}
        if low == TOKENS_PATH and method == "POST":
            return _json(*self.tokens(form, tenant, root_url, base_url))
        if low == REVOKE_PATH and method == "POST":
            return _json(*self.revoke(form))
        return None

    def metadata(self, root: str) -> dict:
        """includes/oidc-metadata.md, with the revocation endpoint api.md names (its URL is ours)."""
        doc = {
            "issuer": root,
            "authorization_endpoint": root + AUTHORIZE_PATH,
            "token_endpoint": root + TOKENS_PATH,
            "jwks_uri": root + JWKS_PATH,
            "revocation_endpoint": root + REVOKE_PATH,
            "scopes_supported": ["openid"],
            "response_modes_supported": ["form_post", "fragment", "query"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "grant_types_supported": ["implicit", "authorization_code", "refresh_token"],
        }
        doc.update(self.metadata_changes)
        return {k: v for k, v in doc.items() if v is not None}

    # -- OAuth ----------------------------------------------------------------------------------

    def authorize(self, query: dict):
        """GET /login/common/oauth/authorize: a redirect (query), a form (form_post) or an error page.
        An unknown client or a redirect URI the app does not allow gets an error page and no
        redirect (RFC 6749 4.1.2.1: never send the user to an unverified address)."""
        client = self.oauth_clients.get(query.get("client_id", ""))
        redirect_uri = query.get("redirect_uri", "")
        if client is None:
            return _page(400, "unknown client_id")
        if not redirect_uri or not client.allows(redirect_uri):
            return _page(400, f"redirect_uri {redirect_uri!r} is not registered for this application")
        mode = query.get("response_mode", "query")
        if query.get("response_type") != "code" or mode not in ("query", "form_post"):
            return _page(400, "unsupported response_type or response_mode")
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = {
                "client_id": query["client_id"],
                "redirect_uri": redirect_uri,
                "challenge": query.get("code_challenge"),
                "method": query.get("code_challenge_method", "plain"),
                "nonce": query.get("nonce"),
            }
        params = {"code": code}
        if "state" in query:
            params["state"] = query["state"]
        if mode == "form_post":
            return _form_post(redirect_uri, params)
        sep = "&" if "?" in redirect_uri else "?"
        return 302, {"Location": f"{redirect_uri}{sep}{urlencode(params)}"}, b""

    def _client_error(self, form: dict):
        """None when the client authenticates: a known id, the right secret if one is sent, and a
        secret for an app that is not registered as native."""
        client = self.oauth_clients.get(form.get("client_id", ""))
        if client is None:
            return 401, {"error": "invalid_client"}
        secret = form.get("client_secret")
        if secret is not None and secret != client.secret:
            return 401, {"error": "invalid_client"}
        if secret is None and not client.native:
            return 401, {"error": "invalid_client", "error_description": "client_secret required (not a native app)"}
        return None

    def tokens(self, form: dict, context: str, issuer: str, webapi_url: str) -> tuple[int, dict]:
        refused = self._client_error(form)
        if refused:
            return refused
        grant = form.get("grant_type")
        client_id = form["client_id"]
        if grant == "authorization_code":
            with self._lock:
                info = self._codes.pop(form.get("code", ""), None)
            if info is None or info["client_id"] != client_id or info["redirect_uri"] != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant"}
            if info["challenge"]:
                if _challenge(form.get("code_verifier") or "", info["method"]) != info["challenge"]:
                    return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
            elif form.get("client_secret") is None:
                return 401, {"error": "invalid_client", "error_description": "client_secret or PKCE required"}
            answer = self._issue(client_id, context, issuer, webapi_url, info["nonce"])
            answer["refresh_token"] = self._new_refresh(client_id)
            return 200, answer
        if grant == "refresh_token":
            with self._lock:
                owner = self._refresh.get(form.get("refresh_token", ""))
                if owner == client_id and self.rotate_refresh_tokens:
                    del self._refresh[form["refresh_token"]]
            if owner != client_id:
                return 400, {"error": "invalid_grant"}
            answer = self._issue(client_id, context, issuer, webapi_url, None)
            if self.rotate_refresh_tokens:
                answer["refresh_token"] = self._new_refresh(client_id)
            return 200, answer
        return 400, {"error": "unsupported_grant_type"}

    def revoke(self, form: dict) -> tuple[int, dict | None]:
        """RFC 7009: 200 for a revoked or unknown token; a token of another client is refused."""
        refused = self._client_error(form)
        if refused:
            return refused
        token = form.get("token", "")
        with self._lock:
            owner = self._refresh.get(token)
            if owner is not None and owner != form["client_id"]:
                return 400, {"error": "unauthorized_client"}
            if owner is not None:
                del self._refresh[token]
                self.revoked.append(token)
        return 200, None

    def _new_refresh(self, client_id: str) -> str:
        refresh = secrets.token_urlsafe(32)
        with self._lock:
            self._refresh[refresh] = client_id
            self.issued_refresh_tokens.append(refresh)
        return refresh

    def revoke_refresh_tokens(self):
        """Every refresh token stops working (an admin revoked the app, or they expired)."""
        with self._lock:
            self._refresh.clear()

    def add_refresh_token(self, token: str, client_id: str = DEFAULT_CLIENT[0]):
        with self._lock:
            self._refresh[token] = client_id

    def _issue(self, client_id, context, issuer, webapi_url, nonce) -> dict:
        access = "8A:" + secrets.token_urlsafe(24)
        with self._lock:
            self.bearer_tokens.add(access)
            self.issued_tokens.append(access)
        claims = {  # validate-security-tokens.md, "JWT payload"
            "iss": issuer, "aud": client_id, "sub": "admin@example.com", "nonce": nonce,
            CTX_CLAIM: context, SERIAL_CLAIM: SERIAL, CLAIMS + "associateid": "5",
            CLAIMS + "identityprovider": issuer, CLAIMS + "webapi_url": webapi_url + "/api/",
        }
        id_token = self._jwt(claims, self.id_token_claims)
        return {"access_token": access, "token_type": "Bearer", "expires_in": 3600, "id_token": id_token}


def _challenge(verifier: str, method: str) -> str:
    if method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return verifier


def _json(status, obj):
    body = b"" if obj is None else json.dumps(obj).encode("utf-8")
    return status, {"Content-Type": "application/json; charset=utf-8"}, body


def _page(status: int, message: str):
    text = f"<!doctype html><html><head><title>Sign-in error</title></head><body><h1>Error</h1><p>{html.escape(message)}</p></body></html>"
    return status, {"Content-Type": "text/html; charset=utf-8"}, text.encode("utf-8")


def _form_post(redirect_uri: str, params: dict):
    """The form_post answer: a page whose form the browser submits to the redirect URI at once."""
    inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in params.items())
    text = (f'<!doctype html><html><head><title>Submit</title></head><body onload="document.forms[0].submit()">'
            f'<form method="post" action="{html.escape(redirect_uri)}">{inputs}</form></body></html>')
    return 200, {"Content-Type": "text/html; charset=utf-8"}, text.encode("utf-8")


def _verify(public_pem: bytes, data: bytes, signature_b64: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        key = serialization.load_pem_public_key(public_pem)
        key.verify(base64.b64decode(signature_b64), data, padding.PKCS1v15(), hashes.SHA256())
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False
