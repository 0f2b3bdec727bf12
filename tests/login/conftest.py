"""Fixtures of the `leadconf login` tests: the emulator with no SUPEROFFICE_* credentials at all,
the file store in a temporary XDG_CONFIG_HOME, and a simulated browser."""

from __future__ import annotations

import os
import threading
import webbrowser
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.emulator import DEFAULT_CLIENT


class Browser:
    """Plays the user's browser: GETs the authorize URL at the emulator and follows its redirect to
    leadconf's listener, in a thread (as webbrowser.open returns at once). `tweak_authorize(url)` and
    `tweak_callback(location)` change a URL on the way, as an attacker or a stale tab would."""

    def __init__(self):
        self.tweak_authorize = None
        self.tweak_callback = None
        self.opened: list[str] = []
        self.pages: list[httpx.Response] = []
        self.codes: list[str] = []
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
                while response.is_redirect:
                    location = response.headers["location"]
                    self.codes += parse_qs(urlsplit(location).query).get("code", [])
                    if self.tweak_callback and "/callback" in location:
                        location = self.tweak_callback(location)
                    response = client.get(location)
                self.pages.append(response)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.errors.append(exc)

    def join(self):
        for thread in self._threads:
            thread.join(10)


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
