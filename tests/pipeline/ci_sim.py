"""Run the jobs of the CI recipes in examples/ci/ here, the way each CI service would, as far as
that can be done offline: the shell steps run for real in bash, with the service's variables and
files (GITHUB_OUTPUT, GITHUB_ENV, step summary ...), `leadconf` from this interpreter's bin
directory, and a snapshot file as the tenant. Steps that need the service itself (checkout,
artifacts, github-script) are handed to callbacks of the test.

This is what "each recipe runs as it is" can mean without GitHub, GitLab or Azure: the shell the
recipe ships, with the real leadconf, its real exit codes and files.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CI_DIR = os.path.join(ROOT, "examples", "ci")
BIN = os.path.dirname(sys.executable)
PIP_STEP = 'python -m pip install --quiet "$LEADCONF_PIP_SPEC"'


def load(name: str) -> dict:
    with open(os.path.join(CI_DIR, name), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def base_env(extra: dict | None = None) -> dict:
    """A clean environment: no developer credentials or targets, leadconf on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPEROFFICE_", "LEADCONF_", "GITHUB_", "CI_"))}
    env["PATH"] = BIN + os.pathsep + env.get("PATH", "")
    env.pop("NO_COLOR", None)
    env.update(extra or {})
    return env


def _run_bash(script: str, env: dict, cwd: str, flags=("-eo", "pipefail")) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "--noprofile", "--norc", *flags, "-c", script], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


# -- GitHub Actions expressions ---------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(\|\||&&|==|!=|!|\(|\))|'((?:[^']|'')*)'|([A-Za-z_][A-Za-z0-9_.\-]*))")


class Expr:
    """The part of the GitHub expression language the recipes use: contexts, string literals,
    == != ! && || (with GitHub's value semantics), parentheses and the status functions."""

    def __init__(self, text: str, lookup, status: dict):
        self.tokens = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"cannot parse expression {text!r} at {pos}")
            op, lit, name = m.groups()
            if op:
                self.tokens.append(("op", op))
            elif lit is not None:
                self.tokens.append(("lit", lit.replace("''", "'")))
            else:
                self.tokens.append(("name", name))
            pos = m.end()
        self.i = 0
        self.lookup = lookup
        self.status = status

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def value(self):
        v = self.or_()
        if self.i != len(self.tokens):
            raise ValueError(f"trailing tokens in expression: {self.tokens[self.i:]}")
        return v

    def or_(self):
        v = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            v = v if v else right
        return v

    def and_(self):
        v = self.unary()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.unary()
            v = right if v else v
        return v

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return not self.unary()
        left = self.primary()
        if self.peek() in (("op", "=="), ("op", "!=")):
            op = self.take()[1]
            right = self.primary()
            eq = str(left if left is not None else "").lower() == str(right if right is not None else "").lower()
            return eq if op == "==" else not eq
        return left

    def primary(self):
        kind, text = self.take()
        if kind == "lit":
            return text
        if (kind, text) == ("op", "("):
            v = self.or_()
            assert self.take() == ("op", ")")
            return v
        if kind == "name":
            if self.peek() == ("op", "("):
                self.take()
                assert self.take() == ("op", ")")
                return self.status[text]()
            if text in ("true", "false"):
                return text == "true"
            return self.lookup(text)
        raise ValueError(f"unexpected token {text!r}")


def _dig(tree: dict, dotted: str):
    node = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


@dataclass
class StepResult:
    name: str
    ran: bool
    code: int = 0
    stdout: str = ""
    stderr: str = ""
    outputs: dict = field(default_factory=dict)


@dataclass
class JobResult:
    ok: bool
    steps: list[StepResult]
    summary: str = ""

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)

    def log(self) -> str:
        return "\n".join(f"--- {s.name} (ran={s.ran}, exit {s.code})\n{s.stdout}{s.stderr}" for s in self.steps)


