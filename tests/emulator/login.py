"""What the emulator accepts as credentials, and the login services that hand them out.

- Authorization: SOTicket <ticket> (+ SO-AppToken that goes with the ticket), Bearer <token>,
  Basic <user:password>; anything else gets 401 with WWW-Authenticate, like the real API.
- /Login/api/PartnerSystemUser/Authenticate: checks the signed system token against a configured
  public key (RSA-SHA256, PKCS#1 v1.5) and a fresh timestamp, and answers with a JWT signed by the
  emulator's own key (published at /login/.well-known/jwks) carrying a new ticket.
- /login/common/oauth/authorize and /tokens: authorization code with PKCE, and refresh tokens.

cryptography and PyJWT are imported only when a login service is used.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

TICKET_CLAIM = "http://schemes.superoffice.net/identity/ticket"
SIGNATURE_MAX_AGE = timedelta(minutes=10)

DEFAULT_TICKET = "7T:ZW11bGF0b3ItdGlja2V0LTAwMQ=="
DEFAULT_APP_TOKEN = "emulator-app-token-7c1f"
DEFAULT_ACCESS_TOKEN = "8A:emulator-access-token-22b4"
DEFAULT_USER = ("ADMIN", "emulator-password-91d3")
DEFAULT_CLIENT = ("emulator-client-id", "emulator-client-secret-5e0a")


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
        self.oauth_clients: dict[str, str] = {DEFAULT_CLIENT[0]: DEFAULT_CLIENT[1]}
        self.system_user: SystemUser | None = None
        self.issued_tickets: list[str] = []
        self.issued_tokens: list[str] = []
        self._codes: dict[str, dict] = {}
        self._refresh: dict[str, str] = {}  # refresh token -> client id
        self.issued_refresh_tokens: list[str] = []  # every refresh token handed out, in order
        self.rotate_refresh_tokens = False  # True: a refresh grant also returns a new refresh token, the old one dies
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

    def _jwt(self, claims: dict, issuer: str) -> str:
        import jwt

        now = int(time.time())
        payload = {"iss": issuer, "iat": now, "nbf": now, "exp": now + 3600, **claims}
        return jwt.encode(payload, self._private_key(), algorithm="RS256", headers={"kid": self.kid})

    # -- the system user ------------------------------------------------------------------------

    def authenticate_system_user(self, body, context: str, issuer: str) -> dict:
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
        jwt_token = self._jwt({TICKET_CLAIM: ticket, "http://schemes.superoffice.net/identity/ctx": context}, issuer)
        return {"IsSuccessful": True, "Token": jwt_token, "ErrorMessage": ""}

    # -- OAuth ----------------------------------------------------------------------------------

    def authorize(self, query: dict) -> tuple[int, str]:
        """(status, Location or error) for GET /login/common/oauth/authorize."""
        client_id = query.get("client_id")
        redirect_uri = query.get("redirect_uri")
        if client_id not in self.oauth_clients or not redirect_uri:
            return 400, "unknown client_id or missing redirect_uri"
        if query.get("response_type") != "code":
            return 400, "response_type must be code"
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = {
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "challenge": query.get("code_challenge"),
                "method": query.get("code_challenge_method", "plain"),
            }
        params = {"code": code}
        if "state" in query:
            params["state"] = query["state"]
        sep = "&" if "?" in redirect_uri else "?"
        return 302, f"{redirect_uri}{sep}{urlencode(params)}"

    def tokens(self, form: dict, context: str, issuer: str, webapi_url: str) -> tuple[int, dict]:
        grant = form.get("grant_type")
        client_id = form.get("client_id")
        if client_id not in self.oauth_clients:
            return 401, {"error": "invalid_client"}
        secret = form.get("client_secret")
        if secret is not None and secret != self.oauth_clients[client_id]:
            return 401, {"error": "invalid_client"}
        if grant == "authorization_code":
            with self._lock:
                grant_info = self._codes.pop(form.get("code", ""), None)
            if grant_info is None or grant_info["client_id"] != client_id or grant_info["redirect_uri"] != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant"}
            if grant_info["challenge"]:
                verifier = form.get("code_verifier") or ""
                if grant_info["method"] == "S256":
                    digest = hashlib.sha256(verifier.encode()).digest()
                    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                else:
                    computed = verifier
                if computed != grant_info["challenge"]:
                    return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
            elif secret is None:
                return 401, {"error": "invalid_client", "error_description": "client_secret or PKCE required"}
            refresh = self._new_refresh(client_id)
            answer = self._issue(context, issuer, webapi_url)
            answer["refresh_token"] = refresh
            return 200, answer
        if grant == "refresh_token":
            with self._lock:
                owner = self._refresh.get(form.get("refresh_token", ""))
                if owner == client_id and self.rotate_refresh_tokens:
                    del self._refresh[form["refresh_token"]]
            if owner != client_id:
                return 400, {"error": "invalid_grant"}
            answer = self._issue(context, issuer, webapi_url)
            if self.rotate_refresh_tokens:
                answer["refresh_token"] = self._new_refresh(client_id)
            return 200, answer
        return 400, {"error": "unsupported_grant_type"}

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

    def _issue(self, context, issuer, webapi_url) -> dict:
        access = "8A:" + secrets.token_urlsafe(24)
        with self._lock:
            self.bearer_tokens.add(access)
            self.issued_tokens.append(access)
        id_token = self._jwt({
            "http://schemes.superoffice.net/identity/ctx": context,
            "http://schemes.superoffice.net/identity/webapi_url": webapi_url + "/api/",
        }, issuer)
        return {"access_token": access, "token_type": "Bearer", "expires_in": 3600, "id_token": id_token}


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
