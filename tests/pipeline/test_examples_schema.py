"""Every example config carries the yaml-language-server schema line, the line points at the
published schema, and a second, independent validator (check-jsonschema) accepts every example
against that schema."""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys

import pytest

from tests.pipeline.ci_sim import ROOT

SCHEMA = os.path.join(ROOT, "schemas", "leadconf.schema.json")
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "examples", "*.yaml")) + glob.glob(os.path.join(ROOT, "examples", "*.yml")))
SCHEMA_LINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$")


def _rel(path):
    return os.path.relpath(path, ROOT)


def test_the_schema_and_the_examples_exist():
    assert os.path.isfile(SCHEMA), "schemas/leadconf.schema.json is missing"
    assert len(EXAMPLES) >= 3, [_rel(p) for p in EXAMPLES]  # English, Dutch, every key (issue 2)


def _schema_ref(path):
    with open(path, encoding="utf-8") as fh:
        head = [next(fh, "") for _ in range(5)]
    for line in head:
        m = SCHEMA_LINE.match(line.rstrip("\n"))
        if m:
            return m.group(1)
    return None


@pytest.mark.parametrize("path", EXAMPLES, ids=_rel)
def test_example_has_a_schema_line_that_resolves(path):
    ref = _schema_ref(path)
    assert ref, f"{_rel(path)}: no '# yaml-language-server: $schema=' line in its first lines"
    assert "://" not in ref, f"{_rel(path)}: {ref} cannot be opened from a checkout; use a relative path"
    resolved = os.path.normpath(os.path.join(os.path.dirname(path), ref))
    assert os.path.isfile(resolved), f"{_rel(path)}: {ref} does not exist"
    assert os.path.samefile(resolved, SCHEMA), f"{_rel(path)}: {ref} is not schemas/leadconf.schema.json"


def _check_jsonschema(*args):
    return subprocess.run([sys.executable, "-m", "check_jsonschema", *args], capture_output=True, text=True,
                          timeout=120)


def test_schema_is_valid_under_its_metaschema():
    proc = _check_jsonschema("--check-metaschema", SCHEMA)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_example_passes_check_jsonschema():
    assert EXAMPLES
    proc = _check_jsonschema("--schemafile", SCHEMA, *EXAMPLES)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


def test_check_jsonschema_rejects_a_broken_example(tmp_path):
    """The check above can fail: the same validator, the same schema, an example with a wrong key."""
    assert EXAMPLES
    with open(EXAMPLES[0], encoding="utf-8") as fh:
        text = fh.read()
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("version: 1", "version: 1\nno_such_section: true", 1), encoding="utf-8")
    proc = _check_jsonschema("--schemafile", SCHEMA, str(broken))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "no_such_section" in proc.stdout
