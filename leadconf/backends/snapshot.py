"""The snapshot backend: a tenant held in a local JSON file (format leadconf-snapshot/1).

The file is what the SuperOffice API returns, part by part, in its own field names (README,
"The snapshot file"), so this backend reads and writes it with the Web API codec
(backends/superoffice/codec.py), the one module that knows those names: a second copy of them here
would drift from the REST backend's. Importing the codec loads no HTTP code. The file is rewritten atomically, under a lock held for
the whole apply, so that two applies cannot interleave and a crash never leaves half a file. During an
apply each write is appended to the snapshot's change log and the file is rewritten once, at the
end (snapshot_log.py: rewriting it per write made a large apply quadratic).
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import replace

from leadconf.backends.snapshot_log import ChangeLog
from leadconf.backends.superoffice import codec as api
from leadconf.errors import FileError, TargetError
from leadconf.fileio import apply_lock, atomic_write, check_writable, lock_timeout, real_path, remove_leftovers
from leadconf.model.tenant import AutomationRule, Category, DistributeStep, LeadStatus, Tenant, name_key

SNAPSHOT_FORMAT = "leadconf-snapshot/1"


class SnapshotBackend:
    def __init__(self, path: str):
        self.path = path
        self.description = f"snapshot:{path}"  # as the user wrote it, for plans and reports
        # ... and absolute in saved plans, so that one applies from any working directory
        self.locator = f"snapshot:{os.path.abspath(path)}"
        self._doc: dict | None = None
        self._stamp: tuple | None = None
        remove_leftovers(path)  # copies of the tenant that a killed run left beside the file
        self._log = ChangeLog(path)
        self._lists: dict[str, _ListIndex] = {}  # of the document in memory

    # -- reading ----------------------------------------------------------------------------------

    def _document(self) -> dict:
        """The file's document with its change log replayed, re-read whenever either changed on disk."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise TargetError(f"{self.path}: no such snapshot file") from None
        except OSError as exc:
            raise TargetError(f"{self.path}: cannot read the snapshot ({exc.strerror})") from None
        stamp = ((st.st_mtime_ns, st.st_size, st.st_ino), self._log.stamp())
        doc = self._doc
        if doc is None or stamp != self._stamp:
            doc = load_document(self.path)
            check_lists(self.path, doc)
            self._lists = {}
            for kind, item in self._log.records():
                self._store(doc, kind, _item(kind, item), insert=True)
            self._doc, self._stamp = doc, stamp
        return doc

    def _list(self, doc: dict, part: str) -> _ListIndex:
        index = self._lists.get(part)
        if index is None:
            index = self._lists[part] = _ListIndex(doc.setdefault(part, []), _ID_KEYS[part])
        return index

    def read(self) -> Tenant:
        try:
            return api.tenant_from_document(self._document())
        except api.ShapeError as exc:
            raise TargetError(f"{self.path}: not a valid snapshot: {exc}") from None

    def read_item(self, kind, key):
        reader = {
            "category": self._read_category,
            "lead_status": self._read_lead_status,
            "category_automation": lambda key: next((r for r in self.read().automation if r.trigger == key), None),
            "utm_tracking": lambda key: self.read().utm_tracking,
            "lead_distribution": lambda key: next(
                (s for f in self.read().flows for s in f.distribute_steps if s.step_id == key), None),
        }.get(kind)
        if reader is None:
            raise ValueError(f"unknown kind {kind!r}")
        try:
            return reader(key)
        except api.ShapeError as exc:
            raise TargetError(f"{self.path}: not a valid snapshot: {exc}") from None

    # Lists are looked up in the document directly: apply re-reads an item before every write, and
    # building the whole tenant each time would make a large apply quadratic.

    def _read_category(self, key):
        doc = self._document()
        i = self._list(doc, "categories").at.get(key)
        if i is None:
            return None
        vis = (doc.get("category_user_groups") or {}).get(str(key))
        heads = (doc.get("category_headings") or {}).get(str(key))
        return api.category_from_api(doc["categories"][i], f"categories[{i}]", vis, heads)

    def _read_lead_status(self, key):
        doc = self._document()
        i = self._list(doc, "lead_statuses").at.get(key)
        return None if i is None else api.lead_status_from_api(doc["lead_statuses"][i], f"lead_statuses[{i}]")

    # -- writing ----------------------------------------------------------------------------------

    def write(self, kind, item):
        doc = self._document()
        try:
            created = kind in _PARTS and item.id is None
            if created:
                item = self._as_created(doc, kind, item)
            result = self._store(doc, kind, item, insert=created)
            self._log.append(kind, item)  # durable from here; the file is rewritten when the lock goes
        except BaseException:
            self._doc = None  # the log is unchanged; forget the half-edited copy in memory
            raise
        self._stamp = (self._stamp[0] if self._stamp else None, self._log.stamp())
        return result

    def _as_created(self, doc: dict, kind: str, item):
        """A new list item gets its id here (so that the log records it), and a new category
        the visibility SuperOffice gives it: every user group (docs/superoffice-backend.md)."""
        item = replace(item, id=self._list(doc, _PARTS[kind]).top + 1)
        if kind == "category" and item.user_groups is None and _uses_grouping(doc):
            item = replace(item, user_groups=_live_user_groups(doc))
        return item

    def _store(self, doc: dict, kind: str, item, insert: bool = False):
        """Carry one write out on the document in memory. `insert`: a list item that is not there
        is added (a create, or a replay of the log), not refused."""
        if kind in _PARTS:
            return getattr(self, f"_write_{kind}")(doc, item, insert)
        return getattr(self, f"_write_{kind}")(doc, item)

    def _write_category(self, doc, item: Category, insert: bool):
        item = self._upsert(doc, "categories", item, api.category_to_api, insert)
        # Only record links that exist, so that a round trip leaves an untouched file as it was.
        for part, ids in (("category_user_groups", item.user_groups), ("category_headings", item.headings)):
            links = doc.get(part)
            if ids is not None and (ids or (links and str(item.id) in links)):
                doc.setdefault(part, {})[str(item.id)] = list(ids)
        if item.user_groups is None or item.headings is None:
            item = replace(item, user_groups=item.user_groups or (), headings=item.headings or ())
        return item

    def _write_lead_status(self, doc, item: LeadStatus, insert: bool):
        return self._upsert(doc, "lead_statuses", item, api.lead_status_to_api, insert)

    def _upsert(self, doc: dict, part: str, item, to_api, insert: bool):
        """Save a list item as the API would: the whole entity over what the file holds (fields
        leadconf does not model are kept), or, when `insert`, a new entity."""
        index = self._list(doc, part)
        entities = doc[part]
        i = index.at.get(item.id)
        if i is not None:
            entities[i] = to_api(item, entities[i])
        elif insert:
            index.add(item.id, len(entities))
            entities.append(to_api(item))
        else:
            what = "category" if part == "categories" else "lead status"
            raise TargetError(f"{what} {item.name!r} (id {item.id}) is no longer in the snapshot")
        return item

    def _write_category_automation(self, doc, rule):
        api.upsert_automation(doc.setdefault("category_automation", []), rule)
        return rule

    def _write_utm_tracking(self, doc, value: bool):
        prefs = doc.setdefault("preferences", [])
        raw = "1" if value else "0"
        for pref in prefs:
            spec = pref.get("Specification") or {}
            at_tenant_level = (pref.get("Level") or api.TENANT_LEVEL) == api.TENANT_LEVEL  # never a user's own
            if spec.get("Section") == api.UTM_SECTION and spec.get("Key") == api.UTM_KEY and at_tenant_level:
                pref["RawValue"] = raw
                break
        else:
            prefs.append({"Specification": {"Section": api.UTM_SECTION, "Key": api.UTM_KEY}, "RawValue": raw, "Level": api.TENANT_LEVEL})
        return value

    def _write_lead_distribution(self, doc, step):
        for flow in doc.get("flows") or []:
            for i, entity in enumerate(flow.get("Steps") or []):
                if entity.get("WorkflowStepId") == step.step_id:
                    flow["Steps"][i] = api.distribute_step_to_api(step, entity)
                    return step
        raise TargetError(f"{self.path}: flow step {step.step_id} is gone")

    # -- locking ----------------------------------------------------------------------------------

    @contextmanager
    def lock(self):
        self._document()  # no snapshot, no lock file left behind: fail here, clearly
        real = real_path(self.path)  # one lock per file, however the path is spelt (a symlink, ../)
        check_writable(real, "snapshot")  # refused before the first change, not after it
        with apply_lock(real + ".lock", lock_timeout(), self.path):
            try:
                remove_leftovers(real, locked=True)  # copies of the tenant left by a killed apply, whatever their pid
                yield self
            finally:
                self._compact()

    def _compact(self) -> None:
        """Rewrite the snapshot with what the change log holds, then drop the log."""
        if self._log.stamp() is None:
            return
        doc = self._document()
        try:
            atomic_write(self.path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n", what="snapshot")
        except FileError as exc:
            raise FileError(f"{exc}: every change is kept in {self._log.path}, which each read of the snapshot "
                            "replays; the next apply writes them into the file") from None
        self._log.remove()
        self._doc = None  # re-read (and re-stamped) when next asked

    def close(self):
        self._log.close()


def _uses_grouping(doc: dict) -> bool:
    """The Category list's "Use grouping and user group filtering", read as the backend reads it."""
    recorded = doc.get("category_list")
    if isinstance(recorded, dict) and isinstance(recorded.get("UseGroupsAndHeadings"), bool):
        return recorded["UseGroupsAndHeadings"]
    # not recorded: a list whose items have links uses them (as api.tenant_from_document decides)
    return any(ids for part in ("category_user_groups", "category_headings") for ids in (doc.get(part) or {}).values())


def _live_user_groups(doc: dict) -> tuple[int, ...]:
    groups = doc.get("user_groups") or []
    return tuple(sorted(g["Id"] for g in groups if isinstance(g, dict) and isinstance(g.get("Id"), int) and not g.get("Deleted")))


_PARTS = {"category": "categories", "lead_status": "lead_statuses"}
_ID_KEYS = {"categories": "CategoryId", "lead_statuses": "Id"}


class _ListIndex:
    """Where each item of a list is, by id, and the highest id: built once per document read, kept
    up to date by the writes (a lookup per write must not scan the list)."""

    def __init__(self, entities: list, key: str):
        self.at = {e.get(key): i for i, e in enumerate(entities) if isinstance(e, dict)}
        self.top = max((k for k in self.at if isinstance(k, int) and not isinstance(k, bool)), default=0)

    def add(self, item_id: int, position: int) -> None:
        self.at[item_id] = position
        self.top = max(self.top, item_id)


# kind -> a logged item (plain JSON) back as the model's item.
_FROM_LOG = {
    "category": lambda p: Category(**{**p, "user_groups": _ids(p.get("user_groups")), "headings": _ids(p.get("headings"))}),
    "lead_status": lambda p: LeadStatus(**p),
    "category_automation": lambda p: AutomationRule(**p),
    "lead_distribution": lambda p: DistributeStep(**{**p, "associates": tuple(p["associates"]),
                                                      "user_groups": tuple(p["user_groups"])}),
}


def _item(kind: str, plain):
    """A logged item back as the model's item."""
    convert = _FROM_LOG.get(kind)
    return plain if convert is None else convert(plain)  # utm_tracking: a bool


def _ids(value):
    return None if value is None else tuple(value)


def load_document(path: str) -> dict:
    """Read and check a snapshot file; every problem becomes a TargetError naming the file."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise TargetError(f"{path}: no such snapshot file") from None
    except OSError as exc:
        raise TargetError(f"{path}: cannot read the snapshot ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TargetError(f"{path}: not UTF-8 (byte {exc.start})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TargetError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise TargetError(f"{path}: JSON nested too deeply") from None
    if not isinstance(doc, dict):
        raise TargetError(f"{path}: a snapshot is a JSON object, not {type(doc).__name__}")
    fmt = doc.get("format")
    if fmt != SNAPSHOT_FORMAT:
        raise TargetError(f"{path}: expected \"format\": \"{SNAPSHOT_FORMAT}\", found {fmt!r}")
    return doc


_LISTS = (("categories", "CategoryId", "categories"), ("lead_statuses", "Id", "lead statuses"))


def check_lists(path: str, doc: dict) -> None:
    """Refuse a list a tenant cannot have, naming the items: an item without an id (its update
    would become a create), an id used twice, two live items whose names match ignoring case and
    surrounding white space (SuperOffice refuses a second one; a prune would pick either)."""
    problems = []
    for part, key, what in _LISTS:
        entities = doc.get(part)
        if not isinstance(entities, list):
            continue  # a missing part is empty; a malformed one is the codec's to report
        problems += _list_problems(part, key, what, [e for e in enumerate(entities) if isinstance(e[1], dict)])
    if problems:
        raise TargetError(f"{path}: not a valid snapshot: " + "; ".join(problems[:5])
                          + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))


def _list_problems(part: str, key: str, plural: str, entities: list[tuple[int, dict]]) -> list[str]:
    def shown(i, e):
        return f"{part}[{i}] {e.get('Name')!r}"

    problems: list[str] = []
    ids: dict[int, tuple[int, dict]] = {}
    names: dict[str, tuple[int, dict]] = {}
    for i, e in entities:
        ident = e.get(key)
        if ident is None or isinstance(ident, bool) or not isinstance(ident, int):
            problems.append(f"{part}[{i}].{key}: {shown(i, e)} has no valid id ({ident!r}); every item needs one")
        elif ident in ids:
            problems.append(f"{part}[{i}].{key}: id {ident} appears twice ({shown(*ids[ident])} and {shown(i, e)})")
        else:
            ids[ident] = (i, e)
        name = e.get("Name")
        if isinstance(name, str) and not e.get("Deleted"):
            folded = name_key(name)
            if folded in names:
                problems.append(f"{shown(*names[folded])} and {shown(i, e)} are both live {plural} with one name "
                                "(SuperOffice compares names ignoring case and surrounding white space)")
            else:
                names[folded] = (i, e)
    return problems
