"""examples/ci/gitlab-ci.yml, run job by job (see ci_sim), with a stand-in of GitLab's REST API on
127.0.0.1 for the merge-request note and the drift issue."""

from __future__ import annotations

import json
import os

import pytest

from tests.pipeline.ci_sim import FakeAPI, gitlab_job, load, run_gitlab_job
from tests.pipeline.conftest import CHANGE, DELETE, INVALID

PIPELINE = load("gitlab-ci.yml")


class GitLab:
    """Notes of merge request !7 and the issues of project 42."""

    def __init__(self):
        self.notes = []
        self.issues = []

    def __call__(self, method, path, body):
        path, _, query = path.partition("?")
        if path == "/api/v4/projects/42/merge_requests/7/notes":
            if method == "GET":
                return 200, self.notes, {"X-Next-Page": ""}
            note = {"id": len(self.notes) + 100, "body": body["body"]}
            self.notes.append(note)
            return 201, note, {}
        if path.startswith("/api/v4/projects/42/merge_requests/7/notes/") and method == "PUT":
            note = next(n for n in self.notes if n["id"] == int(path.rsplit("/", 1)[1]))
            note["body"] = body["body"]
            return 200, note, {}
        if path == "/api/v4/projects/42/issues":
            if method == "GET":
                assert "labels=leadconf-drift" in query and "state=opened" in query
                return 200, [i for i in self.issues if i["state"] == "opened"], {}
            issue = {"iid": len(self.issues) + 1, "state": "opened", **body}
            self.issues.append(issue)
            return 201, issue, {}
        if path.startswith("/api/v4/projects/42/issues/"):
            rest = path[len("/api/v4/projects/42/issues/"):]
            iid = int(rest.split("/")[0])
            issue = next(i for i in self.issues if i["iid"] == iid)
            if rest.endswith("/notes"):
                issue.setdefault("notes", []).append(body["body"])
                return 201, {}, {}
            if body.get("state_event") == "close":
                issue["state"] = "closed"
            issue.update({k: v for k, v in body.items() if k != "state_event"})
            return 200, issue, {}
        return 404, {"message": f"no route {method} {path}"}, {}


def _variables(work, api=None, **extra):
    v = {"LEADCONF_TARGET": work.target, "CI_PROJECT_DIR": work.path, "CI_COMMIT_SHORT_SHA": "feedface",
         "CI_PIPELINE_ID": "900", "CI_PIPELINE_URL": "https://gitlab.example/acme/crm/-/pipelines/900",
         "CI_PROJECT_ID": "42", "CI_MERGE_REQUEST_IID": "7"}
    if api is not None:
        v.update({"CI_API_V4_URL": api.url + "/api/v4", "LEADCONF_GITLAB_TOKEN": "glpat-test"})
    v.update(extra)
    return v


def test_jobs_run_in_the_right_pipelines():
    def sources(job):
        return [r.get("if", "") for r in gitlab_job(PIPELINE, job)["rules"]]

    assert sources("plan") == ['$CI_PIPELINE_SOURCE == "merge_request_event"']
    assert all("$CI_DEFAULT_BRANCH" in s and "push" in s for s in sources("apply"))
    assert sources("drift") == ['$CI_PIPELINE_SOURCE == "schedule"']
    manual = gitlab_job(PIPELINE, "apply-allow-delete")["rules"][0]
    assert manual["when"] == "manual" and manual["allow_failure"] is True
    # the two applies never run at the same time
    assert gitlab_job(PIPELINE, "apply")["resource_group"] == gitlab_job(PIPELINE, "apply-allow-delete")["resource_group"]


def test_merge_request_plan_posts_one_note_and_keeps_the_plan(work):
    work.config(CHANGE)
    gitlab = GitLab()
    with FakeAPI(gitlab) as api:
        first = run_gitlab_job(PIPELINE, "plan", work.path, _variables(work, api))
        assert first.returncode == 0, first.stdout + first.stderr
        assert "plan posted on the merge request" in first.stdout
        assert len(gitlab.notes) == 1
        assert gitlab.notes[0]["body"].startswith("<!-- leadconf-plan -->\n### leadconf plan for `snapshot:tenant.json`")
        assert "[pipeline 900]" in gitlab.notes[0]["body"]
        # a second push updates the same note
        work.config(CHANGE.replace("Working", "In progress"))
        second = run_gitlab_job(PIPELINE, "plan", work.path, _variables(work, api))
        assert second.returncode == 0, second.stderr
    assert len(gitlab.notes) == 1 and "In progress" in gitlab.notes[0]["body"]
    assert [r[0] for r in api.requests] == ["GET", "POST", "GET", "PUT"]
    assert all(r[3].get("private-token") == "glpat-test" for r in api.requests)
    for name in gitlab_job(PIPELINE, "plan")["artifacts"]["paths"]:
        assert work.exists(name), name
    assert json.loads(work.file("plan.json"))["summary"]["rename"] == 1


