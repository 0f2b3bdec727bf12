"""`leadconf undo`'s work, through its apply-layer entry point (apply/undo.py `undo_of_journal`):
the journal found, its seal checked, the changes it shows made turned into the inverse plan against
the tenant as it is now, and that plan saved sealed. The CLI only wires and prints it
(tests/reliability/test_undo_commands.py runs the command)."""

from __future__ import annotations

import json
import os

import pytest

from leadconf.apply import ApplySession
from leadconf.apply.journal import Journal, undo_path
from leadconf.apply.undo import JournalUndo, undo_of_journal
from leadconf.diff import build_plan
from leadconf.errors import PlanFileError
from leadconf.plan import planfile
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan
from leadconf.vocabulary import fingerprint
from tests.core.conftest import tenant
from tests.core.memory import MemoryBackend

CONFIG = """
    version: 1
    company_categories:
      items:
        - {name: Lead, group: potential_customer, lead_status: true}
        - {name: Customer, group: customer}
"""


class Opener:
    """open_target for the entry point: hands out `backend` and records each target and close."""

    def __init__(self, backend):
        self.backend = backend
        self.targets: list[str] = []
        self.closed = 0
        backend.close = self._close

    def _close(self):
        self.closed += 1

    def __call__(self, target):
        self.targets.append(target)
        return self.backend


def _never(target):
    raise AssertionError(f"the tenant was opened ({target}), though nothing needs it")


def _applied(config, tmp_path, backend=None):
    """An apply of CONFIG (one update, one create) to a memory tenant: (backend, journal path)."""
    backend = backend or MemoryBackend(tenant([("Customer", {"group": "Customer"}), ("Lead", {"group": "Customer"})]))
    # what the plan shows (the target as typed), and where it finds the tenant again
    backend.description, backend.locator = "snapshot:tenant.json", "snapshot:/tenants/tenant.json"
    plan = build_plan(config(CONFIG), backend.read(), backend.description, backend.locator)
    assert [(c.action, c.name) for c in plan.changes if c.action != "reorder"] == [("update", "Lead")]
    session = ApplySession(backend, journal_dir=str(tmp_path / "journal"))
    assert session.apply_plan(plan).ok
    return backend, session.journal_path


def test_the_undo_of_a_finished_apply_inverts_every_change_against_the_tenant_read_now(config, tmp_path):
    backend, journal = _applied(config, tmp_path)
    lead = next(c for c in backend.tenant.categories if c.name == "Lead")
    opener = Opener(backend)
    undo = undo_of_journal(journal, str(tmp_path / "elsewhere"), opener)
    assert isinstance(undo, JournalUndo)
    assert undo.journal == journal and undo.finished is True
    assert opener.targets == ["snapshot:/tenants/tenant.json"] and opener.closed == 1  # the locator, read once, closed
    changes = {(c.action, c.kind, c.name): c for c in undo.plan.changes}
    update = changes[("update", "category", "Lead")]
    assert update.key == lead.id
    assert update.before == {"group": "potential_customer", "lead_status": True}
    assert update.after == {"group": "customer", "lead_status": False}
    assert update.fingerprint == fingerprint(lead)  # the item as the tenant holds it now
    assert update.reason == f"undo of the apply recorded in {journal}"
    assert (undo.plan.target, undo.plan.locator) == ("snapshot:tenant.json", "snapshot:/tenants/tenant.json")


def test_the_undos_fingerprints_come_from_the_tenant_as_it_is_when_the_undo_is_made(config, tmp_path):
    backend, journal = _applied(config, tmp_path)
    lead = next(c for c in backend.tenant.categories if c.name == "Lead")
    as_applied = fingerprint(lead)
    lead.tooltip = "changed by hand after the apply"
    undo = undo_of_journal(journal, "", Opener(backend))
    update = next(c for c in undo.plan.changes if c.name == "Lead")
    assert update.fingerprint == fingerprint(lead)
    assert update.fingerprint != as_applied