def run_github_job(workflow: dict, job_name: str, workdir: str, *, github: dict, vars_: dict | None = None,
                   secrets: dict | None = None, uses=None, env: dict | None = None) -> JobResult:
    """Run one job of a workflow: `run:` steps in bash as the runner does (bash -e -o pipefail),
    `uses:` steps through uses(step, context) -> outputs (or an exception: the step failed)."""
    job = workflow["jobs"][job_name]
    temp = os.path.join(workdir, ".runner-temp")
    os.makedirs(temp, exist_ok=True)
    files = {n: os.path.join(temp, n) for n in ("output", "env", "summary")}
    open(files["summary"], "w").close()
    contexts = {"github": github, "vars": vars_ or {}, "secrets": secrets or {}, "steps": {}, "env": {}}
    failed = False

    def lookup(dotted):
        head, _, rest = dotted.partition(".")
        if head not in contexts:
            raise ValueError(f"unknown context {head!r}")
        return _dig(contexts[head], rest) if rest else contexts[head]

    status = {"success": lambda: not failed, "failure": lambda: failed, "always": lambda: True,
              "cancelled": lambda: False}

    def evaluate(text: str):
        return Expr(text, lookup, status).value()

    def interpolate(value):
        if not isinstance(value, str):
            return _fmt(value)
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: _fmt(evaluate(m.group(1))), value)

    def condition(text) -> bool:
        if text is None:
            return not failed
        if isinstance(text, bool):
            return text and not failed
        inner = text.strip()
        if inner.startswith("${{") and inner.endswith("}}"):
            inner = inner[3:-2]
        if not re.search(r"\b(success|failure|always|cancelled)\(\)", inner):
            inner = f"success() && ({inner})"
        return bool(evaluate(inner))

    if "if" in job and not condition(job["if"]):
        return JobResult(ok=True, steps=[])
    environment = base_env(env)
    environment.update({"RUNNER_TEMP": temp, "GITHUB_OUTPUT": files["output"], "GITHUB_ENV": files["env"],
                        "GITHUB_STEP_SUMMARY": files["summary"], "GITHUB_ACTIONS": "true", "CI": "true"})
    for level in (workflow.get("env") or {}, job.get("env") or {}):
        for k, v in level.items():
            environment[k] = interpolate(v)
            contexts["env"][k] = environment[k]
    results = []
    for step in job["steps"]:
        name = step.get("name") or step.get("uses") or step.get("run", "")[:40]
        if not condition(step.get("if")):
            results.append(StepResult(name, ran=False))
            continue
        if step.get("name") == "Install leadconf":
            assert step["run"].strip() == PIP_STEP, step["run"]
            results.append(StepResult(name, ran=True))
            continue
        outputs = {}
        step_env = dict(environment)
        for k, v in (step.get("env") or {}).items():
            step_env[k] = interpolate(v)
        if "uses" in step:
            with_ = {k: interpolate(v) for k, v in (step.get("with") or {}).items()}
            try:
                outputs = (uses(step, with_, step_env) if uses else {}) or {}
                code = 0
            except Exception as exc:  # the action failed
                code, outputs = 1, {"error": str(exc)}
            res = StepResult(name, ran=True, code=code, outputs=outputs)
        else:
            open(files["output"], "w").close()
            open(files["env"], "w").close()
            proc = _run_bash(interpolate(step["run"]), step_env, workdir)
            with open(files["output"], encoding="utf-8") as fh:
                outputs = dict(line.rstrip("\n").split("=", 1) for line in fh if "=" in line)
            with open(files["env"], encoding="utf-8") as fh:
                for line in fh:
                    if "=" in line:
                        k, v = line.rstrip("\n").split("=", 1)
                        environment[k] = v
            res = StepResult(name, ran=True, code=proc.returncode, stdout=proc.stdout, stderr=proc.stderr, outputs=outputs)
        if "id" in step:
            contexts["steps"][step["id"]] = {"outputs": res.outputs, "conclusion": "success" if res.code == 0 else "failure"}
        if res.code != 0 and not step.get("continue-on-error"):
            failed = True
        results.append(res)
    with open(files["summary"], encoding="utf-8") as fh:
        summary = fh.read()
    return JobResult(ok=not failed, steps=results, summary=summary)


# -- github-script, run by node against a recording stand-in of octokit ------------------------------

_NODE_HARNESS = r"""
const fs = require('fs');
const state = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const script = fs.readFileSync(process.argv[3], 'utf8');
const calls = [];
const outputs = {};
let failed = null;
const rest = new Proxy({}, { get: (_, ns) => new Proxy({}, { get: (_, method) => async (params) => {
  calls.push({ method: `${ns}.${method}`, params });
  const answer = (state.responses || {})[`${ns}.${method}`];
  if (answer && answer.throw) { throw new Error(answer.throw); }
  return { data: answer === undefined ? {} : answer };
} }) });
const github = { rest, paginate: async (fn, params) => (await fn(params)).data };
const core = { setOutput: (k, v) => { outputs[k] = String(v); }, setFailed: (m) => { failed = String(m); },
               info: () => {}, warning: () => {} };
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
new AsyncFunction('github', 'context', 'core', 'require', script)(github, state.context, core, require)
  .then(() => { process.stdout.write(JSON.stringify({ calls, outputs, failed })); })
  .catch((e) => { process.stdout.write(JSON.stringify({ calls, outputs, failed: 'threw: ' + e.message })); });
"""


