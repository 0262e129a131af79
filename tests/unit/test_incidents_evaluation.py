"""SEC-EARLY through the evaluation run: the incidents the store keeps reach each site's rule
(the journal says nothing of them), as of the window's end."""

from __future__ import annotations

from collector.evaluate.run import evaluate_all
from collector.incidents.model import AlertSignal
from collector.store import Store
from collector.targets import load_catalogue
from tests.support import event_in
from tests.support.evaluate import DAY, THRESHOLDS, WINDOW, Journal, _example, at

SA_THAY, LY_SON = "23527-main", "21548-main"


def power(site: str, fingerprint: str, starts_at: float, ends_at: float | None) -> AlertSignal:
    return AlertSignal(
        fingerprint=fingerprint,
        alertname="SansangPowerLost",
        firing=ends_at is None,
        starts_at=starts_at,
        ends_at=ends_at,
        site=site,
        kind="power_loss",
        subject="",
        severity="critical",
        summary="Mất điện lưới",
    )


def test_the_stores_incidents_are_judged_per_site(store: Store) -> None:
    for site in (SA_THAY, LY_SON):
        j = Journal(site=site)
        j.add(WINDOW.end - 300, "link_quality", "internet", None, 0.02)  # the agent's heartbeat
        store.insert_events(site, "j1", [event_in(e) for e in j.events], WINDOW.end)
    store.receive_alerts([], now=WINDOW.start - DAY)  # the webhook heard before the window
    # Sa Thầy: detected a minute after it began, restored after 3 h, never reported.
    started = at(3, 9)
    [late] = store.receive_alerts([power(SA_THAY, "a1", started, None)], now=started + 60).opened
    store.receive_alerts(
        [power(SA_THAY, "a1", started, started + 3 * 3600)], now=started + 4 * 3600
    )
    store.receive_alerts([], now=WINDOW.end - 60)

    evaluation = evaluate_all(store, _example(), load_catalogue(), THRESHOLDS, WINDOW)
    by = {(f.site, f.target): f for f in evaluation.findings}
    early = by[SA_THAY, "SEC-EARLY"]
    assert early.status == "not_met", early.vi
    assert f"(sự cố #{late}): quá hạn báo cáo (hạn 09/06/2026)" in early.vi
    assert early.evidence[0].refs == (f"/incidents/{late}",)
    quiet = by[LY_SON, "SEC-EARLY"]
    assert quiet.status == "met" and quiet.value == 0, quiet.vi

    store.report_incident(late, "cong-an", started + 2 * DAY, "45/BC-CAT")
    again = evaluate_all(store, _example(), load_catalogue(), THRESHOLDS, WINDOW)
    assert {(f.site, f.target): f for f in again.findings}[SA_THAY, "SEC-EARLY"].status == "met"
