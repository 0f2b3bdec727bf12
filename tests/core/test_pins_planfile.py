"""The saved plan's file form and its seal (leadconf/plan/planfile.py), pinned: the exact text and
signature a known plan is saved with (a change would invalidate plans saved by the previous
version), which keys sign and check, when a file counts as sealed, and the words of every refusal."""

from __future__ import annotations

import json
import os
import stat

import pytest

from leadconf.errors import PlanFileError
from leadconf.plan import planfile
from leadconf.plan.change import Change
from leadconf.plan.plan import Plan
from leadconf.plan.planfile import Keys, dumps, from_data, journal_seal, journal_sealed, load, plan_keys

KEY = b"k" * 32
OTHER = b"o" * 32


def _plan() -> Plan:
    return Plan(target="snapshot:t.json", locator="snapshot:/srv/t.json",
                changes=[Change(action="update", kind="category", name="Lead – Ünïcode", key=7,
                                before={"lead_status": False}, after={"lead_status": True}, reason="r",
                                fingerprint="0123456789abcdef")],
                config_digest="abc", config_files=["leadconf.yaml"], list_sizes={"category": 12, "lead_status": 5})


# Computed by this version for _plan() and KEY; a change would break every plan sealed before it.
SIGNATURE = "hmac-sha256:e2f9d54cc636adff0a46fb326f860bdd1a21b7fe75427cd36bf4441539356f8c"


def test_an_unsigned_plan_file_is_the_plans_file_form_indented_by_two_with_a_final_newline():
    text = dumps(_plan(), Keys(shared=None, local=None))
    assert text == json.dumps(_plan().to_file_dict(), indent=2, ensure_ascii=False) + "\n"
    assert text.startswith('{\n  "format": "leadconf-plan/1",\n  "format_version": "1",\n')
    assert "signature" not in json.loads(text)


def test_a_signed_plan_file_carries_the_known_signature_of_its_body():
    data = json.loads(dumps(_plan(), Keys(shared=KEY, local=OTHER)))  # the shared key signs
    assert data.pop("signature") == SIGNATURE
    assert data == _plan().to_file_dict()
    assert json.loads(dumps(_plan(), Keys(shared=None, local=KEY)))["signature"] == SIGNATURE  # else the local one


# -- which file is sealed ---------------------------------------------------------------------------


def _saved(keys: Keys) -> dict:
    return json.loads(dumps(_plan(), keys))


def test_with_the_shared_key_only_a_file_it_signed_is_accepted():
    saved = from_data(_saved(Keys(KEY, None)), Keys(KEY, OTHER))
    assert saved.sealed is True and saved.plan.changes == _plan().changes
    with pytest.raises(PlanFileError) as unsigned:
        from_data(_saved(Keys(None, None)), Keys(KEY, None), "plan.json")
    assert str(unsigned.value) == ("plan.json is not signed, but LEADCONF_PLAN_KEY is set: a plan made with the key "
                                   "is signed. Plan again with the key set; nothing was applied.")
    with pytest.raises(PlanFileError) as other:
        from_data(_saved(Keys(None, OTHER)), Keys(KEY, OTHER), "plan.json")  # the local key does not count here
    assert str(other.value) == ("plan.json was changed after it was saved (its signature does not match, or it was "
                                "signed with another LEADCONF_PLAN_KEY); nothing was applied. Plan again.")


def test_without_the_shared_key_a_file_is_sealed_only_by_the_local_key():
    assert from_data(_saved(Keys(None, KEY)), Keys(None, KEY)).sealed is True
    assert from_data(_saved(Keys(None, OTHER)), Keys(None, KEY)).sealed is False
    assert from_data(_saved(Keys(None, KEY)), Keys(None, None)).sealed is False
    assert from_data(_saved(Keys(None, None)), Keys(None, KEY)).sealed is False
    edited = _saved(Keys(None, KEY))
    edited["signature"] = ""
    assert from_data(edited, Keys(None, KEY)).sealed is False


