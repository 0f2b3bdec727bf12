"""Issue 12, item 1: `apply PLANFILE` carries out exactly what was reviewed, on exactly the target
reviewed. Each attack re-seals the plan as an attacker can (the checksum is a plain SHA-256 of the
body, recomputed after the edit); the signature under LEADCONF_PLAN_KEY cannot be."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import pytest

from tests.helpers import EXAMPLES, run_cli

TENANT = os.path.join(EXAMPLES, "tenants", "new-database.json")
CONFIG = os.path.join(EXAMPLES, "lead-management.yaml")
KEY = "k" * 16 + "0123456789abcdef0123456789abcdef"


@pytest.fixture
def tenant(tmp_path):
    path = tmp_path / "tenant.json"
    shutil.copy(TENANT, path)
    return path


def _save(tmp_path, tenant, config=CONFIG, name="plan.json"):
    plan_file = tmp_path / name
    code, _, err = run_cli("plan", "-c", config, "--target", f"snapshot:{tenant}", "--out", str(plan_file))
    assert code == 0, err
    return plan_file


def _reseal(plan_file, edit):
    """Edit the plan file as an attacker would, and recompute its checksum (the signature stays)."""
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    edit(data)
    body = {k: v for k, v in data.items() if k not in ("checksum", "signature")}
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    data["checksum"] = "sha256:" + hashlib.sha256(raw.encode()).hexdigest()
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    return data


def _another_machine(monkeypatch, tmp_path):
    """The apply job runs elsewhere: this user's local plan key is not there."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "other-machine"))


def _apply(plan_file, tmp_path, *extra):
    return run_cli("apply", str(plan_file), "--journal-dir", str(tmp_path / "j"), *extra)


def _added_delete(data):
    """Rename and soft-delete "Customer" (id 5 in new-database.json), summary left as reviewed."""
    summary = dict(data["summary"])
    data["changes"].append({"action": "delete", "kind": "category", "name": "Customer", "key": 5,
                            "before": {"name": "Customer", "deleted": False}, "after": {"name": "Gone", "deleted": True},
                            "reason": "", "source": None, "fingerprint": "0" * 16})
    summary["delete"] += 1
    data["summary"] = summary


def _customer(tenant) -> dict:
    return next(c for c in json.loads(tenant.read_text())["categories"] if c["CategoryId"] == 5)


# -- sealed plans ----------------------------------------------------------------------------------

def test_a_plan_is_signed_with_the_key_and_applies(tenant, tmp_path, monkeypatch):
    monkeypatch.setenv("LEADCONF_PLAN_KEY", KEY)
    plan_file = _save(tmp_path, tenant)
    data = json.loads(plan_file.read_text())
    assert data["signature"].startswith("hmac-sha256:") and KEY not in plan_file.read_text()
    _another_machine(monkeypatch, tmp_path)  # the CI key travels; the local one does not
    code, out, err = _apply(plan_file, tmp_path)
    assert code == 0, out + err
    assert "Applying the saved plan to snapshot:" in err and "unsealed" not in err


def test_an_added_change_with_a_recomputed_digest_is_refused(tenant, tmp_path, monkeypatch):
    """Before: carried out (Customer renamed and deleted, summary "0 to delete", no --allow-delete)."""
    monkeypatch.setenv("LEADCONF_PLAN_KEY", KEY)
    plan_file = _save(tmp_path, tenant)
    _reseal(plan_file, _added_delete)
    before = tenant.read_bytes()
    code, _, err = _apply(plan_file, tmp_path, "--allow-delete")
    assert code == 1 and "signature does not match" in err, err
    assert tenant.read_bytes() == before


def test_with_the_key_set_an_unsigned_plan_is_refused(tenant, tmp_path, monkeypatch):
    plan_file = _save(tmp_path, tenant)  # saved without the CI key: signed with the local key
    monkeypatch.setenv("LEADCONF_PLAN_KEY", KEY)
    code, _, err = _apply(plan_file, tmp_path)
    assert code == 1 and "signed with another LEADCONF_PLAN_KEY" in err, err
    _reseal(plan_file, lambda d: d.pop("signature"))  # the signature stripped
    code, _, err = _apply(plan_file, tmp_path)
    assert code == 1 and "is not signed, but LEADCONF_PLAN_KEY is set" in err, err


