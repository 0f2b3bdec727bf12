"""A crash while a journal line is written leaves a torn last line. The journal is read without it;
the next run that appends to the journal (a resume) must start a line of its own, or the journal
reads as broken from then on: resume and undo refuse it."""

from __future__ import annotations

from tests.helpers import run_cli
from tests.reliability.conftest import CONFIG, FLAGS


def _tear_last_line(journal):
    data = journal.read_bytes()
    assert data.endswith(b"\n")
    start = data.rstrip(b"\n").rfind(b"\n") + 1
    journal.write_bytes(data[: start + (len(data) - start) // 2])  # half of the last line, no newline


def test_resume_and_undo_after_a_torn_journal_line(tenant, tmp_path, failing_category):
    journal_dir = tmp_path / "j"
    assert run_cli("apply", "-c", CONFIG, "--target", f"snapshot:{tenant}", *FLAGS, "--journal-dir", str(journal_dir))[0] == 1
    failing_category.fix()
    journal = next(journal_dir.glob("apply-*.jsonl"))
    _tear_last_line(journal)  # the run's last line ("end") was cut off by a crash

    code, out, err = run_cli("apply", "--resume", str(journal), "--allow-delete", "--allow-large-change")
    assert code == 0, out + err
    assert run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{tenant}", "--detailed-exitcode")[0] == 0
    assert all(line.startswith(b"{") and line.endswith(b"}") for line in journal.read_bytes().splitlines())

    undo_file = tmp_path / "undo.json"
    code, out, err = run_cli("undo", str(journal), "--out", str(undo_file))
    assert code == 0, out + err
    code, out, err = run_cli("apply", str(undo_file), "--allow-delete", "--allow-large-change", "--auto-approve")
    assert code == 0, out + err
    assert run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{tenant}", "--detailed-exitcode")[0] == 2


def test_a_journal_line_that_is_json_but_not_an_event_is_refused(tenant, tmp_path, failing_category):
    """Before: a hand-edited line such as `42` was read as an event, and undo and resume failed with
    an internal error (AttributeError) instead of naming the line."""
    journal_dir = tmp_path / "j"
    assert run_cli("apply", "-c", CONFIG, "--target", f"snapshot:{tenant}", *FLAGS, "--journal-dir", str(journal_dir))[0] == 1
    failing_category.fix()
    journal = next(journal_dir.glob("apply-*.jsonl"))
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(lines[0] + b"42\n" + b"".join(lines[1:]))
    for command in (("undo", str(journal)), ("apply", "--resume", str(journal), "--allow-delete", "--allow-large-change")):
        code, out, err = run_cli(*command)
        assert code == 1 and f"{journal}:2: not a leadconf journal line" in err, (command, out, err)
        assert "internal error" not in out + err
