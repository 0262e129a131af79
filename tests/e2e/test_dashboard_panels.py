"""End to end: every dashboard panel's query, run against the test's Prometheus,
returns data: no empty panel.

The stack is :mod:`tests.e2e.panel_stack` (NUT, agent, collector, Prometheus with the deployed
rules, all real).  For every target of every panel of ``dashboards/json/*.json`` (rows walked
too), the template variables are resolved as Grafana would:

* ``$province`` and ``$commune`` by running the dashboards' own variable queries
  (``label_values(...)``, ``query_result(...)`` with the variable's regex) against the test's
  Prometheus and choosing the stack's province and commune among the answers; a variable with
  ``multi`` or ``includeAll`` is regex-escaped as Grafana's Prometheus datasource does;
* Grafana's built-in ``$__interval``, ``$__rate_interval``, ``$__range`` (and their ``_ms`` /
  ``_s`` forms) from the query's range, step and the 1 s scrape interval, as Grafana computes
  them (``$__rate_interval`` = max(``$__interval`` + scrape interval, 4 × scrape interval));
* any other ``$`` variable fails the test.

Instant targets are run as instant queries; the others as range queries over the last
:data:`RANGE` seconds with a :data:`STEP` step.  A target has data when some sample is a number
(a NaN, e.g. ``histogram_quantile`` of no observation, draws nothing in Grafana).  The test waits
until every target has data or :data:`DEADLINE` passes, then names every empty target
(dashboard, panel title, refId, the expression as sent) at once.  No panel is skipped.

Then the same targets with Grafana's "All" (the include-all variables' ``allValue``) must have
data too, and the panels that list problems must list the problems the stack has, and only
those: the reception point whose agent does not answer (not the push site), the UPS that does
not answer, the UPS that ran out, the printer that is down, OPS-247 not met where the national
portal answers 503, the collector's failed fetches of the dead agent's journal.
"""

from __future__ import annotations

import json
import math
import re
import time
import urllib.error
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.panel_stack import (
    COMMUNE,
    DEAD_SITE,
    LIVE_SITE,
    PROVINCE,
    PanelStack,
    panel_stack,
)
from tests.integration.nutlab import skip_without_nut
from tests.integration.promlab import tsdb_missing
from tests.support import wait_until
from tests.support.net import http_get

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "dashboards" / "json"
DEADLINE = 120.0  # seconds from Prometheus' start until every panel must have data
RANGE = 60  # seconds: the range of a time-series panel's query
STEP = 1  # seconds: its step (Grafana's $__interval at this range and the 1 s scrape)
SCRAPE = 1  # seconds: the stack's scrape interval (the datasource's "scrape interval")
CHOSEN = {"province": PROVINCE[1], "commune": COMMUNE}
"""The value the test picks for each place variable: the stack's province and commune."""

VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]")
REGEX_SPECIAL = re.compile(r"([\\^$*+?.()|{}\[\]])")


@dataclass(frozen=True)
class Target:
    dashboard: str
    panel: str
    ref: str
    expr: str
    instant: bool

    def name(self) -> str:
        return f"{self.dashboard} / {self.panel!r} / {self.ref}"


# --- the dashboards -------------------------------------------------------------------------------


def load_dashboards() -> dict[str, dict[str, Any]]:
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DASHBOARDS.glob("*.json"))
    }


