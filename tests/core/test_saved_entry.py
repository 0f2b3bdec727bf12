"""`apply PLANFILE` and `apply --resume` decided in the apply layer (apply/saved.py): which target a
saved plan goes to, how a session carries it out (a sealed plan as it is, an unsealed one as far as
a fresh plan of the config confirms it, a journal's plan resumed), and the policy a config at hand
may only tighten. The CLI reads the file and prints (tests/reliability/test_issue12_plans.py)."""

from __future__ import annotations

import pytest

from leadconf.apply import ApplySession
from leadconf.apply.journal import Journal
from leadconf.apply.saved import SavedApply, resumed_apply, saved_apply
from leadconf.diff import build_plan
from leadconf.errors import PlanFileError, StalePlan
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan
from leadconf.plan.planfile import SavedPlan
from tests.core.conftest import tenant
from tests.core.memory import MemoryBackend

WHAT = "the plan file plan.json"
CONFIG = """
    version: 1
    target: memory:from-the-config
    policy: {max_change_percent: 20, min_list_size: 30}
    lead_statuses:
      items:
        - name: Open
        - name: Won
"""


def _plan(locator="memory:test", policy=None, name="Won"):
    return Plan(target="Memory (test)", locator=locator, policy=policy or {"max_change_percent": 50.0, "min_list_size": 5},
                changes=[Change(action="create", kind="lead_status", name=name, key=None, before=None,
                                after={"name": name})])


def _no_config(configs):
    raise AssertionError(f"a config was read ({configs!r}), though nothing needs it")


class Notes(list):
    def __call__(self, text):
        self.append(text)


class Loads(list):
    """load(configs) for the entry point: the loaded config, each call recorded."""

    def __init__(self, loaded):
        super().__init__()
        self.loaded = loaded

    def __call__(self, configs):
        self.append(list(configs))
        return self.loaded


# -- a sealed plan file ------------------------------------------------------------------------------


def test_a_sealed_plan_goes_to_its_own_target_as_it_is_and_reads_no_config():
    plan = _plan()
    notes = Notes()
    saved = saved_apply(SavedPlan(plan, sealed=True), WHAT, _no_config, note=notes)
    assert saved == SavedApply("memory:test", plan)
    assert saved.sealed and saved.confirm_with is None and saved.journal is None and saved.interrupted is None
    assert notes == []


def test_a_sealed_plan_without_a_locator_goes_to_its_target():
    saved = saved_apply(SavedPlan(_plan(locator=None), sealed=True), WHAT, _no_config)
    assert saved.target == "Memory (test)"


def test_a_target_named_for_a_sealed_plan_must_be_its_own():
    plan = SavedPlan(_plan(), sealed=True)
    assert saved_apply(plan, WHAT, _no_config, given=" MEMORY:Test/").target == "memory:test"  # the same, spelt otherwise
    with pytest.raises(PlanFileError, match=r"^the target memory:other is not the target of the plan file plan.json "
                                            r"\(memory:test\); nothing was applied"):
        saved_apply(plan, WHAT, _no_config, given="memory:other")


@pytest.mark.parametrize("env, told", [
    ("memory:other", True),
    ("  memory:yonder  ", True),
    ("MEMORY:test/", False),  # the plan's own target, spelt otherwise
    ("   ", False),
    (None, False),
])
def test_leadconf_target_naming_another_target_is_noted_for_a_sealed_plan(monkeypatch, env, told):
    if env is not None:
        monkeypatch.setenv("LEADCONF_TARGET", env)
    notes = Notes()
    saved = saved_apply(SavedPlan(_plan(), sealed=True), WHAT, _no_config, note=notes)
    assert saved.target == "memory:test"  # never $LEADCONF_TARGET
    expected = [f"the plan file plan.json applies to its own target, not to $LEADCONF_TARGET ({env.strip()})"] if told else []
    assert notes == expected


