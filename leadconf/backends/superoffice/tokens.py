"""SuperOffice's signed tokens, verified with PyJWT as `validate-security-tokens.md` says.

| token | issuer | audience | key |
|---|---|---|---|
| the id_token of `leadconf login` (OpenID Connect) | https://{env}.superoffice.com (the login root) | the app's client id | the jwks |
| the system user's JWT | "SuperOffice AS" | "spn:{serial claim}" | the jwks |

(docs/en/api/authentication/online/validate-security-tokens.md, "Validation parameters"; the jwks
at {login root}/login/.well-known/jwks, api.md and the same page's samples.) Signature (RS256, the
only algorithm the metadata lists), issuer, audience and expiry are always checked, with a minute of
clock leeway; the nonce when one was sent. The claims are SuperOffice's, prefixed with
http://schemes.superoffice.net/identity/.

PyJWT (the `leadconf[superoffice]` extra) is imported only when a token is verified.
"""

from __future__ import annotations

from typing import Any

from leadconf.backends.superoffice import redact
from leadconf.errors import AuthError, TargetError

CLAIMS = "http://schemes.superoffice.net/identity/"
TICKET_CLAIM = CLAIMS + "ticket"
CTX_CLAIM = CLAIMS + "ctx"
SERIAL_CLAIM = CLAIMS + "serial"
SYSTEM_USER_ISSUER = "SuperOffice AS"
ALGORITHMS = ["RS256"]  # id_token_signing_alg_values_supported
LEEWAY = 60.0  # seconds of clock difference tolerated on exp, nbf and iat


def _jwt():
    try:
        import jwt
    except ImportError:
        raise TargetError("verifying SuperOffice's tokens needs PyJWT: pip install 'leadconf[superoffice]'") from None
    return jwt


def unverified_claims(token: str) -> dict:
    """The payload, not yet trusted: only to find which audience to check (the system user's serial)."""
    jwt = _jwt()
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    return claims if isinstance(claims, dict) else {}


def verify(token: Any, jwks: Any, *, issuer: str, audience: str, what: str, where: str,
           nonce: str | None = None, require: tuple[str, ...] = ("exp", "iss", "aud")) -> dict:
    """The token's claims once its signature, issuer, audience, expiry (and nonce) check out;
    AuthError naming what failed otherwise. `where`: the jwks URL, for the message."""
    jwt = _jwt()
    if not isinstance(token, str) or token.count(".") != 2:
        raise AuthError(f"{what} is missing or not a JWT: nothing was trusted")
    redact.register(token)
    key = _signing_key(jwt, token, jwks, what, where)
    try:
        claims = jwt.decode(token, key, algorithms=ALGORITHMS, audience=audience, issuer=issuer,
                            leeway=LEEWAY, options={"require": list(require)})
    except jwt.PyJWTError as exc:
        raise AuthError(f"{what} did not verify ({_why(jwt, exc, issuer, audience)}): nothing was trusted") from None
    if nonce is not None and claims.get("nonce") != nonce:
        raise AuthError(f"{what} did not verify (its nonce is not the one this login sent: a replayed token?): "
                        "nothing was trusted")
    return claims


def _signing_key(jwt, token: str, jwks: Any, what: str, where: str):
    try:
        keys = jwt.PyJWKSet.from_dict(jwks).keys
        kid = jwt.get_unverified_header(token).get("kid")
    except (jwt.PyJWTError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise AuthError(f"cannot verify {what}: bad signing keys at {where} or a malformed token "
                        f"({type(exc).__name__})") from None
    matching = [k for k in keys if kid is None or k.key_id == kid]
    if not matching:
        raise AuthError(f"{what} did not verify (signed with key {str(kid)[:40]!r}, which {where} does not list): "
                        "nothing was trusted")
    return matching[0].key


def _why(jwt, exc: Exception, issuer: str, audience: str) -> str:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "it has expired"
    if isinstance(exc, jwt.InvalidAudienceError):
        return f"its audience is not {audience!r}"
    if isinstance(exc, jwt.InvalidIssuerError):
        return f"its issuer is not {issuer!r}"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "the signature does not match the login service's keys"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"it has no {exc.claim!r} claim"
    return redact.redact(f"{type(exc).__name__}: {exc}")[:200]


def check_tenant(claims: dict, expected: str, what: str, target: str) -> str:
    """The ctx claim (the tenant signed in to); AuthError when the target names another or it is missing."""
    context = claims.get(CTX_CLAIM)
    context = context if isinstance(context, str) else ""
    if not expected:
        return context
    if not context:
        raise AuthError(f"{what} names no tenant (no ctx claim), so it cannot be shown to be for {expected} "
                        f"({target}): nothing was saved")
    if context.lower() != expected.lower():
        raise AuthError(f"you signed in to tenant {context}, but the target is {target} (tenant {expected}): "
                        f"nothing was saved; run `leadconf login` again and pick {expected}, or use the target of {context}")
    return context
