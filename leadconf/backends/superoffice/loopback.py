"""The redirect target of `leadconf login`: a one-shot HTTP listener on http://127.0.0.1:PORT.

The Native app template registers `^http://127.0.0.1\\:\\d{4,10}$` as the allowed redirect URL
(developer-portal/create-app/native-app.md): no path, a port of 4 to 10 digits. So the redirect URI
is exactly `http://127.0.0.1:PORT`, answered on `/`. The login page may come back by form POST
(response_mode=form_post, what api/authentication/online/sign-in-user/native-apps.md uses; the body
holds code and state) or by GET (response_mode=query): "can be configured as POST or GET"
(developer-portal/create-app/config/redirects.md). Both are answered.

A request to / carrying neither state, code nor error (a browser's favicon or a stray visit) is
answered and ignored. So is an answer whose state is not this login's (any local process or web
page can post to the port): it gets a 400 and the listener keeps waiting, up to the login's
timeout, whose message then says how many such answers were refused. The first answer with the
right state decides.
"""

from __future__ import annotations

import hmac
import os
import socketserver
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

from leadconf.backends.superoffice import redact
from leadconf.errors import AuthError, TargetError

MIN_PORT = 1000  # the template's \d{4,10}
MAX_FORM = 64 * 1024  # a form_post body is a code and a state; anything larger is not the login page


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>leadconf login</title></head>
<body style="font-family: sans-serif; margin: 3em"><h1>{title}</h1><p>{text}</p></body></html>
"""


class Outcome:
    def __init__(self, code: str | None = None, error: str | None = None, final: bool = True):
        self.code = code
        self.error = error
        self.final = final  # False: not this login's answer (wrong state); the listener keeps waiting


class _Handler(BaseHTTPRequestHandler):
    timeout = 10  # a connection that sends nothing does not hold the listener
    server_version = "leadconf-login"
    sys_version = ""
    server: _CallbackServer

    def log_message(self, format, *args):  # never: the query holds the authorization code
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        self._answer(parts.path, parse_qs(parts.query, keep_blank_values=True))

    def do_POST(self):
        parts = urlsplit(self.path)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        length = self.headers.get("Content-Length") or ""
        if ctype != "application/x-www-form-urlencoded" or not length.isdigit() or int(length) > MAX_FORM:
            self._page(400, "Not a sign-in answer", "This is leadconf's sign-in listener.")
            return
        body = self.rfile.read(int(length)).decode("utf-8", "replace")
        self._answer(parts.path, parse_qs(body, keep_blank_values=True))

    def _answer(self, path: str, fields: dict):
        if path != "/":
            self._page(404, "Not found", "This is leadconf's sign-in listener; it only answers the login redirect.")
            return
        if not any(name in fields for name in ("state", "code", "error")):
            self._page(400, "Not a sign-in answer", "This is leadconf's sign-in listener; it waits for the login redirect.")
            return
        outcome = self.server.judge(fields)
        try:
            if outcome.code is not None:
                self._page(200, "Signed in", "leadconf received the sign-in. You can close this tab and return to the terminal.")
            else:
                text = (outcome.error or "")[:1].upper() + (outcome.error or "")[1:]
                self._page(400, "Sign-in failed", _html_escape(text) + ". Return to the terminal.")
        finally:
            self.server.deliver(outcome)  # after the page: the command may end as soon as it knows

    def _page(self, status: int, title: str, text: str):
        body = _PAGE.format(title=title, text=text).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


def printable(text: str, limit: int = 200) -> str:
    """Text from the redirect, safe to show in a terminal: no control characters, bounded."""
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
    judge: Callable[[dict], Outcome]
    deliver: Callable[[Outcome], None]

    def server_bind(self):
        # HTTPServer.server_bind looks the host name up (socket.getfqdn), which can stall on DNS
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def handle_error(self, request, client_address):  # a broken connection is not worth a traceback
        pass


class CallbackListener:
    """The one-shot redirect target: http://127.0.0.1:PORT (no path)."""

    def __init__(self, state: str, port: int = 0):
        self._state = state
        self.outcome: Outcome | None = None
        self.refused = 0  # answers with another state, refused while waiting
        self._delivered = threading.Lock()
        if port and port < MIN_PORT:
            raise TargetError(f"--port {port}: the registered redirect allows ports of 4 to 10 digits; use {MIN_PORT} or higher")
        try:
            self._server = _CallbackServer(("127.0.0.1", port), _Handler)
        except OSError as exc:
            raise TargetError(f"cannot listen on 127.0.0.1:{port} for the sign-in redirect ({exc.strerror or exc}); "
                              "choose another --port") from None
        self._server.judge = self._judge
        self._server.deliver = self._deliver

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _judge(self, fields: dict) -> Outcome:
        def one(name):
            values = fields.get(name) or []
            return values[0] if len(values) == 1 else None

        state = one("state")
        code = one("code")
        redact.register(code)
        if state is None or not hmac.compare_digest(state.encode(), self._state.encode()):
            return Outcome(error="the sign-in answer does not belong to the login waiting here "
                                 "(its state does not match): refused", final=False)
        if one("error") is not None:
            detail = printable(one("error_description") or "")
            return Outcome(error=f"the login service refused the sign-in: {printable(one('error'))}"
                                 + (f" ({detail})" if detail else ""))
        if not code:
            return Outcome(error="the sign-in answer has no authorization code")
        return Outcome(code=code)

    def _deliver(self, outcome: Outcome) -> None:
        with self._delivered:
            if not outcome.final:
                self.refused += 1
            elif self.outcome is None:  # the first answer counts; the listener closes after it
                self.outcome = outcome

    def wait(self, timeout: float, clock: Callable[[], float] = time.monotonic) -> str:
        """The authorization code; AuthError for a refused, failed or missing answer."""
        deadline = clock() + timeout
        while self.outcome is None:
            if clock() >= deadline and self.refused:
                raise AuthError(f"no sign-in within {timeout:g} s: {self.refused} answer(s) to {self.redirect_uri} "
                                "were refused as not this login's (their state does not match); "
                                "run `leadconf login` again")
            if clock() >= deadline:
                raise AuthError(
                    f"no sign-in within {timeout:g} s: the browser never came back to {self.redirect_uri}. "
                    f"If the login page showed an error about the redirect, the app must allow {self.redirect_uri} "
                    "(the Native app template's ^http://127.0.0.1\\:\\d{4,10}$ does, or register that exact "
                    "URL); otherwise run `leadconf login` again (--timeout to wait longer)"
                )
            self._server.handle_request()
        if self.outcome.code is None:
            raise AuthError(redact.redact(self.outcome.error or "") + "; run `leadconf login` again")
        return self.outcome.code

    def close(self) -> None:
        self._server.server_close()

    def __enter__(self) -> CallbackListener:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
