"""The hand-written ``/metrics`` writer (``sansang/exposition.py``) against prometheus_client.

For generated snapshots (label values with quotes, backslashes, newlines and Vietnamese text;
values such as 0, -0.0, 1e-9, 1e21, large ints, NaN and infinities), prometheus_client's own
parsers must read the agent's text and OpenMetrics output into exactly the families, samples,
labels and values they read from prometheus_client's encoders given the same rows.  Then exact
lines, the value formatting, content negotiation as Prometheus' Go client does it, the served
``/metrics``, and that prometheus_client serves the agent only through
``sansang/standard_metrics.py`` (its process and platform series), never as the writer.
"""

from __future__ import annotations

import ast
import math
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client.exposition import generate_latest as pc_text
from prometheus_client.openmetrics import exposition as pc_openmetrics
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as parse_text
from prometheus_client.registry import CollectorRegistry

from agent.journal.store import Journal
from agent.metrics import promclient
from agent.metrics.catalogue import BY_NAME, CATALOGUE
from sansang.exposition import (
    OPENMETRICS,
    TEXT,
    Family,
    format_value,
    negotiate,
    render,
)
from sansang.metrics import MetricDef, bucket_labels
from tests.support.agent import make_agent_app
from tests.support.env import REPO

# --- generated snapshots -------------------------------------------------------------------------

# Characters a label value may hold: the three that must be escaped, Vietnamese, and any other
# printable or control character (no lone surrogates: they are not UTF-8).
TRICKY = ['"', "\\", "\n", "\\n", '\\"', "{", "}", ",", "=", " ", "#", "\t", "\r"]
VIETNAMESE = ["Xã Sa Thầy", "Bộ phận Một cửa", "máy in", "Quầy 1", "đ", "Ư", "ặ"]
label_values = st.lists(
    st.one_of(
        st.sampled_from(TRICKY + VIETNAMESE),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=6),
    ),
    max_size=5,
).map("".join)

