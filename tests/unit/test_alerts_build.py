"""Which alerts fire (collector/alerts/build.py) and what the sender POSTs (collector/alerts)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from collector.alerts import Sender
from collector.alerts.build import Alert, AlertInputs, build_alerts
from collector.alerts.catalogue import KINDS
from collector.evaluate.model import Evaluation, Finding, LiveSite, Window
from collector.events import StoredEvent
from collector.targets import effective_thresholds, load_catalogue
from tests.support.alerts import CODES, event, inventory

T = 1_780_000_000.0
SITES = [f"{code}-main" for code in CODES]
A, B = SITES[0], SITES[1]
BASE = "https://sansang.example/playbooks/"
CATALOGUE = load_catalogue()
INVENTORY = inventory()
SITE_LABELS = {"alertname", "site", "commune_code", "commune", "province", "target", "severity"}
SITE_LABELS |= {"agency"}
ANNOTATIONS = {"summary", "summary_en", "description", "description_en", "runbook_url", "cause"}


def build(
    recent: dict[str, list[StoredEvent]] | None = None,
    *,
    live: dict[str, LiveSite] | None = None,
    received: dict[str, float] | None = None,
    findings: Sequence[Finding] = (),
) -> list[Alert]:
    evaluation = Evaluation(T, Window(T - 86400, T), findings, ()) if findings else None
    return build_alerts(
        AlertInputs(
            now=T,
            inventory=INVENTORY,
            catalogue=CATALOGUE,
            evaluation=evaluation,
            live=live or {},
            recent=recent or {},
            last_received=received or {},
            thresholds=effective_thresholds(CATALOGUE),
            playbook_base_url=BASE,
            public_url="https://tinh.example/sansang/",
        )
    )


def of(alerts: list[Alert], site: str) -> list[Alert]:
    return [a for a in alerts if a.labels.get("site") == site]


def names(alerts: list[Alert]) -> list[str]:
    return sorted(a.labels["alertname"] for a in alerts)


def check_well_formed(alert: Alert) -> None:
    if "site" in alert.labels:
        assert set(alert.labels) >= SITE_LABELS, alert.labels
    assert all(alert.labels.values()), alert.labels
    assert set(alert.annotations) == ANNOTATIONS
    assert all(alert.annotations.values()), alert.annotations
    assert alert.annotations["runbook_url"].startswith(BASE)
    kind = alert.annotations["runbook_url"].removeprefix(BASE).removesuffix(".md")
    assert kind in KINDS
    assert len(alert.annotations["summary"]) <= 300
    assert len(alert.annotations["summary_en"]) <= 300
    assert len(alert.annotations["description"]) <= 1200


def test_power_lost_before_the_link_is_one_power_alert() -> None:
    recent = {
        A: [
            event(A, "mains_state", "site", "lost", T - 300, source="ups1", charge_ratio=0.9),
            event(A, "link_state", "internet", "down", T - 200),
            event(A, "link_state", "tslcd", "down", T - 190),
        ]
    }
    alerts = build(recent)
    assert names(alerts) == ["SansangPowerLost"]
    (alert,) = alerts
    check_well_formed(alert)
    assert alert.labels["site"] == A and alert.labels["commune"] == "Xã Sa Thầy"
    assert alert.labels["target"] == "INF-PWR" and alert.labels["agency"] == "so_cong_thuong"
    assert alert.labels["severity"] == "critical"
    assert alert.annotations["cause"] == "power"
    assert alert.annotations["summary"].startswith("Mất điện lưới tại")
    assert "90 %" in alert.annotations["description"]
    assert "không phải đường truyền" in alert.annotations["description"]
    assert alert.annotations["runbook_url"] == BASE + "power_loss.md"
    assert "Nguyễn Văn An" in alert.annotations["description"]  # the named responder
    assert alert.starts_at == T - 300
    assert alert.generator_url == f"https://tinh.example/sansang/sites/{A}"


def test_link_down_after_a_power_cut_that_ended_is_still_power() -> None:
    """Mains came back but the modem did not: the link loss was caused by the power cut."""
    recent = {
        A: [
            event(A, "mains_state", "site", "lost", T - 900),
            event(A, "link_state", "internet", "down", T - 850),
            event(A, "link_state", "tslcd", "down", T - 850),
            event(A, "mains_state", "site", "restored", T - 100, started_wall_time_unix=T - 900),
        ]
    }
    (alert,) = build(recent)
    assert alert.labels["alertname"] == "SansangPowerLost"
    assert alert.annotations["cause"] == "power"


def test_link_alone_is_a_link_alert() -> None:
    recent = {
        A: [
            event(A, "link_state", "tslcd", "up", T - 3000),
            event(A, "link_state", "internet", "down", T - 200),
        ]
    }
    alerts = build(recent)
    (alert,) = alerts
    check_well_formed(alert)
    assert alert.labels["alertname"] == "SansangLinkDown"
    assert alert.labels["severity"] == "warning"  # TSLCD still up
    assert alert.annotations["cause"] == "link"
    assert "internet" in alert.annotations["summary"]
    assert "tslcd" in alert.annotations["description"]
    assert alert.annotations["runbook_url"] == BASE + "link_loss.md"


def test_every_link_down_is_critical_and_hides_service_alerts() -> None:
    recent = {
        A: [
            event(A, "link_state", "internet", "down", T - 200),
            event(A, "link_state", "tslcd", "down", T - 200),
            event(A, "service_state", "motcua", "down", T - 190, role="one_stop_system"),
        ]
    }
    (alert,) = build(recent)
    assert alert.labels["alertname"] == "SansangLinkDown"
    assert alert.labels["severity"] == "critical"


def test_restored_link_fires_nothing() -> None:
    recent = {
        A: [
            event(A, "link_state", "internet", "down", T - 200),
            event(A, "link_state", "internet", "up", T - 100),
            event(A, "mains_state", "site", "lost", T - 90),
            event(A, "mains_state", "site", "restored", T - 30, started_wall_time_unix=T - 90),
        ]
    }
    assert build(recent) == []


def test_central_outage_is_one_alert_for_the_province() -> None:
    recent = {
        site: [event(site, "service_state", "motcua", "down", T - 600 + i, role="one_stop_system")]
        for i, site in enumerate(SITES[:4])
    }
    recent[SITES[4]] = [
        event(SITES[4], "service_state", "motcua", "up", T - 3600, role="one_stop_system")
    ]
    alerts = build(recent)
    assert names(alerts) == ["SansangCentralOutage"]
    (alert,) = alerts
    check_well_formed(alert)
    assert "site" not in alert.labels
    assert alert.labels["province"] == "Quảng Ngãi" and alert.labels["service"] == "motcua"
    assert alert.annotations["cause"] == "central"
    assert "4/5" in alert.annotations["summary"]
    assert alert.starts_at == T - 600 + 2  # when the third site lost it


def test_one_site_losing_the_system_is_a_local_alert() -> None:
    recent = {
        site: [event(site, "service_state", "motcua", "up", T - 3600, role="one_stop_system")]
        for site in SITES
    }
    recent[B] = [event(B, "service_state", "motcua", "down", T - 60, role="one_stop_system")]
    alerts = build(recent)
    assert names(alerts) == ["SansangServiceDown"]
    (alert,) = alerts
    check_well_formed(alert)
    assert alert.labels["site"] == B and alert.labels["service"] == "motcua"
    assert alert.annotations["cause"] == "device"
    assert alert.annotations["summary"].startswith("Hệ thống Một cửa điện tử")


def test_live_values_unreachable_and_mains() -> None:
    live = {
        A: LiveSite(queried_at=T - 10, up=False),
        B: LiveSite(queried_at=T - 10, up=True, mains_present=False, on_battery=True),
        SITES[2]: LiveSite(queried_at=T - 3600, up=False),  # too old: ignored
    }
    alerts = build(live=live)
    assert [a.labels["alertname"] for a in of(alerts, A)] == ["SansangSiteUnreachable"]
    assert [a.labels["alertname"] for a in of(alerts, B)] == ["SansangPowerLost"]
    assert of(alerts, SITES[2]) == []
    for alert in alerts:
        check_well_formed(alert)


def test_live_only_incidents_keep_the_same_text_between_refreshes() -> None:
    """A start time known only from a refresh would change the text every 30 s: none is given."""

    def at(queried: float) -> list[Alert]:
        live = LiveSite(queried_at=queried, up=True, mains_present=False, links_up={"tslcd": False})
        return build(live={A: live, B: LiveSite(queried_at=queried, up=False)})

    first, later = at(T - 40), at(T - 10)
    assert names(first) == ["SansangPowerLost", "SansangSiteUnreachable"]
    assert [a.annotations for a in first] == [a.annotations for a in later]
    assert " từ " not in first[0].annotations["summary"]


def test_silent_site_after_mains_lost_is_power() -> None:
    recent = {A: [event(A, "mains_state", "site", "lost", T - 7200)]}
    recent[B] = [event(B, "link_state", "internet", "up", T - 7300)]
    received = {A: T - 7100, B: T - 7100, SITES[2]: T - 60}
    alerts = build(recent, received=received)
    assert [a.labels["alertname"] for a in of(alerts, A)] == ["SansangPowerLost"]
    (silent,) = of(alerts, B)
    assert silent.labels["alertname"] == "SansangSiteUnreachable"
    assert "không nhận được sự kiện" in silent.annotations["description"]
    assert of(alerts, SITES[2]) == []


def finding(site: str, target: str, status: str) -> Finding:
    return Finding(
        target=target,
        site=site,
        status=status,  # type: ignore[arg-type]
        value=42.0,
        threshold=100,
        unit="Mbit/s",
        window=Window(T - 86400, T),
        vi="Băng thông Internet trung vị 42 Mbit/s, dưới ngưỡng 100 Mbit/s.",
        en="Median Internet download 42 Mbit/s, below 100 Mbit/s.",
        cause="link",
    )


def test_not_met_findings_alert_per_site_and_target() -> None:
    findings = [
        finding(A, "INF-BW", "not_met"),
        finding(B, "INF-BW", "met"),
        finding(SITES[2], "INF-BW", "unknown"),
        finding("99999-x", "INF-BW", "not_met"),  # not in the inventory
    ]
    alerts = build(findings=findings)
    (alert,) = alerts
    check_well_formed(alert)
    assert alert.labels["alertname"] == "SansangTargetNotMet"
    assert (alert.labels["site"], alert.labels["target"]) == (A, "INF-BW")
    assert alert.labels["severity"] == "warning" and alert.labels["agency"] == "so_khcn"
    assert alert.annotations["runbook_url"] == BASE + "bandwidth_low.md"
    assert "42 / 100 Mbit/s" in alert.annotations["summary"]
    assert alert.annotations["cause"] == "link"


def test_long_texts_are_clipped() -> None:
    long = finding(A, "INF-BW", "not_met")
    long = Finding(**{**long.__dict__, "vi": "Rất dài. " * 400, "en": "Long. " * 400})
    (alert,) = build(findings=[long])
    assert len(alert.annotations["description"]) <= 1200
    assert alert.annotations["description"].endswith("…")


# --- the sender: re-sent while firing, resolved once ---------------------------------------


def power_alert() -> Alert:
    (alert,) = build({A: [event(A, "mains_state", "site", "lost", T - 300)]})
    return alert


def test_sender_resends_with_the_same_start_and_resolves_once() -> None:
    sender = Sender(resend_interval=60)
    alert = power_alert()
    first, sender.sent = sender.plan([alert], T)
    assert len(first) == 1 and first[0]["startsAt"] == "2026-05-28T20:21:40.000Z"
    assert first[0]["endsAt"] > first[0]["startsAt"]
    assert first[0]["labels"]["alertname"] == "SansangPowerLost"
    quiet, sender.sent = sender.plan([alert], T + 10)
    assert quiet == []  # not due yet
    again, sender.sent = sender.plan([alert], T + 61)
    assert len(again) == 1 and again[0]["startsAt"] == first[0]["startsAt"]
    resolved, sender.sent = sender.plan([], T + 70)
    assert len(resolved) == 1 and resolved[0]["endsAt"] == "2026-05-28T20:27:50.000Z"
    assert sender.sent == {}
    nothing, _ = sender.plan([], T + 80)
    assert nothing == []


def test_sender_sends_a_changed_alert_at_once() -> None:
    sender = Sender(resend_interval=60)
    alert = power_alert()
    _, sender.sent = sender.plan([alert], T)
    changed = Alert(alert.labels, {**alert.annotations, "description": "khác"}, alert.starts_at)
    out, _ = sender.plan([changed], T + 5)
    assert len(out) == 1 and out[0]["annotations"]["description"] == "khác"


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_playbook(kind: str) -> None:
    from pathlib import Path

    playbook = Path(__file__).resolve().parents[2] / "playbooks" / f"{kind}.md"
    assert playbook.is_file(), playbook
    text = playbook.read_text(encoding="utf-8")
    text = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text  # front matter
    assert text.startswith("<!-- ") or text.startswith("# "), text[:80]


@pytest.mark.parametrize(
    ("before", "cause"),
    [
        ([], "unknown"),  # nothing ever heard from the site
        ([("mains_state", "site", "restored", -3000)], "link"),  # mains on: its link, so far
        ([("agent_stopped", "agent", "stopped", -120)], "agent"),  # nobody was looking
        ([("agent_started", "agent", "started", -120)], "link"),  # it was, and was lost
        (
            [("agent_stopped", "agent", "stopped", -300), ("agent_started", "agent", "x", -200)],
            "link",
        ),
        ([("mains_state", "site", "lost", -120)], None),  # power: a power alert instead
    ],
)
def test_an_unreachable_site_blames_its_link_when_nothing_on_site_explains_it(
    before: list[tuple[str, str, str, float]], cause: str | None
) -> None:
    recent = {A: [event(A, kind, subject, state, T + ago) for kind, subject, state, ago in before]}
    alerts = of(build(recent, live={A: LiveSite(queried_at=T - 5, up=False)}), A)
    if cause is None:
        assert names(alerts) == ["SansangPowerLost"]
        return
    assert names(alerts) == ["SansangSiteUnreachable"]
    assert alerts[0].annotations["cause"] == cause
