"""The CI recipes in examples/ci/ as files: they parse, they pass the CI services' own published
schemas (check-jsonschema's vendored copies, offline), and every leadconf command line in them is
one the real CLI accepts."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import click
import pytest

from tests.pipeline.ci_sim import CI_DIR, ROOT, load

RECIPES = {
    "github-actions.yml": ["--builtin-schema", "vendor.github-workflows"],
    "gitlab-ci.yml": ["--builtin-schema", "vendor.gitlab-ci"],
    # check-jsonschema's own settings for this schema (its pre-commit hook uses the same): the
    # transform unpacks ${{ }} template expressions, the regex variant copes with the schema's patterns.
    "azure-pipelines.yml": ["--builtin-schema", "vendor.azure-pipelines", "--data-transform", "azure-pipelines",
                            "--regex-variant", "nonunicode"],
}


def test_every_recipe_is_listed():
    assert sorted(os.listdir(CI_DIR)) == sorted(RECIPES)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_parses_as_yaml(name):
    data = load(name)
    assert isinstance(data, dict) and data


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_passes_the_vendored_schema(name):
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", *RECIPES[name], os.path.join(CI_DIR, name)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


def test_vendored_schema_check_can_fail(tmp_path):
    """The check above is a real one: a workflow without `on:` is rejected."""
    bad = tmp_path / "bad.yml"
    bad.write_text("name: x\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: echo}]\n")
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "'on' is a required property" in proc.stdout


# -- the leadconf command lines inside the recipes -------------------------------------------------

def _scripts(node):
    """Every shell string of a recipe (run:, script:, bash:, entry:)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("run", "bash", "entry") and isinstance(v, str):
                yield v
            elif k in ("script", "before_script") and isinstance(v, list):
                yield from (s for s in v if isinstance(s, str))
            else:
                yield from _scripts(v)
    elif isinstance(node, list):
        for item in node:
            yield from _scripts(item)


def _logical_lines(script: str):
    script = script.replace("\\\n", " ")
    for line in script.splitlines():
        line = line.strip()
        if line.startswith("#"):
            continue
        for part in re.split(r"\|\||&&|;|\bthen\b|\bdo\b", line):
            yield part.strip()


def leadconf_invocations(text_or_tree) -> list[list[str]]:
    found = []
    scripts = [text_or_tree] if isinstance(text_or_tree, str) else list(_scripts(text_or_tree))
    for script in scripts:
        for line in _logical_lines(script):
            m = re.search(r"(?:^|\s)leadconf\s+([a-z].*)$", line)
            if not m or line.startswith(("echo", "printf")):
                continue
            words = shlex.split(m.group(1), comments=True)
            cut = next((i for i, w in enumerate(words) if w in (">", "2>", "<", "|") or w.startswith((">", "2>"))), len(words))
            words = [w for w in words[:cut] if w != "${flags[@]}"]
            found.append(words)
    return found


def _check_cli(words: list[str]):
    from leadconf.cli import cli

    ctx = cli.make_context("leadconf", [], resilient_parsing=True)
    command = cli.get_command(ctx, words[0])
    assert command is not None, f"no command leadconf {words[0]}"
    try:
        command.make_context(words[0], list(words[1:]), parent=ctx)
    except click.UsageError as exc:
        raise AssertionError(f"leadconf {' '.join(words)}: {exc.format_message()}") from None


ALL_FILES = sorted(RECIPES) + ["../../.pre-commit-hooks.yaml"]


@pytest.mark.parametrize("name", ALL_FILES)
def test_every_leadconf_command_line_is_accepted_by_the_cli(name):
    calls = leadconf_invocations(load(name))
    assert calls, f"{name} runs no leadconf command"
    for words in calls:
        _check_cli(words)


def test_command_line_check_can_fail():
    with pytest.raises(AssertionError, match="--output"):
        _check_cli(["validate", "-c", "x.yaml", "--output", "nonsense"])
    with pytest.raises(AssertionError, match="no command"):
        _check_cli(["frobnicate"])


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_each_recipe_plans_applies_and_checks_drift(name):
    calls = [" ".join(c) for c in leadconf_invocations(load(name))]
    assert any(c.startswith("plan") and "--output markdown" in c for c in calls), calls
    assert any(c.startswith("apply") and ("--auto-approve" in c or ".json" in c) for c in calls), calls
    assert any(c.startswith("plan") and "--detailed-exitcode" in c for c in calls), calls
    assert any(c.startswith("validate") for c in calls), calls


# -- credentials and install --------------------------------------------------------------------

# Variables the recipes define only to turn a secret into the file SUPEROFFICE_PRIVATE_KEY names.
HELPERS = {"SUPEROFFICE_PRIVATE_KEY_PEM", "SUPEROFFICE_PRIVATE_KEY_PEM_BASE64"}


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipes_name_only_the_credential_variables_leadconf_reads(name):
    from leadconf.backends.superoffice.auth import ALL_VARIABLES

    with open(os.path.join(CI_DIR, name), encoding="utf-8") as fh:
        text = fh.read()
    named = set(re.findall(r"\bSUPEROFFICE_[A-Z_]+\b", text))
    assert named - set(ALL_VARIABLES) - HELPERS == set()
    # the two documented ways in: the ticket and the system user
    assert {"SUPEROFFICE_TICKET", "SUPEROFFICE_APP_TOKEN", "SUPEROFFICE_SYSTEM_TOKEN", "SUPEROFFICE_CLIENT_SECRET",
            "SUPEROFFICE_PRIVATE_KEY"} <= named
    assert "LEADCONF_TARGET" in text and "superoffice:online/Cust12345" in text


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipes_install_the_checkout_with_the_superoffice_extra(name):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        extras = tomllib.load(fh)["project"]["optional-dependencies"]
    assert "superoffice" in extras
    with open(os.path.join(CI_DIR, name), encoding="utf-8") as fh:
        text = fh.read()
    assert '.[superoffice]' in text
    assert 'python -m pip install --quiet "$LEADCONF_PIP_SPEC"' in text
