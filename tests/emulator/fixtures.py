"""pytest fixtures for the emulator (register with pytest_plugins = ["tests.emulator.fixtures"]).

    emulator          the session's server, reset per test and seeded from
                      examples/tenants/new-database.json; SUPEROFFICE_TICKET/APP_TOKEN set to what
                      it accepts, every other SUPEROFFICE_* variable removed, no rate limit, and
                      XDG_CACHE_HOME in a temporary folder (the target lock lives there)
    emulator_factory  emulator_factory(document, groups_and_headings=None, automation=True, variants=())
                      reseeds the same server from any document and returns it

One server for the whole session: starting one per test would cost a thread and a port each; the
state, faults, request log and login state are reset instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.emulator.server import Emulator

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SEED = ROOT / "examples" / "tenants" / "new-database.json"

ENV_TO_CLEAR = (
    "SUPEROFFICE_TICKET", "SUPEROFFICE_APP_TOKEN", "SUPEROFFICE_ACCESS_TOKEN", "SUPEROFFICE_SYSTEM_TOKEN",
    "SUPEROFFICE_PRIVATE_KEY", "SUPEROFFICE_CLIENT_SECRET", "SUPEROFFICE_CLIENT_ID", "SUPEROFFICE_REFRESH_TOKEN",
    "SUPEROFFICE_USERNAME", "SUPEROFFICE_PASSWORD", "SUPEROFFICE_CA_BUNDLE", "LEADCONF_SUPEROFFICE_STATE_URL",
)


def default_document() -> dict:
    with open(DEFAULT_SEED, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="session")
def emulator_server():
    emu = Emulator(default_document())
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def emulator_factory(emulator_server, monkeypatch, tmp_path):
    for name in ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)

    def make(document: dict | None = None, **options) -> Emulator:
        emulator_server.reset(document if document is not None else default_document(), **options)
        for name, value in emulator_server.env().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("LEADCONF_RATE_LIMIT", "1000")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        return emulator_server

    yield make
    emulator_server.reset()


@pytest.fixture
def emulator(emulator_factory) -> Emulator:
    return emulator_factory()