def run_github_script(script: str, workdir: str, context: dict, responses: dict, env: dict | None = None) -> dict:
    """Run the script of an actions/github-script step in node, the way the action does (the body
    of an async function of github, context, core, require), against recorded answers."""
    harness = os.path.join(workdir, ".github-script-harness.js")
    with open(harness, "w", encoding="utf-8") as fh:
        fh.write(_NODE_HARNESS)
    state_path = os.path.join(workdir, ".github-script-state.json")
    with open(state_path, "w", encoding="utf-8") as fh:
        json.dump({"context": context, "responses": responses}, fh)
    script_path = os.path.join(workdir, ".github-script.js")
    with open(script_path, "w", encoding="utf-8") as fh:
        fh.write(script)
    proc = subprocess.run(["node", harness, state_path, script_path], cwd=workdir, capture_output=True, text=True,
                          env=env if env is not None else base_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# -- GitLab CI -------------------------------------------------------------------------------------

def gitlab_job(pipeline: dict, name: str) -> dict:
    """The job with `extends:` resolved (hidden jobs, deep-merged for hashes as GitLab does)."""
    job = pipeline[name]
    parents = job.get("extends") or []
    if isinstance(parents, str):
        parents = [parents]
    merged: dict = {}
    for parent in parents:
        _deep_merge(merged, gitlab_job(pipeline, parent))
    _deep_merge(merged, {k: v for k, v in job.items() if k != "extends"})
    return merged


def _deep_merge(into: dict, other: dict):
    for k, v in other.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            _deep_merge(into[k], v)
        else:
            into[k] = v


def run_gitlab_job(pipeline: dict, name: str, workdir: str, variables: dict) -> subprocess.CompletedProcess:
    """before_script + script in one bash, as the runner does for a bash shell (errexit, pipefail);
    the pip install of before_script is left out (leadconf is on PATH)."""
    job = gitlab_job(pipeline, name)
    lines = []
    for line in job.get("before_script", []):
        if line.strip() == PIP_STEP:
            continue
        lines.append(line)
    lines += job["script"]
    env = base_env({"CI": "true", "GITLAB_CI": "true"})
    for level in (pipeline.get("variables") or {}, job.get("variables") or {}):
        for k, v in level.items():
            env[k] = re.sub(r"\$(\w+)|\$\{(\w+)\}", lambda m: env.get(m.group(1) or m.group(2), ""), str(v))
    env.update(variables)
    return _run_bash("\n".join(lines), env, workdir)


# -- Azure Pipelines -------------------------------------------------------------------------------

def azure_steps(pipeline: dict, stage: str) -> list[dict]:
    st = next(s for s in pipeline["stages"] if s["stage"] == stage)
    job = st["jobs"][0]
    if "steps" in job:
        return job["steps"]
    return job["strategy"]["runOnce"]["deploy"]["steps"]


def run_azure_stage(pipeline: dict, stage: str, workdir: str, *, variables: dict, secrets: dict,
                    parameters: dict | None = None, system: dict | None = None) -> list[tuple[dict, subprocess.CompletedProcess | None]]:
    """The stage's bash steps as the agent runs them: non-secret variables as environment variables
    (NAME.UPPER, dots to underscores), $(NAME) macros in env: replaced where the variable exists and
    left as they are where it does not, ${{ parameters.x }} rendered at compile time."""
    params = {p["name"]: p.get("default") for p in pipeline.get("parameters", [])}
    params.update(parameters or {})
    plain = {}
    for v in pipeline.get("variables", []):
        if "name" in v:
            plain[v["name"]] = str(v["value"])
    plain.update(variables)
    known = {**plain, **secrets, **(system or {})}
    env = base_env({"TF_BUILD": "True", "AGENT_TEMPDIRECTORY": os.path.join(workdir, ".agent-temp")})
    os.makedirs(env["AGENT_TEMPDIRECTORY"], exist_ok=True)
    for k, v in {**plain, **(system or {})}.items():
        env[k.upper().replace(".", "_")] = v

    def render(value):
        value = re.sub(r"\$\{\{\s*parameters\.(\w+)\s*\}\}",
                       lambda m: {True: "True", False: "False"}.get(_azure_bool(params[m.group(1)]), str(params[m.group(1)])),
                       str(value))
        return re.sub(r"\$\(([\w.]+)\)", lambda m: known.get(m.group(1), m.group(0)), value)

    results = []
    failed = False
    for step in azure_steps(pipeline, stage):
        cond = step.get("condition", "succeeded()")
        run = {"succeeded()": not failed, "succeededOrFailed()": True, "always()": True}[cond]
        if not run:
            results.append((step, None))
            continue
        if "bash" not in step:
            if "publish" in step and not os.path.exists(os.path.join(workdir, step["publish"])):
                failed = True
            results.append((step, None))
            continue
        if step["bash"].strip() == PIP_STEP:
            results.append((step, None))
            continue
        step_env = dict(env)
        for k, v in (step.get("env") or {}).items():
            step_env[k] = render(v)
        proc = _run_bash(step["bash"], step_env, workdir, flags=())
        if proc.returncode != 0:
            failed = True
        results.append((step, proc))
    return results


def _azure_bool(value):
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    return value


# -- a stand-in for a CI service's REST API on 127.0.0.1 -------------------------------------------

class FakeAPI:
    """Records requests; answers through handler(method, path, body) -> (status, json, headers)."""

    def __init__(self, handler):
        self.requests: list[tuple[str, str, object, dict]] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                outer.requests.append((self.command, self.path, body, {k.lower(): v for k, v in self.headers.items()}))
                status, payload, headers = handler(self.command, self.path, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
