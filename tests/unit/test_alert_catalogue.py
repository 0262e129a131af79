"""The alert catalogue (collector/alerts/catalogue.py) against every other place that names an
alert: the Prometheus rules fire only catalogue alerts, with the catalogue's severity, agency,
target and playbook; the collector emits only catalogue alerts; Alertmanager's routes and
inhibitions name only alerts that exist, each inhibition catching the alerts it is meant to; every
agency has its receiver; every playbook exists; the docs say the same.

Alertmanager silently ignores a matcher on an alert that nothing fires: an inhibition once named
``SansangSiteDown``, ``SansangMainsLost`` and ``SansangLoss.*``, which never existed."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from collector.alerts.build import Alert, AlertInputs, build_alerts
from collector.alerts.catalogue import (
    ALERTS,
    BY_NAME,
    KINDS,
    LINK_DOWN,
    NOT_MET_PLAYBOOK,
    ON_BATTERY,
    PLAYBOOK_INDEX,
    POWER_LOST,
    SITE_UNREACHABLE,
    TARGET_NOT_MET,
    AlertDef,
    not_met_playbook,
    not_met_severity,
)
from collector.alerts.catalogue_doc import markdown
from collector.evaluate.model import Evaluation, Finding, LiveSite, Window
from collector.events import StoredEvent
from collector.inventory.certificates import SignatureCertificate
from collector.targets import effective_thresholds, load_catalogue
from sansang import i18n
from sansang.errors import SansangError
from tests.support.alerts import CODES, event, inventory
from tests.unit.test_alertmanager_config import RECEIVER

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "sansang.rules.yml"
AM_CONFIG = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
PLAYBOOKS = ROOT / "playbooks"
PLAYBOOK_BASE = "https://github.com/sansang-vn/sansang/blob/main/playbooks/"
TARGETS = load_catalogue()

# What each inhibition is meant to do, by full name: (alerts that silence, alerts silenced).
# Were an inhibition's pattern to catch one alert more or less, this says so.
INHIBITIONS = [
    (
        {SITE_UNREACHABLE.name},
        {
            "SansangTerminalDown",
            "SansangConferenceEndpointDown",
            "SansangServiceDown",
            "SansangLinkDown",
            "SansangLinkLossHigh",
            "SansangBandwidthUnderTarget",
        },
    ),
    (
        {POWER_LOST.name, ON_BATTERY.name},
        {"SansangLinkDown", "SansangLinkLossHigh", SITE_UNREACHABLE.name},
    ),
]


def test_names_are_unique_and_entries_complete() -> None:
    assert len(BY_NAME) == len(ALERTS)
    agencies = set(TARGETS.agencies)
    for a in ALERTS:
        assert re.fullmatch(r"Sansang[A-Z][A-Za-z]+", a.name), a.name
        assert a.sources and a.sources <= {"collector", "prometheus"}, a.name
        assert a.agency is None or a.agency in agencies, a.name
        assert a.target is None or TARGETS.get(a.target) is not None, a.name
        assert a.vi.strip(), a.name
    assert BY_NAME["SansangSiteUnreachable"].sources == {"collector", "prometheus"}


# --- Prometheus ----------------------------------------------------------------------------------


def prometheus_alerts() -> dict[str, dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return {r["alert"]: r for g in groups for r in g["rules"] if "alert" in r}


def test_every_prometheus_alert_is_in_the_catalogue_with_its_labels() -> None:
    rules = prometheus_alerts()
    assert rules
    for name, rule in rules.items():
        entry = BY_NAME.get(name)
        assert entry is not None, f"{name}: a Prometheus alert missing from the catalogue"
        assert "prometheus" in entry.sources, name
        labels = rule["labels"]
        assert labels["severity"] == entry.severity, name
        assert labels["agency"] == entry.agency, name
        assert labels["target"] == entry.target, name
        assert rule["annotations"]["runbook_url"] == PLAYBOOK_BASE + entry.playbook, name


def test_every_prometheus_entry_has_a_rule() -> None:
    rules = prometheus_alerts()
    missing = [a.name for a in ALERTS if "prometheus" in a.sources and a.name not in rules]
    assert not missing, f"in the catalogue as Prometheus alerts, but no rule fires them: {missing}"


# --- the collector -------------------------------------------------------------------------------

T = 1_780_000_000.0
SITES = [f"{code}-main" for code in CODES]


def build(
    recent: dict[str, list[StoredEvent]] | None = None,
    *,
    live: dict[str, LiveSite] | None = None,
    findings: tuple[Finding, ...] = (),
    certificates_left: tuple[int, ...] = (),
) -> list[Alert]:
    evaluation = Evaluation(T, Window(T - 86400, T), findings, ()) if findings else None
    inv = inventory()
    if certificates_left:
        today = i18n.local(T).date()
        certificates = [
            SignatureCertificate(
                id=f"c{i}",
                holder="UBND xã",
                not_after=today + timedelta(days=left),
                agency="so_khcn",
            )
            for i, left in enumerate(certificates_left)
        ]
        inv = inv.model_copy(update={"signature_certificates": certificates})
    return build_alerts(
        AlertInputs(
            now=T,
            inventory=inv,
            catalogue=TARGETS,
            evaluation=evaluation,
            live=live or {},
            recent=recent or {},
            thresholds=effective_thresholds(TARGETS),
            playbook_base_url=PLAYBOOK_BASE,
        )
    )


def not_met(target: str) -> Finding:
    return Finding(
        target=target,
        site=SITES[0],
        status="not_met",
        value=None,
        threshold=None,
        unit="",
        window=Window(T - 86400, T),
        vi="Chưa đạt.",
        en="Not met.",
    )


def service(site: str, state: str, at: float) -> list[StoredEvent]:
    return [event(site, "service_state", "motcua", state, at, role="one_stop_system")]


def everything_the_collector_sends() -> Iterator[Alert]:
    """One scenario per incident the collector knows, and every evaluated target not met."""
    a = SITES[0]
    yield from build({a: [event(a, "mains_state", "site", "lost", T - 300)]})
    yield from build(live={a: LiveSite(queried_at=T - 10, up=False)})
    one = [event(a, "link_state", "tslcd", "up", T - 3000)]
    yield from build({a: [*one, event(a, "link_state", "internet", "down", T - 200)]})
    both = [event(a, "link_state", link, "down", T - 200) for link in ("internet", "tslcd")]
    yield from build({a: both})
    one_down = {s: service(s, "up", T - 3600) for s in SITES} | {a: service(a, "down", T - 60)}
    yield from build(one_down)
    yield from build({s: service(s, "down", T - 600) for s in SITES[:4]})
    evaluated = tuple(not_met(t.id) for t in TARGETS.targets if t.status == "evaluated")
    yield from build(findings=evaluated)
    yield from build(certificates_left=(20, 3))


def test_the_collector_sends_catalogue_alerts_with_their_labels() -> None:
    sent = list(everything_the_collector_sends())
    for alert in sent:
        name = alert.labels["alertname"]
        entry = BY_NAME.get(name)
        assert entry is not None, f"{name}: the collector sends an alert missing from the catalogue"
        assert "collector" in entry.sources, name
        target = alert.labels["target"]
        severities = {entry.severity, entry.worst} - {None}
        playbook = entry.playbook
        if entry is TARGET_NOT_MET:
            severities, playbook = {not_met_severity(target)}, not_met_playbook(target)
        assert alert.labels["severity"] in severities, alert.labels
        assert alert.labels["target"] == (entry.target or target), alert.labels
        owner = TARGETS.get(target)
        assert owner is not None, target
        assert alert.labels["agency"] == (entry.agency or owner.owner), alert.labels
        assert alert.annotations["runbook_url"] == PLAYBOOK_BASE + playbook, alert.labels
    emitted = {a.labels["alertname"] for a in sent}
    expected = {a.name for a in ALERTS if "collector" in a.sources}
    assert emitted == expected, "every collector entry of the catalogue is sent by some scenario"
    link_down = {a.labels["severity"] for a in sent if a.labels["alertname"] == LINK_DOWN.name}
    assert link_down == {LINK_DOWN.severity, LINK_DOWN.worst}


def test_no_alert_name_is_spelt_outside_the_catalogue() -> None:
    """The collector names its alerts through the catalogue's entries, never by a literal."""
    literal = re.compile(r"Sansang[A-Z]\w+")
    found = []
    for path in sorted((ROOT / "collector").rglob("*.py")):
        if path.name == "catalogue.py" and path.parent.name == "alerts":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and literal.fullmatch(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
    assert not found, found


# --- Alertmanager --------------------------------------------------------------------------------

MATCHER = re.compile(r'^\s*([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*(".*"|[^"]*?)\s*$')


def parse_matcher(text: str) -> tuple[str, str, str]:
    label, op, value = MATCHER.fullmatch(text).groups()  # type: ignore[union-attr]
    return label, op, json.loads(value) if value.startswith('"') else value


def alternatives(regex: str) -> list[str]:
    """The top-level ``|`` branches of a regex (not those inside groups or classes)."""
    out, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(regex[start:i])
            start = i + 1
        i += 1
    return [*out, regex[start:]]


def alertname_matchers(block: dict[str, Any], *keys: str) -> list[tuple[str, str]]:
    """``(op, value)`` of every alertname matcher under these keys, in any of Alertmanager's
    forms: ``matchers`` lists, and the older ``match`` / ``match_re`` maps."""
    found = []
    for key in keys:
        for text in block.get(f"{key}matchers", []):
            label, op, value = parse_matcher(text)
            if label == "alertname":
                found.append((op, value))
        if "alertname" in block.get(f"{key}match", {}):
            found.append(("=", block[f"{key}match"]["alertname"]))
        if "alertname" in block.get(f"{key}match_re", {}):
            found.append(("=~", block[f"{key}match_re"]["alertname"]))
    return found


def routes(route: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield route
    for child in route.get("routes", []):
        yield from routes(child)


def matched(op: str, value: str) -> set[str]:
    """The catalogue's alerts a matcher selects (``!=``/``!~`` too: the names they exclude)."""
    if op in ("=", "!="):
        return {value} & set(BY_NAME)
    return {name for name in BY_NAME if re.fullmatch(value, name)}


def unknown_names(config: dict[str, Any]) -> list[str]:
    """Every alertname in routes and inhibitions that names no alert of the catalogue: a name,
    or a branch of a regex that matches none (Alertmanager anchors regexes at both ends)."""
    matchers = [m for r in routes(config["route"]) for m in alertname_matchers(r, "")]
    for rule in config.get("inhibit_rules", []):
        matchers += alertname_matchers(rule, "source_", "target_")
    problems = []
    for op, value in matchers:
        branches = alternatives(value) if op in ("=~", "!~") else [value]
        for branch in branches:
            if not matched(op if op in ("=~", "!~") else "=", branch):
                problems.append(f"alertname{op}{json.dumps(value)}: {branch!r} is no alert")
    return problems


def inhibitions(config: dict[str, Any]) -> list[tuple[set[str], set[str]]]:
    """Each inhibit rule as the catalogue alerts it takes as source and as target."""

    def select(found: list[tuple[str, str]]) -> set[str]:
        names = set(BY_NAME)
        for op, value in found:
            chosen = matched(op, value)
            names = names - chosen if op.startswith("!") else names & chosen
        return names

    return [
        (
            select(alertname_matchers(rule, "source_")),
            select(alertname_matchers(rule, "target_")),
        )
        for rule in config["inhibit_rules"]
    ]


def load_config(path: Path = AM_CONFIG) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return config


def test_routes_and_inhibitions_name_only_catalogue_alerts() -> None:
    assert unknown_names(load_config()) == []


def test_each_inhibition_catches_what_it_is_meant_to() -> None:
    assert inhibitions(load_config()) == INHIBITIONS


@pytest.mark.parametrize(
    ("regex", "branches"),
    [
        ("A|B", ["A", "B"]),
        ("Sansang(Link|Loss).*|X", ["Sansang(Link|Loss).*", "X"]),
        (r"A\|B|[|]C", [r"A\|B", "[|]C"]),
    ],
)
def test_regex_branches(regex: str, branches: list[str]) -> None:
    assert alternatives(regex) == branches


def test_the_old_dead_names_are_caught(tmp_path: Path) -> None:
    """The inhibitions as they once were: the check names every alert that never existed."""
    old = load_config()
    old["inhibit_rules"] = [
        {
            "source_matchers": ['alertname=~"SansangSiteUnreachable|SansangSiteDown"'],
            "target_matchers": ['alertname=~"SansangTerminal.*|SansangLink.*|SansangLoss.*"'],
            "equal": ["site"],
        },
        {
            "source_match": {"alertname": "SansangMainsLost"},
            "target_match_re": {"alertname": "SansangLink.*"},
            "equal": ["site"],
        },
    ]
    problems = unknown_names(old)
    assert len(problems) == 3, problems
    assert all(dead in " ".join(problems) for dead in ("SiteDown", "Loss.*", "MainsLost"))


def agencies_of(entry: AlertDef) -> set[str]:
    """The agencies an entry's alerts carry: its own, or every owner of a target not met."""
    if entry.agency is not None:
        return {entry.agency}
    return {t.owner for t in TARGETS.targets if t.status == "evaluated"}


@pytest.mark.skipif(shutil.which("amtool") is None, reason="amtool not found")
def test_every_entry_reaches_its_agency_receiver() -> None:
    site = {"site": "23527-main", "commune_code": "23527"}
    for entry in ALERTS:
        for agency in agencies_of(entry):
            pairs = [f"alertname={entry.name}", f"agency={agency}"]
            pairs += [f"{k}={v}" for k, v in site.items()]
            done = subprocess.run(
                ["amtool", "config", "routes", "test", f"--config.file={AM_CONFIG}", *pairs],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            assert done.stdout.split() == [RECEIVER[agency]], (entry.name, agency)


# --- playbooks and docs --------------------------------------------------------------------------


def test_every_playbook_exists() -> None:
    files = {a.playbook for a in ALERTS} | set(NOT_MET_PLAYBOOK.values())
    files |= {f"{kind}.md" for kind in KINDS} | {PLAYBOOK_INDEX}
    missing = sorted(f for f in files if not (PLAYBOOKS / f).is_file())
    assert not missing, missing


def test_each_playbook_names_its_alerts() -> None:
    """The person who follows a runbook link finds the alert they got named in the playbook."""
    for entry in ALERTS:
        if entry is not TARGET_NOT_MET:
            text = (PLAYBOOKS / entry.playbook).read_text(encoding="utf-8")
            assert f"`{entry.name}`" in text, (entry.playbook, entry.name)


NAME_IN_TEXT = re.compile(r"\bSansang[A-Z][A-Za-z]+\b")
DOCS = [
    *sorted(PLAYBOOKS.glob("*.md")),
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "deploy" / "README.md",
    AM_CONFIG,
    RULES,
]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_name_only_alerts_that_exist(path: Path) -> None:
    names = set(NAME_IN_TEXT.findall(path.read_text(encoding="utf-8")))
    names.discard(SansangError.__name__)  # the exception base class, not an alert
    assert names <= set(BY_NAME), sorted(names - set(BY_NAME))


def test_playbook_index_table_matches_the_catalogue() -> None:
    rows = [
        line
        for line in (PLAYBOOKS / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| [")
    ]
    listed = {}
    for row in rows:
        playbook = re.search(r"\]\(([\w.]+)\)", row).group(1)  # type: ignore[union-attr]
        alerts = row.rsplit("|", 2)[1]
        names = set(re.findall(r"`(Sansang\w+)`", alerts))
        targets = set(re.findall(r"\b[A-Z]+-[A-Z0-9]+\b", alerts))
        listed[playbook] = (names, targets)
    expected = {
        f"{kind}.md": (
            {a.name for a in ALERTS if a.playbook == f"{kind}.md"},
            {t for t, p in NOT_MET_PLAYBOOK.items() if p == f"{kind}.md"},
        )
        for kind in KINDS
    }
    assert listed == expected


def test_alerts_doc_is_generated_from_the_catalogue() -> None:
    on_disk = (ROOT / "docs" / "alerts.md").read_text(encoding="utf-8")
    assert on_disk == markdown(), "docs/alerts.md is stale: run `make docs`"