SPECIAL_VALUES = [0, 0.0, -0.0, 1, 1.0, 1e-9, 1e21, 1e-300, 5e-324, 1.7976931348623157e308]
SPECIAL_VALUES += [2**53, 2**53 + 1, 2**63, 2**64 + 7, 10**30, 25_276_502_016, 1_700_000_000.5]
SPECIAL_VALUES += [math.inf, 0.1, 1 / 3, 123456789.0]
counter_values = st.one_of(
    st.sampled_from(SPECIAL_VALUES),
    st.integers(min_value=0, max_value=2**70),
    st.floats(min_value=0, allow_nan=False),
)
gauge_values = st.one_of(
    counter_values,
    st.sampled_from([math.nan, -math.inf, -1, -1.5, -(2**60), -1e-9]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
)


@st.composite
def histogram_series(draw: st.DrawFn, metric: MetricDef, labels: dict[str, str]) -> list[Any]:
    """One histogram series as rows: cumulative bucket counts (whole numbers, non-decreasing,
    floats as the agent's running totals are, or ints), then the sum."""
    steps = draw(st.lists(st.integers(0, 2**40), min_size=len(bucket_labels(metric)),
                          max_size=len(bucket_labels(metric))))  # fmt: skip
    as_float = draw(st.booleans())
    rows: list[Any] = []
    total = 0
    for le, step in zip(bucket_labels(metric), steps, strict=True):
        total += step
        rows.append(({**labels, "le": le}, float(total) if as_float else total))
    rows.append((labels, draw(st.floats(min_value=0, allow_nan=False, allow_infinity=False))))
    return rows


@st.composite
def families(draw: st.DrawFn, metric: MetricDef) -> Family:
    """Rows for one catalogue entry; label sets unique (OpenMetrics forbids repeating one)."""
    if metric.type == "histogram":
        label_sets = draw(
            st.lists(
                st.fixed_dictionaries({k: label_values for k in metric.labels}),
                min_size=1,
                max_size=4,
                unique_by=lambda d: tuple(sorted(d.items())),
            )
        )
        return Family(metric, [r for ls in label_sets for r in draw(histogram_series(metric, ls))])
    values = (
        st.just(1)
        if metric.type == "info"
        else (counter_values if metric.type == "counter" else gauge_values)
    )
    row = st.tuples(st.fixed_dictionaries({k: label_values for k in metric.labels}), values)
    max_rows = 1 if not metric.labels else 6
    rows = draw(
        st.lists(
            row, min_size=1, max_size=max_rows, unique_by=lambda r: tuple(sorted(r[0].items()))
        )
    )
    return Family(metric, rows)


snapshots = st.lists(st.sampled_from(CATALOGUE), unique=True, max_size=12).flatmap(
    lambda metrics: st.tuples(*(families(m) for m in metrics)).map(list)
)


def _value_key(value: float) -> str:
    """Values compared exactly: NaN equals NaN, -0.0 differs from 0.0, ints as the float stored."""
    return repr(float(value))


def _expected_samples(fams: list[Family]) -> int:
    """Rows, plus a ``_count`` sample per histogram series (its sum row stands for both)."""
    return sum(
        len(f.rows) + (sum("le" not in labels for labels, _ in f.rows))
        if f.metric.type == "histogram"
        else len(f.rows)
        for f in fams
    )


def _read(parsed: Iterable[Any], fams: list[Family]) -> list[tuple[Any, ...]]:
    """What a parser read, as comparable tuples; every row must have come back."""
    read = [
        (
            fam.name,
            fam.type,
            fam.documentation,
            fam.unit,
            [(s.name, s.labels, _value_key(s.value), s.timestamp, s.exemplar) for s in fam.samples],
        )
        for fam in parsed
    ]
    assert sum(len(samples) for *_, samples in read) == _expected_samples(fams)
    return read


class _Rows:
    """A prometheus_client collector over fixed rows (through the adapter the tests use)."""

    def __init__(self, fams: list[Family]) -> None:
        self.fams = fams

    def collect(self) -> list[Any]:
        return promclient.metrics(self.fams)


def _registry(fams: list[Family]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Rows(fams))  # type: ignore[arg-type]
    return registry


@settings(max_examples=300, deadline=None)
@given(snapshots)
def test_text_format_reads_back_as_prometheus_clients(fams: list[Family]) -> None:
    ours = render(fams).decode()
    theirs = pc_text(_registry(fams)).decode()
    assert _read(parse_text(ours), fams) == _read(parse_text(theirs), fams)


@settings(max_examples=300, deadline=None)
@given(snapshots)
def test_openmetrics_reads_back_as_prometheus_clients(fams: list[Family]) -> None:
    ours = render(fams, openmetrics=True).decode()
    theirs = pc_openmetrics.generate_latest(_registry(fams)).decode()
    assert ours.endswith("# EOF\n")
    assert _read(parse_openmetrics(ours), fams) == _read(parse_openmetrics(theirs), fams)


@settings(max_examples=200, deadline=None)
@given(label_values)
def test_a_label_value_survives_both_formats(value: str) -> None:
    fams = [Family(BY_NAME["sansang_terminal_up"], [({"terminal": value, "kind": "other"}, 1.0)])]
    for text, parse in (
        (render(fams), parse_text),
        (render(fams, openmetrics=True), parse_openmetrics),
    ):
        [fam] = list(parse(text.decode()))
        assert fam.samples[0].labels == {"terminal": value, "kind": "other"}


def test_every_catalogue_entry_at_once_reads_back() -> None:
    """One row per entry, the whole catalogue: both formats, both parsers."""
    fams = [Family(m, _one_row(m, {k: f"{k} “{m.name}”" for k in m.labels})) for m in CATALOGUE]
    ours = render(fams).decode()
    assert _read(parse_text(ours), fams) == _read(
        parse_text(pc_text(_registry(fams)).decode()), fams
    )
    om = render(fams, openmetrics=True).decode()
    theirs = pc_openmetrics.generate_latest(_registry(fams)).decode()
    assert _read(parse_openmetrics(om), fams) == _read(parse_openmetrics(theirs), fams)


def _one_row(m: MetricDef, labels: dict[str, str]) -> list[tuple[dict[str, str], float]]:
    if m.type == "histogram":
        buckets = [({**labels, "le": le}, float(n)) for n, le in enumerate(bucket_labels(m))]
        return [*buckets, (labels, 2.5)]
    return [(labels, 1 if m.type == "info" else 2.5)]


# --- exact lines ---------------------------------------------------------------------------------

GOLDEN_ROWS = [
    Family(BY_NAME["sansang_agent_info"], [({"version": "0.1.0", "boot_id": 'b"1\\\n'}, 1)]),
    Family(BY_NAME["sansang_probe_runs_total"], [({"check": "gw", "probe": "tcp"}, 3)]),
    Family(
        BY_NAME["sansang_terminal_up_in_service_seconds_total"],
        [({"terminal": "quầy-1"}, 12.5)],  # kind missing: written empty
    ),
    Family(BY_NAME["sansang_site_open"], [({}, 1.0)]),
]


def test_text_format_lines() -> None:
    assert render(GOLDEN_ROWS).decode() == (
        "# HELP sansang_agent_info Agent version and the boot id of the host (always 1).\n"
        "# TYPE sansang_agent_info gauge\n"
        'sansang_agent_info{version="0.1.0",boot_id="b\\"1\\\\\\n"} 1\n'
        "# HELP sansang_probe_runs_total Runs of the check since the agent started.\n"
        "# TYPE sansang_probe_runs_total counter\n"
        'sansang_probe_runs_total{check="gw",probe="tcp"} 3\n'
        "# HELP sansang_terminal_up_in_service_seconds_total Time the terminal was seen up during "
        "service hours.\n"
        "# TYPE sansang_terminal_up_in_service_seconds_total counter\n"
        'sansang_terminal_up_in_service_seconds_total{terminal="quầy-1",kind=""} 12.5\n'
        "# HELP sansang_site_open 1 while the centre is in its service hours (weekly schedule, not "
        "a holiday), else 0.\n"
        "# TYPE sansang_site_open gauge\n"
        "sansang_site_open 1.0\n"
    )


def test_openmetrics_lines() -> None:
    assert render(GOLDEN_ROWS, openmetrics=True).decode() == (
        "# HELP sansang_agent Agent version and the boot id of the host (always 1).\n"
        "# TYPE sansang_agent info\n"
        'sansang_agent_info{version="0.1.0",boot_id="b\\"1\\\\\\n"} 1\n'
        "# HELP sansang_probe_runs Runs of the check since the agent started.\n"
        "# TYPE sansang_probe_runs counter\n"
        'sansang_probe_runs_total{check="gw",probe="tcp"} 3\n'
        "# HELP sansang_terminal_up_in_service_seconds Time the terminal was seen up during "
        "service hours.\n"
        "# TYPE sansang_terminal_up_in_service_seconds counter\n"
        "# UNIT sansang_terminal_up_in_service_seconds seconds\n"
        'sansang_terminal_up_in_service_seconds_total{terminal="quầy-1",kind=""} 12.5\n'
        "# HELP sansang_site_open 1 while the centre is in its service hours (weekly schedule, not "
        "a holiday), else 0.\n"
        "# TYPE sansang_site_open gauge\n"
        "sansang_site_open 1.0\n"
        "# EOF\n"
    )


def test_unit_only_where_the_name_ends_with_it() -> None:
    om = render([Family(m, []) for m in CATALOGUE], openmetrics=True).decode()
    units = {
        line.split()[2]: line.split()[3] for line in om.splitlines() if line.startswith("# UNIT")
    }
    assert units["sansang_host_uptime_seconds"] == "seconds"
    assert units["sansang_host_network_receive_bytes"] == "bytes"
    assert units["sansang_host_cpu_usage_ratio"] == "ratio"
    assert "sansang_probe_runs" not in units  # no unit in the catalogue
    assert all(family.endswith("_" + unit) for family, unit in units.items())
    assert len(units) == sum(1 for m in CATALOGUE if m.unit)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.0"),
        (0, "0"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1e-9, "1e-09"),
        (1e21, "1e+21"),
        (0.1, "0.1"),
        (1_700_000_000.25, "1700000000.25"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (math.nan, "NaN"),
        (True, "1.0"),  # a bool is a number, not the word True
        (False, "0.0"),
        (-7, "-7"),
        (2**53, "9007199254740992"),
        (-(2**53), "-9007199254740992"),
        (2**53 + 1, "9007199254740992.0"),  # what Prometheus would store, not a false exactness
        (2**64, "1.8446744073709552e+19"),
    ],
)
def test_value_formatting(value: float, text: str) -> None:
    assert format_value(value) == text


