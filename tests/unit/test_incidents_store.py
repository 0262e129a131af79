"""Incidents in the store (SQLite here; tests/integration/test_incidents_postgres.py runs the
same tests on a real PostgreSQL): an alert opens one incident however often it is notified, its
end restores it, alerts of one failure make one incident, a flap within the grace reopens it,
a later one is a new incident; people's acknowledgement, restore and report are set once."""

from __future__ import annotations

import threading
from dataclasses import replace

from collector.incidents.model import REOPEN_WITHIN, AlertSignal
from collector.store import Store

SITE, OTHER = "23527-main", "21548-main"
T0 = 1_780_000_000.0


def alert(
    fingerprint: str = "a1",
    starts_at: float = T0,
    *,
    ends_at: float | None = None,
    alertname: str = "SansangPowerLost",
    kind: str = "power_loss",
    site: str | None = SITE,
    subject: str = "",
    severity: str = "critical",
) -> AlertSignal:
    return AlertSignal(
        fingerprint=fingerprint,
        alertname=alertname,
        firing=ends_at is None,
        starts_at=starts_at,
        ends_at=ends_at,
        site=site,
        kind=kind,
        subject=subject,
        severity=severity,
        summary=f"Mất điện lưới tại {site}",
    )


def test_a_firing_alert_opens_one_incident_and_its_repeats_change_nothing(store: Store) -> None:
    first = store.receive_alerts([alert()], now=T0 + 40)
    assert first.opened and first.changed
    again = store.receive_alerts([alert()], now=T0 + 3600)  # Alertmanager's repeat
    assert not again.changed and again.unchanged == 1
    [incident] = store.incidents()
    assert incident.id == first.opened[0]
    assert (incident.started_at, incident.detected_at) == (T0, T0 + 40)
    assert incident.time_to_detect == 40
    assert incident.open and incident.state == "new"
    assert (incident.kind, incident.site, incident.alertname) == (
        "power_loss",
        SITE,
        "SansangPowerLost",
    )
    assert store.incident_intake() is not None


def test_the_resolved_alert_restores_it_at_its_end_and_a_replay_changes_nothing(
    store: Store,
) -> None:
    [opened] = store.receive_alerts([alert()], now=T0 + 30).opened
    done = store.receive_alerts([alert(ends_at=T0 + 1800)], now=T0 + 1900)
    assert done.restored == [opened]
    incident = store.incident(opened)
    assert incident is not None
    assert incident.restored_at == T0 + 1800 and incident.restored_by == "alertmanager"
    assert incident.time_to_restore == 1800
    assert [(a.fingerprint, a.ends_at) for a in incident.alerts] == [("a1", T0 + 1800)]
    # Its end heard again, with the same or another time: nothing moves.
    for replay in ([alert(ends_at=T0 + 1800)], [alert(ends_at=T0 + 9999)]):
        receipt = store.receive_alerts(replay, now=T0 + 7200)
        assert not receipt.changed, replay
    assert len(store.incidents()) == 1
    assert store.incident(opened) == incident


def test_the_same_alert_firing_again_after_its_end_reopens_its_incident(store: Store) -> None:
    """Alertmanager resolved the collector's alert when the collector fell silent (a restart
    longer than its re-sends last); back, it sends the alert with the same start: the failure
    never ended.  One incident, open again, noted; its real end restores it."""
    [opened] = store.receive_alerts([alert()], now=T0 + 30).opened
    store.receive_alerts([alert(ends_at=T0 + 600)], now=T0 + 600)
    again = store.receive_alerts([alert()], now=T0 + 4000)
    assert again.reopened == [opened] and not again.opened
    incident = store.incident(opened)
    assert incident is not None and incident.open
    assert "lại báo đang xảy ra sau khi đã kết thúc" in incident.notes[-1].text
    assert [a.ends_at for a in incident.alerts] == [None]
    assert store.receive_alerts([alert(ends_at=T0 + 5000)], now=T0 + 5001).restored == [opened]
    assert store.incident(opened).restored_at == T0 + 5000  # type: ignore[union-attr]
    assert len(store.incidents()) == 1


