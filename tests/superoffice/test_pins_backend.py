"""The SuperOffice backend as the backend contract sees it (backend.py): what a read puts in the
Tenant, what a saved plan records, and how the concurrent reads are bounded."""

from __future__ import annotations

import threading
import time

import pytest

from leadconf.backends.superoffice import open_superoffice
from leadconf.backends.superoffice.backend import DEFAULT_WORKERS
from leadconf.errors import RemoteError
from tests.superoffice.reference_facts import BY_KEY
from tests.superoffice.test_contract import ENV, ReferenceServer, reference  # noqa: F401  (the fixture)


def _sample(key):
    return BY_KEY[key].sample


def test_the_backend_is_located_by_its_description(reference):  # noqa: F811
    _, backend = reference()
    assert backend.locator == backend.description == "superoffice:https://crm.example.com/Cust12345"
    assert repr(backend) == "SuperOfficeBackend('superoffice:https://crm.example.com/Cust12345')"


def test_the_backend_shares_its_api_client(reference):  # noqa: F811
    server, backend = reference()
    assert backend.client.get("/User/currentPrincipal")["DatabaseContextIdentifier"] == "Cust12345"
    assert [s.route.key for s in server.seen] == ["principal"]


class Counting(ReferenceServer):
    """The reference server, counting how many requests it answers at once. Until `target` requests
    are in flight together (or 2 s have passed), each waits for the others; then each is held a
    little, so that a pool wider than `target` shows."""

    def __init__(self, target, **overrides):
        super().__init__(**overrides)
        self.target, self.now, self.most, self.reached = target, 0, 0, False
        self.cond = threading.Condition()

    def __call__(self, request):
        if request.url.path.endswith("/User/currentPrincipal"):  # the read's first request goes alone
            return super().__call__(request)
        with self.cond:
            self.now += 1
            self.most = max(self.most, self.now)
            if self.now >= self.target:
                self.reached = True
                self.cond.notify_all()
            self.cond.wait_for(lambda: self.reached, timeout=2)
        try:
            time.sleep(0.02)
            return super().__call__(request)
        finally:
            with self.cond:
                self.now -= 1


def _read_with(workers, target, **overrides):
    import httpx

    server = Counting(target, **overrides)
    options = {} if workers is None else {"workers": workers}
    backend = open_superoffice("https://crm.example.com/Cust12345", transport=httpx.MockTransport(server), environ=ENV,
                               **options)
    try:
        tenant = backend.read()
    finally:
        backend.close()
    return server, tenant


def _categories(n):
    items = [dict(_sample("category_items")[0], Id=i) for i in range(1, n + 1)]
    return {"category_items": items}


@pytest.mark.parametrize("workers, most", [(-1, 1), (0, 4), (1, 1), (2, 2)])
def test_the_concurrent_reads_are_bounded_by_the_workers(workers, most):
    server, tenant = _read_with(workers, most, **_categories(6))
    assert server.most == most
    assert len(tenant.categories) == 6


def test_four_reads_at_once_by_default():
    assert DEFAULT_WORKERS == 4
    server, _ = _read_with(None, 4, **_categories(8))
    assert server.most == 4


def test_the_tenant_a_read_builds(reference):  # noqa: F811
    _, backend = reference()
    tenant = backend.read()
    assert tenant.category_grouping is False
    assert tenant.features == {"marketing": "available", "automation": "available"}
    assert (tenant.utm_tracking, tenant.utm_override, tenant.utm_effective, tenant.utm_error) == (True, "", None, "")
    assert tenant.context == "Cust12345"


def test_a_tenant_using_groups_and_headings_says_so(reference):  # noqa: F811
    _, backend = reference(category_list=dict(_sample("category_list"), UseGroupsAndHeadings=True))
    assert backend.read().category_grouping is True


def test_a_tenant_without_a_context_identifier_is_named_by_its_url(reference):  # noqa: F811
    _, backend = reference(principal=dict(_sample("principal"), DatabaseContextIdentifier=None))
    assert backend.read().context == "Cust12345"
    _, backend = reference(principal=dict(_sample("principal"), DatabaseContextIdentifier="Cust777"))
    assert backend.read().context == "Cust777"


def test_an_override_is_kept_with_its_effective_value(reference):  # noqa: F811
    _, backend = reference(preference=dict(_sample("preference"), Level="Group", RawValue="0"))
    tenant = backend.read()
    assert (tenant.utm_tracking, tenant.utm_override, tenant.utm_effective) == (True, "Group", False)


def test_the_utm_error_only_where_marketing_is_there(emulator_factory, open_backend, tenant_doc):
    emu = emulator_factory(tenant_doc)
    emu.inject("shape", body=[], match=r"GET .*/Preference/Mailing/EnableUTMSaving$", times=None)
    tenant = open_backend(emu).read()
    assert tenant.utm_tracking is None and "expected a JSON object, got list" in tenant.utm_error
    emu.inject("status", status=404, match=r"GET .*/MDOList/emailflow$")
    tenant = open_backend(emu).read()
    assert tenant.utm_tracking is None and tenant.utm_error == ""


def test_user_groups_and_headings_in_the_tenant(reference):  # noqa: F811
    _, backend = reference()
    tenant = backend.read()
    assert [(g.id, g.name, g.deleted) for g in tenant.user_groups] == [(1, "Sales", False), (2, "Support", False)]
    assert [(h.id, h.name) for h in tenant.headings] == [(100, "Leads")]


@pytest.mark.parametrize("key, bad, item", [
    ("user_groups", [dict(_sample("user_groups")[0], Id="1")], "the user-group list"),
    ("headings", [dict(_sample("headings")[0], HeadingId="100")], "the Category list's headings"),
    ("automation_get", [dict(_sample("automation_get")[0], LeadstatusId="0")], "category automation"),
])
def test_a_malformed_list_names_it(reference, key, bad, item):  # noqa: F811
    _, backend = reference(**{key: bad})
    with pytest.raises(RemoteError, match="unexpected answer") as caught:
        backend.read()
    assert caught.value.item == item


def test_automation_rules_in_the_tenant(reference):  # noqa: F811
    rules = [_sample("automation_get")[0], dict(_sample("automation_get")[0], TriggerType="SaleLost", Enabled=False)]
    _, backend = reference(automation_get=rules)
    assert [(r.trigger, r.enabled) for r in backend.read().automation] == [("SaleSold", True), ("SaleLost", False)]


def test_a_licence_error_on_a_write_says_what_it_means(emulator_factory, open_backend, tenant_doc):
    from leadconf.model.tenant import LeadStatus
    from tests.emulator.state import ApiError

    emu = emulator_factory(tenant_doc)
    backend = open_backend(emu)
    current = backend.read_item("lead_status", 2)

    def refuse(*args, **kwargs):
        raise ApiError(403, "Lead status needs a Sales Premium licence", "SoLicenseException")

    emu.state.put_status = refuse
    with pytest.raises(RemoteError) as caught:
        backend.write("lead_status", LeadStatus(2, "Contacting", tooltip="x", rank=current.rank))
    assert str(caught.value).endswith(" (a licence error: the tenant is not licensed for this feature; it was not written)")
    assert caught.value.args == (str(caught.value),)
