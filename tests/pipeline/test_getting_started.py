"""docs/getting-started.md stays true: every `$ command` of its console blocks is run here, in order,
as one shell session (the working directory and exported variables carry over, `echo $?` sees the
previous command's exit code), and what it prints (stdout and stderr, as a terminal shows them) must
be what the guide shows under it. The pull-request comment the guide quotes is produced by the
GitHub recipe's own plan job (tests.pipeline.ci_sim) on the guide's repository.

What cannot run here is replaced, never skipped silently (SUBSTITUTES): the clone of leadconf is a
link to this checkout, and the virtual environment is this interpreter's (a fresh-venv run of the
guide is done by hand). The edits the guide describes in prose (its diff, the deliberate mistake and
its undoing) are made by HOOKS at the point where the guide makes them. Normalised, because they
are different on every run: journal stamps, commit ids and the directory the reader works in (the
guide shows /home/you).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import yaml

from tests.pipeline.ci_sim import ROOT, base_env, load, run_github_job

GUIDE = os.path.join(ROOT, "docs", "getting-started.md")
HOME = "/home/you"  # where the guide's reader works: the guide's paths are under it
STAMP = re.compile(r"apply-\d{8}T\d{6}Z-[0-9a-f]{8}")
SHORT_ID = re.compile(r"^[0-9a-f]{7,12}(?= )", re.M)  # git log --oneline
LONG_ID = re.compile(r"\b[0-9a-f]{40}\b")
SAME_PLAN = re.compile(r"^\.\.\.\s+\(the same plan as above\)$", re.M)

# Commands the guide shows that cannot run as written in a test, and what runs instead.
SUBSTITUTES = {
    "git clone <the leadconf repository> leadconf": f"ln -s {ROOT} leadconf",  # this checkout
    "python3 -m venv .venv": "true",  # the virtual environment is this interpreter's ...
    ". .venv/bin/activate": "true",
    'pip install "./leadconf[superoffice]"': "true",  # ... where leadconf is installed from this checkout
}

MISTAKE = ("  - name: Partner\n    group: partner\n    lead_status: false\n",
           "  - name: Partner\n    group: partner\n    lead_status: true\n")


def _console_blocks() -> list[str]:
    with open(GUIDE, encoding="utf-8") as fh:
        return re.findall(r"```console\n(.*?)```", fh.read(), re.S)


def guide_steps() -> list[tuple[str, str]]:
    """(command, the output shown under it) for every `$ ` line of the guide's console blocks."""
    steps = []
    for block in _console_blocks():
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("$ "):
                out = []
                for follow in lines[i + 1:]:
                    if follow.startswith("$ "):
                        break
                    out.append(follow)
                steps.append((line[2:], "\n".join(out) + "\n" if out else ""))
    return steps


STEPS = guide_steps()


def _occurrence(index: int) -> tuple[str, int]:
    command = STEPS[index][0]
    return command, sum(1 for c, _ in STEPS[:index] if c == command)


def _expected(index: int) -> str:
    """The shown output; "... (the same plan as above)" stands for the body of the last plan shown."""
    text = STEPS[index][1]
    if SAME_PLAN.search(text):
        earlier = [out for cmd, out in STEPS[:index] if cmd == "leadconf plan" and "\nPlan: " in out]
        assert earlier, "the guide elides a plan it has not shown"
        body = "\n".join(earlier[-1].splitlines()[1:-1])
        text = SAME_PLAN.sub(lambda _: body, text)
    return text


def _normalise(text: str, base: str) -> str:
    text = text.replace(base, HOME)
    text = STAMP.sub("apply-STAMP", text)
    text = SHORT_ID.sub("COMMIT", text)
    return LONG_ID.sub("COMMIT", text)


class Session:
    """One shell session over many `bash -c` runs: the directory and exported variables carry over
    in state files, and `$?` starts as the previous command's exit code."""

    def __init__(self, base: str, env: dict):
        self.base = base
        self.state = os.path.join(os.path.dirname(base), "session")
        os.makedirs(self.state)
        with open(os.path.join(self.state, "pwd"), "w") as fh:
            fh.write(base)
        open(os.path.join(self.state, "env"), "w").close()
        self.env = env
        self.code = 0

    @property
    def cwd(self) -> str:
        with open(os.path.join(self.state, "pwd")) as fh:
            return fh.read().strip()

    def run(self, command: str) -> tuple[str, int]:
        pwd, env = os.path.join(self.state, "pwd"), os.path.join(self.state, "env")
        script = (f'. "{env}"; cd "$(cat "{pwd}")" || exit 99; (exit {self.code}); {command}\n'
                  f'__rc=$?; pwd > "{pwd}"; export -p > "{env}"; exit $__rc\n')
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-c", script], env=self.env, cwd=self.base,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        self.code = proc.returncode
        return proc.stdout, proc.returncode


def _edit(session: Session, name: str, old: str, new: str):
    path = os.path.join(session.cwd, name)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    assert text.count(old) == 1, f"the guide's edit does not fit {name}"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace(old, new))


def _apply_the_guides_diff(session: Session):
    """Step 3: the change, as the guide's own `git diff` shows it."""
    patch = os.path.join(session.state, "edit.patch")
    with open(patch, "w", encoding="utf-8") as fh:
        fh.write(_expected(next(i for i, (c, _) in enumerate(STEPS) if c == "git diff")))
    out, code = session.run(f'git apply "{patch}"')
    assert code == 0, out