def test_a_loosened_policy_breaks_the_seal(tenant, tmp_path, monkeypatch):
    monkeypatch.setenv("LEADCONF_PLAN_KEY", KEY)
    plan_file = _save(tmp_path, tenant)
    _reseal(plan_file, lambda d: d["policy"].update(max_change_percent=100))
    code, _, err = _apply(plan_file, tmp_path)
    assert code == 1 and "signature does not match" in err


def test_a_short_key_is_refused(tenant, tmp_path, monkeypatch):
    monkeypatch.setenv("LEADCONF_PLAN_KEY", "short")
    code, _, err = run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{tenant}", "--out", str(tmp_path / "p.json"))
    assert code == 1 and "too short" in err and "short" not in err.split("too short")[0][-20:]


def test_a_short_key_is_refused_before_an_apply_changes_anything(tenant, tmp_path, monkeypatch):
    monkeypatch.setenv("LEADCONF_PLAN_KEY", "short")
    before = tenant.read_bytes()
    code, _, err = run_cli("apply", "-c", CONFIG, "--target", f"snapshot:{tenant}", "--auto-approve",
                           "--journal-dir", str(tmp_path / "j"))
    assert code == 1 and "too short" in err
    assert tenant.read_bytes() == before


# -- unsealed plans: confirmed by a fresh plan --------------------------------------------------------

def test_an_unsealed_plan_applies_when_a_fresh_plan_confirms_it(tenant, tmp_path, monkeypatch):
    plan_file = _save(tmp_path, tenant)
    _another_machine(monkeypatch, tmp_path)
    code, out, err = _apply(plan_file, tmp_path, "-c", CONFIG, "--target", f"snapshot:{tenant}")
    assert code == 0, out + err
    assert "unsealed, confirmed by a fresh plan" in err
    assert run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{tenant}", "--detailed-exitcode")[0] == 0


def test_an_unsealed_plan_with_an_added_change_is_refused_naming_it(tenant, tmp_path, monkeypatch):
    plan_file = _save(tmp_path, tenant)
    _another_machine(monkeypatch, tmp_path)
    data = _reseal(plan_file, _added_delete)
    data["changes"][-1]["after"] = {"deleted": True}  # a well-formed delete: only the fresh plan can refuse it
    data["changes"][-1]["before"] = {"deleted": False}
    _reseal(plan_file, lambda d: d.update(changes=data["changes"]))
    before = tenant.read_bytes()
    code, _, err = _apply(plan_file, tmp_path, "-c", CONFIG, "--target", f"snapshot:{tenant}", "--allow-delete")
    assert code == 1, err
    assert "does not confirm 1 of its changes" in err and "delete category 'Customer'" in err
    assert tenant.read_bytes() == before


def test_an_unsealed_plan_may_only_tighten_the_policy(tmp_path, monkeypatch):
    """Before: the file's own policy turned the large-change rail off."""
    doc = json.loads(open(TENANT, encoding="utf-8").read())
    doc["lead_statuses"] = [{"Id": i, "Name": f"S{i}", "Tooltip": "", "Rank": i, "Deleted": False} for i in range(1, 11)]
    tenant = tmp_path / "big.json"
    tenant.write_text(json.dumps(doc))
    config = tmp_path / "c.yaml"
    items = "".join(f"    - name: S{i}\n" + (f"      description: changed {i}\n" if i <= 4 else "") for i in range(1, 11))
    config.write_text(f"version: 1\nlead_statuses:\n  items:\n{items}")
    plan_file = _save(tmp_path, tenant, str(config))
    _another_machine(monkeypatch, tmp_path)
    _reseal(plan_file, lambda d: d["policy"].update(max_change_percent=100.0, min_list_size=1000))
    code, _, err = _apply(plan_file, tmp_path, "-c", str(config), "--target", f"snapshot:{tenant}")
    assert code == 1 and "over the policy's 30%" in err, err


