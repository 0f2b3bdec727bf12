"""apply/state.py, the one module the exhaustive mutation pass of issue 10 did not reach: how an
empty reference in a change lands on the item written (run 5's survivors state.py:130 and
vocabulary.py:144). A config cannot say "no fallback" (leaving it out leaves it unmanaged), but the
undo of setting one must clear it again."""

from __future__ import annotations

from leadconf.apply import ApplySession
from leadconf.apply.undo import undo_of_journal
from leadconf.diff import build_plan
from tests.core.conftest import DistributeStep, Flow, NamedItem, tenant
from tests.core.memory import MemoryBackend

PEOPLE = [NamedItem(1, "ann", full_name="Ann Smith"), NamedItem(2, "bob", full_name="Bob Jones")]


def _step(backend) -> DistributeStep:
    [flow] = backend.read().flows
    return flow.distribute_steps[0]


def test_the_undo_of_setting_a_fallback_clears_it_again(config, tmp_path):
    step = DistributeStep(step_id=11, flow_id=5, associates=(1,), default_associate=0, rank=1)
    backend = MemoryBackend(tenant(["Customer"], associates=PEOPLE, flows=[Flow(5, "Web", (step,))],
                                   licenses=frozenset({"marketingpremium"})))
    plan = build_plan(config("""
        version: 1
        marketing:
          lead_distribution: {flow: Web, associates: [Ann Smith], fallback: Bob Jones}
    """), backend.read(), backend.description, backend.locator)
    session = ApplySession(backend, journal_dir=str(tmp_path / "j"))
    assert session.apply_plan(plan).ok
    assert _step(backend).default_associate == 2

    undo = undo_of_journal(session.journal_path, "", lambda target: backend)
    assert ApplySession(backend, journal_dir=str(tmp_path / "j")).apply_plan(undo.plan).ok
    assert _step(backend) == step  # no fallback again, the associates as they were
