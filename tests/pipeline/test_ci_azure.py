"""examples/ci/azure-pipelines.yml, run stage by stage (see ci_sim), with a stand-in of the Azure
Repos pull-request threads API on 127.0.0.1."""

from __future__ import annotations

import base64

from tests.pipeline.ci_sim import FakeAPI, load, run_azure_stage
from tests.pipeline.conftest import CHANGE, DELETE, INVALID

PIPELINE = load("azure-pipelines.yml")
SECRETS = ("SUPEROFFICE_TICKET", "SUPEROFFICE_APP_TOKEN", "SUPEROFFICE_SYSTEM_TOKEN", "SUPEROFFICE_CLIENT_SECRET",
           "SUPEROFFICE_PRIVATE_KEY_PEM_BASE64")


class Threads:
    def __init__(self):
        self.threads = []

    def __call__(self, method, path, body):
        path, _, query = path.partition("?")
        assert query == "api-version=7.1"
        base = "/acme/proj-1/_apis/git/repositories/repo-1/pullRequests/7/threads"
        if path == base:
            if method == "GET":
                return 200, {"value": self.threads, "count": len(self.threads)}, {}
            thread = {"id": len(self.threads) + 1, "status": body["status"],
                      "comments": [{"id": 1, "content": body["comments"][0]["content"]}]}
            self.threads.append(thread)
            return 200, thread, {}
        rest = path[len(base) + 1:].split("/")
        thread = next(t for t in self.threads if t["id"] == int(rest[0]))
        if len(rest) == 1:
            thread["status"] = body["status"]
        else:
            thread["comments"][0]["content"] = body["content"]
        return 200, thread, {}


def _system(api=None, reason="PullRequest"):
    s = {"Build.Reason": reason, "Build.SourceVersion": "feedface0123456789", "Build.BuildNumber": "20261101.3"}
    if api is not None:
        s.update({"Build.Repository.Provider": "TfsGit", "System.CollectionUri": api.url + "/acme/",
                  "System.TeamProjectId": "proj-1", "Build.Repository.ID": "repo-1",
                  "System.PullRequest.PullRequestId": "7", "System.AccessToken": "azure-token"})
    return s


def _outcome(results):
    ran = [(step, proc) for step, proc in results if proc is not None]
    return ran[-1][1]


def test_stage_conditions():
    stages = {s["stage"]: s for s in PIPELINE["stages"]}
    assert "'PullRequest'" in stages["Plan"]["condition"]
    assert "refs/heads/main" in stages["Apply"]["condition"] and "'Manual'" in stages["Apply"]["condition"]
    assert "'Schedule'" in stages["Drift"]["condition"]
    assert all(s["dependsOn"] == [] for s in stages.values())
    assert stages["Apply"]["jobs"][0]["environment"] == "leadconf-production"
    assert PIPELINE["schedules"][0]["always"] in (True, "true")  # drift is checked also without commits


def test_pull_request_plan_posts_one_thread_and_publishes_the_plan(work):
    work.config(CHANGE)
    threads = Threads()
    with FakeAPI(threads) as api:
        results = run_azure_stage(PIPELINE, "Plan", work.path, variables={"LEADCONF_TARGET": work.target},
                                  secrets={}, system=_system(api))
        proc = _outcome(results)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "plan posted on the pull request" in proc.stdout
        assert f"##vso[task.uploadsummary]{work.path}/comment.md" in proc.stdout
        work.config(CHANGE.replace("Working", "In progress"))
        again = _outcome(run_azure_stage(PIPELINE, "Plan", work.path, variables={"LEADCONF_TARGET": work.target},
                                         secrets={}, system=_system(api)))
        assert again.returncode == 0, again.stderr
    assert len(threads.threads) == 1
    content = threads.threads[0]["comments"][0]["content"]
    assert content.startswith("<!-- leadconf-plan -->") and "In progress" in content and "Commit feedface0123" in content
    assert threads.threads[0]["status"] == "closed"  # a plan does not block completion
    auth = api.requests[0][3]["authorization"]
    assert base64.b64decode(auth.split()[1]).decode() == ":azure-token"
    publish = [step for step, _ in results if "publish" in step]
    assert publish and publish[0]["publish"] == "plan.json" and work.exists("plan.json")


def test_pull_request_plan_of_an_invalid_config_fails_with_an_active_thread(work):
    work.config(INVALID)
    threads = Threads()
    with FakeAPI(threads) as api:
        proc = _outcome(run_azure_stage(PIPELINE, "Plan", work.path, variables={"LEADCONF_TARGET": work.target},
                                        secrets={}, system=_system(api)))
    assert proc.returncode == 1
    assert "leadconf.yaml:5:7: LC010" in proc.stderr
    assert threads.threads[0]["status"] == "active"
    assert "### leadconf plan failed" in threads.threads[0]["comments"][0]["content"]


def test_pull_request_plan_in_a_github_repository_posts_nothing(work):
    work.config(CHANGE)
    proc = _outcome(run_azure_stage(PIPELINE, "Plan", work.path, variables={"LEADCONF_TARGET": work.target},
                                    secrets={}, system={**_system(), "Build.Repository.Provider": "GitHub"}))
    assert proc.returncode == 0, proc.stderr
    assert "posted" not in proc.stdout and "| rename |" in proc.stdout