def test_an_unsealed_plan_never_uses_its_own_target(tenant, tmp_path, monkeypatch):
    plan_file = _save(tmp_path, tenant)
    _another_machine(monkeypatch, tmp_path)
    code, _, err = _apply(plan_file, tmp_path, "-c", CONFIG)  # no --target, no LEADCONF_TARGET, no target: in the config
    assert code == 1 and "no target" in err


# -- the schema ------------------------------------------------------------------------------------

def _first(kind_action):
    def pick(data):
        return next(c for c in data["changes"] if (c["kind"], c["action"]) == kind_action)
    return pick


@pytest.mark.parametrize("edit, message", [
    # Before: a null fingerprint turned the stale check off.
    (lambda d: _first(("category", "update"))(d).update(fingerprint=None), "fingerprint: missing"),
    # Before: "rank": "9" wrote a snapshot leadconf could no longer read.
    (lambda d: d["changes"].append({"action": "create", "kind": "lead_status", "name": "X", "key": None, "before": None,
                                    "after": {"name": "X", "rank": "9"}, "reason": "", "source": None,
                                    "fingerprint": None}) or d["summary"].update(create=d["summary"]["create"] + 1),
     "after.rank: expected an integer, got the string '9'"),
    # a delete disguised as an update: the rails count deletes by action
    (lambda d: _first(("category", "update"))(d).update(before={"deleted": False}, after={"deleted": True}),
     "only a delete or a restore changes deleted"),
    (lambda d: _first(("category", "update"))(d)["after"].update(name="Something else") or
     _first(("category", "update"))(d)["before"].update(name="Lead"), "may change a name only in case or spacing"),
    (lambda d: d["summary"].update(delete=0, update=0), "summary: does not count the changes"),
    (lambda d: d.update(extra=1), "unknown field 'extra'"),
    (lambda d: d["policy"].update(max_change_percent=float("inf")), "policy.max_change_percent: expected a number"),
    (lambda d: d.update(locator="snapshot:/elsewhere/other.json"), "locator: 'snapshot:/elsewhere/other.json' is not where"),
    # Before: a list fingerprint that is not a string was an internal error (TypeError), not a refusal.
    (lambda d: d["list_fingerprints"].update(category=5), "list_fingerprints.category: expected a string, got"),
])
def test_every_field_is_checked_before_anything_runs(tenant, tmp_path, monkeypatch, edit, message):
    plan_file = _save(tmp_path, tenant)
    _reseal(plan_file, edit)
    before = tenant.read_bytes()
    code, _, err = _apply(plan_file, tmp_path, "-c", CONFIG, "--target", f"snapshot:{tenant}", "--allow-delete")
    assert code == 1 and "is not a valid leadconf plan" in err and message in err, err
    assert tenant.read_bytes() == before


def test_a_rewritten_locator_cannot_send_credentials_to_another_host(emulator, tmp_path, monkeypatch):
    """Before: the CI ticket and app token went to the host of the rewritten locator."""
    plan_file = tmp_path / "plan.json"
    code, _, err = run_cli("plan", "-c", CONFIG, "--target", emulator.target, "--out", str(plan_file))
    assert code == 0, err
    _reseal(plan_file, lambda d: d.update(locator="superoffice:http://127.0.0.1:9/Cust666"))
    code, _, err = _apply(plan_file, tmp_path)
    assert code == 1 and "locator" in err and "connection" not in err, err
    # both rewritten: sealed -> the signature; unsealed -> the target at hand must be the plan's
    _reseal(plan_file, lambda d: d.update(locator="superoffice:http://127.0.0.1:9/Cust666",
                                          target="superoffice:http://127.0.0.1:9/Cust666"))
    code, _, err = _apply(plan_file, tmp_path)
    assert code == 1 and "connection" not in err, err
    _another_machine(monkeypatch, tmp_path)
    monkeypatch.setenv("LEADCONF_TARGET", emulator.target)
    code, _, err = _apply(plan_file, tmp_path, "-c", CONFIG)
    assert code == 1 and "is not the target of the plan file" in err, err
    assert emulator.writes() == []


# -- targets ----------------------------------------------------------------------------------------