# Before (or after) the nth occurrence of a command: what the guide asks the reader to do in prose.
HOOKS_BEFORE = {
    ("git diff", 0): _apply_the_guides_diff,
    ("leadconf validate", 2): lambda s: _edit(s, "leadconf.yaml", *MISTAKE),  # "A mistake, to see what one looks like"
}
HOOKS_AFTER = {
    ("sed -n 32,35p leadconf.yaml", 0): lambda s: _edit(s, "leadconf.yaml", *reversed(MISTAKE)),  # "Undo the mistake"
}


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    """The guide, run from the top: {step index: (output, exit code)}, and the session."""
    top = tmp_path_factory.mktemp("guide")
    base = str(top / "you")
    os.makedirs(base)
    home = top / "home"
    (home / ".config" / "fish" / "completions").mkdir(parents=True)  # a fish user has it
    gitconfig = top / "gitconfig"
    gitconfig.write_text("[user]\n\tname = You\n\temail = you@example.com\n")
    env = base_env({
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache"),
        "LEADCONF_KEYRING": "0",  # no saved login of the developer's
        "GIT_CONFIG_GLOBAL": str(gitconfig), "GIT_CONFIG_NOSYSTEM": "1",
        "PYTHONUNBUFFERED": "1",  # stdout and stderr interleave as on a terminal
    })
    session = Session(base, env)
    results = {}
    for index, (command, _) in enumerate(STEPS):
        key = _occurrence(index)
        if key in HOOKS_BEFORE:
            HOOKS_BEFORE[key](session)
        results[index] = session.run(SUBSTITUTES.get(command, command))
        if key in HOOKS_AFTER:
            HOOKS_AFTER[key](session)
    return results, session


def test_the_guide_shows_commands():
    commands = [c for c, _ in STEPS]
    assert "leadconf export -o leadconf.yaml --schema-ref leadconf.schema.json" in commands
    assert "leadconf apply plan.json" in commands
    for key in list(HOOKS_BEFORE) + list(HOOKS_AFTER):  # every hook still has its place in the guide
        assert sum(1 for c in commands if c == key[0]) > key[1], key


@pytest.mark.parametrize("index", range(len(STEPS)), ids=[f"{i}: {c}"[:70] for i, (c, _) in enumerate(STEPS)])
def test_shown_output(walkthrough, index):
    results, session = walkthrough
    command = STEPS[index][0]
    out, code = results[index]
    expected = _expected(index)
    assert _normalise(out, session.base) == _normalise(expected, session.base), f"$ {command}"
    # A failure the guide does not show as one is a failure of the guide.
    shows_failure = expected.startswith(("error:", "Error:")) or "\nerror: " in expected or (
        index + 1 < len(STEPS) and STEPS[index + 1][0] == "echo $?")
    assert code == 0 or shows_failure, f"$ {command} exited {code}:\n{out}"


def _quoted_comment() -> str:
    with open(GUIDE, encoding="utf-8") as fh:
        text = fh.read()
    block = re.search(r"^> <!-- leadconf-plan -->\n(?:>.*\n)+", text, re.M)
    assert block, "the guide quotes no plan comment"
    return "".join(line[2:] + "\n" if line.startswith("> ") else "\n" for line in block.group(0).splitlines())


def test_the_pull_request_comment_is_what_the_recipe_writes(walkthrough, tmp_path):
    """Step 8: the recipe's plan job, on a checkout of the guide's branch, against the same tenant."""
    _, session = walkthrough
    repo = session.cwd
    checkout = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", "--branch", "lead-setup", repo, str(checkout)], check=True, env=session.env)
    shutil.copy(os.path.join(repo, "tenant.json"), checkout / "tenant.json")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True,
                          check=True).stdout.strip()
    github = {"event_name": "pull_request", "repository": "acme/crm-config", "server_url": "https://github.com",
              "run_id": "1", "token": "ghs_x", "sha": head, "ref": "refs/pull/1/merge",
              "event": {"pull_request": {"number": 1, "head": {"sha": head, "repo": {"full_name": "acme/crm-config"}}}}}
    workflow = load(os.path.join(repo, ".github", "workflows", "leadconf.yml"))  # the guide's copy of the recipe
    job = run_github_job(workflow, "plan", str(checkout), github=github,
                         vars_={"LEADCONF_TARGET": "snapshot:tenant.json"}, uses=lambda step, with_, env: {})
    assert job.ok, job.log()
    comment = (checkout / "comment.md").read_text(encoding="utf-8")
    assert LONG_ID.sub("COMMIT", comment) == LONG_ID.sub("COMMIT", _quoted_comment())
    # "annotated on lines 16, 25, 69 and 72": the annotations are step 5's
    shown_annotations = STEPS[next(i for i, (c, _) in enumerate(STEPS) if c == "leadconf plan --output github")][1]
    assert job.step("Annotations").stdout == shown_annotations


def test_the_pre_commit_hook_the_guide_names_exists():
    with open(GUIDE, encoding="utf-8") as fh:
        ids = re.findall(r"^\s+- id: (\S+)$", fh.read(), re.M)
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8") as fh:
        hooks = {h["id"] for h in yaml.safe_load(fh)}
    assert ids and set(ids) <= hooks
