"""The CLI against the emulator, counting requests: a plan is the list reads plus one read per
category; an apply is that read, then one write per change plus the re-read of what it updates."""

from __future__ import annotations

from tests.helpers import run_cli

CONFIG = """\
version: 1
company_categories:
  items:
    - name: Lead
    - name: Marketing qualified lead
    - name: Opportunity
      description: Talking money
    - name: Lost opportunity
    - name: Webinar lead
      group: potential_customer
      lead_status: true
lead_statuses:
  items:
    - name: Open
    - name: Contacting
    - name: Disqualified
    - name: Re-nurture
    - name: Qualified
    - name: Nurturing
"""


def test_plan_and_apply_request_budget(emulator, tmp_path):
    (tmp_path / "leadconf.yaml").write_text(CONFIG, encoding="utf-8")
    base = ["-c", "leadconf.yaml", "--target", emulator.target]
    emulator.requests.clear()
    code, out, err = run_cli("plan", *base, "--no-color", cwd=tmp_path)
    assert code == 0, err
    assert "Plan: 2 to create, 1 to update" in out, out
    categories = 4
    assert len(emulator.api_requests()) == 11 + categories  # test_read.py names the 11 list reads
    assert emulator.writes() == []

    emulator.requests.clear()
    code, out, err = run_cli("apply", *base, "--auto-approve", "--journal-dir", str(tmp_path / "j"), cwd=tmp_path)
    assert code == 0, out + err
    writes = emulator.writes()
    assert len(writes) == 3  # one per change
    reads = [r for r in emulator.api_requests() if r not in writes]
    # the tenant read (apply without a plan file reads it for the plan, then again for its own
    # staleness check), then the re-read of the one updated category (creates have nothing to re-read)
    full = 11 + categories
    assert len(reads) in (full + 1, 2 * full + 1)
    assert len([r for r in reads if r.path.endswith("/GetCategoryEntity")]) in (categories + 1, 2 * categories + 1)

    emulator.requests.clear()
    code, out, err = run_cli("plan", *base, "--no-color", "--detailed-exitcode", cwd=tmp_path)
    assert code == 0 and "No changes." in out, out + err