# --- content negotiation -------------------------------------------------------------------------

PROMETHEUS_2 = (
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)
PROMETHEUS_3 = (
    "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8,"
    "application/openmetrics-text;version=0.0.1;q=0.9,text/plain;version=1.0.0;q=0.5,"
    "text/plain;version=0.0.4;q=0.4,*/*;q=0.1"
)
OM_1 = OPENMETRICS.format("1.0.0")
OM_0 = OPENMETRICS.format("0.0.1")


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (PROMETHEUS_2, (True, OM_1)),
        (PROMETHEUS_3, (True, OM_1)),
        ("application/openmetrics-text; version=0.0.1", (True, OM_0)),
        ("application/openmetrics-text", (True, OM_0)),  # no version: 0.0.1, as Go's client
        ("Application/OpenMetrics-Text; Version=1.0.0", (True, OM_1)),
        ("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5", (False, TEXT)),
        ("application/openmetrics-text;version=1.0.0;q=0,text/plain", (False, TEXT)),
        ("application/openmetrics-text;version=2.0.0", (False, TEXT)),
        (
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
            "encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3",
            (False, TEXT),
        ),
        ("*/*", (False, TEXT)),
        ("", (False, TEXT)),
        (None, (False, TEXT)),
        ("application/openmetrics-text;q=abc", (False, TEXT)),
    ],
)
def test_negotiation(accept: str | None, expected: tuple[bool, str]) -> None:
    assert negotiate(accept) == expected


