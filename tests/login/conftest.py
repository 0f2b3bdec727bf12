"""Fixtures of the `leadconf login` tests: the emulator with no SUPEROFFICE_* credentials at all,
the file store in a temporary XDG_CONFIG_HOME, and a simulated browser."""

from __future__ import annotations

import html
import os
import re
import threading
import webbrowser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from tests.emulator import DEFAULT_CLIENT


class Browser:
    """Plays the user's browser: GETs the authorize URL at the emulator, then follows its answer to
    leadconf's listener: a 302 (response_mode=query) by GET, or the auto-submitting form of
    form_post by POST. In a thread, as webbrowser.open returns at once. `tweak_authorize(url)`
    changes the authorize URL and `tweak_callback(fields) -> fields` the answer's fields (code,
    state, error) on the way, as an attacker or a stale tab would."""

    def __init__(self):
        self.tweak_authorize = None
        self.tweak_callback = None
        self.opened: list[str] = []
        self.pages: list[httpx.Response] = []
        self.codes: list[str] = []
        self.callbacks: list[tuple[str, str]] = []  # (method, URL) of each request to the listener
        self.errors: list[BaseException] = []
        self._threads: list[threading.Thread] = []

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
        thread.start()
        self._threads.append(thread)
        return True

    def _visit(self, url):
        try:
            if self.tweak_authorize:
                url = self.tweak_authorize(url)
            with httpx.Client(follow_redirects=False, timeout=10) as client:
                response = client.get(url)
                if response.is_redirect:
                    location = response.headers["location"]
                    parts = urlsplit(location)
                    fields = self._fields(dict(parse_qsl(parts.query)))
                    response = client.get(urlunsplit(parts._replace(query=urlencode(fields))))
                    self.callbacks.append(("GET", location.split("?")[0]))
                elif response.status_code == 200 and "<form" in response.text:
                    action, fields = _form(response.text)
                    response = client.post(action, data=self._fields(fields))
                    self.callbacks.append(("POST", action))
                self.pages.append(response)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.errors.append(exc)

    def _fields(self, fields: dict) -> dict:
        if "code" in fields:
            self.codes.append(fields["code"])
        return self.tweak_callback(dict(fields)) if self.tweak_callback else fields

    def join(self):
        for thread in self._threads:
            thread.join(10)


def _form(page: str) -> tuple[str, dict]:
    action = html.unescape(re.search(r'<form method="post" action="([^"]*)"', page).group(1))
    fields = {html.unescape(k): html.unescape(v) for k, v in re.findall(r'name="([^"]*)" value="([^"]*)"', page)}
    return action, fields


@pytest.fixture
def emu(emulator, monkeypatch, tmp_path):
    """The emulator, with the client id of its OAuth app and no other credentials in the environment."""
    for name in list(os.environ):
        if name.startswith("SUPEROFFICE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SUPEROFFICE_CLIENT_ID", DEFAULT_CLIENT[0])
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("LEADCONF_KEYRING", "0")
    return emulator


@pytest.fixture
def browser(monkeypatch):
    b = Browser()
    monkeypatch.setattr(webbrowser, "open", b)
    yield b
    b.join()


@pytest.fixture
def cred_file(tmp_path):
    return tmp_path / "config" / "leadconf" / "credentials.json"
