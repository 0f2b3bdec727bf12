"""examples/ci/github-actions.yml, run job by job (see ci_sim): the pull-request plan, the apply of
the reviewed plan file on merge, the nightly drift check, and the github-script steps in node."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.pipeline.ci_sim import load, run_github_job, run_github_script
from tests.pipeline.conftest import CHANGE, DELETE, INVALID

WORKFLOW = load("github-actions.yml")
REPO = "acme/crm-config"


def _github(event_name: str, **extra) -> dict:
    g = {"event_name": event_name, "repository": REPO, "server_url": "https://github.com", "run_id": "4242",
         "token": "ghs_x", "sha": "0123456789abcdef"}
    if event_name == "pull_request":
        g["ref"] = "refs/pull/7/merge"
        g["event"] = {"pull_request": {"number": 7, "head": {"sha": "feedface", "repo": {"full_name": REPO}}}}
    else:
        g["ref"] = "refs/heads/main"
        g["event"] = {}
    g.update(extra)
    return g


class Actions:
    """The `uses:` steps: records them; upload-artifact checks its files; download-artifact copies
    a prepared artifact; github-script is recorded (its scripts are run in node by other tests)."""

    def __init__(self, workdir, artifacts=None, outputs=None):
        self.workdir = workdir
        self.calls = []
        self.artifacts = artifacts or {}
        self.outputs = outputs or {}

    def __call__(self, step, with_, env):
        action = step["uses"].split("@")[0]
        self.calls.append((action, step.get("name"), with_))
        if action == "actions/upload-artifact":
            paths = [p.strip() for p in with_["path"].splitlines() if p.strip()]
            present = [p for p in paths if os.path.exists(os.path.join(self.workdir, p))]
            if with_.get("if-no-files-found") == "error" and len(present) != len(paths):
                raise RuntimeError(f"missing artifact files: {set(paths) - set(present)}")
            return {}
        if action == "actions/download-artifact":
            source = self.artifacts[with_["name"], with_["run-id"]]
            shutil.copytree(source, os.path.join(self.workdir, with_["path"]))
            return {}
        if action == "actions/github-script":
            return self.outputs.get(step.get("id") or step.get("name"), {})
        return {}

    def named(self, name):
        return [c for c in self.calls if c[1] == name]


def _plan_job(work, actions):
    return run_github_job(WORKFLOW, "plan", work.path, github=_github("pull_request"),
                          vars_={"LEADCONF_TARGET": work.target}, uses=actions)


def test_pull_request_plan_comments_annotates_and_saves_the_plan(work):
    work.config(CHANGE)
    actions = Actions(work.path)
    job = _plan_job(work, actions)
    assert job.ok, job.log()
    assert job.step("Validate").code == 0
    assert job.step("Plan").outputs["exitcode"] == "2"  # changes
    comment = work.file("comment.md")
    assert comment.startswith("<!-- leadconf-plan -->\n### leadconf plan for `snapshot:tenant.json`")
    assert "| rename |" in comment and "Working (was Contacting)" in comment
    assert "Commit feedface" in comment and "actions/runs/4242" in comment
    assert "### leadconf plan" in job.summary
    # annotations on the YAML line of the rename
    assert "::warning file=leadconf.yaml,line=13::rename lead status Working" in job.step("Annotations").stdout
    # the plan file is kept for the apply on merge, and the comment step ran
    upload = actions.named("Save the plan file")
    assert upload and upload[0][2]["name"] == "leadconf-plan"
    assert json.loads(work.file("plan.json"))["target"] == "snapshot:tenant.json"
    assert actions.named("Comment on the pull request")
    assert not job.step("Fail on a plan error").ran
    assert work.lead_status_names()[1] == "Contacting"  # planning changed nothing


def test_pull_request_without_changes_says_so_and_skips_annotations(work):
    work.config(CHANGE)
    _apply_directly(work)  # a pull request whose config the tenant already matches
    job = _plan_job(work, Actions(work.path))
    assert job.ok, job.log()
    assert job.step("Plan").outputs["exitcode"] == "0"
    assert "No changes" in work.file("comment.md")
    assert not job.step("Annotations").ran


def test_invalid_config_fails_the_job_and_the_comment_says_why(work):
    work.config(INVALID)
    actions = Actions(work.path)
    job = _plan_job(work, actions)
    assert not job.ok
    validate = job.step("Validate")
    assert validate.code == 1
    # the annotation GitHub shows on the YAML line
    assert validate.stdout.startswith("::error file=leadconf.yaml,line=5,col=7::LC010 "), validate.stdout
    assert job.step("Plan").ran and job.step("Plan").outputs["exitcode"] == "1"
    comment = work.file("comment.md")
    assert "### leadconf plan failed" in comment and "leadconf.yaml:5:7: LC010" in comment
    assert actions.named("Comment on the pull request")  # the old comment does not stay up
    assert not actions.named("Save the plan file")
    assert job.step("Fail on a plan error").code == 1


def test_validate_annotates_errors_and_warnings_on_their_lines(work):
    """The Validate step as the recipe runs it: every finding of every file, as an annotation."""
    work.config(CHANGE.replace("- name: Opportunity", "- name: 'Opportunity '"))  # LC113, a warning
    job = _plan_job(work, Actions(work.path))
    validate = job.step("Validate")
    assert validate.code == 0  # warnings do not fail it
    assert validate.stdout.startswith("::warning file=leadconf.yaml,line=8,col=13::LC113 "), validate.stdout
    os.makedirs(os.path.join(work.path, "leadconf"))
    with open(os.path.join(work.path, "leadconf", "statuses.yaml"), "w", encoding="utf-8") as fh:
        fh.write(INVALID)
    job = run_github_job(WORKFLOW, "plan", work.path, github=_github("pull_request"),
                         vars_={"LEADCONF_TARGET": work.target, "LEADCONF_CONFIG": "leadconf/"},
                         uses=Actions(work.path))
    validate = job.step("Validate")
    assert validate.code == 1
    assert validate.stdout.startswith("::error file=leadconf/statuses.yaml,line=5,col=7::LC010 "), validate.stdout


def test_fork_pull_requests_are_not_planned(work):
    work.config(CHANGE)
    github = _github("pull_request")
    github["event"]["pull_request"]["head"]["repo"]["full_name"] = "someone/fork"
    job = run_github_job(WORKFLOW, "plan", work.path, github=github, vars_={"LEADCONF_TARGET": work.target})
    assert job.steps == []


# -- apply on merge --------------------------------------------------------------------------------

def _reviewed(work, tmp_path, config, allow_delete=False):
    """The pull request's run: its plan job saved plan.json; that is the artifact."""
    work.config(config)
    job = _plan_job(work, Actions(work.path))
    assert job.step("Plan").outputs["exitcode"] in ("0", "2"), job.log()
    artifact = tmp_path / "artifact"
    artifact.mkdir()
    for name in ("plan.json", "plan.md"):
        shutil.copy(os.path.join(work.path, name), artifact / name)
        os.remove(os.path.join(work.path, name))
    outputs = {"reviewed": {"run_id": "777", "pr": "7", "allow_delete": str(allow_delete).lower(),
                            "allow_large_change": "false"}}
    return Actions(work.path, artifacts={("leadconf-plan", "777"): str(artifact)}, outputs=outputs)