def test_without_a_journal_named_the_latest_in_the_folder_is_undone(config, tmp_path):
    backend, first = _applied(config, tmp_path)
    later = os.path.join(os.path.dirname(first), "apply-29991231T000000Z-later.jsonl")
    with open(first, encoding="utf-8") as src, open(later, "w", encoding="utf-8") as dst:
        dst.write(src.read())
    os.utime(later, ns=(os.stat(first).st_mtime_ns + 10**9,) * 2)
    undo = undo_of_journal(None, os.path.dirname(first), Opener(backend))
    assert undo.journal == later


@pytest.mark.parametrize("made", [False, True])
def test_no_journal_in_the_folder_is_nothing_to_undo(tmp_path, made):
    folder = tmp_path / "journal"
    if made:
        folder.mkdir()
    with pytest.raises(PlanFileError, match=f"^nothing to undo: no journal in {folder}$"):
        undo_of_journal(None, str(folder), _never)


def _journal_of(write, tmp_path):
    """A journal of a one-change plan (create the lead status New), written by `write(journal)` as
    an apply writes it."""
    backend = MemoryBackend(tenant([("Customer", {"group": "Customer"})], statuses=("Open", "New")))
    plan = Plan(target=backend.description, locator=backend.locator, changes=[
        Change(action="create", kind="lead_status", name="New", key=None, before=None, after={"name": "New"})])
    journal = Journal.create(str(tmp_path / "journal"), plan.to_file_dict(), backend.description)
    write(journal)
    journal.close()
    return backend, journal.path


def test_an_apply_that_changed_nothing_has_no_undo_and_the_tenant_is_not_read(tmp_path):
    def already_done(journal):
        journal.done(0, 102, None, None, status="already")
        journal.end("complete")

    _, path = _journal_of(already_done, tmp_path)
    assert undo_of_journal(path, "", _never) == JournalUndo(path, None, True)


@pytest.mark.parametrize("end", [None, "interrupted", "failed"])
def test_an_apply_that_did_not_finish_is_undone_as_far_as_it_went(tmp_path, end):
    def created(journal):
        journal.start(0)
        journal.done(0, 102, None, None)
        if end:
            journal.end(end)

    backend, path = _journal_of(created, tmp_path)
    undo = undo_of_journal(path, "", Opener(backend))
    assert undo.finished is False
    assert [(c.action, c.kind, c.key) for c in undo.plan.changes] == [("delete", "lead_status", 102)]


def test_a_journal_of_its_header_alone_is_not_finished_and_has_nothing_to_undo(tmp_path):
    _, path = _journal_of(lambda journal: journal.start(0), tmp_path)
    with open(path, encoding="utf-8") as fh:
        header = fh.readline()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(header)  # cut off right after the header was written
    assert undo_of_journal(path, "", _never) == JournalUndo(path, None, False)


def test_a_journal_edited_after_the_apply_is_refused_before_the_tenant_is_opened(config, tmp_path):
    _, journal = _applied(config, tmp_path)
    with open(journal, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    header = json.loads(lines[0])
    header["target"] = "snapshot:/somewhere/else.json"
    lines[0] = json.dumps(header)
    with open(journal, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    with pytest.raises(PlanFileError, match="does not carry a valid seal"):
        undo_of_journal(journal, "", _never)


def test_the_tenant_is_closed_when_reading_it_fails(config, tmp_path):
    backend, journal = _applied(config, tmp_path)
    opener = Opener(backend)

    def broken():
        raise PlanFileError("cannot read")

    backend.read = broken
    with pytest.raises(PlanFileError, match="cannot read"):
        undo_of_journal(journal, "", opener)
    assert opener.closed == 1


def test_the_undo_plan_is_written_sealed_beside_the_journal_or_where_asked(config, tmp_path):
    backend, journal = _applied(config, tmp_path)
    undo = undo_of_journal(journal, "", Opener(backend))
    beside = undo.write()
    assert beside == undo_path(journal) == journal[: -len(".jsonl")] + ".undo.json"
    there = undo.write(str(tmp_path / "there.json"))
    assert there == str(tmp_path / "there.json")
    for path in (beside, there):
        saved = planfile.load(path, planfile.plan_keys())
        assert saved.sealed  # apply PLANFILE takes it as it is
        assert saved.plan.changes == undo.plan.changes