def test_a_target_other_than_the_plans_is_refused(tenant, tmp_path):
    """Before: `apply planA.json --target snapshot:B.json` applied to B without a word."""
    plan_file = _save(tmp_path, tenant)
    other = tmp_path / "B.json"
    shutil.copy(TENANT, other)
    code, _, err = _apply(plan_file, tmp_path, "--target", f"snapshot:{other}")
    assert code == 1 and "is not the target of the plan file" in err and "B.json" in err, err
    assert other.read_bytes() == open(TENANT, "rb").read()
    # the same file, spelt another way, is the same target
    code, out, err = _apply(plan_file, tmp_path, "--target", f"snapshot:{tmp_path}/./tenant.json")
    assert code == 0, out + err


def test_resume_on_another_target_is_refused(tenant, tmp_path, monkeypatch):
    """Before: `apply --resume --target R2` resumed on the journal's target, R1."""
    from leadconf.backends.snapshot_log import ChangeLog
    from leadconf.errors import FileError

    real, writes = ChangeLog.append, []

    def second_write_fails(self, kind, item):  # each snapshot write is one line of its change log
        writes.append(kind)
        if len(writes) == 2:
            raise FileError(f"{self.path}: cannot write the snapshot's change log (No space left on device)")
        return real(self, kind, item)

    monkeypatch.setattr(ChangeLog, "append", second_write_fails)
    plan_file = _save(tmp_path, tenant)
    assert _apply(plan_file, tmp_path)[0] == 1
    monkeypatch.setattr(ChangeLog, "append", real)
    other = tmp_path / "R2.json"
    shutil.copy(TENANT, other)
    code, _, err = run_cli("apply", "--resume", "--journal-dir", str(tmp_path / "j"), "--target", f"snapshot:{other}")
    assert code == 1 and "is not the target of the journal" in err, err
    assert other.read_bytes() == open(TENANT, "rb").read()
    code, out, err = run_cli("apply", "--resume", "--journal-dir", str(tmp_path / "j"), "--target", f"snapshot:{tenant}")
    assert code == 0, out + err


def test_a_journal_whose_plan_was_edited_is_refused(tenant, tmp_path, monkeypatch):
    from leadconf.backends.snapshot_log import ChangeLog
    from leadconf.errors import FileError

    def full(self, kind, item):  # each snapshot write is one line of its change log
        raise FileError(f"{self.path}: cannot write the snapshot's change log (full)")

    real = ChangeLog.append
    monkeypatch.setattr(ChangeLog, "append", full)
    plan_file = _save(tmp_path, tenant)
    assert _apply(plan_file, tmp_path)[0] == 1
    monkeypatch.setattr(ChangeLog, "append", real)
    journal = next((tmp_path / "j").glob("apply-*.jsonl"))
    lines = journal.read_text().splitlines()
    header = json.loads(lines[0])
    header["plan"]["changes"][0]["fingerprint"] = None
    journal.write_text("\n".join([json.dumps(header)] + lines[1:]) + "\n")
    code, _, err = run_cli("apply", "--resume", "--journal-dir", str(tmp_path / "j"))
    assert code == 1 and "fingerprint: missing" in err, err


def _journal_with_changes(tenant, tmp_path):
    """A finished apply of the example plan: its journal, with every change made."""
    plan_file = _save(tmp_path, tenant)
    code, out, err = _apply(plan_file, tmp_path, "--auto-approve")
    assert code == 0, out + err
    return next((tmp_path / "j").glob("apply-*.jsonl"))


def _edit_journal_plan(journal, edit):
    """Edit the journal's plan as an attacker would, with its checksum recomputed."""
    lines = journal.read_text().splitlines()
    header = json.loads(lines[0])
    edit(header)
    body = {k: v for k, v in header["plan"].items() if k not in ("checksum", "signature")}
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    header["plan"]["checksum"] = "sha256:" + hashlib.sha256(raw.encode()).hexdigest()
    journal.write_text("\n".join([json.dumps(header)] + lines[1:]) + "\n")


def _plant_text(header):
    change = next(c for c in header["plan"]["changes"] if c["action"] == "update" and "description" in (c["before"] or {}))
    change["before"]["description"] = "ATTACKER TEXT"