def _apply_job(work, actions):
    return run_github_job(WORKFLOW, "apply", work.path, github=_github("push"), vars_={"LEADCONF_TARGET": work.target},
                          uses=actions)


def test_merge_applies_exactly_the_reviewed_plan(work, tmp_path):
    actions = _reviewed(work, tmp_path, CHANGE)
    job = _apply_job(work, actions)
    assert job.ok, job.log()
    assert "Applied: 2 done" in job.step("Apply the reviewed plan").stdout
    assert work.lead_status_names()[1] == "Working"
    assert job.step("Check that main now matches the tenant").code == 0
    assert "No changes" in job.step("Check that main now matches the tenant").stdout
    assert "### leadconf apply (pull request #7)" in job.summary
    journal = actions.named("Keep the journal and the undo plan")
    assert journal and journal[0][2]["path"] == ".leadconf/journal/"
    assert any(n.endswith(".undo.json") for n in os.listdir(os.path.join(work.path, ".leadconf", "journal")))


def test_merge_refuses_a_reviewed_delete_without_the_label(work, tmp_path):
    actions = _reviewed(work, tmp_path, DELETE, allow_delete=False)
    before = work.read_tenant()
    job = _apply_job(work, actions)
    assert not job.ok
    step = job.step("Apply the reviewed plan")
    assert step.code == 1 and "--allow-delete" in step.stderr
    assert work.read_tenant() == before
    assert not job.step("Check that main now matches the tenant").ran