def test_merge_request_plan_without_a_token_still_plans(work):
    work.config(CHANGE)
    proc = run_gitlab_job(PIPELINE, "plan", work.path, _variables(work))
    assert proc.returncode == 0, proc.stderr
    assert "LEADCONF_GITLAB_TOKEN is not set" in proc.stdout
    assert "| rename |" in proc.stdout  # the plan is in the job log


def test_merge_request_plan_of_an_invalid_config_fails_and_says_why(work):
    work.config(INVALID)
    gitlab = GitLab()
    with FakeAPI(gitlab) as api:
        proc = run_gitlab_job(PIPELINE, "plan", work.path, _variables(work, api))
    assert proc.returncode == 1
    assert "### leadconf plan failed" in gitlab.notes[0]["body"]
    assert "leadconf.yaml:5:7: LC010" in gitlab.notes[0]["body"]


def test_validate_fills_the_code_quality_report(work):
    work.config(INVALID)
    proc = run_gitlab_job(PIPELINE, "validate", work.path, _variables(work))
    assert proc.returncode == 1
    assert "leadconf.yaml:5:7: LC010" in proc.stderr  # readable in the job log
    report = json.loads(work.file("gl-code-quality-report.json"))
    assert len(report) == 1
    assert report[0]["location"] == {"path": "leadconf.yaml", "lines": {"begin": 5}}
    assert report[0]["check_name"] == "LC010" and report[0]["severity"] == "major"
    assert gitlab_job(PIPELINE, "validate")["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    work.config(CHANGE)
    assert run_gitlab_job(PIPELINE, "validate", work.path, _variables(work)).returncode == 0
    assert json.loads(work.file("gl-code-quality-report.json")) == []


def test_apply_on_main_applies_and_checks(work):
    work.config(CHANGE)
    proc = run_gitlab_job(PIPELINE, "apply", work.path, _variables(work))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Applied: 2 done" in proc.stdout and "No changes" in proc.stdout
    assert work.lead_status_names()[1] == "Working"
    assert os.listdir(os.path.join(work.path, ".leadconf", "journal"))


def test_apply_on_main_refuses_deletes_until_the_manual_job(work):
    work.config(DELETE)
    before = work.read_tenant()
    refused = run_gitlab_job(PIPELINE, "apply", work.path, _variables(work))
    assert refused.returncode == 1 and "--allow-delete" in refused.stderr
    assert work.read_tenant() == before
    allowed = run_gitlab_job(PIPELINE, "apply-allow-delete", work.path, _variables(work))
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "Re-nurture" not in work.lead_status_names()


def test_scheduled_drift_check_opens_and_closes_the_issue(work):
    work.config(CHANGE)
    gitlab = GitLab()
    with FakeAPI(gitlab) as api:
        drift = run_gitlab_job(PIPELINE, "drift", work.path, _variables(work, api))
        assert drift.returncode == 2 and "drift: the tenant differs from main" in drift.stderr
        assert len(gitlab.issues) == 1 and gitlab.issues[0]["labels"] == "leadconf-drift"
        assert "### leadconf plan" in gitlab.issues[0]["description"]
        again = run_gitlab_job(PIPELINE, "drift", work.path, _variables(work, api))
        assert again.returncode == 2 and len(gitlab.issues) == 1  # updated, not a second issue
        assert run_gitlab_job(PIPELINE, "apply", work.path, _variables(work)).returncode == 0
        fixed = run_gitlab_job(PIPELINE, "drift", work.path, _variables(work, api))
        assert fixed.returncode == 0, fixed.stderr
    assert gitlab.issues[0]["state"] == "closed" and gitlab.issues[0]["notes"]


@pytest.mark.parametrize("job", ["plan", "apply", "drift"])
def test_jobs_fail_on_a_leadconf_error(work, job):
    work.config(INVALID)
    assert run_gitlab_job(PIPELINE, job, work.path, _variables(work)).returncode == 1


def test_merge_request_plan_is_sealed_with_the_plan_key(work):
    """Issue 12: with the masked variable LEADCONF_PLAN_KEY, plan.json is signed (HMAC-SHA256)."""
    key = "gl-plan-key-" + "0123456789abcdef" * 3
    work.config(CHANGE)
    proc = run_gitlab_job(PIPELINE, "plan", work.path, _variables(work, LEADCONF_PLAN_KEY=key))
    assert proc.returncode == 0, proc.stderr
    text = work.file("plan.json")
    assert json.loads(text)["signature"].startswith("hmac-sha256:") and key not in text + proc.stdout + proc.stderr
    assert "LEADCONF_PLAN_KEY" in open(os.path.join(os.path.dirname(__file__), "..", "..", "examples", "ci",
                                                    "gitlab-ci.yml"), encoding="utf-8").read()
