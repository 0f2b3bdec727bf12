"""What every kind of credentials is: the headers of an API request, and how they are renewed.

auth.py (environment variables, the system user) and oauth.py (the saved login of `leadconf login`)
both build on these classes; neither imports the other's internals.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from leadconf.backends.superoffice import redact


class LoginHttp(Protocol):
    """The client's unauthenticated JSON calls, which the login flows use (client.ApiClient)."""

    def get_json(self, url: str, what: str = "") -> Any: ...

    def post_json(self, url: str, json: Any = None, data: Any = None, what: str = "") -> Any: ...


class Credentials:
    """Produces the auth headers of an API request; `renew()` gets fresh ones after a 401."""

    kind = "none"
    renewable = False

    def __init__(self, app_token: str | None = None):
        self._app_token = app_token
        self._http: LoginHttp | None = None
        redact.register(app_token)

    def bind(self, http: LoginHttp) -> None:
        """Give the login flows the client's unauthenticated JSON calls (post_json/get_json)."""
        self._http = http

    @property
    def http(self) -> LoginHttp:
        if self._http is None:
            raise RuntimeError(f"{type(self).__name__} is not bound to a client")
        return self._http

    def headers(self) -> dict:
        h = self._auth_headers()
        if self._app_token:
            h["SO-AppToken"] = self._app_token
        return h

    def _auth_headers(self) -> dict:
        raise NotImplementedError

    def renew(self, failed: dict | None = None) -> bool:
        """Fresh credentials after a 401; `failed`: the headers the refused request carried."""
        return False

    def __repr__(self) -> str:  # never the values
        return f"<{type(self).__name__} {self.kind}>"


class StaticCredentials(Credentials):
    def __init__(self, kind: str, authorization: str, app_token: str | None = None):
        super().__init__(app_token)
        self.kind = kind
        self._authorization = authorization
        redact.register(authorization, authorization.split(" ", 1)[-1])

    def _auth_headers(self) -> dict:
        return {"Authorization": self._authorization}


class RenewingCredentials(Credentials):
    """Obtains its Authorization value lazily, and again (once per request) after a 401."""

    renewable = True

    def __init__(self, app_token: str | None = None):
        super().__init__(app_token)
        self._value: str | None = None
        self._lock = threading.Lock()

    def _auth_headers(self) -> dict:
        with self._lock:
            if self._value is None or self._expired():
                self._value = self._obtain(force=False)
                redact.register(self._value, self._value.split(" ", 1)[-1])
            return {"Authorization": self._value}

    def renew(self, failed: dict | None = None) -> bool:
        with self._lock:
            if failed is not None and self._value is not None and failed.get("Authorization") != self._value:
                return True  # another thread's 401 renewed them meanwhile: one login, not one per thread
            self._value = self._obtain(force=True)
            redact.register(self._value, self._value.split(" ", 1)[-1])
        return True

    def _expired(self) -> bool:
        """True when the value in hand should be replaced before it is sent (its lifetime passed)."""
        return False

    def _obtain(self, force: bool) -> str:
        raise NotImplementedError