def test_merge_applies_a_delete_with_the_label(work, tmp_path):
    actions = _reviewed(work, tmp_path, DELETE, allow_delete=True)
    job = _apply_job(work, actions)
    assert job.ok, job.log()
    assert "Re-nurture" not in work.lead_status_names()


def test_merge_refuses_a_reviewed_plan_that_went_stale(work, tmp_path):
    actions = _reviewed(work, tmp_path, CHANGE)
    tenant = work.read_tenant()
    tenant["lead_statuses"][1]["Name"] = "Calling"  # someone renamed it by hand since the review
    with open(work.tenant, "w", encoding="utf-8") as fh:
        json.dump(tenant, fh)
    job = _apply_job(work, actions)
    assert not job.ok
    assert job.step("Apply the reviewed plan").code == 1
    assert work.read_tenant() == tenant


def test_merge_that_leaves_main_different_fails_the_check(work, tmp_path):
    """A branch merged while not up to date: the reviewed plan applies, but main wants more."""
    actions = _reviewed(work, tmp_path, CHANGE)
    work.config(CHANGE.replace("    - name: Qualified\n", "    - name: Qualified\n    - name: Nurturing\n"))
    job = _apply_job(work, actions)
    assert not job.ok
    check = job.step("Check that main now matches the tenant")
    assert check.code == 2 and "::error::the tenant still differs from main" in check.stdout


# -- nightly drift ---------------------------------------------------------------------------------

def _drift_job(work, actions=None):
    return run_github_job(WORKFLOW, "drift", work.path, github=_github("schedule"),
                          vars_={"LEADCONF_TARGET": work.target}, uses=actions or Actions(work.path))


def _apply_directly(work):
    import subprocess

    from tests.pipeline.ci_sim import base_env

    subprocess.run(["leadconf", "apply", "-c", "leadconf.yaml", "--target", work.target, "--auto-approve"],
                   cwd=work.path, env=base_env(), check=True, capture_output=True)


def test_drift_check_passes_when_the_tenant_matches(work):
    work.config(CHANGE)
    _apply_directly(work)
    actions = Actions(work.path)
    job = _drift_job(work, actions)
    assert job.ok, job.log()
    assert job.step("Plan").outputs["exitcode"] == "0"
    assert actions.named("Open, update or close the drift issue")  # closes an open drift issue, if any
    assert not job.step("Fail on drift or error").ran


def test_drift_check_fails_and_reports_on_drift(work):
    work.config(CHANGE)
    actions = Actions(work.path)
    job = _drift_job(work, actions)
    assert not job.ok
    assert job.step("Plan").outputs["exitcode"] == "2"
    assert actions.named("Open, update or close the drift issue")
    assert "::error::drift" in job.step("Fail on drift or error").stdout
    assert "Plan: 0 to create, 1 to update, 1 to rename" in work.file("drift.md")


def test_drift_check_error_fails_without_an_issue(work):
    work.config(INVALID)
    actions = Actions(work.path)
    job = _drift_job(work, actions)
    assert not job.ok
    assert job.step("Plan").outputs["exitcode"] == "1"
    assert not actions.named("Open, update or close the drift issue")


def test_no_job_runs_for_an_unrelated_event(work):
    for name in ("plan", "apply", "drift"):
        job = run_github_job(WORKFLOW, name, work.path, github=_github("release"), vars_={})
        assert job.steps == []


# -- the github-script steps, in node ---------------------------------------------------------------

