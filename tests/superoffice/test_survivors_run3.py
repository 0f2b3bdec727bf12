"""Behaviour of the SuperOffice backend and its codec that the third sampled mutation run (seed 11)
showed unpinned: each test names what a user relies on, and fails if it changes."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from leadconf.backends.snapshot import SnapshotBackend
from leadconf.backends.superoffice import codec
from leadconf.errors import RemoteError
from leadconf.model.tenant import FEATURE_MISSING, MARKETING, Category, DistributeStep


def _step(emu, step_id):
    return next(s for f in emu.document()["flows"] for s in f["Steps"] if s["WorkflowStepId"] == step_id)


# -- writes -----------------------------------------------------------------------------------------


def test_a_category_update_whose_answer_was_lost_is_sent_again(so, open_backend):
    backend = open_backend(so)
    current = backend.read_item("category", 3)
    so.inject("drop", apply=True, match=r"POST .*/SaveCategoryEntity")
    stored = backend.write("category", replace(current, tooltip="Customers who pay"))
    assert stored.tooltip == "Customers who pay"
    saves = [r.status for r in so.requests if r.path.endswith("/SaveCategoryEntity")]
    assert saves == [0, 200]


def test_a_create_that_stays_unknown_says_leadconf_could_not_tell(so, open_backend):
    backend = open_backend(so)
    so.inject("drop", times=2, match=r"POST .*/SaveCategoryEntity")  # never arrives, twice
    with pytest.raises(RemoteError) as caught:
        backend.write("category", Category(id=None, name="Opportunity", group="PotentialCustomer"))
    assert "could not tell whether it was created: run plan again" in str(caught.value)
    assert "Opportunity" not in [c["Name"] for c in so.document()["categories"]]


def test_a_create_refused_outright_does_not_claim_an_unknown_outcome(so, open_backend):
    backend = open_backend(so)
    so.inject("drop", match=r"POST .*/SaveCategoryEntity")  # unknown: re-read, then sent again
    so.inject("status", status=400, match=r"POST .*/SaveCategoryEntity")  # and refused
    with pytest.raises(RemoteError) as caught:
        backend.write("category", Category(id=None, name="Opportunity", group="PotentialCustomer"))
    assert "400" in str(caught.value) and "could not tell" not in str(caught.value)


def test_a_step_that_is_no_longer_distribute_to_owner_is_not_overwritten(emulator_factory, open_backend, tenant_doc):
    step = next(s for s in tenant_doc["flows"][0]["Steps"] if s["WorkflowStepId"] == 70)
    step["StepType"] = "SendEmail"  # another admin replaced the step since the plan
    so = emulator_factory(tenant_doc)
    backend = open_backend(so)
    before = _step(so, 70)
    with pytest.raises(RemoteError, match="not Distribute to owner"):
        backend.write("lead_distribution", DistributeStep(step_id=70, flow_id=7, associates=(2,)))
    assert _step(so, 70) == before and so.writes() == []


def test_a_step_without_a_default_associate_is_not_given_one(emulator_factory, open_backend, tenant_doc):
    step = next(s for s in tenant_doc["flows"][0]["Steps"] if s["WorkflowStepId"] == 70)
    del step["DefaultAssociate"]
    so = emulator_factory(tenant_doc)
    backend = open_backend(so)
    current = backend.read_item("lead_distribution", 70)
    backend.write("lead_distribution", replace(current, associates=(2,)))
    saved = _step(so, 70)
    assert saved["Associates"] == [2] and saved.get("DefaultAssociate", 0) == 0


# -- reads ------------------------------------------------------------------------------------------


def test_a_tenant_without_the_flow_list_reads_as_marketing_missing(so, open_backend):
    so.inject("status", status=404, times=None, match=r"GET .*/MDOList/emailflow")
    tenant = open_backend(so).read()
    assert tenant.features[MARKETING] == FEATURE_MISSING
    assert tenant.flows == [] and tenant.utm_tracking is None


# -- the codec over a snapshot document ---------------------------------------------------------------


def _snapshot(tmp_path, doc) -> SnapshotBackend:
    path = tmp_path / "tenant.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return SnapshotBackend(str(path))


def test_only_the_utm_preference_counts_as_utm(tmp_path, tenant_doc):
    tenant_doc["preferences"] += [
        {"Specification": {"Section": codec.UTM_SECTION, "Key": "SomethingElse"}, "RawValue": "0", "Level": "Individual"},
        {"Specification": {"Section": "Alerts", "Key": codec.UTM_KEY}, "RawValue": "0", "Level": "Individual"},
    ]
    tenant = _snapshot(tmp_path, tenant_doc).read()
    assert tenant.utm_tracking is True
    assert tenant.utm_override == "" and tenant.utm_effective is None


def test_a_recorded_grouping_setting_wins_over_the_links(tmp_path, tenant_doc):
    assert tenant_doc["category_user_groups"], "the tenant's categories have links"
    tenant_doc["category_list"] = {"UseGroupsAndHeadings": False}
    assert _snapshot(tmp_path, tenant_doc).read().category_grouping is False


def test_the_tenant_is_named_as_the_server_names_it(so, open_backend):
    """The signed-in user's DatabaseContextIdentifier is the tenant's canonical name; the one in the
    URL is only the fallback when the server does not say."""
    principal = {**so.state.principal(), "DatabaseContextIdentifier": "Cust99999"}
    so.inject("shape", body=principal, match=r"GET .*/User/currentPrincipal$")
    assert open_backend(so).read().context == "Cust99999"
    so.inject("shape", body={**principal, "DatabaseContextIdentifier": ""}, match=r"GET .*/User/currentPrincipal$")
    assert open_backend(so).read().context == so.tenant


def test_a_step_that_leaves_its_flow_id_out_keeps_its_flow(emulator_factory, open_backend, tenant_doc):
    """Before: read as flow 0, and written back with WorkflowId 0 though it sits in flow 7."""
    from leadconf.backends.superoffice import codec

    step = next(s for s in tenant_doc["flows"][0]["Steps"] if s["WorkflowStepId"] == 70)
    del step["WorkflowId"]
    backend = open_backend(emulator_factory(tenant_doc))
    (flow,) = [f for f in backend.read().flows if f.distribute_steps]
    assert [s.flow_id for s in flow.distribute_steps] == [flow.id] != [0]
    alone = codec.distribute_step_from_api(step, "step 70")  # read on its own: the flow is not known
    assert alone.flow_id == 0
    assert "WorkflowId" not in codec.distribute_step_to_api(replace(alone, associates=(2,)), step)