def test_two_alerts_of_one_failure_are_one_incident_restored_when_both_ended(
    store: Store,
) -> None:
    collector = alert("c1", T0 + 60)  # SansangPowerLost from the journal
    prometheus = alert("p1", T0, alertname="SansangOnBattery", severity="critical")
    [opened] = store.receive_alerts([collector], now=T0 + 90).opened
    joined = store.receive_alerts([prometheus], now=T0 + 95)
    assert joined.joined == [opened] and not joined.opened
    incident = store.incident(opened)
    assert incident is not None and incident.started_at == T0  # the earlier start counts
    assert incident.detected_at == T0 + 90
    assert not store.receive_alerts(
        [replace(prometheus, firing=False, ends_at=T0 + 600)], now=T0 + 700
    ).restored
    assert store.incident(opened).open  # type: ignore[union-attr]
    last = store.receive_alerts([replace(collector, firing=False, ends_at=T0 + 900)], now=T0 + 950)
    assert last.restored == [opened]
    assert store.incident(opened).restored_at == T0 + 900  # type: ignore[union-attr]


def test_another_site_service_or_kind_is_another_incident(store: Store) -> None:
    signals = [
        alert("a"),
        alert("b", site=OTHER),
        alert("c", alertname="SansangServiceDown", kind="service_down", subject="motcua"),
        alert("d", alertname="SansangServiceDown", kind="service_down", subject="dvcqg"),
        alert("e", alertname="SansangLinkDown", kind="link_loss", severity="warning"),
    ]
    assert len(store.receive_alerts(signals, now=T0 + 10).opened) == 5


def test_a_flap_within_the_grace_reopens_a_later_failure_is_new(store: Store) -> None:
    [first] = store.receive_alerts([alert("a", T0)], now=T0 + 10).opened
    store.receive_alerts([alert("a", T0, ends_at=T0 + 300)], now=T0 + 310)
    flap = store.receive_alerts([alert("b", T0 + 300 + REOPEN_WITHIN - 60)], now=T0 + 1200)
    assert flap.reopened == [first] and not flap.opened
    incident = store.incident(first)
    assert incident is not None and incident.open
    assert incident.notes and incident.notes[0].author == "sansang"
    assert "mở lại sự cố" in incident.notes[0].text
    store.receive_alerts([alert("b", T0 + 1140, ends_at=T0 + 1500)], now=T0 + 1510)
    later = store.receive_alerts([alert("c", T0 + 1500 + REOPEN_WITHIN + 60)], now=T0 + 9999)
    assert later.opened and later.opened != [first]
    assert len(store.incidents()) == 2


def test_severity_only_rises_while_one_incident_lasts(store: Store) -> None:
    link = {"alertname": "SansangLinkDown", "kind": "link_loss"}
    [opened] = store.receive_alerts([alert("w", severity="warning", **link)], now=T0).opened
    store.receive_alerts([alert("c", T0 + 60, severity="critical", **link)], now=T0 + 61)
    store.receive_alerts([alert("w2", T0 + 120, severity="warning", **link)], now=T0 + 121)
    assert store.incident(opened).severity == "critical"  # type: ignore[union-attr]


def test_a_resolved_alert_never_seen_firing_opens_a_restored_incident_noted(
    store: Store,
) -> None:
    [opened] = store.receive_alerts([alert(ends_at=T0 + 600)], now=T0 + 700).opened
    incident = store.incident(opened)
    assert incident is not None and not incident.open
    assert (incident.started_at, incident.restored_at, incident.detected_at) == (
        T0,
        T0 + 600,
        T0 + 700,
    )
    assert "chỉ nhận được thông báo đã kết thúc" in incident.notes[0].text