def test_no_note_when_the_target_is_named_or_nobody_listens(monkeypatch):
    monkeypatch.setenv("LEADCONF_TARGET", "memory:other")
    notes = Notes()
    saved_apply(SavedPlan(_plan(), sealed=True), WHAT, _no_config, given="memory:test", note=notes)
    assert notes == []
    assert saved_apply(SavedPlan(_plan(), sealed=True), WHAT, _no_config).target == "memory:test"


def test_a_config_named_for_a_sealed_plan_may_only_tighten_its_policy(config):
    plan = _plan(policy={"max_change_percent": 50.0, "min_list_size": 5})
    loads = Loads(config(CONFIG))
    saved = saved_apply(SavedPlan(plan, sealed=True), WHAT, loads, configs=["a.yaml", "b.yaml"])
    assert loads == [["a.yaml", "b.yaml"]]
    assert saved.plan.policy == {"max_change_percent": 20.0, "min_list_size": 5}  # the lower of each
    assert saved.plan.changes == plan.changes and saved.plan.locator == plan.locator
    assert saved.target == "memory:test"  # not the config's target
    assert saved.confirm_with is None  # carried out as it is, not confirmed


def test_a_stricter_plan_keeps_its_own_policy_over_a_looser_config(config):
    plan = _plan(policy={"max_change_percent": 10.0, "min_list_size": 3})
    saved = saved_apply(SavedPlan(plan, sealed=True), WHAT, Loads(config(CONFIG)), configs=["leadconf.yaml"])
    assert saved.plan.policy == {"max_change_percent": 10.0, "min_list_size": 3}


# -- an unsealed plan file ---------------------------------------------------------------------------


def test_an_unsealed_plan_goes_to_the_named_target_confirmed_by_the_config(config):
    plan = _plan()
    loaded = config(CONFIG)
    loads = Loads(loaded)
    saved = saved_apply(SavedPlan(plan, sealed=False), WHAT, loads, given="memory:test")
    assert loads == [[]]  # no config named: the loader's default is read all the same
    assert saved == SavedApply("memory:test", plan, confirm_with=loaded)
    assert not saved.sealed
    assert saved.plan.policy == plan.policy  # combined later, with the fresh plan's (plan/confirm.py)


def test_an_unsealed_plan_goes_to_leadconf_target_before_the_configs_target(config, monkeypatch):
    monkeypatch.setenv("LEADCONF_TARGET", "memory:test")
    notes = Notes()
    saved = saved_apply(SavedPlan(_plan(), sealed=False), WHAT, Loads(config(CONFIG)), note=notes)
    assert saved.target == "memory:test" and notes == []


def test_an_unsealed_plan_goes_to_the_configs_target_when_none_other_is_named(config):
    saved = saved_apply(SavedPlan(_plan(locator="memory:from-the-config"), sealed=False), WHAT, Loads(config(CONFIG)))
    assert saved.target == "memory:from-the-config"


def test_an_unsealed_plan_never_goes_to_its_own_target_when_another_is_at_hand(config):
    with pytest.raises(PlanFileError, match=r"^the target memory:from-the-config is not the target of the plan "
                                            r"file plan.json \(memory:test\)"):
        saved_apply(SavedPlan(_plan(), sealed=False), WHAT, Loads(config(CONFIG)))


# -- carrying it out ---------------------------------------------------------------------------------


class Session:
    """The two ways an ApplySession carries out a saved plan, recorded."""

    def __init__(self):
        self.calls = []

    def apply_plan(self, plan, **options):
        self.calls.append(("apply_plan", plan, options))
        return "report"

    def apply_confirmed(self, plan, loaded):
        self.calls.append(("apply_confirmed", plan, loaded))
        return "report"


def test_run_carries_a_sealed_plan_out_as_it_is_and_an_unsealed_one_as_confirmed():
    plan, session = _plan(), Session()
    assert SavedApply("memory:test", plan).run(session) == "report"
    assert SavedApply("memory:test", plan, confirm_with="loaded").run(session) == "report"
    assert SavedApply("memory:test", plan, journal="j.jsonl", interrupted={2: None}).run(session) == "report"
    assert session.calls == [
        ("apply_plan", plan, {"journal_path": None, "interrupted": None}),
        ("apply_confirmed", plan, "loaded"),
        ("apply_plan", plan, {"journal_path": "j.jsonl", "interrupted": {2: None}}),
    ]