def test_a_file_refused_by_the_schema_names_where_it_came_from():
    data = _saved(Keys(None, None))
    data["target"] = 5
    with pytest.raises(PlanFileError) as refused:
        from_data(data, Keys(None, None))
    assert str(refused.value) == "the plan file is not a valid leadconf plan: target: expected a string, got an integer"


# -- the journal's seal -----------------------------------------------------------------------------


def test_a_journal_header_is_sealed_by_either_key_at_hand_and_by_nothing_else():
    plan_dict = _plan().to_file_dict()
    seal = journal_seal(plan_dict, "snapshot:t.json", Keys(None, KEY))
    assert seal == journal_seal(plan_dict, "snapshot:t.json", Keys(KEY, OTHER))
    assert seal != journal_seal(plan_dict, "snapshot:other.json", Keys(None, KEY))
    assert seal.startswith("hmac-sha256:") and len(seal) == len("hmac-sha256:") + 64
    assert journal_seal(plan_dict, "snapshot:t.json", Keys(None, None)) is None
    header = {"type": "plan", "plan": plan_dict, "target": "snapshot:t.json", "seal": seal}
    assert journal_sealed(header, Keys(None, KEY)) is True
    assert journal_sealed(header, Keys(KEY, None)) is True
    assert journal_sealed(header, Keys(OTHER, KEY)) is True  # the local key still checks
    assert journal_sealed(header, Keys(OTHER, None)) is False
    assert journal_sealed(header, Keys(None, None)) is False
    assert journal_sealed({**header, "target": "snapshot:other.json"}, Keys(None, KEY)) is False
    assert journal_sealed({**header, "seal": ""}, Keys(None, KEY)) is False
    assert journal_sealed({**header, "seal": None}, Keys(None, KEY)) is False
    assert journal_sealed({k: v for k, v in header.items() if k != "seal"}, Keys(None, KEY)) is False


# -- the keys ---------------------------------------------------------------------------------------


def test_the_shared_key_is_read_trimmed_and_refused_when_short(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert plan_keys({**env, "LEADCONF_PLAN_KEY": "  " + "a" * 32 + "\n"}) == Keys(b"a" * 32, None)
    assert plan_keys({**env, "LEADCONF_PLAN_KEY": "   "}) == Keys(None, None)
    assert plan_keys(env) == Keys(None, None)
    with pytest.raises(PlanFileError) as short:
        plan_keys({**env, "LEADCONF_PLAN_KEY": "a" * 31})
    assert str(short.value) == ("LEADCONF_PLAN_KEY is too short to sign plans (at least 32 characters; make one with: "
                                "openssl rand -hex 32)")
    assert Keys(KEY, OTHER).signing == KEY and Keys(None, OTHER).signing == OTHER and Keys(None, None).signing is None


def test_the_local_key_is_made_on_first_use_private_to_the_user(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    assert plan_keys(env) == Keys(None, None)  # not made unless asked
    assert not (tmp_path / "cfg").exists()
    made = plan_keys(env, create=True).local
    path = tmp_path / "cfg" / "leadconf" / "plan-key"
    text = path.read_text()
    assert len(made) == 64 and text == made.decode() + "\n" and int(made, 16) >= 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert plan_keys(env, create=True).local == made == plan_keys(env).local  # kept, not made again


def test_the_local_key_lives_under_the_home_config_folder_without_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    made = plan_keys({}, create=True).local
    assert (tmp_path / ".config" / "leadconf" / "plan-key").read_bytes() == made + b"\n"


def test_a_local_key_file_too_short_is_no_key(tmp_path):
    path = tmp_path / "leadconf" / "plan-key"
    path.parent.mkdir()
    path.write_text("k" * 31 + "\n")
    path.chmod(0o600)
    assert plan_keys({"XDG_CONFIG_HOME": str(tmp_path)}).local is None
    path.write_text(" " + "k" * 32 + " \n")
    assert plan_keys({"XDG_CONFIG_HOME": str(tmp_path)}).local == b"k" * 32


def test_a_local_key_that_cannot_be_made_leaves_plans_unsigned(tmp_path):
    (tmp_path / "leadconf").write_text("a file where the folder should be")
    assert plan_keys({"XDG_CONFIG_HOME": str(tmp_path)}, create=True) == Keys(None, None)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o610, 0o620, 0o602, 0o601])
