"""A probe's outcome as a diagnose result: status, words (Vietnamese first), the next step and its
playbook section.  The outcomes are the probes' own: the power reading of a real UPS dump
(nut-ddl), the host probe on a recorded machine, the printer's and the router's pure ``outcome``
on recorded states, the quality round's outcome, the conference probe run on loopback."""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from agent.config import AgentConfig, load
from agent.diagnose import plan, verdict
from agent.diagnose.model import Advice
from agent.diagnose.plan import Planned
from agent.power.nut.protocol import read_dummy_ups_file, reading_from_vars
from agent.probes import conference, printer, quality, router
from agent.probes._hostsource import RecordedSource
from agent.probes._router_parse import Interface, RouterFacts
from agent.probes.base import Outcome, ProbeContext, Sample
from agent.probes.host import HostProbe, HostSpec
from agent.probes.printer_mib import PrinterState, Supply
from sansang import playbooks
from tests.support.example_config import example_with_its_files
from tests.unit.test_host import recording

ROOT = Path(__file__).resolve().parents[2]
APC = ROOT / "tests/fixtures/nut-ddl/APC/APC__Back-UPS_ES_650G2__usbhid-ups__2.8.1__01.dev"
NOW = 1_790_000_000.0


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> AgentConfig:
    return load(example_with_its_files(tmp_path_factory.mktemp("example")))


@pytest.fixture(scope="module")
def checks(config: AgentConfig) -> dict[str, Planned]:
    made = plan.from_config(config, plan.Options(gateway="10.51.20.1", dns_servers=("10.51.0.53",)))
    return {p.id: p for p in made.checks}


def section(advice: Advice | None) -> tuple[str | None, str | None]:
    assert advice is not None
    if advice.playbook is not None:  # the anchor is a heading of that playbook
        book = playbooks.get(advice.playbook)
        assert book is not None and advice.anchor in book.headings
    return advice.playbook, advice.anchor


def ups(status: str, charge: str = "64", runtime: str = "725") -> Outcome:
    variables = read_dummy_ups_file(APC.read_text(encoding="utf-8"))
    variables.update({"ups.status": status, "battery.charge": charge, "battery.runtime": runtime})
    return Outcome(True, reading=reading_from_vars(variables))


# --- power ------------------------------------------------------------------------------------


def test_ups_on_mains_is_ok_with_its_charge(checks: dict[str, Planned]) -> None:
    r = verdict.judge(checks["ups-usb"], ups("OL CHRG", "100", "2079"), NOW)
    assert (r.layer, r.status, r.reason) == ("power", "ok", "ok")
    assert r.vi == "có điện lưới, pin còn 100 %, còn khoảng 34 phút 39 giây"
    assert r.advice is None


def test_ups_on_battery_fails_saying_charge_and_runtime_left(checks: dict[str, Planned]) -> None:
    r = verdict.judge(checks["ups-usb"], ups("OB DISCHRG"), NOW)
    assert (r.status, r.reason) == ("fail", "on_battery")
    assert r.vi == "mất điện lưới, UPS đang chạy bằng pin: pin còn 64 %, còn khoảng 12 phút 5 giây"
    assert r.en.startswith("mains lost, the UPS runs on battery: battery at 64 %")
    assert section(r.advice) == ("power_loss", "kiem-tra-dau-tien-tai-xa")
    assert r.advice is not None and "báo điện lực" in r.advice.vi
    assert r.figures["on_battery"] is True


def test_ups_on_battery_and_low_is_battery_low(checks: dict[str, Planned]) -> None:
    r = verdict.judge(checks["ups-usb"], ups("OB DISCHRG LB", "9", "70"), NOW)
    assert (r.status, r.reason) == ("fail", "battery_low")
    assert "PIN YẾU" in r.vi and "1 phút 10 giây" in r.vi


def test_ups_on_bypass_fails_with_the_hardware_playbook(checks: dict[str, Planned]) -> None:
    r = verdict.judge(checks["ups-usb"], ups("OL BYPASS"), NOW)
    assert (r.status, r.reason) == ("fail", "bypass")
    assert section(r.advice)[0] == "hardware"


