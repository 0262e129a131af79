"""The printer probe against a real SNMP agent (snmpsim) serving the hand-written recordings of
tests/fixtures/printers (two vendors, four states each): paper out and jammed are down with the
printer's own errors, ready is up, toner low is up with a warning, a wrong community is a silent
agent; and through the agent's own jobs and state, a terminal_state with the errors."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent import config
from agent.jobs import Job, build_jobs
from agent.probes import PROBES, printer
from agent.probes.base import Outcome, ProbeContext
from agent.probes.printer import PrinterSpec
from agent.probes.snmp_access import SnmpAccess
from agent.state import SiteState
from sansang import i18n
from sansang.configfile import validate_text
from tests.integration.snmplab import SnmpLab

pytestmark = pytest.mark.integration

RECORDINGS = Path(__file__).parents[1] / "fixtures" / "printers"
TIMEOUT = 2.0
MARGIN = 0.5
VENDORS = ("hp-m404", "brother-l5100")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SnmpLab]:
    workdir = tmp_path_factory.mktemp("snmpsim-printers")
    (workdir / "data").mkdir()
    for recording in RECORDINGS.glob("*.snmprec"):
        shutil.copy(recording, workdir / "data" / recording.name)
    lab = SnmpLab(workdir).start()
    try:
        yield lab
    finally:
        lab.stop()


def spec(lab: SnmpLab, community: str) -> PrinterSpec:
    return PrinterSpec(host="127.0.0.1", snmp=SnmpAccess(port=lab.port, community=community))


async def poll(lab: SnmpLab, community: str) -> Outcome:
    ctx = ProbeContext("printer-1", TIMEOUT, logging.getLogger("test.printer"))
    return await printer.run(spec(lab, community), ctx)


@pytest.mark.parametrize("vendor", VENDORS)
async def test_paper_out_is_down_with_the_printers_words(lab: SnmpLab, vendor: str) -> None:
    outcome = await poll(lab, f"{vendor}-paper-out")
    assert (outcome.success, outcome.reason) == (False, "printer_error"), outcome.detail
    errors = str(outcome.state_details["printer_errors"])
    assert errors.split(",")[0] == "no_paper"
    assert i18n.printer_errors(errors, "vi").startswith("hết giấy")
    trays = {s.labels["tray"]: s.value for s in outcome.samples if s.name.endswith("input_ratio")}
    assert trays and all(v == 0.0 for v in trays.values())


@pytest.mark.parametrize("vendor", VENDORS)
async def test_jammed_is_down(lab: SnmpLab, vendor: str) -> None:
    outcome = await poll(lab, f"{vendor}-jammed")
    assert not outcome.success and outcome.state_details == {"printer_errors": "jammed"}
    assert i18n.printer_errors("jammed", "vi") == "kẹt giấy"


@pytest.mark.parametrize("vendor", VENDORS)
async def test_ready_is_up_with_its_levels(lab: SnmpLab, vendor: str) -> None:
    outcome = await poll(lab, f"{vendor}-ready")
    assert outcome.success, outcome.detail
    assert outcome.state_details == {"printer_errors": ""}
    errors = [s for s in outcome.samples if s.name == "sansang_printer_error"]
    assert len(errors) == 16 and not any(s.value for s in errors)
    supplies = {s.labels["supply"]: s.value for s in outcome.samples if "supply" in s.labels}
    expected = {
        "hp-m404": {"Black Cartridge HP CF259A": 0.78},
        "brother-l5100": {"Drum Unit": 0.91},
    }
    assert supplies == expected[vendor]  # Brother's toner says -3 "some remaining": no figure


@pytest.mark.parametrize("vendor", VENDORS)
async def test_toner_low_is_up_with_a_warning(lab: SnmpLab, vendor: str) -> None:
    outcome = await poll(lab, f"{vendor}-toner-low")
    assert outcome.success and outcome.state_details == {"printer_errors": "low_toner"}
    assert outcome.detail.startswith("warning: low_toner")
    assert i18n.printer_errors("low_toner", "vi") == "sắp hết mực"
    [toner] = [s for s in outcome.samples if s.name == "sansang_printer_supply_ratio"][:1]
    assert toner.value < 0.1


async def test_a_wrong_community_is_a_silent_agent(lab: SnmpLab) -> None:
    started = time.perf_counter()
    outcome = await poll(lab, "not-a-printer-community")
    elapsed = time.perf_counter() - started
    assert (outcome.success, outcome.reason) == (False, "timeout")
    assert "wrong community" in outcome.detail
    assert TIMEOUT - MARGIN <= elapsed <= TIMEOUT + MARGIN


async def test_a_device_without_printer_mib_is_not_a_printer(lab: SnmpLab) -> None:
    outcome = await poll(lab, "router")  # snmplab's own: system group only
    assert (outcome.success, outcome.reason) == (False, "unknown_device")


AGENT_YAML = """\
site:
  commune_code: "23527"
  name: "Bộ phận một cửa Xã Sa Thầy"
  latitude: 14.4167
  longitude: 107.7833
terminals:
  - id: printer-1
    name: Quầy 1
    kind: printer
    address: 127.0.0.1
    snmp: {{community: {community}, port: {port}}}
"""


def terminal_job(lab: SnmpLab, community: str) -> Job:
    cfg = validate_text(
        config.AgentConfig,
        AGENT_YAML.format(community=community, port=lab.port),
        "agent.yaml",
        union_tags=config.PROBE_TAGS,
        cross_check=config.cross_check,
    )
    [job] = [j for j in build_jobs(cfg) if j.role == "terminal"]
    return job


async def test_the_agent_journals_the_printers_errors(lab: SnmpLab) -> None:
    """Through build_jobs and SiteState: up (ready), then toner low (still up, journalled again
    for its new errors), then paper out (down with the errors), then the same again (nothing)."""
    ctx = ProbeContext("printer-1", TIMEOUT, logging.getLogger("test.printer"))
    job = terminal_job(lab, "hp-m404-ready")
    assert job.probe is PROBES["printer"]
    state = SiteState([job], lambda _when: True)
    changes = []
    for n, community in enumerate(
        ["hp-m404-ready", "hp-m404-toner-low", "hp-m404-paper-out", "hp-m404-paper-out"]
    ):
        polled = job.spec.model_copy(
            update={"snmp": SnmpAccess(port=lab.port, community=community)}
        )
        outcome = await job.probe.run(polled, ctx)
        changes += state.record(job, outcome, 0.01, 1000.0 + 30 * n, (1 + 30 * n) * 10**9)
    assert [(c.kind, c.state, c.details["printer_errors"]) for c in changes] == [
        ("terminal_state", "up", ""),
        ("terminal_state", "up", "low_toner"),
        ("terminal_state", "down", "no_paper,input_tray_empty"),
    ]
    down = changes[-1].details
    assert (down["reason"], down["kind"], down["probe"]) == ("printer_error", "printer", "printer")
    assert "hp-m404-paper-out" not in str(down)  # the community (a secret) is never journalled
