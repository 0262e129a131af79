"""A property-based fuzz of ``POST /api/v1/ingest`` against the real handler on a real aiohttp
server with a real SQLite store: random JSON, and random mutations of events in the agent's shapes
(a field replaced by any JSON value or an extreme number, a field dropped or added, a details key
changed, a seq repeated).  Whatever is sent:

- the answer is never a 5xx;
- a refused batch stores nothing, an accepted one all of its events (rows counted, seqs read back);
- the province's evaluation over what was accepted runs, and every rule judges (no evaluation
  error: an accepted event never breaks a rule).

Bounded: ``MAX_EXAMPLES`` batches, well under 30 s.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from collector.config import IngestConfig
from collector.context import Collector
from collector.evaluate.model import Window
from collector.evaluate.run import evaluate_all
from collector.ingest.push import add_routes
from collector.store import Store
from sansang.event_details import DETAILS
from tests.support.ingest import AGENT_SHAPES, PUSHER, make_collector

MAX_EXAMPLES = 400  # about 5 s
T0 = 1_780_000_000.0  # the events' time: inside the evaluation window
WINDOW = Window(T0 - 15 * 86400.0, T0 + 15 * 86400.0)
_journals = itertools.count(1)  # a journal per batch: seqs never collide across examples

EXTREMES: list[Any] = [
    2**63, 2**63 - 1, 2**64, -(2**63), -1, 0, 1e308, -1e308, 5e-324, 1e12, -1e12, 0.5, 1.5,
    "5", "", "x" * 5000, "a\x00b", True, False, None, [], {}, [1, "a"], {"a": {"b": 1}},
]  # fmt: skip
NUMBERS: list[Any] = [
    2**63, 2**64, -(2**63) - 1, -1, 1e308, -1e308, 1e12, 5e-324, 4_102_444_801.0, "5", True,
]  # fmt: skip
KEYS = sorted({f.alias or n for m in DETAILS.values() for n, f in m.model_fields.items()})
NUMERIC_KEYS = sorted(
    {k for *_, d in AGENT_SHAPES.values() for k, v in d.items() if type(v) in (int, float)}
)
TOP = ["schema", "site", "boot_id", "seq", "wall_time", "wall_time_unix", "monotonic_ns", "kind"]
TOP += ["subject", "state", "value", "details"]
NUMERIC_TOP = ["schema", "seq", "wall_time_unix", "monotonic_ns", "value"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**65), max_value=2**65)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
odd_values = st.sampled_from(EXTREMES) | json_values


def shaped(kind: str, seq: int) -> dict[str, Any]:
    """An event of ``kind`` as the agent writes it, at ``T0 + seq``."""
    subject, state, value, details = AGENT_SHAPES[kind]
    return {
        "schema": 1,
        "site": PUSHER,
        "boot_id": "7c3f0e7e-9a8b-4b8c-9d0e-1f2a3b4c5d6e",
        "seq": seq,
        "wall_time": "2026-05-28T03:15:42.118+00:00",
        "wall_time_unix": T0 + seq,
        "monotonic_ns": 86_400_000_000_000 + seq,
        "kind": kind,
        "subject": subject,
        "state": state,
        "value": value,
        "details": dict(details),
    }


def mutate(draw: st.DrawFn, event: dict[str, Any]) -> None:
    """One change: a number out of range (most often: what broke things before); a field
    replaced by any value, dropped or added; a details key replaced or dropped; another kind
    (known or not) for the same details."""
    how = draw(st.sampled_from(["number"] * 4 + ["top", "drop", "add", "details", "drop_key"]))
    if how == "number":
        number = draw(st.sampled_from(NUMBERS))
        if draw(st.booleans()) or not isinstance(event.get("details"), dict):
            event[draw(st.sampled_from(NUMERIC_TOP))] = number
        else:
            event["details"][draw(st.sampled_from(NUMERIC_KEYS))] = number
    elif how == "top":
        event[draw(st.sampled_from(TOP))] = draw(odd_values)
    elif how == "drop":
        event.pop(draw(st.sampled_from(TOP)), None)
    elif how == "add":
        event[draw(st.text(min_size=1, max_size=12))] = draw(json_values)
    elif how == "drop_key" and draw(st.booleans()):  # or another kind for the same details
        event["kind"] = draw(st.sampled_from([*sorted(AGENT_SHAPES), "a_newer_kind"]))
    elif isinstance(event.get("details"), dict):
        key = draw(st.sampled_from(KEYS) | st.text(max_size=70))
        if how == "details":
            event["details"][key] = draw(odd_values)
        else:
            event["details"].pop(key, None)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """What a push may carry: mostly a batch of 1 to 5 agent-shaped events, two batches in three
    with one mutation (sometimes two or three), sometimes a seq repeated or the envelope
    changed; now and then any JSON, or bytes that are not JSON."""
    form = draw(st.sampled_from(["batch"] * 8 + ["json", "bytes"]))
    if form == "json":
        return json.dumps(draw(json_values)).encode()
    if form == "bytes":
        return draw(st.binary(max_size=200))
    n = draw(st.integers(min_value=1, max_value=5))
    kinds = st.sampled_from(sorted(AGENT_SHAPES))
    events = [shaped(draw(kinds), seq) for seq in range(1, n + 1)]
    if draw(st.integers(min_value=0, max_value=2)):  # mostly one change: more hide each other
        for _ in range(draw(st.sampled_from([1, 1, 1, 1, 2, 3]))):
            mutate(draw, events[draw(st.integers(min_value=0, max_value=n - 1))])
    if n > 1 and draw(st.integers(min_value=0, max_value=4)) == 0:
        events[-1]["seq"] = 1  # the same seq twice
    batch: dict[str, Any] = {"schema": 1, "site": PUSHER, "events": events}
    batch["journal_id"] = f"fuzz-{next(_journals)}"
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        batch[draw(st.sampled_from(["schema", "site", "journal_id", "events", "extra"]))] = draw(
            odd_values
        )
    return json.dumps(batch).encode()


def pinned(shape: str = "link_state", details: dict[str, Any] | None = None, **top: Any) -> bytes:
    """A batch of two agent-shaped events, the second (of kind ``shape``) changed: an explicit
    example."""
    changed = shaped(shape, 2) | top
    changed["details"] = changed["details"] | (details or {})
    events = [shaped("link_state", 1), changed]
    batch = {"schema": 1, "site": PUSHER, "journal_id": f"pinned-{next(_journals)}"}
    return json.dumps(batch | {"events": events}).encode()


@pytest.fixture
def collector(tmp_path: Path, store: Store) -> tuple[Collector, dict[str, str]]:
    return make_collector(tmp_path, store, ingest=IngestConfig(max_body_bytes=256 * 1024))


@pytest.fixture
async def client(
    collector: tuple[Collector, dict[str, str]],
) -> AsyncIterator[TestClient[Any, Any]]:
    app = web.Application()
    add_routes(app, collector[0])
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


def _stored_seqs(store: Store, journal_id: str) -> list[int]:
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT seq FROM events WHERE journal_id = ? ORDER BY seq", (journal_id,)
        )
        return [int(r[0]) for r in rows]


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies())
# What an adversarial tester found, always tried first (5xx, coercion, no size limit, a batch
# that broke the evaluation later, the same seq twice):
@example(body=pinned(monotonic_ns=2**63))
@example(body=pinned(seq="2"))
@example(body=pinned(value=True))
@example(body=pinned(wall_time_unix=-1e308))
@example(body=pinned("service_state", {"role": ["one_stop_system"]}))
@example(body=pinned("mains_flapping", {"sustained_seconds": 1e308}))
@example(body=pinned("mains_state", {"started_wall_time_unix": -1e308}))
@example(body=pinned(details={f"pad_{i}": "x" * 4000 for i in range(8)}))
@example(body=pinned(seq=1))
@example(body=pinned(kind="a_newer_kind", details={"anything": "at all"}, colour="red"))
async def test_no_push_gets_a_5xx_stores_half_a_batch_or_breaks_the_evaluation(
    client: TestClient[Any, Any],
    collector: tuple[Collector, dict[str, str]],
    store: Store,
    body: bytes,
) -> None:
    c, tokens = collector
    before = store.count_events()
    headers = {"Authorization": f"Bearer {tokens[PUSHER]}", "Content-Type": "application/json"}
    async with client.post("/api/v1/ingest", data=body, headers=headers) as resp:
        status, text = resp.status, await resp.text()
    assert status < 500, text
    answer = json.loads(text)
    stored = store.count_events() - before
    if status != 200:
        assert stored == 0, answer
        return
    sent = json.loads(body)
    assert answer["accepted"] == stored == len(sent["events"]), answer
    assert answer["duplicates"] == 0
    assert _stored_seqs(store, sent["journal_id"]) == sorted(e["seq"] for e in sent["events"])
    evaluation = evaluate_all(store, c.inventory, c.catalogue, c.thresholds, WINDOW)
    assert evaluation.findings
    assert not evaluation.errors, evaluation.errors
