"""Behaviour the sampled mutation runs found unpinned in the SuperOffice backend (CONTRIBUTING.md,
"Mutation testing"): each test here fails against one of those survivors."""

from __future__ import annotations

from leadconf.model.tenant import LeadStatus
from tests.superoffice.reference_facts import BY_KEY
from tests.superoffice.test_contract import reference  # noqa: F401  (the fixture)


def test_a_step_that_is_not_distribute_to_owner_is_not_a_lead_distribution(reference):  # noqa: F811
    _, backend = reference(step_get=dict(BY_KEY["step_get"].sample, StepType="SendEmail"))
    assert backend.read_item("lead_distribution", 70) is None


def test_the_distribute_step_is_read_as_one(reference):  # noqa: F811
    _, backend = reference()
    step = backend.read_item("lead_distribution", 70)
    assert step is not None and step.step_id == 70


def test_a_new_lead_status_is_sent_with_id_0(reference):  # noqa: F811
    server, backend = reference()
    backend.read()
    backend.write("lead_status", LeadStatus(None, "Nurturing", rank=3))
    added = [s for s in server.seen if s.route.key == "status_add"]
    assert len(added) == 1 and isinstance(added[0].body, dict), added
    assert added[0].body["Id"] == 0, added[0].body
