"""The apply journal: one JSON line per event, fsynced, so that an apply cut off at any point
leaves a record of exactly which changes were made.

    {"type": "plan", "plan": {...plan file...}, "target": ..., "started": ...}
    {"type": "start", "index": 3, "before": {...the item as it was (a reorder: the ranks)...}}
    {"type": "done", "index": 3, "key": 42, "before": {...}, "after": {...}}
    {"type": "already", "index": 5, "key": 43, ...}     (found in its planned state)
    {"type": "failed", "index": 4, "error": "..."}
    {"type": "end", "status": "complete" | "failed" | "interrupted"}

A resumed apply appends to the same file, so the journal holds everything one plan did, over any
number of runs: `made_changes` reads that back, and the undo plan is made from it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time

from leadconf.errors import FileError, PlanFileError
from leadconf.fileio import AppendLog, make_dirs, reason
from leadconf.plan.plan import Plan
from leadconf.plan.planfile import check_data, journal_seal, journal_sealed, plan_keys


def _image(item):
    if not dataclasses.is_dataclass(item):
        return item  # None, a bool (utm_tracking), or a dict of ranks (reorder)
    return dataclasses.asdict(item)


class Journal:
    def __init__(self, path: str):
        self.path = path
        self._log = AppendLog(path)
        self._header: dict | None = None

    @classmethod
    def create(cls, directory: str, plan_dict: dict, target: str) -> Journal:
        make_dirs(directory, "journal folder")
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        digest = plan_dict.get("checksum", "sha256:0")[7:15]
        path = os.path.join(directory, f"apply-{stamp}-{digest}.jsonl")
        n = 1
        while os.path.exists(path):
            n += 1
            path = os.path.join(directory, f"apply-{stamp}-{digest}-{n}.jsonl")
        journal = cls(path)
        # Written with the first event: an apply refused before its first change leaves no journal.
        journal._header = {"type": "plan", "target": target, "started": stamp, "plan": plan_dict}
        seal = journal_seal(plan_dict, target, plan_keys(create=True))
        if seal is not None:
            journal._header["seal"] = seal
        return journal

    def _append(self, record: dict):
        try:
            self._write(record)
        except OSError as exc:
            raise FileError(f"{self.path}: cannot write the apply journal ({reason(exc)})") from None

    def _write(self, record: dict):
        # AppendLog drops a torn last line (a crash while it was written) before a resumed run appends.
        if self._header is not None:
            self._log.append(json.dumps(self._header, ensure_ascii=False, default=list))
            self._header = None
        self._log.append(json.dumps(record, ensure_ascii=False, default=list))

    def start(self, index: int, before=None):
        self._append({"type": "start", "index": index, "before": _image(before)})

    def done(self, index: int, key, before, after, status="done"):
        self._append({"type": status, "index": index, "key": key, "before": _image(before), "after": _image(after)})

    def failed(self, index: int, error: str):
        self._append({"type": "failed", "index": index, "error": error})

    def end(self, status: str):
        self._append({"type": "end", "status": status})

    def close(self):
        self._log.close()


def read_journal(path: str) -> tuple[dict, list[dict]]:
    """The plan a journal was started with, and its events. A torn last line (a crash while
    writing it) is ignored: the event it would have recorded is re-checked against the tenant."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().split("\n")
    except OSError as exc:
        raise PlanFileError(f"{path}: cannot read the journal ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise PlanFileError(f"{path}: not a leadconf journal (not UTF-8)") from None
    events = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            if number >= len(lines) - 1:
                break
            raise PlanFileError(f"{path}:{number}: not a leadconf journal line") from None
        # valid JSON that is not an event (a hand edit: a torn line is never a whole value)
        if not isinstance(event, dict):
            raise PlanFileError(f"{path}:{number}: not a leadconf journal line")
        events.append(event)
    if not events or not isinstance(events[0], dict) or events[0].get("type") != "plan":
        raise PlanFileError(f"{path}: not a leadconf journal (no plan header)")
    return events[0], events[1:]


def journal_plan(header: dict, path: str) -> Plan:
    """The plan (and target) a journal was started with, once its seal checks: a journal is a file
    anyone with the folder can edit, and undo and resume act on what it says with the
    environment's credentials. Refused when no key at hand sealed it."""
    data = check_data(header.get("plan"), f"the journal {path}")
    if not journal_sealed(header, plan_keys()):
        raise PlanFileError(
            f"the journal {path} does not carry a valid seal: it was changed after the apply wrote it, or it "
            "was sealed with another plan key (run with the LEADCONF_PLAN_KEY or the user the apply ran with); "
            "nothing was done")
    return Plan.from_file_dict(data)


def latest_unfinished(directory: str) -> str | None:
    if not os.path.isdir(directory):
        return None
    names = sorted(n for n in os.listdir(directory) if n.startswith("apply-") and n.endswith(".jsonl"))
    for name in reversed(names):
        path = os.path.join(directory, name)
        try:
            _, events = read_journal(path)
        except PlanFileError:
            continue
        if not finished(events):
            return path
    return None


def finished(events: list[dict]) -> bool:
    """The apply these journal events record ran to its end: the last of them is its complete end."""
    last = events[-1] if events else {}
    return (last.get("type"), last.get("status")) == ("end", "complete")


def interrupted_changes(events: list[dict]) -> dict[int, dict | None]:
    """Changes a journal shows as started but not done (cut off, or failed), with their
    before-images: a write that may have been carried out in part (the Web API writes a
    category's visibility in a second request)."""
    started: dict = {}
    for event in events:
        if event.get("type") == "start":
            started[event.get("index")] = event.get("before")
        elif event.get("type") in ("done", "already"):
            started.pop(event.get("index"), None)
    return started


def progress(header: dict, events: list[dict]) -> dict[str, int]:
    """How far the journal's plan got: done, already done, failed, in flight (started, never
    finished: an abandoned write) and not started, counted over every run of the journal."""
    total = len((header.get("plan") or {}).get("changes") or [])
    state: dict = {}
    for event in events:
        kind = event.get("type")
        if kind in ("start", "done", "already", "failed"):
            state[event.get("index")] = kind
    counts = {name: sum(1 for v in state.values() if v == kind)
              for name, kind in (("done", "done"), ("already", "already"), ("failed", "failed"), ("in_flight", "start"))}
    counts["not_started"] = max(total - len(state), 0)
    return counts


@dataclasses.dataclass(frozen=True)
class Made:
    """A change a journal shows carried out: its index in the plan, the key of the item it wrote
    (a created item's new id), and the item's state before it (a reorder: the ranks it moved)."""

    index: int
    key: object
    before: object


def made_changes(events: list[dict]) -> list[Made]:
    """Every change the journal's runs carried out, in the order they were made.

    A change counts when a run recorded it done, or when a run was cut off after starting it and a
    later run found it already in its planned state (the write went through; the "done" record
    did not). Changes found already done at a run's start, never started by this journal, do not
    count: they were not this apply's doing.
    """
    first_start: dict = {}  # index -> (position, the first before-image recorded)
    done: dict = {}
    for position, event in enumerate(events):
        kind, index = event.get("type"), event.get("index")
        if not isinstance(index, int):
            continue
        if kind == "start":
            first_start.setdefault(index, (position, event.get("before")))
        elif kind == "done" and index not in done:
            done[index] = event
        elif kind == "already" and index in first_start and index not in done:
            done[index] = event  # cut off after the write: the resumed run found it made
    made = []
    for index, event in done.items():
        position, image = first_start.get(index, (len(events), None))
        before = event.get("before")
        if isinstance(image, dict) and (before is None or isinstance(before, dict)) and _is_ranks(image):
            before = {**(before or {}), **image}  # a reorder resumed: the ranks before its first attempt
        made.append((position, Made(index, event.get("key"), before)))
    return [m for _, m in sorted(made, key=lambda pm: pm[0])]


def _is_ranks(image: dict) -> bool:
    return bool(image) and all(isinstance(v, int) and not isinstance(v, bool) for v in image.values())


def latest_journal(directory: str) -> str | None:
    """The journal written to last in `directory` (finished or not): the latest apply."""
    if not os.path.isdir(directory):
        return None
    paths = [os.path.join(directory, n) for n in os.listdir(directory) if n.startswith("apply-") and n.endswith(".jsonl")]
    return max(paths, key=lambda p: (os.stat(p).st_mtime_ns, p), default=None)


def undo_path(journal_path: str) -> str:
    """Where the undo plan of a journal goes by default: beside it."""
    base = journal_path[: -len(".jsonl")] if journal_path.endswith(".jsonl") else journal_path
    return base + ".undo.json"
