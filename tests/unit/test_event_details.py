"""The typed details of every kind (sansang/event_details.py) and the event model that applies
them at ingest (collector/events.py): strict types, bounded numbers and strings, bounded size; each
refusal names its field; what a newer agent of schema 1 adds is accepted."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from collector.events import MAX_DETAILS_BYTES, EventIn
from sansang.event_details import DETAILS, Details, details_model
from sansang.events import KINDS
from tests.support.ingest import AGENT_SHAPES

T0 = 1_780_000_000.0


def raw(kind: str = "link_state", **fields: Any) -> dict[str, Any]:
    """An event of ``kind`` in the agent's shape as it arrives, ``fields`` replacing its own."""
    subject, state, value, details = AGENT_SHAPES[kind]
    return {
        "schema": 1,
        "site": "21548-main",
        "boot_id": "7c3f0e7e-9a8b-4b8c-9d0e-1f2a3b4c5d6e",
        "seq": 42,
        "wall_time": "2026-05-28T03:15:42.118+00:00",
        "wall_time_unix": T0,
        "monotonic_ns": 86_400_000_000_000,
        "kind": kind,
        "subject": subject,
        "state": state,
        "value": value,
        "details": dict(details),
        **fields,
    }


def refused(event: dict[str, Any]) -> dict[str, str]:
    """field path -> message of every problem of ``event`` (it must be refused)."""
    with pytest.raises(ValidationError) as caught:
        EventIn.model_validate(event)
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in caught.value.errors()}


def test_every_kind_has_a_model_and_an_agent_shape() -> None:
    assert set(DETAILS) == set(KINDS)
    assert set(AGENT_SHAPES) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_what_the_agent_writes_is_accepted_and_every_key_is_typed(kind: str) -> None:
    event = EventIn.model_validate(raw(kind))
    assert event.details == AGENT_SHAPES[kind][3]
    model = details_model(kind)
    typed = {f.alias or name for name, f in model.model_fields.items()}
    assert set(AGENT_SHAPES[kind][3]) == typed, "a key the model does not type, or the reverse"
    assert model.model_validate(AGENT_SHAPES[kind][3]).model_extra == {}


@pytest.mark.parametrize(
    ("kind", "fields", "path"),
    [
        ("link_state", {"monotonic_ns": 2**63}, "monotonic_ns"),
        ("link_state", {"monotonic_ns": -1}, "monotonic_ns"),
        ("link_state", {"seq": "5"}, "seq"),
        ("link_state", {"seq": True}, "seq"),
        ("link_state", {"seq": 2**63}, "seq"),
        ("link_state", {"seq": 5.0}, "seq"),
        ("link_state", {"wall_time_unix": -1e308}, "wall_time_unix"),
        ("link_state", {"wall_time_unix": 1e12}, "wall_time_unix"),
        ("link_state", {"wall_time_unix": "1780000000"}, "wall_time_unix"),
        ("link_state", {"wall_time": 1_780_000_000}, "wall_time"),
        ("link_state", {"wall_time": "noon"}, "wall_time"),
        ("link_state", {"schema": True}, "schema"),
        ("link_state", {"subject": "quay\x001"}, "subject"),
        ("link_state", {"subject": 7}, "subject"),
        ("link_state", {"state": False}, "state"),
        ("link_state", {"value": "5"}, "value"),
        ("link_state", {"value": 1e300}, "value"),
        ("link_state", {"details": [1, 2]}, "details"),
        ("clock_step", {"value": 1e12}, "value"),
        ("mains_state", {"value": -5.0}, "value"),
        ("speedtest_result", {"value": 1e13}, "value"),
    ],
)
def test_a_bad_field_is_refused_by_name(kind: str, fields: dict[str, Any], path: str) -> None:
    assert path in refused(raw(kind, **fields))