def test_a_local_key_others_can_reach_is_refused(tmp_path, mode):
    path = tmp_path / "leadconf" / "plan-key"
    path.parent.mkdir()
    path.write_text("k" * 32)
    path.chmod(mode)
    with pytest.raises(PlanFileError) as refused:
        plan_keys({"XDG_CONFIG_HOME": str(tmp_path)})
    assert str(refused.value) == (
        f"{path}: the local plan key is open to other users (mode {mode:04o}); run `chmod 600 {path}` if you trust "
        "it, or delete it (a new one is made by the next `leadconf plan --out`; plans it sealed then need a fresh "
        "plan to confirm them)")
    path.chmod(0o400)
    assert plan_keys({"XDG_CONFIG_HOME": str(tmp_path)}).local == b"k" * 32


def test_a_local_key_of_another_user_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "leadconf" / "plan-key"
    path.parent.mkdir()
    path.write_text("k" * 32)
    path.chmod(0o600)
    owner = os.stat(path).st_uid
    monkeypatch.setattr(planfile.os, "getuid", lambda: owner + 1)
    with pytest.raises(PlanFileError) as refused:
        plan_keys({"XDG_CONFIG_HOME": str(tmp_path)})
    assert str(refused.value) == (
        f"{path}: the local plan key belongs to another user (uid {owner}); delete it (a new one is made by the "
        "next `leadconf plan --out`) or set LEADCONF_PLAN_KEY")


# -- reading the file -------------------------------------------------------------------------------


def test_load_reads_checks_and_unseals(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(dumps(_plan(), Keys(None, KEY)), encoding="utf-8")
    saved = load(str(path), Keys(None, KEY))
    assert saved.sealed and saved.plan.changes == _plan().changes and saved.plan.locator == "snapshot:/srv/t.json"


@pytest.mark.parametrize("content, message", [
    (None, "{path}: no such plan file"),
    ("dir", "{path}: cannot read the plan file (Is a directory)"),
    (b"\xff\xfe{}", "{path}: not a plan file (not UTF-8)"),
    (b'{\n  "format": }', "{path}:2:13: not a plan file (invalid JSON: Expecting value)"),
    (b"[" * 100_000 + b"]" * 100_000, "{path}: not a plan file (nested too deeply)"),
    (b"[]", "{path} is not a valid leadconf plan: expected a JSON object, got a list"),
])
def test_a_file_that_is_not_a_plan_is_refused_saying_why(tmp_path, content, message):
    path = tmp_path / "plan.json"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(PlanFileError) as refused:
        load(str(path), Keys(None, None))
    assert str(refused.value) == message.format(path=path)


def test_a_plan_file_with_many_problems_counts_all_it_does_not_show():
    data = _saved(Keys(None, None))
    data["changes"] = [dict(data["changes"][0], reason=1) for _ in range(10)]  # ten problems, and the summary
    with pytest.raises(PlanFileError) as refused:
        planfile.check_data(data, "plan.json")
    assert str(refused.value).endswith("changes[4].reason: expected a string, got an integer (and 6 more)")


def test_the_keys_and_a_saved_plan_are_values_that_cannot_change():
    from dataclasses import FrozenInstanceError

    keys = Keys(KEY, None)
    saved = from_data(_saved(keys), keys)
    with pytest.raises(FrozenInstanceError):
        keys.shared = OTHER  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        saved.sealed = False  # type: ignore[misc]
    assert {keys, Keys(KEY, None)} == {keys}
