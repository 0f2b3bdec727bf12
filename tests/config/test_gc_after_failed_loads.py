"""load_config leaves the GC as it found it after a load that fails too (test_gc_scope.py has the
good and the large loads): on when it was on, off when the caller had it off, nothing frozen; and
the GC is paused while the file is parsed."""

from __future__ import annotations

import gc

import pytest

from leadconf.config.loader import load_config
from leadconf.errors import ConfigError

GOOD = """\
version: 1
company_categories:
  items:
    - name: Lead
      group: potential_customer
"""
BAD = GOOD.replace("potential_customer", "bogus")
DEEP = "version: 1\nx: " + "[" * 5000 + "]" * 5000 + "\n"


@pytest.fixture
def gc_state():
    was, frozen = gc.isenabled(), gc.get_freeze_count()
    yield
    (gc.enable if was else gc.disable)()
    assert gc.get_freeze_count() == frozen, "load_config froze objects"


def _load(write, text):
    try:
        load_config([write("leadconf.yaml", text)], env={})
    except ConfigError:
        return False
    return True


@pytest.mark.parametrize("text, loads", [(GOOD, True), (BAD, False), (DEEP, False)], ids=["good", "refused", "too-deep"])
def test_gc_is_on_after_a_load_when_it_was_on(write, gc_state, text, loads):
    gc.enable()
    assert _load(write, text) is loads
    assert gc.isenabled()


@pytest.mark.parametrize("text, loads", [(GOOD, True), (BAD, False), (DEEP, False)], ids=["good", "refused", "too-deep"])
def test_gc_stays_off_after_a_load_when_the_caller_had_it_off(write, gc_state, text, loads):
    gc.disable()
    assert _load(write, text) is loads
    assert not gc.isenabled()


def test_gc_is_paused_while_the_file_is_parsed(write, gc_state, monkeypatch):
    from leadconf.config import loader

    seen = []
    real = loader._load

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(loader, "_load", spy)
    gc.enable()
    assert _load(write, GOOD)
    assert seen == [False] and gc.isenabled()
