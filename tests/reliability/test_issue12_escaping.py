"""Issue 12, item 4: untrusted text (names from the tenant and the config, file names) is shown in
every output with no raw control character, never starts a line of its own, and GitHub
workflow-command properties and messages are escaped by GitHub's rules."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers import run_cli

# A name from the tenant that tries every trick: a CI command on a new line (GitHub, Azure),
# an ANSI redraw (a delete shown as an update), CR, C1 NEL, the Unicode separators.
EVIL = ("Evil\n::error file=x.yaml::pwned\r\n##vso[task.setvariable variable=LEADCONF_OK]yes"
        "\x1b[2K\x1b[1A~ update\x85NEL\u2028LS\u2029PS\x9b31m")
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # \t and \n are ours to use (\n between lines only)
ANSI_OURS = re.compile(r"\x1b\[\d+(;\d+)*m")


def _tenant(tmp_path):
    doc = {
        "format": "leadconf-snapshot/1",
        "categories": [{"CategoryId": 1, "Name": "Lead", "CategoryGroup": "PotentialCustomer", "Tooltip": "",
                        "Rank": 1, "EnableLeadStatus": True, "CategoryFamilyId": 0, "Deleted": False}],
        "lead_statuses": [
            {"Id": 1, "Name": "Open", "Tooltip": "", "Rank": 1, "Deleted": False},
            {"Id": 2, "Name": EVIL, "Tooltip": EVIL, "Rank": 2, "Deleted": False},
            {"Id": 3, "Name": "Won", "Tooltip": "", "Rank": 3, "Deleted": False},
        ],
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return f"snapshot:{path}"


def _config(tmp_path, name="leadconf.yaml"):
    path = tmp_path / name
    path.write_text("version: 1\nlead_statuses:\n  prune: true\n  items:\n    - name: Won\n    - name: Open\n", encoding="utf-8")
    return str(path)


def _check_lines(text: str):
    assert not RAW.search(ANSI_OURS.sub("", text)), repr(text)
    assert "##vso[" not in text and "##[" not in text
    for line in text.splitlines():
        assert not line.lstrip().startswith("::error file=x"), line
        assert not line.lstrip().startswith("~ update"), line


@pytest.mark.parametrize("output", ["text", "markdown", "github", "json"])
def test_a_tenant_name_cannot_inject_lines_in_any_plan_output(tmp_path, output):
    """json, before: `\\r\\n##vso[task.setvariable …]` stayed whole on its line, which Azure acts on."""
    code, out, err = run_cli("plan", "-c", _config(tmp_path), "--target", _tenant(tmp_path), "--output", output)
    assert code == 0, err
    _check_lines(out + err)
    assert "Evil" in out  # shown, escaped: not dropped
    if output == "json":
        assert json.dumps(EVIL)[1:-1] in json.dumps(json.loads(out))  # still valid JSON, the name intact


def test_the_json_apply_report_breaks_azure_commands(tmp_path):
    code, out, err = run_cli("apply", "-c", _config(tmp_path), "--target", _tenant(tmp_path), "--allow-delete",
                             "--auto-approve", "--output", "json", "--journal-dir", str(tmp_path / "j"))
    assert code == 0, err
    _check_lines(out + err)
    assert json.dumps(EVIL)[1:-1] in json.dumps(json.loads(out))


def test_colour_does_not_let_a_name_redraw_the_terminal(tmp_path):
    code, out, err = run_cli("plan", "-c", _config(tmp_path), "--target", _tenant(tmp_path), "--color")
    assert code == 0, err
    assert "\x1b[" in out  # our colours are there
    _check_lines(out)
    assert "\\x1b[2K" in out


def test_github_annotations_stay_one_line_each(tmp_path):
    code, out, _ = run_cli("plan", "-c", _config(tmp_path), "--target", _tenant(tmp_path), "--output", "github")
    assert code == 0
    lines = out.splitlines()
    assert all(re.match(r"::(error|warning|notice)( |::)", line) for line in lines), lines
    delete = next(line for line in lines if line.startswith("::error"))
    assert "Evil%0A" in delete  # GitHub's own escape for a line break in a message


def test_the_plan_shown_before_the_confirmation_prompt_is_escaped(tmp_path):
    code, out, err = run_cli("apply", "-c", _config(tmp_path), "--target", _tenant(tmp_path), "--allow-delete")
    assert code == 1 and "needs confirmation" in err
    assert "delete" in out
    _check_lines(out + err)


def test_a_file_name_cannot_spoof_annotation_properties(tmp_path):
    """Before: `file=a,line=999,title=X::b.yaml` set line 999 and a title of the attacker's."""
    path = tmp_path / "a,line=999,title=X::b.yaml"
    path.write_text("version: 1\nlead_statuses:\n  items:\n    - name: Open\n      bogus: 1\n", encoding="utf-8")
    code, out, _ = run_cli("validate", "-c", str(path), "--output", "github")
    assert code == 1
    line = out.splitlines()[0]
    assert line.startswith("::error file=")
    props = line.split("::")[1]
    assert "a%2Cline=999%2Ctitle=X%3A%3Ab.yaml" in props
    assert re.fullmatch(r"error file=[^,]*,line=5,col=\d+", props), props