def walk(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every panel, and the panels inside (collapsed) rows."""
    for panel in panels:
        yield panel
        yield from walk(panel.get("panels", []))


def targets(dashboards: dict[str, dict[str, Any]]) -> list[Target]:
    found = []
    for name, dash in dashboards.items():
        for panel in walk(dash.get("panels", [])):
            for t in panel.get("targets", []):
                instant = bool(t.get("instant")) and not t.get("range")
                found.append(Target(name, panel["title"], t["refId"], t["expr"], instant))
    return found


# --- Grafana's variables --------------------------------------------------------------------------


def builtins(range_s: int, step_s: int, scrape_s: int) -> dict[str, str]:
    """Grafana's global variables for a query over ``range_s`` at ``step_s``."""
    interval = max(step_s, scrape_s)
    rate = max(interval + scrape_s, 4 * scrape_s)
    return {
        "__interval": f"{interval}s",
        "__interval_ms": str(interval * 1000),
        "__rate_interval": f"{rate}s",
        "__rate_interval_ms": str(rate * 1000),
        "__range": f"{range_s}s",
        "__range_s": str(range_s),
        "__range_ms": str(range_s * 1000),
    }


def substitute(expr: str, values: dict[str, str]) -> str:
    """``expr`` with every ``$name``, ``${name}``, ``${name:fmt}``, ``[[name]]`` replaced; a
    variable not in ``values`` raises KeyError naming it."""

    def one(match: re.Match[str]) -> str:
        name = next(g for g in match.groups() if g)
        if name not in values:
            raise KeyError(f"unknown template variable ${name} in {expr!r}")
        return values[name]

    return VARIABLE.sub(one, expr)


def grafana_escape(value: str) -> str:
    """A multi-value or include-all variable's value inside a PromQL regex matcher: Grafana's
    Prometheus datasource backslash-escapes regex metacharacters (doubled for the string)."""
    return REGEX_SPECIAL.sub(r"\\\\\1", value)


class Prom:
    """The query API of the test's Prometheus."""

    def __init__(self, url: str) -> None:
        self.url = url

    def get(self, path: str, **params: str | float) -> Any:
        query = urllib.parse.urlencode(params)
        try:
            body = http_get(f"{self.url}api/v1/{path}?{query}", timeout=10.0)
        except urllib.error.HTTPError as err:
            with err:
                raise QueryError(err.read().decode(errors="replace")) from err
        return json.loads(body)["data"]

    def instant(self, expr: str, at: float) -> Any:
        return self.get("query", query=expr, time=at)

    def range(self, expr: str, end: float) -> Any:
        return self.get("query_range", query=expr, start=end - RANGE, end=end, step=STEP)


class QueryError(Exception):
    """Prometheus refused the query (a 4xx/5xx with its error message)."""


def query_result_lines(prom: Prom, expr: str) -> list[str]:
    """What Grafana's ``query_result(expr)`` gives: one ``name{label="value", ...} value time``
    text per series of the instant query, labels in the order Prometheus returns them."""
    lines = []
    for s in prom.instant(expr, time.time())["result"]:
        metric = dict(s["metric"])
        name = metric.pop("__name__", "")
        labels = ", ".join(f'{k}="{v}"' for k, v in metric.items())
        at, value = s["value"]
        lines.append(f"{name}{{{labels}}} {value} {int(float(at) * 1000)}")
    return lines


def options(prom: Prom, variable: dict[str, Any]) -> list[str]:
    """The values a query variable offers, from its query (and regex) as Grafana runs them."""
    query = variable["query"]
    query = query["query"] if isinstance(query, dict) else query
    if m := re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query):
        series = prom.get("series", **{"match[]": m.group(1)})
        texts = sorted({s[m.group(2)] for s in series if m.group(2) in s})
    elif m := re.fullmatch(r"query_result\((.+)\)", query):
        texts = query_result_lines(prom, m.group(1))
    else:
        raise AssertionError(f"variable {variable['name']}: query {query!r} not understood")
    regex = variable.get("regex")
    if not regex:
        return texts
    pattern = re.compile(regex.strip("/").replace("(?<", "(?P<"))
    values = []
    for text in texts:
        if found := pattern.search(text):
            values.append(found.groupdict().get("value") or found.group(1))
    return sorted(set(values))


def variable_values(prom: Prom, dash: dict[str, Any], *, all_: bool = False) -> dict[str, str]:
    """Every template variable of ``dash`` with the value chosen for the test (see CHOSEN), or,
    with ``all_``, the "All" value (``allValue``) of the variables that offer one."""
    values: dict[str, str] = {}
    for var in dash.get("templating", {}).get("list", []):
        name = var["name"]
        if var["type"] == "datasource":
            values[name] = "sansang-prometheus"  # the uid: not part of any expression
            continue
        if all_ and var.get("includeAll"):
            values[name] = var.get("allValue") or ".*"
            continue
        offered = options(prom, var)
        assert CHOSEN[name] in offered, f"{name}: {CHOSEN[name]!r} not offered in {offered}"
        chosen = CHOSEN[name]
        values[name] = (
            grafana_escape(chosen) if var.get("multi") or var.get("includeAll") else chosen
        )
    return values


# --- the check ------------------------------------------------------------------------------------


def has_data(result: dict[str, Any]) -> bool:
    """Some sample of an instant or range result is a number (not NaN)."""
    kind, found = result["resultType"], result["result"]
    if kind == "scalar":
        return not math.isnan(float(found[1]))
    if kind == "vector":
        return any(not math.isnan(float(s["value"][1])) for s in found)
    if kind == "matrix":
        return any(not math.isnan(float(v)) for s in found for _t, v in s["values"])
    return bool(found)


