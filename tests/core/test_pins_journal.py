"""The apply journal (leadconf/apply/journal.py), pinned where the mutation runs of issue 10 found it
loose: what a journal that is not one is refused with, how far `apply --resume` says an apply got,
and what the undo of a resumed apply takes back."""

from __future__ import annotations

import json

import pytest

from leadconf.apply import ApplySession
from leadconf.apply.journal import (
    Journal,
    interrupted_changes,
    journal_plan,
    latest_unfinished,
    made_changes,
    progress,
    read_journal,
)
from leadconf.errors import PlanFileError
from tests.core.conftest import read_plan_file, tenant
from tests.core.memory import MemoryBackend


class _Crash(BaseException):
    """The process dies here (not an error leadconf handles)."""


def _journal(directory, events, changes=0) -> str:
    journal = Journal.create(str(directory), {"checksum": "sha256:abcdef12", "changes": [{}] * changes}, "memory:test")
    for kind, *args in events:
        getattr(journal, kind)(*args)
    journal.close()
    return journal.path


# -- a file that is not a journal ------------------------------------------------------------------


@pytest.mark.parametrize("content, why", [
    (b"", " (no plan header)"),                                  # empty: nothing was ever written
    (b"\n\n", " (no plan header)"),
    (b"[1, 2]\n", ":1: not a leadconf journal line"),            # JSON, but not an object
    (b'[1, 2]\n{"type": "plan", "plan": {}}\n', ":1: not a leadconf journal line"),
    (b'{"type": "start", "index": 0}\n', " (no plan header)"),   # events without the plan they belong to
    (b'{"type": "done", "index": 0}\n', " (no plan header)"),
    (b'{"type": "plan", "plan": "caf\xe9"}\n', " (not UTF-8)"),  # Latin-1, say: never a journal leadconf wrote
])
def test_a_file_that_is_not_a_journal_is_refused_as_such(tmp_path, content, why):
    path = tmp_path / "apply-20260101T000000Z-abcdef12.jsonl"
    path.write_bytes(content)
    with pytest.raises(PlanFileError) as caught:
        read_journal(str(path))
    expected = f"{path}: not a leadconf journal{why}" if why.startswith(" (") else f"{path}{why}"
    assert str(caught.value) == expected


def test_resume_passes_over_a_newer_file_that_is_not_a_journal(tmp_path):
    unfinished = _journal(tmp_path, [("start", 0)])
    (tmp_path / "apply-29990101T000000Z-00000000.jsonl").write_bytes(b"\xff\xfe not a journal\n")
    (tmp_path / "apply-29990101T000001Z-00000000.jsonl").write_bytes(b"")
    assert latest_unfinished(str(tmp_path)) == unfinished


# -- how far an apply got (the counts `apply --resume` and an interrupted apply print) ---------------


def test_progress_counts_each_change_by_its_last_event_over_every_run(tmp_path):
    path = _journal(tmp_path, [
        ("start", 0), ("done", 0, 1, None, None),                     # done
        ("done", 1, 2, None, None, "already"),                        # found made
        ("start", 2), ("failed", 2, "refused"),                       # failed in run 1 ...
        ("start", 3), ("failed", 3, "refused"), ("start", 3), ("done", 3, 4, None, None),  # ... or done on resume
        ("start", 4),                                                 # cut off: in flight
        ("end", "failed"),
    ], changes=7)
    assert progress(*read_journal(path)) == {"done": 2, "already": 1, "failed": 1, "in_flight": 1, "not_started": 2}


def test_progress_never_counts_fewer_than_no_changes_not_started(tmp_path):
    # a journal whose events name more changes than its plan holds (edited by hand, say)
    path = _journal(tmp_path, [("start", 0), ("done", 0, 1, None, None), ("start", 1)], changes=1)
    assert progress(*read_journal(path)) == {"done": 1, "already": 0, "failed": 0, "in_flight": 1, "not_started": 0}


def test_progress_of_a_journal_cut_off_after_its_header(tmp_path):
    path = _journal(tmp_path, [("start", 0)], changes=3)
    assert progress(*read_journal(path)) == {"done": 0, "already": 0, "failed": 0, "in_flight": 1, "not_started": 2}


# -- a reorder cut off halfway, resumed, then undone ----------------------------------------------