def test_upsd_unreachable_fails_with_its_reason(checks: dict[str, Planned]) -> None:
    down = Outcome.down("driver_not_connected", "upsd: DRIVER-NOT-CONNECTED")
    r = verdict.judge(checks["ups-usb"], down, NOW)
    assert (r.status, r.reason) == ("fail", "driver_not_connected")
    assert r.vi.startswith("mất liên lạc với UPS")
    assert section(r.advice)[0] == "hardware"


# --- the box ----------------------------------------------------------------------------------

CTX = ProbeContext("host", 5.0, logging.getLogger("test"))


async def test_host_with_an_unsynchronised_clock_warns(checks: dict[str, Planned]) -> None:
    outcome = await HostProbe(RecordedSource(recording())).run(HostSpec(filesystems=["/"]), CTX)
    r = verdict.judge(checks["host"], outcome, NOW)
    assert (r.layer, r.status, r.reason) == ("box", "warn", "clock_unsynchronised")
    assert "đồng hồ chưa đồng bộ" in r.vi
    assert r.advice is not None and "chrony" in r.advice.vi
    assert section(r.advice)[0] == "hardware"


async def test_host_with_a_full_disk_warns_with_the_share_used(checks: dict[str, Planned]) -> None:
    data = recording()
    data["filesystems"]["/"] = {"size": 100 * 2**30, "free": 4 * 2**30}
    outcome = await HostProbe(RecordedSource(data)).run(HostSpec(filesystems=["/"]), CTX)
    r = verdict.judge(checks["host"], outcome, NOW)
    assert (r.status, r.reason) == ("warn", "disk_full")
    assert r.vi.startswith("ổ / đã dùng 96 %")
    assert r.figures["disk_used_ratio:/"] == pytest.approx(0.96)


# --- links ------------------------------------------------------------------------------------


def round_of(rtts: list[float | None], reason_errors: list[tuple[str, str]]) -> Outcome:
    spec = quality.QualitySpec(method="tcp", host="192.0.2.10", port=443, count=len(rtts))
    return quality._outcome(spec, CTX, rtts, reason_errors)  # type: ignore[arg-type]


def test_a_link_losing_every_packet_fails_with_the_fibre_advice(
    checks: dict[str, Planned],
) -> None:
    r = verdict.judge(checks["quality:dns@fibre"], round_of([None] * 10, []), NOW)
    assert (r.layer, r.status, r.reason) == ("wan", "fail", "timeout")
    assert r.vi == "không phản hồi (quá thời gian chờ); mất 10/10 gói (100 %)"
    assert r.advice is not None
    assert r.advice.vi == (
        "Kiểm tra cáp quang và modem của đường fibre; gọi nhà mạng nếu đèn LOS đỏ"
    )
    assert section(r.advice) == ("link_loss", "kiem-tra-dau-tien-tai-xa")


def test_a_lossy_link_warns_in_words(checks: dict[str, Planned]) -> None:
    rtts: list[float | None] = [None, 0.045, None, 0.044, 0.046, None, 0.045, 0.045, 0.05, 0.04]
    r = verdict.judge(checks["quality:dns@4g"], round_of(rtts, []), NOW)
    assert (r.status, r.reason) == ("warn", "packet_loss")
    assert r.vi.startswith("mất 3/10 gói (30 %), trễ trung vị 45 ms")
    assert r.advice is not None and "modem 4G của đường 4g" in r.advice.vi
    assert r.figures["loss_ratio"] == pytest.approx(0.3)


def test_a_slow_link_warns_and_a_good_one_passes(checks: dict[str, Planned]) -> None:
    slow = verdict.judge(checks["quality:datacenter@tslcd"], round_of([0.6] * 10, []), NOW)
    assert (slow.status, slow.reason) == ("warn", "high_latency")
    assert slow.advice is not None and "TSLCD" in slow.advice.vi
    good = verdict.judge(checks["quality:datacenter@tslcd"], round_of([0.012] * 10, []), NOW)
    assert (good.status, good.vi) == ("ok", "mất 0/10 gói (0 %), trễ trung vị 12 ms, dao động 0 ms")