CONFIRMING = """
    version: 1
    lead_statuses:
      items:
        - name: Open
        - name: Won
"""


def test_an_unsealed_plan_is_carried_out_as_far_as_a_fresh_plan_confirms_it(config, tmp_path):
    loaded = config(CONFIRMING)
    backend = MemoryBackend(tenant(statuses=("Open",)))
    plan = build_plan(loaded, backend.read(), backend.description, backend.locator)
    saved = saved_apply(SavedPlan(plan, sealed=False), WHAT, lambda configs: loaded, given=backend.locator)
    report = saved.run(ApplySession(backend, journal_dir=str(tmp_path / "journal")))
    assert report.ok and sorted(s.name for s in backend.tenant.lead_statuses) == ["Open", "Won"]
    edited = SavedPlan(_plan(name="Lost"), sealed=False)  # a change the config does not ask for
    saved = saved_apply(edited, WHAT, lambda configs: loaded, given=backend.locator)
    with pytest.raises(StalePlan, match="does not confirm 1 of its changes"):
        saved.run(ApplySession(backend, journal_dir=str(tmp_path / "journal")))


# -- a journal (apply --resume) ----------------------------------------------------------------------


def _interrupted(config, tmp_path):
    """A journal of an apply cut off in the middle of its first change: (plan, journal path)."""
    loaded = config(CONFIRMING)
    backend = MemoryBackend(tenant(statuses=("Open",)))
    # what the plan shows (the target as typed), and where it finds the tenant again
    backend.description, backend.locator = "snapshot:tenant.json", "snapshot:/tenants/tenant.json"
    plan = build_plan(loaded, backend.read(), backend.description, backend.locator)
    journal = Journal.create(str(tmp_path / "journal"), plan.to_file_dict(), backend.description)
    journal.start(0, None)
    journal.close()
    return plan, journal.path


def test_a_journal_is_resumed_on_its_own_target_after_the_changes_it_shows_started(config, tmp_path):
    plan, path = _interrupted(config, tmp_path)
    notes = Notes()
    resumed = resumed_apply(path, "unused", note=notes)
    assert resumed.target == "snapshot:/tenants/tenant.json" and resumed.journal == path
    assert resumed.plan.target == "snapshot:tenant.json"
    assert resumed.interrupted == {0: None}
    assert resumed.plan.changes == plan.changes and resumed.sealed
    assert notes == []


def test_without_a_journal_named_the_latest_unfinished_one_is_resumed(config, tmp_path):
    _, path = _interrupted(config, tmp_path)
    assert resumed_apply(None, str(tmp_path / "journal")).journal == path


def test_nothing_to_resume(tmp_path):
    with pytest.raises(PlanFileError, match=f"^nothing to resume: no unfinished journal in {tmp_path}$"):
        resumed_apply(None, str(tmp_path))


def test_a_journal_goes_to_its_own_target_only(config, tmp_path, monkeypatch):
    _, path = _interrupted(config, tmp_path)
    where = "snapshot:/tenants/tenant.json"
    assert resumed_apply(path, "", given="snapshot:/tenants/./tenant.json").target == where
    with pytest.raises(PlanFileError, match=f"is not the target of the journal {path} "):
        resumed_apply(path, "", given="snapshot:tenant.json")  # relative: another file, here
    monkeypatch.setenv("LEADCONF_TARGET", "memory:other")
    notes = Notes()
    assert resumed_apply(path, "", note=notes).target == where
    assert notes == [f"the journal {path} applies to its own target, not to $LEADCONF_TARGET (memory:other)"]


def test_an_edited_journal_is_not_resumed(config, tmp_path):
    _, path = _interrupted(config, tmp_path)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace('"target": "snapshot:tenant.json"', '"target": "snapshot:other.json"', 1))  # the header's
    with pytest.raises(PlanFileError, match="does not carry a valid seal"):
        resumed_apply(path, "")
