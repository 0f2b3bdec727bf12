"""A SuperOffice Web API emulator: a real HTTP server on 127.0.0.1, seeded from a snapshot document.

    with Emulator(document) as emu:
        emu.base_url        http://127.0.0.1:PORT/Cust12345   (the API is at base_url + /api/v1)
        emu.target          superoffice:http://127.0.0.1:PORT/Cust12345
        emu.env()           the SUPEROFFICE_* variables it accepts (ticket + app token)
        emu.document()      the current state, as a snapshot document
        emu.requests        [(method, path, status), ...]  (status 0: dropped, no answer)
        emu.inject(...)     fault injection (faults.py)
        emu.relocate("sod3")  the tenant moves: its old host path answers 421, api/state the new one
        emu.reset(document) a fresh state (faults and the request log cleared too)

Paths served: /[host/]CustNNNNN/api/v1/..., /api/state/CustNNNNN, and the login services of
login.py (/Login/api/PartnerSystemUser/Authenticate, /login/.well-known/jwks and
openid-configuration, /login/common/oauth/authorize, /tokens and /revoke).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import namedtuple
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from tests.emulator import api_routes
from tests.emulator.faults import Fault, FaultPlan, is_write
from tests.emulator.login import DEFAULT_APP_TOKEN, DEFAULT_TICKET, Login
from tests.emulator.state import ApiError, TenantState

Request = namedtuple("Request", "method path status")

RUNNING_STATES = ("Running", "OnlineMaintenance")
_TENANT_PATH = re.compile(r"^/(?:(?P<host>[A-Za-z0-9-]+)/)?(?P<cust>Cust\d+)/api/v1(?P<rest>/.*)?$")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx uses it
    disable_nagle_algorithm = True  # without this every keep-alive request costs ~40 ms
    server_version = "SuperOfficeEmulator/1.0"

    def log_message(self, format, *args):  # quiet: the request log is emu.requests
        pass

    def _go(self):
        self.server.emulator._handle(self, self.command)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _go


class Emulator:
    def __init__(self, document: dict | None = None, *, port: int = 0, tenant: str | None = None,
                 groups_and_headings: bool | None = None, automation: bool = True, variants=frozenset()):
        self._seed = document or {}
        self._options = {"groups_and_headings": groups_and_headings, "automation": automation, "variants": variants}
        self._lock = threading.RLock()
        self.state = TenantState(self._seed, **self._options)
        self.tenant = tenant or self.state.context
        self.login = Login()
        self.faults = FaultPlan()
        self.requests: list[Request] = []
        self.host = ""  # the current host path ("" = none: base_url is /CustNNNNN)
        self.stale_hosts: set[str] = set()
        self.tenant_state = "Running"
        self.state_valid_for = 3600.0  # seconds until ValidUntil
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -----------------------------------------------------------------------------

    def start(self) -> Emulator:
        self._server = _Server(("127.0.0.1", self._port), _Handler)
        self._server.emulator = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="so-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        host = f"/{self.host}" if self.host else ""
        return f"{self.root_url}{host}/{self.tenant}"

    @property
    def target(self) -> str:
        return "superoffice:" + self.base_url

    # -- for tests ------------------------------------------------------------------------------

    def document(self) -> dict:
        with self._lock:
            doc = self.state.document()
        doc["ContextIdentifier"] = self.tenant
        return doc

    def reset(self, document: dict | None = None, *, groups_and_headings: bool | None = None, automation: bool = True,
              variants=frozenset()):
        """A fresh state; `variants` (state.VARIANTS) make it answer differently from the reference."""
        with self._lock:
            if document is not None:
                self._seed = document
            self._options = {"groups_and_headings": groups_and_headings, "automation": automation, "variants": variants}
            self.state = TenantState(self._seed, **self._options)
            self.tenant = self.state.context
            self.faults.clear()
            self.requests = []
            self.host = ""
            self.stale_hosts = set()
            self.tenant_state = "Running"
            self.state_valid_for = 3600.0
            self.login = Login()

    def inject(self, kind: str, **params) -> Fault:
        return self.faults.add(Fault(kind, **params))

    def clear_faults(self):
        self.faults.clear()

    def relocate(self, host: str):
        """The tenant moves to another host path; the old one answers 421 from now on."""
        with self._lock:
            self.stale_hosts.add(self.host)
            self.stale_hosts.discard(host)
            self.host = host

    def env(self) -> dict:
        """The environment variables of the default ticket credentials."""
        return {"SUPEROFFICE_TICKET": DEFAULT_TICKET, "SUPEROFFICE_APP_TOKEN": DEFAULT_APP_TOKEN}

    def api_requests(self, method: str | None = None) -> list[Request]:
        return [r for r in list(self.requests) if "/api/v1/" in r.path and (method is None or r.method == method)]

    def writes(self) -> list[Request]:
        return [r for r in self.api_requests() if is_write(r.method, r.path)]

    # -- one request ----------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler, method: str):
        url = urlsplit(h.path)
        path = url.path
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        latency, fault = self.faults.pick(method, path)
        if latency:
            time.sleep(latency)
        if fault is not None and fault.kind in ("drop", "timeout") and not fault.apply:
            if fault.kind == "timeout":
                time.sleep(fault.seconds)
            self._log(method, path, 0)
            h.close_connection = True
            return
        if fault is not None and fault.kind not in ("drop", "timeout"):
            status, headers, body = self._fault_answer(fault)
        else:
            status, headers, body = self._route(method, path, query, raw, h.headers)
        if fault is not None and fault.kind == "drop":  # carried out, then the line went dead
            self._log(method, path, 0)
            h.close_connection = True
            return
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.seconds)
        self._log(method, path, status)
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            for start in range(0, len(body), 1 << 20):
                h.wfile.write(body[start:start + (1 << 20)])
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True

    def _log(self, method, path, status):
        with self._lock:
            self.requests.append(Request(method, path, status))

    def _fault_answer(self, fault: Fault):
        if fault.kind == "status":
            headers = {"Content-Type": "application/json; charset=utf-8"}
            if fault.retry_after is not None:
                headers["Retry-After"] = str(fault.retry_after)
            return fault.status, headers, _error_body(f"Injected failure (HTTP {fault.status})", "InjectedFault")
        if fault.kind == "html":
            page = (f"<!DOCTYPE html><html><head><title>{fault.status} Service Error</title></head>"
                    f"<body><h1>Something went wrong</h1><p>Please try again later.</p></body></html>")
            return fault.status, {"Content-Type": "text/html; charset=utf-8"}, page.encode()
        if fault.kind == "malformed":
            return 200, {"Content-Type": "application/json; charset=utf-8"}, b'{"Id": 1, "Name": "Trunc'
        if fault.kind == "huge":
            body = b"[" + b"0," * (fault.size // 2) + b"0]"
            return 200, {"Content-Type": "application/json; charset=utf-8"}, body
        if fault.kind == "redirect":
            return 302, {"Location": fault.location}, b""
        if fault.kind == "shape":
            return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(fault.body).encode()
        raise ValueError(fault.kind)

    def _route(self, method, path, query, raw, headers):
        try:
            low = path.lower()
            if low.startswith("/api/state/"):
                return _json(200, self._tenant_state(path.rsplit("/", 1)[-1]))
            answer = self.login.route(method, path, query, raw, self.root_url, self.tenant, self.base_url)
            if answer is not None:  # the login services (login.py)
                return answer
            m = _TENANT_PATH.match(path)
            if not m or m.group("cust").lower() != self.tenant.lower():
                raise ApiError(404, f"No tenant at {path}", "NotFound")
            host = m.group("host") or ""
            if host in self.stale_hosts or host not in ("", self.host):
                raise ApiError(421, "Misdirected Request: this tenant is not served here", "MisdirectedRequest")
            why = self.login.check(headers)
            if why:
                status, hdrs, body = _json(401, _error(why, "SoAuthenticationException"))
                hdrs["WWW-Authenticate"] = 'Basic realm="SuperOffice Username or Ticket"'
                return status, hdrs, body
            body = _parse_json(raw)
            with self._lock:
                status, answer = api_routes.dispatch(self.state, method, m.group("rest") or "/", query, body)
            language = _language(headers)
            if language:
                answer = api_routes.translate(answer, language)
            if status == 204:
                return 204, {}, b""
            return _json(status, answer)
        except ApiError as exc:
            return _json(exc.status, _error(exc.message, exc.error_type))

    def _tenant_state(self, cust):
        if cust.lower() != self.tenant.lower():
            raise ApiError(404, f"Unknown tenant {cust}", "NotFound")
        valid = datetime.now(timezone.utc) + timedelta(seconds=self.state_valid_for)
        endpoint = self.base_url
        return {
            "ContextIdentifier": self.tenant,
            "Endpoint": endpoint,
            "State": self.tenant_state,
            "IsRunning": self.tenant_state in RUNNING_STATES,
            "ValidUntil": valid.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z",  # .NET's 7 digits
            "Api": endpoint + "/api",
        }


def _error(message, error_type) -> dict:
    return {"Error": True, "ErrorType": error_type, "ErrorMessage": message, "ErrorSource": "SuperOffice.Services.Implementation"}


def _error_body(message, error_type) -> bytes:
    return json.dumps(_error(message, error_type)).encode()


def _json(status, obj):
    return status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(obj, ensure_ascii=False).encode("utf-8")


def _parse_json(raw: bytes):
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "The request body is not valid JSON", "SerializationException") from None


def _language(headers) -> str | None:
    """The language to translate multi-language strings into; None = raw (SO-Language: x or *)."""
    so = (headers.get("SO-Language") or "").strip()
    if so:
        return None if so in ("x", "*") else so.lower()
    accept = (headers.get("Accept-Language") or "").split(",")[0].split(";")[0].strip()
    return accept.lower() or None