def test_a_round_whose_name_did_not_resolve_leaves_the_link_to_dns(
    checks: dict[str, Planned],
) -> None:
    outcome = round_of([None] * 10, [("name_not_resolved", "portal.example: no such name")])
    r = verdict.judge(checks["quality:portal@default"], outcome, NOW)
    assert (r.status, r.reason) == ("skip", "name_not_resolved")
    assert "DNS" in r.vi


def test_router_wan_down_is_the_link_not_the_lan(checks: dict[str, Planned]) -> None:
    facts = RouterFacts({"ether1": Interface("ether1", admin_up=True, oper_up=False)})
    r = verdict.judge(checks["router"], router.outcome(facts, "ether1"), NOW)
    assert checks["router"].layer == "lan"
    assert (r.layer, r.status, r.reason) == ("wan", "fail", "wan_down")
    assert r.vi.startswith("cổng WAN của bộ định tuyến mất kết nối")
    assert r.advice is not None and r.advice.vi.startswith("Cổng WAN ether1 của Router của xã")
    assert section(r.advice)[0] == "link_loss"


def test_router_refusing_the_login_stays_in_the_lan(checks: dict[str, Planned]) -> None:
    r = verdict.judge(checks["router"], Outcome.down("auth_failed", "publickey refused"), NOW)
    assert (r.layer, r.status, r.reason) == ("lan", "fail", "auth_failed")
    assert section(r.advice)[0] == "terminal_down"
    up = RouterFacts({"ether1": Interface("ether1", True, True, ("203.0.113.7/30",))})
    ok = verdict.judge(checks["router"], router.outcome(up, "ether1"), NOW)
    assert (ok.layer, ok.status, ok.vi) == ("lan", "ok", "cổng WAN ether1 hoạt động")


# --- DNS, services ----------------------------------------------------------------------------


def test_dns_failure_names_the_server(checks: dict[str, Planned]) -> None:
    down = Outcome.down("name_not_resolved", "motcua.quangngai.example: no such name (NXDOMAIN)")
    r = verdict.judge(checks["dns"], down, NOW)
    assert (r.layer, r.status) == ("dns", "fail")
    assert r.vi == "không phân giải được tên miền (DNS)"
    assert r.advice is not None and r.advice.vi.startswith("Máy chủ DNS 10.51.0.53")
    assert section(r.advice)[0] == "dns"


def test_certificate_expiring_within_30_days_warns_with_the_date(
    checks: dict[str, Planned],
) -> None:
    expiry = NOW + 10 * 86400
    outcome = Outcome(
        True,
        samples=[
            Sample("sansang_http_status_code", 200),
            Sample("sansang_http_duration_seconds", 0.12),
            Sample("sansang_tls_certificate_expiry_timestamp_seconds", expiry),
        ],
    )
    r = verdict.judge(checks["dvcqg"], outcome, NOW)
    assert (r.layer, r.status, r.reason) == ("services", "warn", "certificate_expiring")
    assert r.advice is not None and "hết hạn ngày 01/10/2026" in r.advice.vi
    assert section(r.advice)[0] == "certificate"
    later = replace(
        outcome,
        samples=[Sample("sansang_tls_certificate_expiry_timestamp_seconds", NOW + 90 * 86400)],
    )
    assert verdict.judge(checks["dvcqg"], later, NOW).status == "ok"


def test_a_service_down_is_not_a_fault_on_site(checks: dict[str, Planned]) -> None:
    r = verdict.judge(checks["motcua"], Outcome.down("http_status", "HTTP 503"), NOW)
    assert (r.status, r.reason) == ("fail", "http_status")
    assert r.advice is not None and "tại xã không cần sửa gì" in r.advice.vi
    assert section(r.advice)[0] == "service_down"


# --- terminals, conference, printers ----------------------------------------------------------


def test_a_terminal_down_is_named_with_its_kind(checks: dict[str, Planned]) -> None:
    r = verdict.judge(checks["counter-2"], Outcome.down("timeout", "no reply"), NOW)
    assert r.name == "Quầy 2 — máy tính cán bộ (Máy tính quầy)"
    assert (r.layer, r.status) == ("terminals", "fail")
    assert r.advice is not None and "(10.51.20.12)" in r.advice.vi
    assert section(r.advice)[0] == "terminal_down"


