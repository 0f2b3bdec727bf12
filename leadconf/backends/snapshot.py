"""The snapshot backend: a tenant held in a local JSON file (format leadconf-snapshot/1).

The file is what the SuperOffice API returns, part by part, in its own field names (README,
"The snapshot file"), so this backend reads and writes it with the Web API codec
(backends/superoffice/codec.py), the one module that knows those names: a second copy of them here
would drift from the REST backend's. Importing the codec loads no HTTP code. Each write rewrites the file atomically, under a lock held for the whole
apply, so that two applies cannot interleave and a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import replace

from leadconf.backends.superoffice import codec as api
from leadconf.errors import FileError, LockError, TargetError
from leadconf.fileio import atomic_write, check_writable, lock_timeout, real_path, reason, remove_leftovers
from leadconf.model.tenant import Category, LeadStatus, Tenant

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

    # -- reading ----------------------------------------------------------------------------------

    def _document(self) -> dict:
        """The file's document, re-read whenever the file changed on disk."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise TargetError(f"{self.path}: no such snapshot file") from None
        except OSError as exc:
            raise TargetError(f"{self.path}: cannot read the snapshot ({exc.strerror})") from None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        doc = self._doc
        if doc is None or stamp != self._stamp:
            doc = load_document(self.path)
            check_lists(self.path, doc)
            self._doc, self._stamp = doc, stamp
        return doc

    def read(self) -> Tenant:
        try:
            return api.tenant_from_document(self._document())
        except api.ShapeError as exc:
            raise TargetError(f"{self.path}: not a valid snapshot: {exc}") from None

    def read_item(self, kind, key):
        # Lists are looked up in the document directly: apply re-reads an item before every write,
        # and building the whole tenant each time would make a large apply quadratic.
        try:
            doc = self._document()
            if kind == "category":
                for i, entity in enumerate(doc.get("categories") or []):
                    if isinstance(entity, dict) and entity.get("CategoryId") == key:
                        vis = (doc.get("category_user_groups") or {}).get(str(key))
                        heads = (doc.get("category_headings") or {}).get(str(key))
                        return api.category_from_api(entity, f"categories[{i}]", vis, heads)
                return None
            if kind == "lead_status":
                for i, entity in enumerate(doc.get("lead_statuses") or []):
                    if isinstance(entity, dict) and entity.get("Id") == key:
                        return api.lead_status_from_api(entity, f"lead_statuses[{i}]")
                return None
        except api.ShapeError as exc:
            raise TargetError(f"{self.path}: not a valid snapshot: {exc}") from None
        tenant = self.read()
        if kind == "category_automation":
            return next((r for r in tenant.automation if r.trigger == key), None)
        if kind == "utm_tracking":
            return tenant.utm_tracking
        if kind == "lead_distribution":
            steps = (s for f in tenant.flows for s in f.distribute_steps)
            return next((s for s in steps if s.step_id == key), None)
        raise ValueError(f"unknown kind {kind!r}")

    # -- writing ----------------------------------------------------------------------------------

    def write(self, kind, item):
        doc = self._document()
        try:
            result = getattr(self, f"_write_{kind}")(doc, item)
            atomic_write(self.path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n", what="snapshot")
        except BaseException:
            self._doc = None  # the file is unchanged; forget the half-edited copy in memory
            raise
        st = os.stat(self.path)
        self._stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        return result

    def _write_category(self, doc, item: Category):
        if item.id is None and item.user_groups is None and _uses_grouping(doc):
            # SuperOffice makes a new item visible to every user group (docs/superoffice-backend.md)
            item = replace(item, user_groups=_live_user_groups(doc))
        item = _upsert(doc.setdefault("categories", []), "CategoryId", item, api.category_to_api, "category")
        # Only record links that exist, so that a round trip leaves an untouched file as it was.
        for part, ids in (("category_user_groups", item.user_groups), ("category_headings", item.headings)):
            links = doc.get(part)
            if ids is not None and (ids or (links and str(item.id) in links)):
                doc.setdefault(part, {})[str(item.id)] = list(ids)
        if item.user_groups is None or item.headings is None:
            item = replace(item, user_groups=item.user_groups or (), headings=item.headings or ())
        return item

    def _write_lead_status(self, doc, item: LeadStatus):
        return _upsert(doc.setdefault("lead_statuses", []), "Id", item, api.lead_status_to_api, "lead status")

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
        import filelock

        self._document()  # no snapshot, no lock file left behind: fail here, clearly
        timeout = lock_timeout()
        real = real_path(self.path)  # one lock per file, however the path is spelt (a symlink, ../)
        check_writable(real, "snapshot")  # refused before the first change, not after it
        lock = filelock.FileLock(real + ".lock", timeout=timeout)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise LockError(
                f"{self.path}: another leadconf apply holds the lock ({real}.lock) "
                f"and did not release it within {timeout:g} s; try again when it has finished"
            ) from None
        except OSError as exc:
            raise FileError(f"{real}.lock: cannot take the apply lock ({reason(exc)})") from None
        try:
            remove_leftovers(real)  # copies of the tenant left by a killed apply
            yield self
        finally:
            lock.release()

    def close(self):
        pass


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


def _upsert(entities: list, key: str, item, to_api, what: str):
    """Save a list item as the API would: a new id for a create, the whole entity for an update
    (over what the file holds, so fields leadconf does not model are kept)."""
    if item.id is None:
        item = replace(item, id=_next_id(entities, key))
        entities.append(to_api(item))
    else:
        index = _index(entities, key, item.id, what, item.name)
        entities[index] = to_api(item, entities[index])
    return item


def _next_id(entities, key) -> int:
    return max((e.get(key) or 0 for e in entities if isinstance(e, dict)), default=0) + 1


def _index(entities, key, value, what, name) -> int:
    for i, entity in enumerate(entities):
        if isinstance(entity, dict) and entity.get(key) == value:
            return i
    raise TargetError(f"{what} {name!r} (id {value}) is no longer in the snapshot")


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
            folded = name.strip().casefold()
            if folded in names:
                problems.append(f"{shown(*names[folded])} and {shown(i, e)} are both live {plural} with one name "
                                "(SuperOffice compares names ignoring case and surrounding white space)")
            else:
                names[folded] = (i, e)
    return problems
