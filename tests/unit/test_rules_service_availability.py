"""OPS-247: the one-stop e-system and the national portal as seen from every site; a loss many
sites share is a central outage and does not count against them."""

from __future__ import annotations

import dataclasses

import pytest

from collector.evaluate.model import SiteInputs
from collector.evaluate.rules.service_availability import (
    central_by_role,
    central_outages,
    service_availability,
)
from tests.support.evaluate import HOUR, THRESHOLDS, WINDOW, Journal, at, site

TH = THRESHOLDS["OPS-247"]


def watching(key: str = "23527-main") -> Journal:
    j = Journal(site=key)
    j.service(at(-1), "up", "mot-cua", "one_stop_system")
    j.service(at(-1), "up", "dvcqg", "national_portal")
    return j.alive()


def test_both_systems_up_is_met() -> None:
    f = service_availability(watching().inputs(), TH, WINDOW)
    assert (f.status, f.value, f.threshold) == ("met", 1.0, 0.995)
    assert f.vi == (
        "Khả năng truy cập từ xã (không tính sự cố phía trung tâm): "
        "Hệ thống Một cửa điện tử 100 % thời gian; "
        "Cổng Dịch vụ công quốc gia 100 % thời gian (tối thiểu 99,5 %)"
    )


def test_a_local_loss_of_the_portal_is_not_met_with_its_cause() -> None:
    j = watching()
    j.add(at(3, 9), "link_state", "tslcd", "down")
    j.service(at(3, 9.01), "down", "dvcqg", "national_portal")
    j.service(at(3, 15), "up", "dvcqg", "national_portal")
    f = service_availability(j.inputs(), TH, WINDOW)
    assert f.status == "not_met" and f.cause == "link"
    assert f.value is not None and f.details["national_portal:ratio"] == pytest.approx(f.value)
    assert f.value < 0.995 and f.evidence
    assert f.evidence[0].vi == (
        "Cổng Dịch vụ công quốc gia mất từ 04/06 09:00, 5 giờ 59 phút (mất đường truyền)"
    )


def test_a_site_that_watches_neither_system_is_unknown() -> None:
    f = service_availability(Journal().inputs(), TH, WINDOW)
    assert f.status == "unknown" and "chưa theo dõi" in f.vi


def province(n: int, lose: int) -> list[SiteInputs]:
    """``n`` sites; the first ``lose`` lose the national portal on day 5 from 08:00 to 14:00."""
    sites = []
    for i in range(n):
        key = f"23527-p{i}"
        j = watching(key)
        if i < lose:
            j.service(at(5, 8 + i * 0.01), "down", "dvcqg", "national_portal")
            j.service(at(5, 14), "up", "dvcqg", "national_portal")
        sites.append(j.inputs(site(site_id=f"p{i}")))
    return sites


def test_many_sites_losing_the_portal_at_once_is_a_central_outage() -> None:
    sites = province(10, 8)
    outages = central_outages(sites, TH, WINDOW)
    assert len(outages) == 1
    o = outages[0]
    assert (o.role, o.watchers, o.sites) == ("national_portal", 10, 8)
    assert o.start == at(5, 8.04) and o.end == at(5, 14)  # from the 5th site on: half of 10
    central = central_by_role(outages)
    f = service_availability(dataclasses.replace(sites[7], central=central), TH, WINDOW)
    assert f.status == "met"  # the loss was the portal's, not the commune's
    assert f.details["national_portal:central_seconds"] == pytest.approx(6 * HOUR - 0.07 * HOUR)
    raw = f.details["national_portal:raw_ratio"]
    assert isinstance(raw, float) and raw < 0.995  # the raw figure is kept
    assert "không tính" in f.vi
    assert any(
        e.vi.endswith("(sự cố phía trung tâm, nhiều điểm cùng lúc; không tính cho điểm)")
        for e in f.evidence
    )


def test_a_site_with_a_local_loss_besides_the_central_one_is_still_not_met() -> None:
    sites = province(10, 8)
    central = central_by_role(central_outages(sites, TH, WINDOW))
    j = watching("23527-p0")
    j.service(at(5, 8), "down", "dvcqg", "national_portal")
    j.service(at(5, 14), "up", "dvcqg", "national_portal")
    j.service(at(9, 8), "down", "mot-cua", "one_stop_system")
    j.service(at(9, 16), "up", "mot-cua", "one_stop_system")
    f = service_availability(j.inputs(site(site_id="p0"), central=central), TH, WINDOW)
    assert f.status == "not_met" and f.cause == "device"
    assert f.details["national_portal:ratio"] > f.details["national_portal:raw_ratio"]  # type: ignore[operator]


def test_a_few_sites_losing_it_is_local_and_one_site_alone_is_never_central() -> None:
    assert central_outages(province(10, 3), TH, WINDOW) == []
    assert central_outages(province(1, 1), TH, WINDOW) == []


def twelve_sites(power_cut: int, system_down: int) -> list[SiteInputs]:
    """12 sites watching both systems with mains and links up.  The first ``power_cut`` lose
    mains on day 6 at 14:00 (the UPS runs out, the modem and the TSLCD link go with it, both
    systems are lost); the first ``system_down`` see the one-stop system down from 09:00 to
    11:00 on day 8 with their mains and links up."""
    sites = []
    for i in range(12):
        key = f"23527-p{i}"
        j = watching(key)
        j.add(at(-1), "link_state", "tslcd", "up")
        if i < power_cut:
            j.mains_lost(at(6, 14))
            j.add(at(6, 14.3), "ups_depleted", "ups-1", "depleted", 0.3 * HOUR, how="output_off")
            j.add(at(6, 14.31), "link_state", "tslcd", "down", previous="up")
            j.service(at(6, 14.32), "down", "mot-cua", "one_stop_system")
            j.service(at(6, 14.32), "down", "dvcqg", "national_portal")
            j.mains_restored(at(6, 17), 3 * HOUR)
            j.add(at(6, 17.1), "link_state", "tslcd", "up", previous="down")
            j.service(at(6, 17.1), "up", "mot-cua", "one_stop_system")
            j.service(at(6, 17.1), "up", "dvcqg", "national_portal")
        if i < system_down:
            j.service(at(8, 9 + i * 0.01), "down", "mot-cua", "one_stop_system")
            j.service(at(8, 11), "up", "mot-cua", "one_stop_system")
        sites.append(j.inputs(site(site_id=f"p{i}")))
    return sites


def test_seven_of_twelve_sites_losing_mains_at_once_is_no_central_outage() -> None:
    sites = twelve_sites(power_cut=7, system_down=0)
    assert central_outages(sites, TH, WINDOW) == [], "seven local power cuts"
    f = service_availability(sites[0], TH, WINDOW)
    assert f.details["one_stop_system:central_seconds"] == 0
    assert [e.en.endswith("(mains power lost)") for e in f.evidence] == [True, True], "its own cut"


def test_twelve_of_twelve_losing_the_system_with_power_and_links_up_is_central() -> None:
    sites = twelve_sites(power_cut=7, system_down=12)
    outages = central_outages(sites, TH, WINDOW)
    assert [(o.role, o.sites, o.watchers) for o in outages] == [("one_stop_system", 12, 12)]
    assert outages[0].start == at(8, 9.05) and outages[0].end == at(8, 11)  # 6 of 12 down
    f = service_availability(
        dataclasses.replace(sites[11], central=central_by_role(outages)), TH, WINDOW
    )
    assert f.status == "met" and f.details["one_stop_system:central_seconds"] > 0  # type: ignore[operator]