def test_the_undo_of_a_reorder_cut_off_and_resumed_puts_back_every_rank_moved_by_either_run(config, tmp_path):
    backend = MemoryBackend(tenant(["Alpha", "Beta", "Gamma"]))
    loaded = config("version: 1\ncompany_categories:\n  items:\n    - {name: Gamma}\n    - {name: Beta}\n"
                    "    - {name: Alpha}\n")
    written = []

    def crash_on_the_second_write(kind, item):
        written.append(item.name)
        if len(written) == 2:
            raise _Crash()

    backend.before_write = crash_on_the_second_write
    session = ApplySession(backend, journal_dir=str(tmp_path))
    with pytest.raises(_Crash):
        session.apply_config(loaded)
    backend.before_write = None
    moved_by_run_1 = {c.name: c.rank for c in backend.read().categories}
    assert moved_by_run_1 != {"Alpha": 10, "Beta": 20, "Gamma": 30}, "the first run moved one item"

    path = session.journal_path
    header, events = read_journal(path)
    report = ApplySession(backend, journal_dir=str(tmp_path)).apply_plan(
        journal_plan(header, path), journal_path=path, interrupted=interrupted_changes(events))
    assert report.ok
    assert [c.name for c in sorted(backend.read().categories, key=lambda c: c.rank)] == ["Gamma", "Beta", "Alpha"]

    # the journal says the reorder was made once, with the ranks from before its first attempt
    made = made_changes(read_journal(path)[1])
    assert [m.index for m in made] == [0]
    assert made[0].before == {"Alpha": 10, "Beta": 20, "Gamma": 30}

    undo = ApplySession(backend, journal_dir=str(tmp_path / "undo")).apply_plan(read_plan_file(report.undo))
    assert undo.ok
    assert {c.name: c.rank for c in backend.read().categories} == {"Alpha": 10, "Beta": 20, "Gamma": 30}


def test_a_journal_line_keeps_non_ascii_names_as_written(tmp_path):
    journal = Journal.create(str(tmp_path), {"checksum": "sha256:abcdef12", "target": "Zürich"}, "memory:test")
    journal.start(0, {"name": "Kundengruppe Ü"})
    journal.failed(0, "Größe")
    journal.close()
    path = journal.path
    raw = open(path, "rb").read()
    assert raw.count("Zürich".encode()) == 1 and "Kundengruppe Ü".encode() in raw and "Größe".encode() in raw
    _, events = read_journal(path)
    assert events == [{"type": "start", "index": 0, "before": {"name": "Kundengruppe Ü"}},
                      {"type": "failed", "index": 0, "error": "Größe"}]
    assert json.loads(raw.decode("utf-8").splitlines()[0])["plan"]["checksum"] == "sha256:abcdef12"


def test_the_undo_of_a_reorder_whose_done_record_was_lost_puts_the_ranks_back(config, tmp_path):
    """Run 1 moved every item, then died before the journal recorded the reorder done; run 2 finds
    it made ("already"). The reorder is this apply's doing: the undo moves the items back."""
    from leadconf.apply.runner import apply_plan
    from leadconf.diff import build_plan

    class DiesBeforeRecordingDone(Journal):
        def done(self, *args, **kwargs):
            raise _Crash()

    backend = MemoryBackend(tenant(["Alpha", "Beta", "Gamma"]))
    loaded = config("version: 1\ncompany_categories:\n  items:\n    - {name: Gamma}\n    - {name: Beta}\n"
                    "    - {name: Alpha}\n")
    plan = build_plan(loaded, backend.read(), backend.description, backend.locator)
    journal = DiesBeforeRecordingDone.create(str(tmp_path), plan.to_file_dict(), backend.description)
    with pytest.raises(_Crash):
        apply_plan(plan, backend, journal=journal)
    journal.close()
    assert [c.name for c in sorted(backend.read().categories, key=lambda c: c.rank)] == ["Gamma", "Beta", "Alpha"]

    header, events = read_journal(journal.path)
    report = ApplySession(backend, journal_dir=str(tmp_path)).apply_plan(
        journal_plan(header, journal.path), journal_path=journal.path, interrupted=interrupted_changes(events))
    assert report.ok and [o.status for o in report.outcomes] == ["already done"]
    assert [m.before for m in made_changes(read_journal(journal.path)[1])] == [{"Alpha": 10, "Beta": 20, "Gamma": 30}]

    undo = ApplySession(backend, journal_dir=str(tmp_path / "undo")).apply_plan(read_plan_file(report.undo))
    assert undo.ok
    assert {c.name: c.rank for c in backend.read().categories} == {"Alpha": 10, "Beta": 20, "Gamma": 30}


def test_no_change_is_made_when_its_journal_cannot_be_written(config, tmp_path):
    from leadconf.diff import build_plan
    from leadconf.errors import FileError

    backend = MemoryBackend(tenant(["Alpha"]))
    plan = build_plan(config("version: 1\ncompany_categories:\n  items:\n    - {name: Alpha}\n    - {name: Beta}\n"),
                      backend.read(), backend.description, backend.locator)
    unwritable = tmp_path / "apply-20260101T000000Z-abcdef12.jsonl"
    unwritable.mkdir()  # a folder where the journal should be: any write fails
    with pytest.raises(FileError) as caught:
        ApplySession(backend, journal_dir=str(tmp_path)).apply_plan(plan, journal_path=str(unwritable))
    assert str(caught.value).startswith(f"{unwritable}: cannot write the apply journal (")
    assert backend.writes == []


