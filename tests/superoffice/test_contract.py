"""Client and emulator against the facts of the reference (tests/superoffice/reference_facts.py).

Route by route: the request the client builds, the client's reading of the page's documented
answer, and the emulator's answer. The emulator cannot agree with the client against the
reference unnoticed: both are checked against the same table, which only the reference fills.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace

import httpx
import pytest

from leadconf.backends.superoffice import open_superoffice
from leadconf.model.tenant import AutomationRule, Category, LeadStatus
from tests.superoffice.reference_facts import BY_KEY, RIGHTS, ROUTES, Seen, route_for

ENV = {"SUPEROFFICE_TICKET": "7T:contract", "LEADCONF_RATE_LIMIT": "0"}


class ReferenceServer:
    """An httpx transport that answers every route with its documented sample, recording requests."""

    def __init__(self, **overrides):
        self.samples = {r.key: copy.deepcopy(r.sample) for r in ROUTES}
        self.samples.update(overrides)
        self.seen: list[Seen] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.split("/api/v1", 1)[1]
        route = route_for(request.method, path)
        body = json.loads(request.content) if request.content else None
        self.seen.append(Seen(route, dict(request.url.params), body))
        if route.status == 204:
            return httpx.Response(204)
        return httpx.Response(route.status, json=self.samples[route.key])

    def backend(self):
        return open_superoffice("https://crm.example.com/Cust12345", transport=httpx.MockTransport(self), environ=ENV)


def check_request(seen: Seen):
    route = seen.route
    assert set(seen.query) <= set(route.query), f"{route.key}: query {sorted(seen.query)} not on {route.page}"
    if route.request is None:
        assert seen.body is None, f"{route.key}: a body, but {route.page} documents none"
        return
    allowed = set(route.request) | set(route.extra)
    if route.request_shape == "array of integers":
        assert isinstance(seen.body, list) and all(isinstance(i, int) for i in seen.body), route.key
        return
    items = seen.body if route.request_shape == "array of objects" else [seen.body]
    assert isinstance(items, list) and items, route.key
    for item in items:
        assert isinstance(item, dict), route.key
        assert set(item) <= allowed, f"{route.key}: {sorted(set(item) - allowed)} not on {route.page}"
        assert not set(item) & set(RIGHTS), f"{route.key}: answer-only fields sent back"


@pytest.fixture
def reference():
    made = []

    def make(**overrides):
        server = ReferenceServer(**overrides)
        made.append(server.backend())
        return server, made[-1]

    yield make
    for backend in made:
        backend.close()


# -- the client reads the documented answers ------------------------------------------------------

def test_read_of_the_documented_samples(reference):
    server, backend = reference()
    tenant = backend.read()
    assert [(c.id, c.name, c.group, c.enable_lead_status) for c in tenant.categories] == [(12, "Lead", "PotentialCustomer", True)]
    assert [(s.id, s.name) for s in tenant.lead_statuses] == [(3, "Contacting")]
    assert [g.name for g in tenant.user_groups] == ["Sales", "Support"]
    assert [h.name for h in tenant.headings] == ["Leads"]
    # the MDO list's Name is the full name; the login name comes from GetAssociateList
    assert [(a.id, a.name, a.full_name) for a in tenant.associates] == [(1, "ADM0", "Admin Adminson"), (2, "ARNE", "Arne Arnesen")]
    assert [(r.trigger, r.category_id) for r in tenant.automation] == [("SaleSold", 12)]
    assert tenant.utm_tracking is True and tenant.utm_override == ""
    assert [f.name for f in tenant.flows] == ["Lead nurturing"]
    assert tenant.flows[0].distribute_steps[0].associates == (1, 2)
    assert tenant.features == {"marketing": "available", "automation": "available"}
    assert tenant.context == "Cust12345" and tenant.licenses == frozenset({"ten-sales"})
    for seen in server.seen:
        check_request(seen)


def test_read_with_groups_and_headings(reference):
    category_list = dict(BY_KEY["category_list"].sample, UseGroupsAndHeadings=True)
    server, backend = reference(category_list=category_list)
    category = backend.read().categories[0]
    assert (category.user_groups, category.headings) == ((1,), (100,))
    assert {"category_groups", "category_headings_of"} <= {s.route.key for s in server.seen}


def test_the_preference_at_a_level_is_a_json_string(reference):
    # the effective value comes from an Individual-level override; the tenant-wide one is read as a string
    server, backend = reference(preference=dict(BY_KEY["preference"].sample, Level="Individual", RawValue="0"))
    tenant = backend.read()
    assert (tenant.utm_tracking, tenant.utm_override, tenant.utm_effective) == (True, "Individual", False)
    asked = [s for s in server.seen if s.route.key == "preference_at_level"]
    assert len(asked) == 1


def test_an_object_where_the_reference_documents_a_string_is_a_clear_error(reference):
    from leadconf.diff import _utm
    from leadconf.errors import RemoteError

    _, backend = reference(preference=dict(BY_KEY["preference"].sample, Level="Individual"),
                           preference_at_level=BY_KEY["preference"].sample)
    # The read keeps the error (G6 of the issue 14 review): a plan that manages UTM tracking raises
    # it, one that does not plans without it (tests/superoffice/test_utm_unmanaged.py).
    tenant = backend.read()
    assert tenant.utm_tracking is None
    assert "expected a JSON string, got an object" in tenant.utm_error
    with pytest.raises(RemoteError, match="expected a JSON string, got an object"):
        _utm(True, tenant, lambda path: None, [])


# -- the client's requests ------------------------------------------------------------------------

def test_every_write_request_is_in_the_documented_shape(reference):
    category_list = dict(BY_KEY["category_list"].sample, UseGroupsAndHeadings=True)
    server, backend = reference(category_list=category_list)
    tenant = backend.read()
    category = backend.read_item("category", 12)
    backend.write("category", replace(category, tooltip="Changed", user_groups=(1, 2)))
    backend.write("category", Category(None, "Webinar lead", "PotentialCustomer", enable_lead_status=True, user_groups=None))
    status = backend.read_item("lead_status", 3)
    backend.write("lead_status", replace(status, name="Reaching out"))
    backend.write("lead_status", LeadStatus(None, "Nurturing", rank=3))
    backend.read_item("category_automation", "SaleSold")
    backend.write("category_automation", AutomationRule("SaleSold", False, True, 12, 0))
    backend.write("utm_tracking", False)
    step = backend.read_item("lead_distribution", 70)
    backend.write("lead_distribution", replace(step, associates=(2,)))
    assert tenant.categories
    for seen in server.seen:
        check_request(seen)
    keys = {s.route.key for s in server.seen}
    # every route of the table is one the client calls, and was checked here (the preference at a
    # level is asked only when the effective value is not defined at Database: the test above)
    assert keys == {r.key for r in ROUTES} - {"preference_at_level"}, sorted({r.key for r in ROUTES} ^ keys)
    put = next(s for s in server.seen if s.route.key == "preference_set")
    assert put.query == {"value": "0"}


def test_associate_list_is_asked_with_the_ids_of_the_mdo_list(reference):
    server, backend = reference()
    backend.read()
    asked = next(s for s in server.seen if s.route.key == "associates")
    assert asked.body == [1, 2]


# -- the emulator answers as documented -----------------------------------------------------------

def _emulator_requests(lead_list: int) -> dict:
    """route key -> (method, path, params, body) of one concrete request to the emulator."""
    step = {"WorkflowStepId": 70}
    return {
        "principal": ("GET", "/User/currentPrincipal", None, None),
        "lists": ("GET", "/List", {"includeDeleted": "true"}, None),
        "category_list": ("GET", "/List/Category", None, None),
        "category_items": ("GET", "/List/Category/Items", {"includeDeleted": "true"}, None),
        "category_get": ("POST", "/Agents/List/GetCategoryEntity", {"categoryEntityId": "1"}, None),
        "category_save": ("POST", "/Agents/List/SaveCategoryEntity", None, "category_get"),
        "category_groups": ("GET", "/List/Category/Items/1/UserGroups", None, None),
        "category_headings_of": ("GET", "/List/Category/Items/1/Headings", None, None),
        "category_groups_put": ("PUT", "/List/Category/Items/1/UserGroups", None, "category_groups"),
        "category_headings_put": ("PUT", "/List/Category/Items/1/Headings", None, "category_headings_of"),
        "headings": ("GET", "/List/Category/Headings", None, None),
        "user_groups": ("GET", "/List/UserGroup/Items", {"includeDeleted": "true"}, None),
        "status_items": ("GET", f"/List/{lead_list}/Items", {"includeDeleted": "true"}, None),
        "status_item": ("GET", f"/List/{lead_list}/Items/2", None, None),
        "status_add": ("POST", f"/List/{lead_list}/Items", None,
                       {"Id": 0, "Name": "Nurturing", "Tooltip": "", "Deleted": False, "UdListDefinitionId": lead_list, "Rank": 5}),
        "status_save": ("PUT", f"/List/{lead_list}/Items/2", None, "status_item"),
        "mdo_associate": ("GET", "/MDOList/associate", {"flat": "true"}, None),
        "associates": ("POST", "/Agents/Associate/GetAssociateList", None, [1, 2]),
        "automation_get": ("POST", "/Agents/List/GetAllAutomatedCategoryUpdates", None, None),
        "automation_save": ("POST", "/Agents/List/SaveAllAutomatedCategoryUpdates", None, "automation_get"),
        "preference": ("GET", "/Preference/Mailing/EnableUTMSaving", None, None),
        "preference_at_level": ("GET", "/Preference/Mailing/EnableUTMSaving/Database", None, None),
        "preference_set": ("PUT", "/Preference/Mailing/EnableUTMSaving/Database", {"value": "1"}, None),
        "mdo_emailflow": ("GET", "/MDOList/emailflow", {"flat": "true"}, None),
        "flow_get": ("POST", "/Agents/Workflow/GetEmailFlow", {"emailFlowId": "7"}, None),
        "step_get": ("POST", "/Agents/Workflow/GetWorkflowStep", None, step),
        "step_save": ("POST", "/Agents/Workflow/SaveWorkflowStep", None, "step_get"),
    }


def _strip(value):
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return {k: v for k, v in value.items() if k not in RIGHTS}


def _check_answer(route, answer):
    if route.response == "string":
        assert isinstance(answer, str), f"{route.key}: {route.page} documents a JSON string"
        return
    items = answer if route.response == "array" else [answer]
    assert isinstance(items, list) and items, f"{route.key}: expected a non-empty {route.response}"
    for item in items:
        assert isinstance(item, dict), route.key
        missing = set(route.properties) - set(item)
        unknown = set(item) - set(route.properties) - set(route.extra)
        assert not missing, f"{route.key}: {sorted(missing)} documented on {route.page}, not answered"
        assert not unknown, f"{route.key}: {sorted(unknown)} answered, but not on {route.page}"


def test_the_emulator_answers_every_route_as_documented(so):
    headers = {"Authorization": f"SOTicket {so.env()['SUPEROFFICE_TICKET']}",
               "SO-AppToken": so.env()["SUPEROFFICE_APP_TOKEN"], "SO-Language": "x"}
    answers = {}
    with httpx.Client(base_url=f"{so.base_url}/api/v1", headers=headers) as client:
        requests = _emulator_requests(lead_list=31)
        for route in ROUTES:
            method, path, params, body = requests[route.key]
            if isinstance(body, str):  # send back what another route answered, as leadconf does
                body = _strip(answers[body])
                body = {"Settings": body} if route.key == "automation_save" else body
            response = client.request(method, path, params=params, json=body)
            assert response.status_code == route.status, (route.key, response.text)
            answers[route.key] = response.json() if response.content else None
            if route.status != 204:
                _check_answer(route, answers[route.key])
    assert answers["preference_at_level"] == "1"


def test_a_divergent_emulator_is_caught(emulator_factory, tenant_doc):
    """The check above fails for an emulator that answers the old, undocumented way."""
    emu = emulator_factory(tenant_doc, variants={"preference-at-level-object"})
    headers = {"Authorization": f"SOTicket {emu.env()['SUPEROFFICE_TICKET']}", "SO-AppToken": emu.env()["SUPEROFFICE_APP_TOKEN"]}
    with httpx.Client(base_url=f"{emu.base_url}/api/v1", headers=headers) as client:
        answer = client.get("/Preference/Mailing/EnableUTMSaving/Database").json()
    with pytest.raises(AssertionError, match="documents a JSON string"):
        _check_answer(BY_KEY["preference_at_level"], answer)