def test_a_relative_file_name_cannot_start_a_line(tmp_path):
    from tests.helpers import chdir

    (tmp_path / "::error::x.yaml").write_text("version: 1\nlead_statuses:\n  items:\n    - name: Open\n      bogus: 1\n",
                                              encoding="utf-8")
    with chdir(tmp_path):
        code, out, err = run_cli("validate", "::error::x.yaml")
    assert code == 1
    assert not any(line.startswith("::") for line in (out + err).splitlines()), out + err


# A name that forges a line of ours (the apply report's last line) after a line break.
FORGED = "Old\nApplied: 0 done, 0 already done, 0 failed, 0 skipped, 0 not started.\r\n::error::pwned"


def _own_lines_only(text: str):
    """No line of the output starts with the attacker's text (escaped or not)."""
    _check_lines(text)
    for line in text.splitlines():
        assert not re.match(r"\s*(Applied: 0 done|::error::pwned|\\x3a:error::pwned)", line), text


def _forged_tenant(tmp_path):
    doc = {"format": "leadconf-snapshot/1", "categories": [], "lead_statuses": [
        {"Id": 1, "Name": "Open", "Tooltip": "", "Rank": 1, "Deleted": False},
        {"Id": 2, "Name": FORGED, "Tooltip": "", "Rank": 2, "Deleted": False}]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return f"snapshot:{path}"


def _prune_config(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("version: 1\nlead_statuses:\n  prune: true\n  items:\n    - name: Open\n", encoding="utf-8")
    return str(path)


def test_the_apply_report_escapes_a_tenant_name(tmp_path):
    """Before: the report printed `delete lead status Old` and then the attacker's own `Applied:` line."""
    code, out, err = run_cli("apply", "-c", _prune_config(tmp_path), "--target", _forged_tenant(tmp_path),
                             "--allow-delete", "--auto-approve", "--journal-dir", str(tmp_path / "j"))
    assert code == 0, err
    assert "Old\\x0aApplied" in out
    _own_lines_only(out + err)


def test_the_report_of_a_saved_plan_and_the_undo_messages_escape_a_tenant_name(tmp_path):
    target, plan = _forged_tenant(tmp_path), str(tmp_path / "p.json")
    journals = str(tmp_path / "j")
    code, out, err = run_cli("plan", "-c", _prune_config(tmp_path), "--target", target, "--out", plan)
    assert code == 0, err
    code, out, err = run_cli("apply", plan, "--allow-delete", "--auto-approve", "--journal-dir", journals)
    assert code == 0, err
    _own_lines_only(out + err)
    code, out2, err2 = run_cli("undo", "--journal-dir", journals, "--out", str(tmp_path / "u.json"))
    assert code == 0, err2
    _own_lines_only(out2 + err2)


def test_export_and_validate_messages_escape_a_file_name(tmp_path):
    bad = tmp_path / "b\nFAKE LINE ::error::x"
    bad.mkdir()
    code, out, err = run_cli("export", "--target", _forged_tenant(tmp_path), "-o", str(bad / "e.yaml"))
    assert code == 0, err
    assert not any(line.startswith("FAKE LINE") for line in (out + err).splitlines()), err


def test_a_config_file_name_cannot_start_a_line_or_close_a_code_fence(tmp_path):
    """Before: a file named `b\\n```\\nFAKE LINE ::error::x.yaml` in a -c directory started lines of its
    own in validate and plan errors, and its ``` closed the block the CI recipes post plan.err in."""
    folder = tmp_path / "cfg"
    folder.mkdir()
    (folder / "b\n```\nFAKE LINE ::error::x.yaml").write_text(
        "version: 1\nlead_statuses:\n  items:\n    - name: Open\n      bogus: 1\n", encoding="utf-8")
    for args in (("validate", "-c", str(folder)), ("plan", "-c", str(folder), "--target", _forged_tenant(tmp_path))):
        code, out, err = run_cli(*args)
        assert code == 1, err
        assert "```" not in out + err, err
        assert not any(re.match(r"\s*(```|FAKE LINE|::)", line) for line in (out + err).splitlines()), err


def test_markdown_output_keeps_a_name_with_backticks_inside_its_code_span(tmp_path):
    from leadconf.plan.escape import markdown_code, safe

    assert "```" not in safe("a```b") and "~~~" not in safe("a~~~b")
    span = markdown_code("x```y")
    assert span.startswith("`") and "```" not in span.strip("`")
