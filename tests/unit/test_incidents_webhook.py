"""Alertmanager's webhook body checked before any incident is touched: every structural problem
listed with its path (nothing taken), an alert that is no incident skipped with its reason, a
time too far ahead or behind not believed, RFC 3339 with nanoseconds read."""

from __future__ import annotations

from typing import Any

import pytest

from collector.alerts.catalogue import ALERTS, KINDS
from collector.incidents.model import INCIDENT_KINDS
from collector.incidents.webhook import MAX_ALERTS, BadNotification, parse, rfc3339
from collector.web.incidents import ALERT_KINDS
from tests.support.incidents import am_alert, notification

SITE = "23527-main"
NOW = 1_780_000_000.0
SITES = {SITE, "21548-main"}


def parsed(body: Any) -> Any:
    return parse(body, now=NOW, kinds=ALERT_KINDS, sites=SITES)


def test_every_incident_kind_is_a_kind_of_the_alert_catalogue() -> None:
    assert set(INCIDENT_KINDS) <= set(KINDS)
    assert set(ALERT_KINDS.values()) <= set(INCIDENT_KINDS)
    assert ALERT_KINDS["SansangPowerLost"] == ALERT_KINDS["SansangOnBattery"] == "power_loss"
    assert "SansangTargetNotMet" not in ALERT_KINDS
    names = {a.name for a in ALERTS}
    assert not {n for n in names if "Bandwidth" in n or "Certificate" in n} & set(ALERT_KINDS)


def test_rfc3339_with_nanoseconds_and_offsets() -> None:
    assert rfc3339("2026-12-07T10:00:00.123456789Z") == pytest.approx(1_796_637_600.123456)
    assert rfc3339("2026-12-07T17:00:00+07:00") == 1_796_637_600.0
    for bad in ("2026-12-07 10:00:00", "2026-12-07T10:00:00", "yesterday", "2026-12-07T10:00Z"):
        with pytest.raises(ValueError):
            rfc3339(bad)


def test_a_firing_and_a_resolved_alert_become_signals() -> None:
    firing = am_alert("SansangPowerLost", SITE, starts_at=NOW - 120)
    resolved = am_alert(
        "SansangServiceDown", SITE, starts_at=NOW - 900, ends_at=NOW - 60,
        fingerprint="ab", service="motcua",
    )  # fmt: skip
    n = parsed(notification([firing, resolved]))
    assert n.skipped == ()
    power, service = n.signals
    assert (power.firing, power.kind, power.site, power.subject) == (True, "power_loss", SITE, "")
    assert power.starts_at == NOW - 120 and power.ends_at is None
    assert power.summary == f"SansangPowerLost tại {SITE}"
    assert (service.firing, service.kind, service.subject) == (False, "service_down", "motcua")
    assert service.ends_at == NOW - 60
    assert service.key == f"service_down|{SITE}|motcua"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"labels": {"alertname": "SansangTargetNotMet", "site": SITE}}, "not an incident alert"),
        ({"labels": {"alertname": "SomethingElse", "site": SITE}}, "not an incident alert"),
        ({"labels": {"alertname": "SansangPowerLost"}}, "no site label"),
        ({"labels": {"alertname": "SansangPowerLost", "site": "99999-x"}}, "site not in the inv"),
        ({"startsAt": "2026-06-01T00:00:00Z"}, "startsAt in the future"),  # NOW is 2026-05-28
        ({"startsAt": "0001-01-01T00:00:00Z"}, "startsAt too old"),
        (
            {"status": "resolved", "endsAt": "2026-05-01T00:00:00Z"},
            "endsAt before startsAt",
        ),
    ],
)
def test_an_alert_that_is_no_incident_is_skipped_with_why(
    change: dict[str, Any], reason: str
) -> None:
    alert = am_alert("SansangPowerLost", SITE, starts_at=NOW - 60) | change
    ok = am_alert("SansangLinkDown", SITE, starts_at=NOW - 60, fingerprint="cc")
    n = parsed(notification([alert, ok]))
    assert [s.alertname for s in n.signals] == ["SansangLinkDown"]
    [skipped] = n.skipped
    assert skipped.index == 0 and skipped.reason.startswith(reason)


def test_a_central_outage_needs_no_site_and_an_end_in_the_future_is_now() -> None:
    central = am_alert(
        "SansangCentralOutage", None, starts_at=NOW - 600, ends_at=NOW + 3600, service="motcua"
    )
    [signal] = parsed(notification([central])).signals
    assert signal.site is None and signal.kind == "central_outage"
    assert signal.ends_at == NOW  # a resolved alert is over by now, whatever its clock said


def test_a_start_a_little_ahead_of_our_clock_is_believed() -> None:
    [signal] = parsed(
        notification([am_alert("SansangPowerLost", SITE, starts_at=NOW + 120)])
    ).signals
    assert signal.starts_at == NOW + 120


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        ([], [""]),
        ({"version": "3", "alerts": []}, ["version"]),
        ({"version": "4"}, ["alerts"]),
        ({"version": "4", "alerts": "x"}, ["alerts"]),
        ({"version": "4", "alerts": [1]}, ["alerts[0]"]),
        (
            {
                "version": "4",
                "alerts": [
                    {
                        "status": "burning",
                        "labels": {"alertname": 3},
                        "annotations": [],
                        "startsAt": 1780000000,
                        "endsAt": "soon",
                        "fingerprint": "<script>",
                    }
                ],
            },
            [
                "alerts[0].status",
                "alerts[0].labels",
                "alerts[0].annotations",
                "alerts[0].startsAt",
                "alerts[0].endsAt",
                "alerts[0].fingerprint",
                "alerts[0].labels.alertname",
            ],
        ),
    ],
)
def test_a_malformed_notification_lists_every_problem(body: Any, paths: list[str]) -> None:
    with pytest.raises(BadNotification) as err:
        parsed(body)
    assert [p for p, _m in err.value.problems] == paths


def test_one_bad_alert_among_good_ones_refuses_the_whole_notification() -> None:
    good = am_alert("SansangPowerLost", SITE, starts_at=NOW - 60)
    bad = good | {"labels": {"alertname": "SansangLinkDown", "site": 7}}
    with pytest.raises(BadNotification, match=r"alerts\[1\]\.labels"):
        parsed(notification([good, bad]))


def test_too_many_alerts_in_one_notification() -> None:
    alert = am_alert("SansangPowerLost", SITE, starts_at=NOW - 60)
    with pytest.raises(BadNotification, match=f"at most {MAX_ALERTS}"):
        parsed(notification([alert] * (MAX_ALERTS + 1)))


def test_the_agents_warnings_ahead_of_a_failure_open_no_incident() -> None:
    """A disk filling, a clock drifting, a push backlog: warnings, not incidents with a 5-day
    reporting duty; a journal that fails to write is one (hardware)."""
    for name in (
        "SansangFilesystemNearlyFull",
        "SansangClockNotSynchronized",
        "SansangPushBacklog",
        "SansangPushFailing",
    ):
        assert name not in ALERT_KINDS, name
    assert ALERT_KINDS["SansangJournalWriteFailing"] == "hardware"
    assert ALERT_KINDS["SansangPowerLost"] == "power_loss"
