"""The tests' one event converter (``tests.support.event_json`` / ``event_in``): an event as an
agent sends it, every field kept (``value`` too), read back by the store unchanged."""

from __future__ import annotations

from pathlib import Path

from collector.events import EventIn, StoredEvent
from collector.store import Store
from sansang.events import Event
from tests.support import event_in, event_json
from tests.support.alerts import store_events

STORED = StoredEvent(
    "23527-main",
    "j1",
    7,
    "boot-1",
    1_780_000_000.25,
    42_000_000_000,
    "mains_state",
    "site",
    "restored",
    720.0,
    {"class": "sustained", "source": "ups-1"},
)


def test_every_field_of_the_wire_schema_is_kept() -> None:
    sent = event_json(STORED)
    assert set(sent) == {f.alias or name for name, f in EventIn.model_fields.items()}
    assert sent == Event(7, "boot-1", 1_780_000_000.25, 42_000_000_000, "mains_state", "site",
                         "restored", 720.0, dict(STORED.details)).to_json("23527-main")  # fmt: skip
    assert sent["value"] == 720.0 and sent["wall_time_unix"] == STORED.wall_time
    sent["details"]["class"] = "momentary"
    assert STORED.details["class"] == "sustained"  # a copy


def test_the_store_reads_back_what_was_converted(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'collector.db'}")
    try:
        store.insert_events(STORED.site, "j1", [event_in(STORED)], received_at=1_780_000_001.0)
        store_events(store, [StoredEvent(**{**_fields(STORED), "journal_id": "j2"})], 1.78e9)
        got = sorted(store.iter_events(0, 2e9), key=lambda e: e.journal_id)
    finally:
        store.close()
    assert [_fields(e) for e in got] == [
        _fields(STORED),
        {**_fields(STORED), "journal_id": "j2"},
    ]


def _fields(e: StoredEvent) -> dict[str, object]:
    return {name: getattr(e, name) for name in StoredEvent.__dataclass_fields__}