@dataclass
class Round:
    """One pass over every target: those without data, and those Prometheus refused."""

    empty: list[tuple[Target, str]]
    errors: list[tuple[Target, str, str]]

    def finished(self) -> bool:
        return not self.empty or bool(self.errors)


def sent(t: Target, values: dict[str, str]) -> str:
    """The target's expression as Grafana sends it, with ``values`` of the dashboard's variables."""
    return substitute(t.expr, values | builtins(RANGE, STEP, SCRAPE))


def run(prom: Prom, t: Target, expr: str, now: float) -> Any:
    return prom.instant(expr, now) if t.instant else prom.range(expr, now)


def check_all(
    prom: Prom, dashboards: dict[str, dict[str, Any]], found: list[Target], *, all_: bool = False
) -> Round:
    values = {name: variable_values(prom, dash, all_=all_) for name, dash in dashboards.items()}
    now = time.time()
    empty, errors = [], []
    for t in found:
        expr = sent(t, values[t.dashboard])
        try:
            result = run(prom, t, expr, now)
        except QueryError as err:
            errors.append((t, expr, str(err)))
            continue
        if not has_data(result):
            empty.append((t, expr))
    return Round(empty, errors)


def unknown_variables(dashboards: dict[str, dict[str, Any]], found: list[Target]) -> list[str]:
    """Targets naming a variable that is neither the dashboard's nor one of Grafana's."""
    unknown = []
    for t in found:
        names = [v["name"] for v in dashboards[t.dashboard].get("templating", {}).get("list", [])]
        try:
            sent(t, dict.fromkeys(names, "x"))
        except KeyError as err:
            unknown.append(f"{t.name()}: {err.args[0]}")
    return unknown


def rows(
    prom: Prom, dashboards: dict[str, dict[str, Any]], dashboard: str, title: str
) -> list[dict[str, str]]:
    """The label sets a panel's targets show now (for the lists of problems)."""
    values = variable_values(prom, dashboards[dashboard])
    found = [t for t in targets({dashboard: dashboards[dashboard]}) if t.panel == title]
    assert found, f"{dashboard}: no panel {title!r}"
    now = time.time()
    shown = []
    for t in found:
        result = run(prom, t, sent(t, values), now)["result"]
        shown += [dict(s["metric"]) for s in result]
    return shown


def assert_problems_shown(prom: Prom, dashboards: dict[str, dict[str, Any]]) -> None:
    """The lists of problems show the problems the stack has, and only those."""

    def show(dashboard: str, title: str, key: str) -> set[str]:
        return {r.get(key, "") for r in rows(prom, dashboards, dashboard, title)}

    assert show("incident-readiness", "Điểm mất liên lạc", "site") == {DEAD_SITE}
    assert show("incident-readiness", "Bộ lưu điện mất kết nối", "source") == {"ups-2"}
    assert show("power", "Thời gian giữ tải ngắn nhất của UPS", "site") == {LIVE_SITE}
    assert show("site-detail", "Trạng thái từng thiết bị", "terminal") == {
        "counter-1",
        "vc-1",
        "printer-1",
    }
    police = rows(
        prom,
        dashboards,
        "incident-readiness",
        "Mức sẵn sàng theo chỉ tiêu của Công an tỉnh và OPS-247",
    )
    # The police's evaluated targets, not only OPS-247, for every site.
    shown: dict[str, set[str]] = {}
    for r in police:
        shown.setdefault(r["site"], set()).add(r["target"])
    want = {"OPS-247", "SEC-CONTINGENCY", "SEC-DRILL", "SEC-EARLY", "SEC-LEVEL", "SEC-MEASURES"}
    want |= {"SEC-TEAM"}
    assert LIVE_SITE in shown and all(t == want for t in shown.values()), shown

    def ops_not_met() -> set[tuple[str, str]] | None:
        not_met = {
            (r["site"], r["target"])
            for r in rows(prom, dashboards, "province-overview", "Chỉ tiêu chưa đạt")
        }
        return not_met if (LIVE_SITE, "OPS-247") in not_met else None

    # The portal answers 503: OPS-247 not met, once the evaluation knows more than half of its
    # 30 s window (max_unknown_ratio; before that the finding is rightly unknown).
    wait_until(ops_not_met, 60, "OPS-247 not met at the site whose portal answers 503")

    def fetch_errors() -> list[dict[str, str]] | None:
        errors = rows(prom, dashboards, "agent-health", "Lỗi kiểm tra và lỗi nhận sự kiện (1 giờ)")
        seen = {(r["site"], r.get("reason")) for r in errors}
        return errors if (DEAD_SITE, "connect") in seen else None

    wait_until(fetch_errors, 30, "the collector's failed fetches of the dead agent's journal")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[PanelStack]:
    with panel_stack(tmp_path) as built:
        yield built


