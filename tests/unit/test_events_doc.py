"""docs/events.md documents every event kind and every field the agent writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sansang.events import KINDS, SCHEMA_VERSION, Event

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def table_rows() -> set[str]:
    """The first cell of every Markdown table row, without its backticks."""
    text = DOCS.read_text(encoding="utf-8")
    return {m.group(1) for m in re.finditer(r"^\| `([^`]+)` \|", text, flags=re.M)}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_a_row_in_the_kinds_table(kind: str) -> None:
    assert kind in table_rows(), f"docs/events.md does not document the kind '{kind}'"


def test_every_event_field_is_documented() -> None:
    fields = set(Event(1, "b", 0.0, 0, "agent_started", "agent").to_json("23527-main"))
    missing = fields - table_rows()
    assert not missing, f"fields missing from docs/events.md: {sorted(missing)}"


def test_docs_name_the_current_schema_version() -> None:
    assert f"(schema v{SCHEMA_VERSION})" in DOCS.read_text(encoding="utf-8").splitlines()[0]