@pytest.mark.parametrize(
    ("kind", "key", "bad"),
    [
        ("service_state", "role", ["one_stop_system"]),
        ("service_state", "previous_duration_seconds", -1.0),
        ("service_state", "previous_duration_seconds", "60"),
        ("terminal_state", "kind", 3),
        ("terminal_state", "detail", "x" * 5000),
        ("mains_flapping", "sustained_seconds", 1e308),
        ("mains_flapping", "outages_sustained", True),
        ("mains_flapping", "changes", 2.5),
        ("mains_state", "started_wall_time_unix", -1e308),
        ("mains_state", "charge_ratio", 1.5),
        ("mains_state", "depleted", "false"),
        ("mains_state", "class", 1),
        ("link_quality", "loss_ratio", -0.1),
        ("link_quality", "sent", "20"),
        ("interface_state", "isup", 1),
        ("clock_sync_state", "status", -1),
        ("clock_step", "step_seconds", 1e15),
        ("speedtest_result", "bytes_used", 2**63),
        ("speedtest_result", "download_bps", 1e15),
        ("agent_started", "pid", "812"),
        ("ups_depleted", "lower_bound", 0),
        ("link_state", "extra_note", {"nested": 1}),  # a key no model names: plain values only
        ("link_state", "extra_note", [1]),
        ("link_state", "extra_note", 2**64),
        ("link_state", "extra_note", "x" * 5000),
        ("link_state", "extra_note", "a\x00b"),  # PostgreSQL cannot hold it, even in JSON
        ("terminal_state", "detail", "a\x00b"),
        ("a_newer_kind", "anything", {"nested": 1}),
    ],
)
def test_a_bad_details_value_is_refused_by_its_path(kind: str, key: str, bad: Any) -> None:
    base = raw(kind) if kind in AGENT_SHAPES else raw(kind="link_state") | {"kind": kind}
    event = base | {"details": {**base["details"], key: bad}}
    assert f"details.{key}" in refused(event)


def test_details_larger_than_the_limit_are_refused_even_in_keys_no_model_names() -> None:
    many = {f"note_{i}": "x" * 1000 for i in range(MAX_DETAILS_BYTES // 1000 + 1)}
    problems = refused(raw(details=many))
    assert list(problems) == ["details"]
    assert str(MAX_DETAILS_BYTES) in problems["details"]
    at_limit = {f"note_{i}": "x" * 4000 for i in range(4)}  # 16,049 bytes as JSON
    assert EventIn.model_validate(raw(details=at_limit)).details == at_limit


def test_a_newer_agents_field_key_and_kind_are_accepted() -> None:
    """docs/events.md, "Versioning": a field is dropped, a details key kept, a new kind stored
    with its details checked as plain values."""
    newer = raw("service_state", colour="red")
    newer["details"] |= {"signal_dbm": -71, "carrier": "Viettel", "sim": None, "roaming": False}
    event = EventIn.model_validate(newer)
    assert "colour" not in event.model_dump()
    assert event.details["carrier"] == "Viettel" and event.details["role"] == "one_stop_system"
    new_kind = EventIn.model_validate(raw(kind="link_state") | {"kind": "sim_swapped"})
    assert new_kind.kind == "sim_swapped"
    assert details_model("sim_swapped") is Details


def test_every_problem_of_an_event_is_named_at_once() -> None:
    event = raw("mains_state")
    event["details"] |= {"charge_ratio": 2.0, "source": ["ups-1"]}
    event["value"] = -1.0
    assert set(refused(event)) == {"value", "details.charge_ratio", "details.source"}


def test_times_at_the_edges_are_accepted() -> None:
    """A machine with a flat clock battery writes 1970: refusing it would block the site."""
    for wall in (0.0, 4_102_444_800.0):
        assert EventIn.model_validate(raw(wall_time_unix=wall)).wall_time_unix == wall
    assert EventIn.model_validate(raw(monotonic_ns=2**63 - 1, seq=2**63 - 1)).seq == 2**63 - 1
    assert EventIn.model_validate(raw(wall_time_unix=1_780_000_000)).wall_time_unix == 1.78e9
