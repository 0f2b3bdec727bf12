"""The undo commands leadconf prints work as printed (G1 of the issue 14 review): an apply that
creates many items on a short list writes an undo plan that deletes them all; the command printed
after the apply, and the one `leadconf undo` prints, carry every allow flag that plan needs, and
the plan's list sizes are the list as the apply left it (not as the plan found it)."""

from __future__ import annotations

import json
import re
import shlex
import shutil

from tests.helpers import EXAMPLES, run_cli
from tests.reliability import as_before

TENANT = f"{EXAMPLES}/tenants/existing-customer.json"
NEW = 40  # new statuses on a list of 5: the undo deletes 40 of the 45 the apply leaves


def _setup(tmp_path):
    shutil.copy(TENANT, tmp_path / "tenant.json")
    items = "".join(f"    - name: Status {i:03d}\n" for i in range(NEW))
    (tmp_path / "many.yaml").write_text(f"version: 1\nlead_statuses:\n  items:\n{items}", encoding="utf-8")
    with open(tmp_path / "tenant.json", encoding="utf-8") as fh:
        return json.load(fh)


def _apply(tmp_path):
    code, out, err = run_cli("apply", "-c", "many.yaml", "--target", "snapshot:tenant.json", "--auto-approve",
                             cwd=str(tmp_path))
    assert code == 0, out + err
    return out


def test_the_undo_command_printed_after_an_apply_runs_as_printed(tmp_path):
    original = _setup(tmp_path)
    out = _apply(tmp_path)
    undo = re.search(r"^Undo plan: (\S+) \(to go back: (leadconf apply .+)\)$", out, re.M)
    assert undo, out
    assert undo.group(2).endswith("--allow-delete --allow-large-change"), undo.group(2)
    with open(tmp_path / undo.group(1), encoding="utf-8") as fh:
        assert json.load(fh)["list_sizes"]["lead_status"] == 5 + NEW  # the list as the apply left it
    code, out, err = run_cli(*shlex.split(undo.group(2))[1:], cwd=str(tmp_path))  # as printed
    assert code == 0, out + err
    with open(tmp_path / "tenant.json", encoding="utf-8") as fh:
        assert as_before(original, json.load(fh)) == []


def test_the_command_leadconf_undo_prints_runs_as_printed(tmp_path):
    original = _setup(tmp_path)
    _apply(tmp_path)
    code, out, err = run_cli("undo", "--out", "undo.json", cwd=str(tmp_path))
    assert code == 0, out + err
    command = out.splitlines()[-1].removeprefix("To go back: ")
    assert command == "leadconf apply undo.json --allow-delete --allow-large-change"
    code, out, err = run_cli(*shlex.split(command)[1:], cwd=str(tmp_path))  # as printed
    assert code == 0, out + err
    with open(tmp_path / "tenant.json", encoding="utf-8") as fh:
        assert as_before(original, json.load(fh)) == []


def test_a_plan_that_empties_a_list_is_refused_in_words_about_the_plan(tmp_path):
    """The refusal names what the plan does; `prune: true` with no items is only one way to get there
    (an undo plan or every item marked deleted are others)."""
    _setup(tmp_path)
    names = ("Customer", "Prospect", "Partner", "Supplier", "Former customer", "Competitor")
    (tmp_path / "none.yaml").write_text("version: 1\ncompany_categories:\n  prune: true\n  items: []\n", encoding="utf-8")
    (tmp_path / "all-deleted.yaml").write_text(
        "version: 1\ncompany_categories:\n  items:\n" + "".join(f"    - {{name: {n}, deleted: true}}\n" for n in names),
        encoding="utf-8")
    for config in ("none.yaml", "all-deleted.yaml"):
        code, out, err = run_cli("apply", "-c", config, "--target", "snapshot:tenant.json", "--auto-approve",
                                 "--allow-delete", cwd=str(tmp_path))
        assert code != 0, out + err
        assert "Company – Category: the plan deletes every item of the list (6 of 6)." in err, err
        assert "with no items does" not in err, err


def test_an_undo_plan_that_cannot_be_written_is_named_as_one(tmp_path):
    """`leadconf undo` and the apply write the undo plan through one function: both name it
    (before, `leadconf undo` said "cannot write the file")."""
    _setup(tmp_path)
    _apply(tmp_path)
    code, out, err = run_cli("undo", "--out", "missing/undo.json", cwd=str(tmp_path))
    assert code == 1 and "missing/undo.json: cannot write the undo plan" in err, out + err
