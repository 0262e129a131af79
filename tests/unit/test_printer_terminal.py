"""A printer terminal with ``snmp:``: the config builds the printer probe (errors naming file, line
and field), the status page words its errors, and INF-EQUIP's sentence says why it was down."""

from __future__ import annotations

import re

import pytest

from agent import config
from agent.jobs import build_jobs
from agent.probes import PROBES
from agent.probes.icmp import IcmpSpec
from agent.probes.printer import PrinterSpec, outcome
from agent.probes.printer_mib import PrinterState
from agent.state import SiteState
from agent.web.status import StatusPage
from collector.evaluate.rules.terminal_availability import terminal_availability
from sansang.configfile import ConfigError, validate_text
from sansang.event_details import TerminalDetails
from tests.support.evaluate import THRESHOLDS, WINDOW, Journal, at, site, terminal

AGENT_YAML = """\
site:
  commune_code: "23527"
  name: "Bộ phận một cửa Xã Sa Thầy"
  latitude: 14.4167
  longitude: 107.7833
terminals:
  - id: printer-1
    name: Quầy 1
    kind: {kind}
    address: 10.200.0.40
{extra}"""


def load(kind: str = "printer", extra: str = "") -> config.AgentConfig:
    return validate_text(
        config.AgentConfig,
        AGENT_YAML.format(kind=kind, extra=extra),
        "agent.yaml",
        union_tags=config.PROBE_TAGS,
        cross_check=config.cross_check,
    )


def test_a_printer_with_snmp_gets_the_printer_probe_with_its_timing() -> None:
    cfg = load(extra="    snmp: {community: in-quay-1}\n    check: {interval: 60, timeout: 3}\n")
    [job] = [j for j in build_jobs(cfg) if j.role == "terminal"]
    assert job.probe is PROBES["printer"]
    assert isinstance(job.spec, PrinterSpec)
    assert (job.spec.host, job.spec.snmp.community, job.spec.snmp.port) == (
        "10.200.0.40",
        "in-quay-1",
        161,
    )
    assert (job.spec.interval, job.spec.timeout) == (60, 3)


def test_a_printer_without_snmp_is_pinged_as_before() -> None:
    [job] = [j for j in build_jobs(load()) if j.role == "terminal"]
    assert isinstance(job.spec, IcmpSpec)


def test_snmp_on_another_kind_names_line_and_field() -> None:
    with pytest.raises(ConfigError) as caught:
        load("scanner", "    snmp: {community: x}\n")
    rendered = caught.value.render()
    assert "agent.yaml:7: terminals.0: `snmp` is for a printer" in rendered
    assert "not a 'scanner'" in rendered


def test_v3_without_keys_names_the_snmp_field() -> None:
    with pytest.raises(ConfigError) as caught:
        load(extra="    snmp: {version: '3', user: sansang}\n")
    rendered = caught.value.render()
    assert "agent.yaml:11: terminals.0.snmp:" in rendered
    assert "`auth_key_file`, `priv_key_file`" in rendered


def test_printer_errors_are_a_terminal_detail() -> None:
    details = TerminalDetails.model_validate({"kind": "printer", "printer_errors": "no_paper"})
    assert details.printer_errors == "no_paper"


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_status_page_words_the_printers_errors() -> None:
    cfg = load(extra="    snmp: {community: in-quay-1}\n")
    [job] = [j for j in build_jobs(cfg) if j.role == "terminal"]
    state = SiteState([job], lambda _when: True)
    page = StatusPage(cfg.site, state)
    paper_out = PrinterState(device_index=1, device_status=5, error_bits=b"\x44")
    state.record(job, outcome(paper_out), 0.01, 1000.0, 10**9)
    vi = text(page.render("vi", 1000.0, []))
    assert "máy in báo lỗi, không in được: hết giấy, kẹt giấy" in vi
    assert "out of paper, paper jam" in text(page.render("en", 1000.0, []))
    low = PrinterState(device_index=1, device_status=3, error_bits=b"\x20")
    state.record(job, outcome(low), 0.01, 1030.0, 31 * 10**9)
    assert "⚠ sắp hết mực" in text(page.render("vi", 1030.0, []))


def test_inf_equip_says_the_printer_was_out_of_paper() -> None:
    j = Journal()
    j.terminal(at(-1), "printer-1", "up")
    j.add(at(0, 7), "terminal_state", "printer-1", "down", kind="printer",
          reason="printer_error", printer_errors="no_paper")  # fmt: skip
    j.terminal(at(2, 7), "printer-1", "up")
    finding = terminal_availability(
        j.alive().inputs(site(terminals=[terminal("printer-1", "printer")])),
        THRESHOLDS["INF-EQUIP"],
        WINDOW,
    )
    assert finding.status == "not_met"
    assert finding.vi.endswith("lâu nhất vì máy in hết giấy")
    assert finding.en.endswith("longest loss: printer out of paper")


def test_inf_equip_without_printer_errors_keeps_its_sentence() -> None:
    j = Journal()
    j.terminal(at(-1), "printer-1", "up")
    j.terminal(at(0, 7), "printer-1", "down")
    j.terminal(at(2, 7), "printer-1", "up")
    finding = terminal_availability(
        j.alive().inputs(site(terminals=[terminal("printer-1", "printer")])),
        THRESHOLDS["INF-EQUIP"],
        WINDOW,
    )
    assert "lâu nhất" not in finding.vi and finding.vi.endswith("(tối thiểu 95 %)")
