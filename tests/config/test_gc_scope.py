"""load_config pauses the cyclic GC while it parses, and only then: the caller's setting comes back,
and nothing is frozen out of the GC's sight for the rest of the process (it once called
gc.freeze() after a large load and left it so)."""

from __future__ import annotations

import gc

import pytest

from leadconf.config.loader import load_config
from leadconf.errors import ConfigError

BIG = 1_200_000  # over the 1 MiB above which the loader used to freeze the GC


def _big_config(path):
    line = "    - {{name: Category {i:06d}, description: {text}}}\n"
    text = "x" * 200
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("version: 1\ncompany_categories:\n  items:\n")
        size, i = 0, 0
        while size < BIG:
            row = line.format(i=i, text=text)
            fh.write(row)
            size, i = size + len(row), i + 1
    return str(path)


@pytest.mark.parametrize("enabled", [True, False])
def test_a_large_load_leaves_the_gc_as_it_found_it(tmp_path, enabled):
    path = _big_config(tmp_path / "big.yaml")
    frozen = gc.get_freeze_count()
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        seen = []
        real_disable = gc.disable

        def watch():
            seen.append("paused")
            real_disable()

        gc.disable = watch
        try:
            loaded = load_config([path], env={})
        finally:
            gc.disable = real_disable
        assert gc.isenabled() is enabled
        assert seen == ["paused"], "the GC is paused for the load"
    finally:
        gc.enable() if was else gc.disable()
    assert len(loaded.config.company_categories.items) > 4000
    assert gc.get_freeze_count() == frozen, "nothing was frozen"


def test_a_failed_load_restores_the_gc_too(write):
    assert gc.isenabled()
    with pytest.raises(ConfigError):
        load_config([write("bad.yaml", "version: 1\ncompany_categories: {items: [{name: 1}]}\n")], env={})
    assert gc.isenabled()