def _script(job: str, name: str) -> str:
    return next(s for s in WORKFLOW["jobs"][job]["steps"] if s.get("name") == name)["with"]["script"]


CTX = {"repo": {"owner": "acme", "repo": "crm-config"}, "payload": {"pull_request": {"number": 7}},
       "sha": "0123456789abcdef", "runId": 4242, "serverUrl": "https://github.com"}


def test_sticky_comment_is_created_once_then_updated(work, node):
    with open(os.path.join(work.path, "comment.md"), "w") as fh:
        fh.write("<!-- leadconf-plan -->\nthe plan")
    script = _script("plan", "Comment on the pull request")
    first = run_github_script(script, work.path, CTX, {"issues.listComments": []})
    assert first["failed"] is None
    assert [c["method"] for c in first["calls"]] == ["issues.listComments", "issues.createComment"]
    assert first["calls"][1]["params"]["body"] == "<!-- leadconf-plan -->\nthe plan"
    comments = [{"id": 1, "user": {"type": "User"}, "body": "LGTM <!-- leadconf-plan -->"},
                {"id": 2, "user": {"type": "Bot"}, "body": "<!-- leadconf-plan -->\nolder plan"}]
    second = run_github_script(script, work.path, CTX, {"issues.listComments": comments})
    assert [c["method"] for c in second["calls"]] == ["issues.listComments", "issues.updateComment"]
    assert second["calls"][1]["params"]["comment_id"] == 2


def _find(work, responses):
    return run_github_script(_script("apply", "Find the reviewed plan"), work.path, CTX, responses)


def test_find_the_reviewed_plan_of_the_merged_pull_request(work, node):
    pr = {"number": 7, "merged_at": "2026-11-01T10:00:00Z", "base": {"ref": "main"}, "head": {"sha": "feedface"},
          "labels": [{"name": "leadconf:allow-delete"}]}
    runs = [{"id": 10, "created_at": "2026-11-01T08:00:00Z", "html_url": "u10"},
            {"id": 11, "created_at": "2026-11-01T09:00:00Z", "html_url": "u11"}]
    result = _find(work, {
        "repos.listPullRequestsAssociatedWithCommit": [pr],
        "actions.getWorkflowRun": {"workflow_id": 99},
        "actions.listWorkflowRuns": runs,
        "actions.listWorkflowRunArtifacts": {"artifacts": [{"name": "leadconf-plan", "expired": False}]},
    })
    assert result["failed"] is None
    assert result["outputs"] == {"run_id": "11", "pr": "7", "allow_delete": "true", "allow_large_change": "false"}
    listing = next(c for c in result["calls"] if c["method"] == "actions.listWorkflowRuns")["params"]
    assert listing["head_sha"] == "feedface" and listing["workflow_id"] == 99 and listing["status"] == "success"


def test_a_push_without_a_pull_request_applies_nothing(work, node):
    result = _find(work, {"repos.listPullRequestsAssociatedWithCommit": []})
    assert "did not come from a merged pull request" in result["failed"]
    assert result["outputs"] == {}


def test_an_expired_plan_applies_nothing(work, node):
    pr = {"number": 7, "merged_at": "x", "base": {"ref": "main"}, "head": {"sha": "feedface"}, "labels": []}
    result = _find(work, {
        "repos.listPullRequestsAssociatedWithCommit": [pr],
        "actions.getWorkflowRun": {"workflow_id": 99},
        "actions.listWorkflowRuns": [{"id": 10, "created_at": "2026-11-01T08:00:00Z", "html_url": "u"}],
        "actions.listWorkflowRunArtifacts": {"artifacts": [{"name": "leadconf-plan", "expired": True}]},
    })
    assert "no successful plan run" in result["failed"] and result["outputs"] == {}


