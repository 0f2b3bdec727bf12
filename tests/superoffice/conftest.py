"""Fixtures of the SuperOffice backend tests: the emulator (tests/emulator) seeded with tenant.json."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

# The emulator's fixtures (emulator, emulator_factory) come from tests/emulator/fixtures.py,
# registered for the whole suite in tests/conftest.py.

TENANT = json.loads((Path(__file__).with_name("tenant.json")).read_text(encoding="utf-8"))


@pytest.fixture
def tenant_doc() -> dict:
    return copy.deepcopy(TENANT)


@pytest.fixture
def so(emulator_factory, tenant_doc):
    """The emulator seeded with tenant.json (groups and headings on, Marketing Premium)."""
    return emulator_factory(tenant_doc)


class Sleeps(list):
    """An injected sleep: records the waits instead of sleeping."""

    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def open_backend(sleeps):
    """open_backend(emu_or_rest, **options): a backend that is closed after the test."""
    from leadconf.backends.superoffice import open_superoffice

    opened = []

    def make(target, **options):
        rest = target.base_url if hasattr(target, "base_url") else target
        options.setdefault("sleep", sleeps)
        backend = open_superoffice(rest, **options)
        opened.append(backend)
        return backend

    yield make
    for backend in opened:
        backend.close()