# --- served --------------------------------------------------------------------------------------


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.db", boot_id="boot-1", retention_seconds=86400.0)
    yield j
    j.close()


@pytest.fixture
async def client(journal: Journal) -> AsyncIterator[TestClient[Any, Any]]:
    app = make_agent_app(journal, lambda: GOLDEN_ROWS)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


@pytest.mark.parametrize(
    ("accept", "content_type", "openmetrics"),
    [(PROMETHEUS_2, OM_1, True), ("text/plain", TEXT, False), (None, TEXT, False)],
)
async def test_metrics_endpoint_negotiates(
    client: TestClient[Any, Any], accept: str | None, content_type: str, openmetrics: bool
) -> None:
    resp = await client.get("/metrics", headers={"Accept": accept} if accept else {})
    assert resp.status == 200
    assert resp.headers["Content-Type"] == content_type
    _golden_then_standard(await resp.read(), openmetrics)


@pytest.mark.parametrize(("accept_encoding", "encoding"), [("gzip", "gzip"), ("identity", None)])
async def test_metrics_are_gzipped_when_the_scraper_accepts_it(
    client: TestClient[Any, Any], accept_encoding: str, encoding: str | None
) -> None:
    resp = await client.get("/metrics", headers={"Accept-Encoding": accept_encoding})
    assert resp.status == 200
    assert resp.headers.get("Content-Encoding") == encoding
    _golden_then_standard(await resp.read(), openmetrics=False)  # decoded by the client


def _golden_then_standard(body: bytes, openmetrics: bool) -> None:
    """The served body: the scrape's rows exactly as the writer renders them, then the standard
    families (build, process, platform; tests/unit/test_health_and_standard_metrics.py)."""
    own = render(GOLDEN_ROWS, openmetrics=openmetrics).removesuffix(b"# EOF\n")
    assert body.startswith(own)
    assert body[len(own) :].startswith(b"# HELP sansang_build")
    assert body.endswith(b"# EOF\n") == openmetrics


def test_prometheus_client_is_imported_only_for_the_standard_series() -> None:
    """The writer stays this module: in the running code, only ``sansang/standard_metrics.py``
    (process and platform series) imports prometheus_client; ``agent/metrics/promclient.py``
    adapts rows for the tests and tools (``exporter.py`` names its type for them)."""
    allowed = {
        "sansang/standard_metrics.py",
        "agent/metrics/promclient.py",
        "agent/metrics/exporter.py",
    }
    importers = set()
    for package in ("sansang", "agent", "collector"):
        for path in (REPO / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                if any(n.split(".")[0] == "prometheus_client" for n in names):
                    importers.add(path.relative_to(REPO).as_posix())
    assert importers == allowed
