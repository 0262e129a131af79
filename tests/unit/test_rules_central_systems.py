"""OPS-247 at the province: one finding per central system (the one-stop e-system, the national
portal) from what every site saw, besides each site's reachability of it."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from collector.evaluate.model import PROVINCE_SITE, Finding, ProvinceResult, SiteInputs
from collector.evaluate.rules.service_availability import RULE, central_outages
from collector.evaluate.run import evaluate_all
from collector.store import Store
from collector.targets import load_catalogue
from sansang.i18n import local
from tests.support import event_in
from tests.support.evaluate import DAY, HOUR, THRESHOLDS, WINDOW, Journal, _example, at, site

TH = THRESHOLDS["OPS-247"]
ONE_STOP = "Hệ thống Một cửa điện tử"
ROLES = ("one_stop_system", "national_portal")


def watching(key: str, since: float = at(-1)) -> Journal:
    """A site watching both systems from ``since``, its link up, alive to the window's end."""
    j = Journal(site=key)
    j.add(since, "link_state", "tslcd", "up")
    j.service(since, "up", "mot-cua", "one_stop_system")
    j.service(since, "up", "dvcqg", "national_portal")
    return j.alive()


def lose_one_stop(j: Journal, start: float, end: float | None) -> None:
    j.service(start, "down", "mot-cua", "one_stop_system")
    if end is not None:
        j.service(end, "up", "mot-cua", "one_stop_system")


def run_pass(sites: Sequence[SiteInputs]) -> ProvinceResult:
    province_pass = RULE.province_pass
    assert province_pass is not None
    views = [province_pass.view(s, TH, WINDOW) for s in sites]
    return province_pass.finish(views, [], TH, WINDOW)


def system(result: ProvinceResult, role: str) -> Finding:
    [found] = [f for f in result.province_findings if f.details.get("role") == role]
    return found


def province(n: int, journal_of: dict[int, Journal] | None = None) -> list[SiteInputs]:
    journals = journal_of or {}
    return [
        journals.get(i, watching(f"23527-p{i}")).inputs(site(site_id=f"p{i}")) for i in range(n)
    ]


def test_a_ten_hour_outage_of_the_one_stop_system_at_every_site_is_the_provinces_not_met() -> None:
    journals = {}
    for i in range(12):
        j = watching(f"23527-p{i}")
        lose_one_stop(j, at(8, 8) + i * 10, at(8, 18) + i * 10)  # 10 h, each site 10 s apart
        journals[i] = j
    result = run_pass(province(12, journals))

    one_stop = system(result, "one_stop_system")
    assert one_stop.site == PROVINCE_SITE and one_stop.target == "OPS-247"
    assert (one_stop.status, one_stop.cause, one_stop.unit) == ("not_met", "central", "ratio")
    assert one_stop.threshold == 0.995
    # Half of 12 down from the 6th site's loss (08:00:50) to the 7th site's return (18:01:00).
    down = at(8, 18) + 60 - (at(8, 8) + 50)
    assert one_stop.value == pytest.approx(1 - down / WINDOW.seconds)
    assert one_stop.details["system"] == ONE_STOP
    assert one_stop.details["down_seconds"] == pytest.approx(down)
    [evidence] = one_stop.evidence
    assert evidence.vi.startswith(
        f"{ONE_STOP} ngừng hoạt động từ 09/06/2026 08:00 đến 09/06/2026 18:01 (10 giờ)"
    ), evidence.vi
    assert "12/12 điểm" in evidence.vi and "sự cố phía trung tâm" in evidence.vi
    assert evidence.en.startswith("One-stop e-system down from 09/06/2026 08:00 to 09/06/2026")
    assert evidence.refs, "the sites' loss events"
    assert "98,6 %" in one_stop.vi and "tối thiểu 99,5 %" in one_stop.vi

    portal = system(result, "national_portal")
    assert (portal.status, portal.value, portal.evidence) == ("met", 1.0, ())

    # Each site's reachability stays met, and its sentence says what was left out.
    for f in result.findings:
        assert f.site != PROVINCE_SITE
        assert f.status == "met" and f.value is not None and f.value > 0.9999, f.vi
        assert "khả năng truy cập từ xã" in f.vi.lower(), f.vi
        assert "reachability from the commune" in f.en.lower(), f.en
        assert re.search(
            r"không tính (10 giờ|9 giờ 59 phút) hệ thống ngừng do sự cố phía trung tâm", f.vi
        ), f.vi


