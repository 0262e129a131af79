"""Incidents imported with their own times (a province's paper register, the simulated province's
history: ``Store.import_incidents``): every time kept as given, the same import twice adds
nothing, an absurd time refuses the whole import, and a later notification of an imported
alert finds its incident (its end restores it); the intake heard elsewhere only widens."""

from __future__ import annotations

from dataclasses import replace

import pytest

from collector.incidents.model import AlertSignal, IncidentAlert
from collector.store import Store
from collector.store.incidents import ImportedIncident

SITE = "23527-main"
T0 = 1_780_000_000.0
NOW = T0 + 10 * 86400
BY = "so-giay"


def entry(**changes: object) -> ImportedIncident:
    """A register's entry: a cyberattack recorded by hand, restored, reported late."""
    found = ImportedIncident(
        site=SITE,
        kind="cyberattack",
        severity="critical",
        summary="Mã độc trên máy tính quầy 1",
        started_at=T0,
        detected_at=T0 + 3000,
        acknowledged_at=T0 + 3600,
        acknowledged_by="cong-an-tinh",
        restored_at=T0 + 4 * 3600,
        restored_by="ky-thuat-vien",
        reported_at=T0 + 6 * 86400,
        reported_by="cong-an-tinh",
        report_ref="12/BC-CAT",
        notes=((T0 + 3000, "cong-an-tinh", "Tách máy khỏi mạng"),),
    )
    return replace(found, **changes)  # type: ignore[arg-type]


POWER = IncidentAlert("ab12", "SansangPowerLost", T0 + 100, None, "critical", T0 + 150)


def open_power() -> ImportedIncident:
    return ImportedIncident(
        site=SITE,
        kind="power_loss",
        severity="critical",
        summary="Mất điện lưới (mô phỏng)",
        started_at=T0 + 100,
        detected_at=T0 + 150,
        alerts=(POWER,),
    )


def test_every_time_is_kept_as_given_with_who_and_the_notes(store: Store) -> None:
    result = store.import_incidents([entry()], by=BY, now=NOW)
    assert result.existing == [] and len(result.added) == 1
    got = store.incident(result.added[0])
    assert got is not None
    assert (got.started_at, got.detected_at, got.acknowledged_at) == (T0, T0 + 3000, T0 + 3600)
    assert (got.restored_at, got.reported_at, got.report_ref) == (
        T0 + 4 * 3600,
        T0 + 6 * 86400,
        "12/BC-CAT",
    )
    assert (got.acknowledged_by, got.restored_by, got.reported_by) == (
        "cong-an-tinh",
        "ky-thuat-vien",
        "cong-an-tinh",
    )
    assert got.opened_by == BY and got.alertname == "" and got.alerts == ()
    assert got.time_to_detect == 3000 and got.state == "reported"
    assert [(n.at, n.author, n.text) for n in got.notes] == [
        (T0 + 3000, "cong-an-tinh", "Tách máy khỏi mạng")
    ]
    # Kept, so SEC-EARLY's read of the window finds it (reported after its start).
    assert [i.id for i in store.incidents_touching(T0 + 5 * 86400, NOW)] == result.added


def test_the_same_import_twice_adds_nothing(store: Store) -> None:
    records = [entry(), open_power()]
    first = store.import_incidents(records, by=BY, now=NOW)
    again = store.import_incidents(records, by=BY, now=NOW)
    assert again.added == [] and again.existing == first.added
    assert len(store.incidents()) == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"detected_at": T0 - 60}, "detected_at"),  # detected before it began
        ({"restored_at": T0 - 1}, "restored_at"),
        ({"reported_at": NOW + 3600}, "reported_at"),  # in the future
        ({"started_at": NOW - 6 * 366 * 86400, "detected_at": NOW - 6 * 366 * 86400}, "started_at"),
        ({"acknowledged_at": float("nan")}, "acknowledged_at"),
        ({"reported_by": None}, "reported_by"),  # a report without who sent it
        ({"report_ref": None}, "report_ref"),
        ({"site": None}, "site"),  # only a central outage belongs to no site
        ({"kind": "meteor"}, "kind"),
    ],
)
def test_an_absurd_record_refuses_the_whole_import(
    store: Store, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(ValueError, match=rf"records\[1\]\.{field}"):
        store.import_incidents([open_power(), entry(**changes)], by=BY, now=NOW)
    assert store.incidents() == []  # all or none


def test_a_later_notification_of_an_imported_alert_finds_its_incident(store: Store) -> None:
    [imported] = store.import_incidents([open_power()], by=BY, now=NOW).added
    signal = AlertSignal(
        fingerprint=POWER.fingerprint,
        alertname=POWER.alertname,
        firing=True,
        starts_at=POWER.starts_at,
        ends_at=None,
        site=SITE,
        kind="power_loss",
        subject="",
        severity="critical",
        summary="Mất điện lưới",
    )
    assert not store.receive_alerts([signal], now=NOW).changed  # a reminder: nothing new
    ended = replace(signal, firing=False, ends_at=NOW - 60)
    assert store.receive_alerts([ended], now=NOW).restored == [imported]
    got = store.incident(imported)
    assert got is not None and got.restored_at == NOW - 60 and got.detected_at == T0 + 150
    # The mains lost again: Alertmanager reopens it.  An open record of the same alerts' key
    # cannot be imported beside it (two open incidents of one key cannot be).
    store.receive_alerts([replace(signal, fingerprint="cd34", starts_at=NOW - 30)], now=NOW)
    assert [i.id for i in store.incidents(open_only=True)] == [imported]
    other = replace(POWER, fingerprint="ef56", starts_at=NOW - 20, received_at=NOW - 10)
    clash = replace(open_power(), started_at=NOW - 20, detected_at=NOW - 10, alerts=(other,))
    with pytest.raises(ValueError, match="already open"):
        store.import_incidents([clash], by=BY, now=NOW)


def test_the_intake_heard_elsewhere_only_widens(store: Store) -> None:
    assert store.incident_intake() is None
    store.incident_intake_heard(T0, T0 + 3600, 5)
    store.incident_intake_heard(T0 + 600, T0 + 1200, 1)  # inside: nothing moves
    intake = store.incident_intake()
    assert intake is not None and (intake.first_at, intake.last_at) == (T0, T0 + 3600)
    store.receive_alerts([], now=T0 + 7200)  # the webhook heard: the newest moves on
    store.incident_intake_heard(T0 - 600, T0, 1)
    intake = store.incident_intake()
    assert intake is not None and (intake.first_at, intake.last_at) == (T0 - 600, T0 + 7200)
    with pytest.raises(ValueError):
        store.incident_intake_heard(T0 + 10, T0, 1)