def jam(*codes_bits: int, toner: int = 80) -> PrinterState:
    value = bytearray(2)
    for n in codes_bits:
        value[n // 8] |= 0x80 >> (n % 8)
    return PrinterState(
        device_index=1,
        device_status=2,
        printer_status=3,
        error_bits=bytes(value),
        supplies=(Supply("1.1", "Black Cartridge", 100, toner, 3),),
    )


def test_a_printer_out_of_paper_and_jammed_says_what_to_do(checks: dict[str, Planned]) -> None:
    r = verdict.judge(checks["printer-2"], printer.outcome(jam(1, 5)), NOW)
    assert (r.layer, r.status, r.reason) == ("printers", "fail", "printer_error")
    assert r.vi == "máy in báo: hết giấy, kẹt giấy"
    assert r.advice is not None
    assert r.advice.vi == "Máy in quầy 2: nạp giấy vào khay; mở máy in, gỡ giấy kẹt"
    assert section(r.advice)[0] == "terminal_down"


def test_a_printer_low_on_toner_prints_but_warns(checks: dict[str, Planned]) -> None:
    r = verdict.judge(checks["printer-2"], printer.outcome(jam(2, toner=5)), NOW)
    assert (r.status, r.reason, r.vi) == ("warn", "printer_warning", "in được, nhưng sắp hết mực")
    ready = verdict.judge(checks["printer-2"], printer.outcome(jam()), NOW)
    assert (ready.status, ready.vi) == ("ok", "in được, không báo lỗi")


async def test_a_conference_endpoint_whose_sip_port_is_closed_fails() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: a connect is refused
        spec = conference.from_target(f"sip://127.0.0.1:{port}")
        outcome = await conference.run(spec, ProbeContext("vc", 2.0, logging.getLogger("t")))
    p = plan.probe_check(
        "conference", "vc-1", "Điểm cầu HNTH xã", "video_conference", "conference",
        f"sip://127.0.0.1:{port}", 2.0,
    )  # fmt: skip
    r = verdict.judge(p, outcome, time.time())
    assert (r.layer, r.status, r.reason) == ("conference", "fail", "refused")
    assert f"cổng báo hiệu {port}: từ chối kết nối" in r.vi
    assert r.advice is not None and "chưa nhận cuộc gọi" in r.advice.vi
    assert section(r.advice)[0] == "conference_endpoint"


def test_a_check_that_raised_is_a_failure_with_the_reason(checks: dict[str, Planned]) -> None:
    r = verdict.broken(checks["journal"], OSError(5, "Input/output error"))
    assert (r.status, r.reason) == ("fail", "error")
    assert "OSError" in r.vi


def test_bandwidth_floors_are_the_collectors_defaults() -> None:
    catalogue = yaml.safe_load((ROOT / "collector/targets/catalogue.yaml").read_text("utf-8"))
    targets = {t["id"]: t["thresholds"] for t in catalogue["targets"]}
    bw, hnth = targets["INF-BW"], targets["INF-HNTH"]
    for kind in ("internet", "tslcd"):
        assert verdict.BANDWIDTH_FLOOR_MBPS[kind] == (
            bw[f"{kind}_download_mbps"]["default"],
            bw[f"{kind}_upload_mbps"]["default"],
        )
    assert (
        hnth["min_download_mbps"]["default"],
        hnth["min_upload_mbps"]["default"],
    ) == verdict.CONFERENCE_FLOOR_MBPS


def test_a_wan_check_stopped_at_its_name_is_left_to_dns(checks: dict[str, Planned]) -> None:
    down = Outcome.down("name_not_resolved", "ttdl.quangngai.example: no such name")
    r = verdict.judge(checks["province-dc-link"], down, NOW)
    assert (r.layer, r.status, r.reason) == ("wan", "skip", "name_not_resolved")
    refused = verdict.judge(checks["province-dc-link"], Outcome.down("refused", "RST"), NOW)
    assert (refused.status, refused.reason) == ("fail", "refused")
    assert refused.advice is not None and section(refused.advice)[0] == "service_down"
    assert "đường truyền vẫn thông" in refused.advice.vi  # the link is not what to check