@pytest.mark.parametrize("exitcode, open_issues, expected", [
    ("2", [], ["issues.listForRepo", "issues.createLabel", "issues.create"]),
    ("2", [{"number": 3}], ["issues.listForRepo", "issues.update"]),
    ("0", [{"number": 3}], ["issues.listForRepo", "issues.createComment", "issues.update"]),
    ("0", [], ["issues.listForRepo"]),
])
def test_drift_issue_is_opened_updated_and_closed(work, node, exitcode, open_issues, expected):
    with open(os.path.join(work.path, "drift.md"), "w") as fh:
        fh.write("### leadconf plan\n")
    from tests.pipeline.ci_sim import base_env

    result = run_github_script(_script("drift", "Open, update or close the drift issue"), work.path, CTX,
                               {"issues.listForRepo": open_issues}, env=base_env({"EXITCODE": exitcode}))
    assert result["failed"] is None
    assert [c["method"] for c in result["calls"]] == expected
    if expected[-1] == "issues.create":
        assert result["calls"][-1]["params"]["labels"] == ["leadconf-drift"]
        assert "### leadconf plan" in result["calls"][-1]["params"]["body"]
    if exitcode == "0" and open_issues:
        assert result["calls"][-1]["params"]["state"] == "closed"


# -- sealed plans (issue 12) -------------------------------------------------------------------------

PLAN_KEY = "ci-plan-key-" + "0123456789abcdef" * 3


def _sealed_reviewed(work, tmp_path, config, tamper=None):
    """A pull request's plan job with the LEADCONF_PLAN_KEY secret; `tamper` edits the artifact."""
    work.config(config)
    job = run_github_job(WORKFLOW, "plan", work.path, github=_github("pull_request"),
                         vars_={"LEADCONF_TARGET": work.target}, secrets={"LEADCONF_PLAN_KEY": PLAN_KEY},
                         uses=Actions(work.path))
    assert job.step("Plan").outputs["exitcode"] == "2", job.log()
    artifact = tmp_path / "artifact"
    artifact.mkdir()
    for name in ("plan.json", "plan.md"):
        shutil.move(os.path.join(work.path, name), artifact / name)
    data = json.loads((artifact / "plan.json").read_text())
    assert data["signature"].startswith("hmac-sha256:") and PLAN_KEY not in (artifact / "plan.json").read_text()
    if tamper:
        tamper(data)
        (artifact / "plan.json").write_text(json.dumps(data))
    outputs = {"reviewed": {"run_id": "777", "pr": "7", "allow_delete": "true", "allow_large_change": "false"}}
    return Actions(work.path, artifacts={("leadconf-plan", "777"): str(artifact)}, outputs=outputs)


def _sealed_apply(work, actions, key=PLAN_KEY):
    return run_github_job(WORKFLOW, "apply", work.path, github=_github("push"), vars_={"LEADCONF_TARGET": work.target},
                          secrets={"LEADCONF_PLAN_KEY": key} if key else {}, uses=actions)


def test_the_plan_job_seals_the_plan_and_the_apply_job_applies_it(work, tmp_path):
    job = _sealed_apply(work, _sealed_reviewed(work, tmp_path, CHANGE))
    assert job.ok, job.log()
    assert work.lead_status_names()[1] == "Working"


def test_a_plan_artifact_edited_between_the_jobs_is_refused(work, tmp_path):
    def add_a_delete(data):
        change = next(c for c in data["changes"] if c["kind"] == "lead_status" and c["action"] == "rename")
        data["changes"].append({**change, "action": "delete", "name": "Open", "key": 1,
                                "before": {"deleted": False}, "after": {"deleted": True}})
        data["summary"]["delete"] += 1

    before = work.read_tenant()
    job = _sealed_apply(work, _sealed_reviewed(work, tmp_path, CHANGE, tamper=add_a_delete))
    assert not job.ok
    step = job.step("Apply the reviewed plan")
    assert step.code == 1 and "signature does not match" in step.stderr, step.stderr
    assert work.read_tenant() == before


def test_without_the_key_the_apply_job_confirms_the_plan_by_a_fresh_plan(work, tmp_path):
    actions = _sealed_reviewed(work, tmp_path, CHANGE)
    job = _sealed_apply(work, actions, key=None)  # the secret is not set in the apply job
    assert job.ok, job.log()
    assert "unsealed, confirmed by a fresh plan" in job.step("Apply the reviewed plan").stderr
    assert work.lead_status_names()[1] == "Working"
