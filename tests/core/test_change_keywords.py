"""A Change is built with keywords: ten fields, most of them optional, are too many to read by position."""

from __future__ import annotations

import pytest

from leadconf.plan.change import Change


def test_a_change_refuses_positional_fields():
    with pytest.raises(TypeError):
        Change("create", "category", "Lead")  # type: ignore[misc]


def test_a_change_built_with_keywords_round_trips_through_its_file_form():
    change = Change(action="rename", kind="category", name="Lead", key=3, before={"name": "Leads"},
                    after={"name": "Lead"}, reason="renamed_from", fingerprint="sha256:00", meta={"old_name": "Leads"})
    assert Change.from_dict(change.to_dict()) == change