def test_concurrent_notifications_of_one_alert_open_one_incident(store: Store) -> None:
    errors: list[BaseException] = []

    def send(fingerprint: str) -> None:
        try:
            store.receive_alerts([alert(fingerprint)], now=T0 + 5)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=send, args=(f"f{i % 3}",)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    [incident] = store.incidents()
    assert len(store.incident(incident.id).alerts) == 3  # type: ignore[union-attr]


def test_acknowledge_restore_and_report_are_set_once(store: Store) -> None:
    [opened] = store.receive_alerts([alert()], now=T0 + 30).opened
    assert store.acknowledge_incident(opened, "cong-an", T0 + 100)
    assert not store.acknowledge_incident(opened, "other", T0 + 200)
    assert store.restore_incident(opened, "cong-an", T0 + 300)
    assert not store.restore_incident(opened, "cong-an", T0 + 400)
    assert store.report_incident(opened, "cong-an", T0 + 500, "123/BC-CAT")
    assert not store.report_incident(opened, "other", T0 + 600, "999/BC")
    note = store.add_incident_note(opened, "cong-an", "Đã gọi điện lực", T0 + 700)
    incident = store.incident(opened)
    assert incident is not None
    assert (incident.acknowledged_at, incident.acknowledged_by) == (T0 + 100, "cong-an")
    assert (incident.restored_at, incident.restored_by) == (T0 + 300, "cong-an")
    assert (incident.reported_at, incident.report_ref) == (T0 + 500, "123/BC-CAT")
    assert incident.state == "reported"
    assert incident.notes == (note,)
    # Restored by hand while its alert still fires: the repeats leave it restored; the alert's
    # end changes nothing either, and a new failure after the grace is a new incident.
    assert not store.receive_alerts([alert()], now=T0 + 800).changed
    store.receive_alerts([alert(ends_at=T0 + 900)], now=T0 + 901)
    assert store.incident(opened).restored_at == T0 + 300  # type: ignore[union-attr]
    assert not store.acknowledge_incident(9999, "x", T0)


def test_lists_open_first_by_site_and_since(store: Store) -> None:
    [old] = store.receive_alerts([alert("o", T0 - 86400, ends_at=T0 - 80000)], now=T0).opened
    [now_open] = store.receive_alerts([alert("n", T0)], now=T0).opened
    [central] = store.receive_alerts(
        [alert("z", T0 - 50, alertname="SansangCentralOutage", kind="central_outage", site=None)],
        now=T0,
    ).opened
    [other] = store.receive_alerts([alert("x", T0 - 10, site=OTHER)], now=T0).opened
    assert [i.id for i in store.incidents()] == [now_open, other, central, old]
    assert [i.id for i in store.incidents(open_only=True)] == [now_open, other, central]
    assert [i.id for i in store.incidents(sites={SITE})] == [now_open, central, old]
    assert [i.id for i in store.incidents(sites={SITE}, province_wide=False)] == [now_open, old]
    assert [i.id for i in store.incidents(since=T0 - 100)] == [now_open, other, central]


def test_touching_a_window_leaves_out_the_settled_and_the_province_wide(store: Store) -> None:
    [settled] = store.receive_alerts([alert("s", T0 - 9000, ends_at=T0 - 8000)], now=T0).opened
    store.report_incident(settled, "x", T0 - 7000, "1/BC")
    [unreported] = store.receive_alerts(
        [alert("u", T0 - 6000, ends_at=T0 - 5000, site=OTHER)], now=T0
    ).opened
    store.receive_alerts(
        [alert("z", T0 - 50, alertname="SansangCentralOutage", kind="central_outage", site=None)],
        now=T0,
    )
    [inside] = store.receive_alerts([alert("i", T0 + 100)], now=T0 + 100).opened
    store.receive_alerts([alert("after", T0 + 5000, site=OTHER, subject="x")], now=T0 + 5000)
    found = store.incidents_touching(T0 - 1000, T0 + 1000)
    assert [i.id for i in found] == [unreported, inside]