@pytest.mark.integration
@skip_without_nut
@pytest.mark.skipif(tsdb_missing("prometheus") is not None, reason="needs prometheus")
def test_every_panel_query_returns_data(stack: PanelStack) -> None:
    dashboards = load_dashboards()
    found = targets(dashboards)
    assert len(dashboards) == 6 and found
    assert not unknown_variables(dashboards, found)
    prom = Prom(stack.prometheus.url)
    last: list[Round] = []

    def settled() -> Round | None:
        last[:] = [check_all(prom, dashboards, found)]
        return last[0] if last[0].finished() else None

    try:
        wait_until(settled, DEADLINE, "every dashboard panel to have data")
    except AssertionError:
        if not last:
            raise
    elapsed = time.monotonic() - stack.prometheus_started
    done = last[0]
    panels = {(t.dashboard, t.panel) for t in found}
    outcome = "deadline passed" if done.empty or done.errors else "every one with data"
    print(
        f"\n{len(dashboards)} dashboards, {len(panels)} panels, {len(found)} queries; "
        f"{outcome} {elapsed:.1f} s after Prometheus started "
        f"(stack built in {stack.built_in:.1f} s)"
    )
    problems = [f"{t.name()}: refused: {msg}\n    {expr}" for t, expr, msg in done.errors]
    problems += [f"{t.name()}: no data\n    {expr}" for t, expr in done.empty]
    assert not problems, f"{len(problems)} of {len(found)} queries:\n" + "\n".join(problems)
    # Grafana's "All" (the include-all variables' allValue) shows data too.
    every = check_all(prom, dashboards, found, all_=True)
    assert not every.empty and not every.errors, (every.empty, every.errors)
    assert_problems_shown(prom, dashboards)


# --- the variable handling itself (no stack) -----------------------------------------------------


def test_every_variable_form_is_replaced_and_an_unknown_one_is_named() -> None:
    values = {"commune": "23527"} | builtins(60, 1, 1)
    expr = 'rate(x{c=~"$commune", d="${commune}", e="[[commune]]"}[$__rate_interval])'
    assert substitute(expr, values) == 'rate(x{c=~"23527", d="23527", e="23527"}[4s])'
    assert substitute("y[${__range}]", values) == "y[60s]"
    with pytest.raises(KeyError, match=r"\$site"):
        substitute('z{site="$site"}', values)
    bad = Target("d", "p", "A", "max_over_time(u[$__period])", instant=True)
    assert unknown_variables({"d": {}}, [bad]) == [
        "d / 'p' / A: unknown template variable $__period in 'max_over_time(u[$__period])'"
    ]


def test_rate_interval_is_grafanas() -> None:
    # max($__interval + scrape interval, 4 x scrape interval)
    assert builtins(60, 1, 1)["__rate_interval"] == "4s"
    assert builtins(3600, 60, 15)["__rate_interval"] == "75s"
    assert builtins(3600, 60, 15)["__interval_ms"] == "60000"


def test_regex_values_are_escaped_as_grafana_does() -> None:
    assert grafana_escape("Quảng Ngãi") == "Quảng Ngãi"
    assert grafana_escape("a.b|c") == r"a\\.b\\|c"


def test_nan_is_no_data() -> None:
    nan = {"resultType": "vector", "result": [{"metric": {}, "value": [1, "NaN"]}]}
    one = {"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "NaN"], [2, "0"]]}]}
    assert not has_data(nan) and has_data(one)
    assert not has_data({"resultType": "vector", "result": []})


def test_every_dashboard_target_is_found_rows_included() -> None:
    dash = {
        "panels": [
            {"title": "row", "type": "row", "panels": [
                {"title": "inner", "targets": [{"refId": "A", "expr": "up", "instant": True}]}
            ]},
            {"title": "outer", "targets": [{"refId": "B", "expr": "up", "range": True}]},
        ]
    }  # fmt: skip
    found = targets({"d": dash})
    assert [(t.panel, t.ref, t.instant) for t in found] == [
        ("inner", "A", True),
        ("outer", "B", False),
    ]
    assert len(targets(load_dashboards())) >= 40
