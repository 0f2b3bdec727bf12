"""The README's examples run: its configs validate against the bundled tenant, its snapshot is a
snapshot, its plan is the main job's plan, its command list is the CLI's; and every release pin in
the docs, the pre-commit hooks and the CI recipes is the package's version (CONTRIBUTING, "Releasing")."""

from __future__ import annotations

import glob
import json
import os
import re

import pytest

from leadconf import __version__
from tests.helpers import EXAMPLES, ROOT, run_cli

README = os.path.join(ROOT, "README.md")
BUNDLED_TENANT = os.path.join(EXAMPLES, "tenants", "new-database.json")


def _readme() -> str:
    with open(README, encoding="utf-8") as fh:
        return fh.read()


def _blocks(lang: str) -> list[str]:
    return [body for tag, body in re.findall(r"```(\w*)\n(.*?)```", _readme(), re.S) if tag == lang]


def _pyproject_version() -> str:
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as fh:
        match = re.search(r'^version\s*=\s*"([^"]+)"', fh.read(), re.M)
    assert match, "pyproject.toml has no version"
    return match.group(1)


# -- release pins -----------------------------------------------------------------------------------

_PIN_FILES = ["README.md", "CONTRIBUTING.md", ".pre-commit-hooks.yaml", "docs/*.md", "examples/ci/*"]
_PINS = [
    re.compile(r"\brev:\s*v(\d[\w.]*)"),  # pre-commit
    re.compile(r"leadconf(?:\[[\w,]+\])?==(\d[\w.]*\w)"),  # pip from a package index
    re.compile(r"leadconf@v(\d[\w.]*\w)"),  # pip from git
    re.compile(r"git tag -a v(\d[\w.]*\w)"),
    re.compile(r"ls-remote --tags \S+ v(\d[\w.]*\w)"),
    re.compile(r"^leadconf, version (\d[\w.]*\w)$", re.M),  # `leadconf --version` in the guide
]


def _pins() -> list[tuple[str, int, str]]:
    found = []
    for pattern in _PIN_FILES:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            for rx in _PINS:
                for m in rx.finditer(text):
                    found.append((os.path.relpath(path, ROOT), text.count("\n", 0, m.start()) + 1, m.group(1)))
    return found


def test_the_package_has_one_version():
    assert __version__ == _pyproject_version()


def test_every_release_pin_is_the_package_version():
    pins = _pins()
    where = {f for f, _, _ in pins}
    # the places the README's release step names: a pin dropped from one of them would go unnoticed
    assert {".pre-commit-hooks.yaml", "docs/getting-started.md"} <= where
    assert len({f for f in where if f.startswith("examples/ci/")}) >= 3
    wrong = [f"{f}:{line}: {v}" for f, line, v in pins if v != _pyproject_version()]
    assert not wrong, f"pins that are not version {_pyproject_version()}: {wrong}"


# -- the README's examples --------------------------------------------------------------------------

def test_the_readme_has_a_config_example():
    assert [b for b in _blocks("yaml") if "version: 1" in b]


@pytest.mark.parametrize("example", [b for b in _blocks("yaml") if "version: 1" in b])
def test_every_readme_config_validates_against_the_bundled_tenant(example, tmp_path):
    path = tmp_path / "leadconf.yaml"
    path.write_text(example, encoding="utf-8")
    code, out, err = run_cli("validate", "-c", str(path), "--target", f"snapshot:{BUNDLED_TENANT}")
    assert code == 0, err
    assert " LC" not in err.replace("warning: LC", ""), err  # warnings at most


def test_the_readme_snapshot_is_a_snapshot(tmp_path):
    [example] = _blocks("json")
    path = tmp_path / "tenant.json"
    path.write_text(example, encoding="utf-8")
    assert json.loads(example)["format"] == "leadconf-snapshot/1"
    code, out, err = run_cli("plan", "-c", os.path.join(EXAMPLES, "lead-management.yaml"), "--target", f"snapshot:{path}")
    assert code == 0, err


def test_the_readme_plan_is_the_main_jobs_plan():
    [shown] = [b for b in _blocks("") if b.startswith("Target: ")]
    code, out, err = run_cli("plan", "-c", "examples/lead-management.yaml",
                             "--target", "snapshot:examples/tenants/new-database.json", cwd=ROOT)
    assert code == 0, err
    lines = iter(out.splitlines())
    for wanted in shown.splitlines():
        if wanted.strip() in ("", "…"):
            continue
        assert any(line == wanted for line in lines), f"not in the plan (in this order): {wanted!r}\n{out}"


def test_the_readme_command_list_is_the_clis():
    from leadconf.cli import _COMMANDS

    [listing] = [b for b in _blocks("") if b.startswith("leadconf validate ") and "leadconf completion" in b]
    listed = [line.split()[1] for line in listing.splitlines() if line.startswith("leadconf ")]
    assert sorted(listed) == sorted(_COMMANDS)