def test_apply_on_main_and_the_manual_run_that_allows_deletes(work):
    work.config(DELETE)
    before = work.read_tenant()
    refused = _outcome(run_azure_stage(PIPELINE, "Apply", work.path, variables={"LEADCONF_TARGET": work.target},
                                       secrets={}, system=_system(reason="IndividualCI")))
    assert refused.returncode == 1 and "--allow-delete" in refused.stderr
    assert work.read_tenant() == before
    results = run_azure_stage(PIPELINE, "Apply", work.path, variables={"LEADCONF_TARGET": work.target}, secrets={},
                              parameters={"allowDelete": True}, system=_system(reason="Manual"))
    allowed = _outcome(results)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "Re-nurture" not in work.lead_status_names() and "No changes" in allowed.stdout
    journal = [step for step, _ in results if step.get("publish") == ".leadconf/journal"]
    assert journal and journal[0]["condition"] == "succeededOrFailed()"


def test_drift_check(work):
    work.config(CHANGE)
    drift = _outcome(run_azure_stage(PIPELINE, "Drift", work.path, variables={"LEADCONF_TARGET": work.target},
                                     secrets={}, system=_system(reason="Schedule")))
    assert drift.returncode == 2
    assert "##vso[task.logissue type=error]drift" in drift.stdout
    assert "### leadconf plan" in work.file("drift.md")
    assert _outcome(run_azure_stage(PIPELINE, "Apply", work.path, variables={"LEADCONF_TARGET": work.target},
                                    secrets={}, system=_system(reason="IndividualCI"))).returncode == 0
    clean = _outcome(run_azure_stage(PIPELINE, "Drift", work.path, variables={"LEADCONF_TARGET": work.target},
                                     secrets={}, system=_system(reason="Schedule")))
    assert clean.returncode == 0, clean.stderr


def test_undefined_secrets_arrive_as_macros_and_are_treated_as_unset(work):
    """Azure leaves $(NAME) as it is when NAME is not defined: the scripts must not send that text
    to SuperOffice as a ticket. With nothing defined, leadconf says that credentials are missing."""
    work.config(CHANGE)
    proc = _outcome(run_azure_stage(PIPELINE, "Drift", work.path,
                                    variables={"LEADCONF_TARGET": "superoffice:http://127.0.0.1:9/Cust12345"},
                                    secrets={}, system=_system(reason="Schedule")))
    assert proc.returncode == 1
    assert "no SuperOffice credentials" in proc.stderr, proc.stderr


def test_the_system_user_key_is_written_from_its_secret(work):
    work.config(CHANGE)
    pem = "-----BEGIN PRIVATE KEY-----\nnot really a key\n-----END PRIVATE KEY-----\n"
    secrets = {"SUPEROFFICE_SYSTEM_TOKEN": "Sys-token", "SUPEROFFICE_CLIENT_SECRET": "cs",
               "SUPEROFFICE_PRIVATE_KEY_PEM_BASE64": base64.b64encode(pem.encode()).decode()}
    proc = _outcome(run_azure_stage(PIPELINE, "Drift", work.path,
                                    variables={"LEADCONF_TARGET": "superoffice:http://127.0.0.1:9/Cust12345"},
                                    secrets=secrets, system=_system(reason="Schedule")))
    assert proc.returncode == 1
    # leadconf found the file SUPEROFFICE_PRIVATE_KEY names and read it (it is no key): the path was set
    assert "SUPEROFFICE_PRIVATE_KEY" in proc.stderr and "superoffice-key.pem" in proc.stderr, proc.stderr
    import os
    import stat

    key = os.path.join(work.path, ".agent-temp", "superoffice-key.pem")
    with open(key) as fh:
        assert fh.read() == pem
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600


def test_every_leadconf_step_maps_the_same_secrets():
    for stage in ("Plan", "Apply", "Drift"):
        from tests.pipeline.ci_sim import azure_steps

        for step in azure_steps(PIPELINE, stage):
            if "leadconf " in step.get("bash", ""):
                assert set(SECRETS) <= set(step["env"]), (stage, step.get("displayName"))
                for name in SECRETS:
                    assert step["env"][name] == f"$({name})"
                    assert name in step["bash"].split("for v in", 1)[1].split(";", 1)[0]


def test_pull_request_plan_is_sealed_with_the_plan_key(work):
    """Issue 12: the secret LEADCONF_PLAN_KEY reaches the plan step (env:) and signs plan.json."""
    import json

    key = "az-plan-key-" + "0123456789abcdef" * 3
    work.config(CHANGE)
    proc = _outcome(run_azure_stage(PIPELINE, "Plan", work.path, variables={"LEADCONF_TARGET": work.target},
                                    secrets={"LEADCONF_PLAN_KEY": key},
                                    system={**_system(), "Build.Repository.Provider": "GitHub"}))
    assert proc.returncode == 0, proc.stderr
    text = work.file("plan.json")
    assert json.loads(text)["signature"].startswith("hmac-sha256:") and key not in text + proc.stdout + proc.stderr