def test_resume_looks_only_at_the_journals_leadconf_names(tmp_path):
    """`apply --resume` without a journal takes the newest unfinished apply-*.jsonl: not a copy kept
    under another name, and not an undo plan beside it."""
    finished = _journal(tmp_path, [("start", 0), ("done", 0, 1, None, None), ("end", "complete")])
    unfinished = open(_journal(tmp_path / "elsewhere", [("start", 0)]), encoding="utf-8").read()
    (tmp_path / "zz-copy-of-an-old-apply.jsonl").write_text(unfinished, encoding="utf-8")
    (tmp_path / "apply-copy.json").write_text(unfinished, encoding="utf-8")
    assert latest_unfinished(str(tmp_path)) is None
    assert finished.endswith(".jsonl")


def test_the_undo_plan_is_written_beside_its_journal(config, tmp_path):
    backend = MemoryBackend(tenant(["Alpha"]))
    report = ApplySession(backend, journal_dir=str(tmp_path / "journals")).apply_config(
        config("version: 1\ncompany_categories:\n  items:\n    - {name: Alpha}\n    - {name: Beta}\n"))
    assert report.journal.endswith(".jsonl") and report.undo == report.journal[: -len(".jsonl")] + ".undo.json"
    assert sorted(p.name for p in (tmp_path / "journals").iterdir()) == sorted(
        [report.journal.rsplit("/", 1)[1], report.undo.rsplit("/", 1)[1]])


def test_the_latest_journal_is_the_journal_not_the_undo_plan_written_after_it(config, tmp_path):
    from leadconf.apply.journal import latest_journal

    backend = MemoryBackend(tenant(["Alpha"]))
    report = ApplySession(backend, journal_dir=str(tmp_path / "journals")).apply_config(
        config("version: 1\ncompany_categories:\n  items:\n    - {name: Alpha}\n    - {name: Beta}\n"))
    assert report.undo is not None
    (tmp_path / "journals" / "notes.jsonl").write_text("{}\n", encoding="utf-8")  # not leadconf's
    assert latest_journal(str(tmp_path / "journals")) == report.journal


def test_an_event_of_a_kind_this_version_does_not_write_starts_no_change(tmp_path):
    """A line a newer leadconf wrote (or one edited in) is no start: a change it names and a later
    run found made was not this apply's doing, and the undo leaves it alone."""
    path = _journal(tmp_path, [("start", 0, {"name": "Old"}), ("done", 0, 5, None, None)])
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"type": "warning", "index": 1, "before": {"name": "X"}}\n{"index": 1}\n{"type": "", "index": 1}\n')
    journal = Journal(path)
    journal.done(1, 6, None, None, status="already")
    journal.close()
    assert [(m.index, m.key) for m in made_changes(read_journal(path)[1])] == [(0, 5)]


def test_the_changes_a_journal_shows_made_are_values(tmp_path):
    """What made_changes gives back is a record of the journal: it cannot be altered."""
    import dataclasses

    path = _journal(tmp_path, [("start", 0, {"name": "Old"}), ("done", 0, 5, None, None)])
    (made,) = made_changes(read_journal(path)[1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.key = 6


def test_a_journal_changed_after_the_apply_wrote_it_is_refused(tmp_path):
    from leadconf.plan.change import Change
    from leadconf.plan.plan import Plan

    plan = Plan(target="memory:test", changes=[Change(action="create", kind="category", name="Beta", key=None,
                                                      before=None, after={"name": "Beta", "rank": 20})])
    journal = Journal.create(str(tmp_path), plan.to_file_dict(), "memory:test")
    journal.start(0)
    journal.close()
    header, _ = read_journal(journal.path)
    assert [c.name for c in journal_plan(header, journal.path).changes] == ["Beta"]
    header["plan"]["changes"][0]["name"] = header["plan"]["changes"][0]["after"]["name"] = "Gamma"
    with pytest.raises(PlanFileError) as caught:
        journal_plan(header, journal.path)
    assert str(caught.value).startswith(f"the journal {journal.path} does not carry a valid seal")


def test_the_changes_made_are_read_over_every_run_of_a_journal(tmp_path):
    path = _journal(tmp_path, [
        ("start", 0), ("done", 0, 10, None, None), ("start", 1), ("failed", 1, "refused"), ("end", "failed"),
        ("start", 1), ("done", 1, 11, None, None), ("start", 2), ("done", 2, 12, None, None), ("end", "complete"),
    ])
    assert [(m.index, m.key) for m in made_changes(read_journal(path)[1])] == [(0, 10), (1, 11), (2, 12)]


def test_a_journal_line_that_is_not_an_object_is_refused(tmp_path):
    path = _journal(tmp_path, [("start", 0), ("done", 0, 5, None, None)])
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('42\n{"type": "end", "status": "complete"}\n')
    with pytest.raises(PlanFileError) as caught:
        read_journal(path)
    assert str(caught.value) == f"{path}:4: not a leadconf journal line"

