"""SuperOfficeBackend: the backend contract (leadconf/backends/base.py) over the Web API.

Request budget (docs/superoffice-backend.md has the table):
- read(): a fixed set of list reads, plus one GetCategoryEntity per category (plus its UserGroups
  and Headings only when the Category list uses groups and headings), plus, with Marketing
  Premium, one GetEmailFlow per flow and one GetWorkflowStep per Distribute-to-owner step.
- read_item(): the one entity (and, for a category, its links when they apply).
- write(): one write request (two more for a category's links, only when they change). The entity
  sent is the one read by the read_item() just before (apply always calls it), else re-read here.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from leadconf.backends.superoffice import codec as api
from leadconf.backends.superoffice import quirks
from leadconf.backends.superoffice.answers import ALL, AUTOMATION_GET, STEP_GET, licence_refusal, shape_errors
from leadconf.backends.superoffice.client import ApiClient
from leadconf.backends.superoffice.lock import target_lock
from leadconf.backends.superoffice.target import Target
from leadconf.backends.superoffice.writes import Writes
from leadconf.errors import RemoteError
from leadconf.model.tenant import (
    AUTOMATION,
    FEATURE_AVAILABLE,
    MARKETING,
    Category,
    Flow,
    LeadStatus,
    Tenant,
)

DEFAULT_WORKERS = 4  # concurrent per-category reads; they share the client and the rate limit


class SuperOfficeBackend(Writes):
    def __init__(self, target: Target, client: ApiClient, *, workers: int = DEFAULT_WORKERS, environ=None):
        self._target = target
        self._api = client
        self._workers = max(1, int(workers))
        self._environ = environ
        self.description = target.description
        self.locator = target.description  # what a saved plan records to find the tenant again
        # Raw entities from the last read_item(), consumed by the write() that follows it.
        self._fresh: dict = {}
        self._fresh_lock = threading.Lock()
        self._status_list: int | None = None
        self._use_links: bool | None = None
        self._licenses: frozenset[str] | None = None

    def __repr__(self) -> str:
        return f"SuperOfficeBackend({self.description!r})"

    @property
    def client(self) -> ApiClient:
        """The run's API client (leadconf doctor asks its questions through it)."""
        return self._api

    # -- the contract ---------------------------------------------------------------------------

    def read(self) -> Tenant:
        # The current principal goes first and alone: it gives the context, and it is the request
        # that signs in (or renews an expired login) once, before any concurrency. The list reads
        # after it do not depend on each other (but for the lead-status list's id): they go at
        # once, so that they fill the rate budget instead of queueing behind each other's latency.
        # The per-category and per-flow reads follow, as bounded.
        principal = self._principal()
        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="leadconf-read") as pool:
            reads = self._start_list_reads(pool)
            reads["statuses"] = pool.submit(self._read_statuses, reads.pop("status_list").result())
            reads["links"].result()  # whether per-category links are read, before the categories
            categories = self._read_categories(pool, reads.pop("items").result())
            marketing, flow_items = reads["flows"].result()
            flows = [f for f in pool.map(self._read_flow, flow_items) if f is not None]
            done = {key: future.result() for key, future in reads.items()}
        return self._tenant(principal, done, categories, flows if marketing == FEATURE_AVAILABLE else [])

    def _start_list_reads(self, pool: ThreadPoolExecutor) -> dict[str, Future]:
        def get(path: str, what: str, **params: dict) -> Future:
            return pool.submit(self._get_list, path, what, **params)

        return {
            "status_list": pool.submit(self._lead_status_list, refresh=True),
            "links": pool.submit(self._uses_links, refresh=True),
            "items": get("/List/Category/Items", "the Company - Category list", params=ALL),
            "groups": get("/List/UserGroup/Items", "the user-group list", params=ALL),
            "headings": get("/List/Category/Headings", "the Category list's headings"),
            "associates": pool.submit(self._read_associates),
            "automation": pool.submit(self._automation_read),
            "utm": pool.submit(self._read_utm_deferred),
            "flows": pool.submit(self._flow_list),
        }

    def _read_categories(self, pool: ThreadPoolExecutor, items: list) -> list[Category]:
        with shape_errors("the Company - Category list", "GET", "/List/Category/Items"):
            wanted = [(api.require_int(x, "Id", f"category list[{i}]"), x.get("Name")) for i, x in enumerate(items)]
        return [c[0] for c in pool.map(lambda w: self._read_category(*w), wanted) if c is not None]

    def _read_statuses(self, status_list: int) -> list[LeadStatus]:
        path = f"/List/{status_list}/Items"
        statuses = self._get_list(path, "the lead-status list", params=ALL)
        with shape_errors("the lead-status list", "GET", path):
            return [api.lead_status_from_api(x, f"lead statuses[{i}]") for i, x in enumerate(statuses)]

    def _tenant(self, principal: dict, done: dict, categories: list[Category], flows: list[Flow]) -> Tenant:
        with shape_errors("the user-group list", "GET", "/List/UserGroup/Items"):
            user_groups = [api.user_group_from_api(x, f"user groups[{i}]") for i, x in enumerate(done["groups"])]
        with shape_errors("the Category list's headings", "GET", "/List/Category/Headings"):
            headings = [api.named_from_api(x, "HeadingId", f"headings[{i}]") for i, x in enumerate(done["headings"])]
        automation_state, automation = done["automation"]
        with shape_errors("category automation", "POST", AUTOMATION_GET):
            rules = [api.automation_from_api(x, f"automation[{i}]") for i, x in enumerate(automation or [])]
        marketing = done["flows"][0]
        utm, override, effective, utm_error = done["utm"]
        context = principal.get("DatabaseContextIdentifier")
        return Tenant(
            categories=categories, lead_statuses=done["statuses"], user_groups=user_groups, headings=headings,
            associates=done["associates"], automation=rules, flows=flows,
            utm_tracking=utm if marketing == FEATURE_AVAILABLE else None,
            utm_override=override, utm_effective=effective if override else None,
            utm_error=utm_error if marketing == FEATURE_AVAILABLE else "",
            licenses=self._licenses or frozenset(),
            context=context if isinstance(context, str) and context else self._target.cust,
            category_grouping=bool(done["links"]),
            features={MARKETING: marketing, AUTOMATION: automation_state},
        )

    def read_item(self, kind, key):
        reader = {
            "category": self._read_category_item,
            "lead_status": self._read_status_item,
            "category_automation": self._read_automation_item,
            "utm_tracking": lambda _key: self._read_utm()[0],
            "lead_distribution": self._read_step_item,
        }.get(kind)
        if reader is None:
            raise ValueError(f"unknown kind {kind!r}")
        return reader(key)

    def _read_category_item(self, key):
        got = self._read_category(key, None)
        self._remember(("category", key), got[1:] if got else None)
        return got[0] if got else None

    def _read_status_item(self, key):
        raw = self._get_status_raw(key)
        self._remember(("lead_status", key), raw)
        label = f"lead status {raw.get('Name')!r}" if raw else ""
        with shape_errors(label, "GET", f"/List/{self._lead_status_list()}/Items/{key}"):
            return api.lead_status_from_api(raw, label) if raw else None

    def _read_automation_item(self, key):
        rules = self._automation_raw()
        self._remember(("category_automation", None), rules)
        for entry in rules or []:
            if isinstance(entry, dict) and entry.get("TriggerType") == key:
                with shape_errors(f"category automation {key!r}", "POST", AUTOMATION_GET):
                    return api.automation_from_api(entry, f"category automation {key!r}")
        return None

    def _read_step_item(self, key):
        raw = self._get_step_raw(key)
        self._remember(("lead_distribution", key), raw)
        if raw is None or raw.get("StepType") != quirks.DISTRIBUTE_STEP:
            return None
        label = f"lead distribution step {key}"
        with shape_errors(label, "POST", STEP_GET):
            return api.distribute_step_from_api(raw, label)

    def write(self, kind, item):
        writer = {
            "category": self._write_category,
            "lead_status": self._write_lead_status,
            "category_automation": self._write_automation,
            "utm_tracking": self._write_utm,
            "lead_distribution": self._write_distribution,
        }.get(kind)
        if writer is None:
            raise ValueError(f"unknown kind {kind!r}")
        try:
            return writer(item)
        except RemoteError as exc:
            if licence_refusal(exc):  # U11: say what it means; apply stops here
                exc.message += " (a licence error: the tenant is not licensed for this feature; it was not written)"
                exc.args = (str(exc),)
            raise

    def lock(self):
        return target_lock(self.description, self._environ)

    def close(self) -> None:
        self._api.close()