def test_an_edited_journal_does_not_become_a_sealed_undo_plan(tenant, tmp_path):
    """Before: `leadconf undo` signed an undo plan from the edited journal, and `apply UNDO
    --auto-approve` wrote the attacker's text into the tenant."""
    journal = _journal_with_changes(tenant, tmp_path)
    _edit_journal_plan(journal, _plant_text)
    undo = tmp_path / "undo.json"
    code, out, err = run_cli("undo", str(journal), "--out", str(undo))
    assert code == 1 and "journal" in err and "seal" in err, out + err
    assert not undo.exists()
    assert "ATTACKER TEXT" not in tenant.read_text()


def test_an_edited_journal_target_is_not_opened_by_resume(tenant, tmp_path):
    """Before: `apply --resume` opened the journal's own locator with the environment's credentials."""
    journal = _journal_with_changes(tenant, tmp_path)
    other = tmp_path / "elsewhere.json"
    shutil.copy(TENANT, other)

    def elsewhere(header):
        header["plan"]["locator"] = header["plan"]["target"] = header["target"] = f"snapshot:{other}"

    _edit_journal_plan(journal, elsewhere)
    lines = journal.read_text().splitlines()
    journal.write_text("\n".join(lines[:-1]) + "\n")  # no end: an unfinished apply
    code, out, err = run_cli("apply", "--resume", str(journal))
    assert code == 1 and "seal" in err, out + err
    assert other.read_bytes() == open(TENANT, "rb").read()


def test_a_sealed_journal_still_undoes_and_resumes(tenant, tmp_path):
    journal = _journal_with_changes(tenant, tmp_path)
    undo = tmp_path / "undo.json"
    code, out, err = run_cli("undo", str(journal), "--out", str(undo))
    assert code == 0, out + err
    code, out, err = run_cli("apply", str(undo), "--auto-approve", "--allow-delete", "--journal-dir", str(tmp_path / "j2"))
    assert code == 0, out + err


def test_a_local_plan_key_others_can_read_or_write_is_refused(tenant, tmp_path):
    """Before: the local plan key was trusted whatever its permissions: anyone who could write it
    could seal plans this user's apply carries out as reviewed."""
    plan_file = _save(tmp_path, tenant)
    key = tmp_path / "config" / "leadconf" / "plan-key"
    assert key.exists()
    key.chmod(0o666)
    code, out, err = _apply(plan_file, tmp_path, "--auto-approve")
    assert code == 1 and "plan-key" in err and "0666" in err and "chmod 600" in err, out + err
    code, _, err = run_cli("plan", "-c", CONFIG, "--target", f"snapshot:{tenant}", "--out", str(tmp_path / "p2.json"))
    assert code == 1 and "plan-key" in err, err
    key.chmod(0o600)
    assert _apply(plan_file, tmp_path, "--auto-approve")[0] == 0


def test_a_leadconf_target_other_than_the_plans_or_the_journals_is_named(tenant, tmp_path, monkeypatch):
    """Before: $LEADCONF_TARGET that differed from a sealed plan's or a journal's target was
    ignored without a word. Now a note names both; the plan still goes to the target it was
    reviewed for (leadconf's own "Apply it with: leadconf apply plan.json" works in a session that
    set $LEADCONF_TARGET, as docs/getting-started.md does)."""
    other = tmp_path / "B.json"
    shutil.copy(TENANT, other)
    monkeypatch.setenv("LEADCONF_TARGET", f"snapshot:{other}")
    journal = _journal_with_changes(tenant, tmp_path)
    assert other.read_bytes() == open(TENANT, "rb").read()  # the plan's own target was written, not B
    code, _, err = _apply(tmp_path / "plan.json", tmp_path, "--auto-approve")
    assert code == 0, err
    assert "applies to its own target, not to $LEADCONF_TARGET (snapshot:" in err and "B.json" in err, err
    journal.write_text("\n".join(journal.read_text().splitlines()[:-1]) + "\n")  # unfinished
    code, _, err = run_cli("apply", "--resume", str(journal))
    assert code == 0 and "note: the journal" in err and "not to $LEADCONF_TARGET" in err, err
    assert other.read_bytes() == open(TENANT, "rb").read()