def test_a_site_local_outage_leaves_the_province_met() -> None:
    journals = {0: watching("23527-p0")}
    lose_one_stop(journals[0], at(8, 8), at(8, 18))  # one site alone: its own problem
    for i in range(1, 8):  # seven sites lose mains and the link: power cuts, not the system
        j = watching(f"23527-p{i}")
        j.mains_lost(at(6, 14))
        j.add(at(6, 14.2), "link_state", "tslcd", "down", previous="up")
        lose_one_stop(j, at(6, 14.3), at(6, 17.1))
        j.mains_restored(at(6, 17), 3 * HOUR)
        j.add(at(6, 17.05), "link_state", "tslcd", "up", previous="down")
        journals[i] = j
    result = run_pass(province(12, journals))

    one_stop = system(result, "one_stop_system")
    assert (one_stop.status, one_stop.value, one_stop.evidence) == ("met", 1.0, ())
    assert one_stop.details["outages"] == 0
    by_site = {f.site: f for f in result.findings}
    assert by_site["23527-p0"].status == "not_met" and by_site["23527-p0"].cause == "device"


def test_too_few_sites_watching_is_unknown_never_met() -> None:
    alone = run_pass(province(1))
    for f in (system(alone, role) for role in ROLES):
        assert (f.status, f.value) == ("unknown", None), f.vi
        assert f.details["watchers"] == 1
        assert "chỉ 1 điểm theo dõi" in f.vi, f.vi

    # Four sites, but three report only from day 20: before that one site alone could not tell
    # an outage of the system from its own, and 20 days of 30 is more than half unknown.
    journals = {i: watching(f"23527-p{i}", since=at(20)) for i in range(1, 4)}
    late = run_pass(province(4, journals))
    for f in (system(late, role) for role in ROLES):
        assert (f.status, f.value) == ("unknown", None), f.vi
        assert f.details["unknown_seconds"] == pytest.approx(20 * DAY)


def test_an_outage_still_going_at_the_windows_end_is_ongoing_with_no_end_time() -> None:
    journals = {}
    for i in range(12):
        j = watching(f"23527-p{i}")
        lose_one_stop(j, at(29, 18), None)  # never back before the window ends
        journals[i] = j
    sites = province(12, journals)
    [outage] = central_outages(sites, TH, WINDOW)
    mapping = outage.as_mapping()
    assert (mapping["ongoing"], mapping["name"], mapping["role"]) == (
        1,
        ONE_STOP,
        "one_stop_system",
    )

    result = run_pass(sites)
    [rollup_outage] = result.central_outages
    assert rollup_outage["ongoing"] == 1
    one_stop = system(result, "one_stop_system")
    assert one_stop.status == "not_met" and one_stop.details["ongoing"] == 1
    end_texts = {local(WINDOW.end).strftime(f) for f in ("%d/%m/%Y %H:%M", "%d/%m %H:%M")}
    texts = [one_stop.vi, one_stop.en]
    for e in one_stop.evidence:
        texts += [e.vi, e.en]
    for f in result.findings:
        texts += [f.vi, f.en, *(e.vi for e in f.evidence), *(e.en for e in f.evidence)]
    for text in texts:
        assert not any(end in text for end in end_texts), text
    assert "chưa khôi phục" in one_stop.evidence[0].vi
    assert "not restored" in one_stop.evidence[0].en


def test_a_restored_outage_is_not_ongoing() -> None:
    journals = {}
    for i in range(3):
        j = watching(f"23527-p{i}")
        lose_one_stop(j, at(3, 9), at(3, 10))
        journals[i] = j
    [outage] = central_outages(province(3, journals), TH, WINDOW)
    assert outage.as_mapping()["ongoing"] == 0


def test_the_run_puts_the_province_findings_apart_from_the_sites(store: Store) -> None:
    inventory = _example()
    for s in inventory.sites:  # both sites of the example lose the one-stop system for 10 h
        j = watching(s.key, since=at(-2))
        j.add(at(-2), "agent_started", "agent")
        lose_one_stop(j, at(12, 7), at(12, 17))
        events = sorted([*j.before, *j.events], key=lambda e: e.seq)
        result = store.insert_events(s.key, "j1", [event_in(e) for e in events], at(29))
        assert result.accepted == len(events)
    evaluation = evaluate_all(store, inventory, load_catalogue(), THRESHOLDS, WINDOW)

    assert {f.site for f in evaluation.province_findings} == {PROVINCE_SITE}
    by_role = {f.details["role"]: f for f in evaluation.province_findings if f.target == "OPS-247"}
    assert set(by_role) == {"one_stop_system", "national_portal"}
    assert by_role["one_stop_system"].status == "not_met"
    assert by_role["one_stop_system"].details["down_seconds"] == pytest.approx(10 * HOUR)
    assert by_role["national_portal"].status == "met"
    assert all(f.site != PROVINCE_SITE for f in evaluation.findings)
    ops = [f for f in evaluation.findings if f.target == "OPS-247"]
    assert [f.status for f in ops] == ["met", "met"]
    [rollup] = [r for r in evaluation.rollups if r.target == "OPS-247"]
    assert (rollup.met, rollup.not_met, rollup.unknown) == (2, 0, 0)  # the sites only
