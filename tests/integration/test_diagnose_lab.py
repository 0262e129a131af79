"""``sansang agent diagnose`` against a whole centre in network namespaces (diagnoselab), one fault
at a time: a cut link, DNS down, the UPS on battery, the printer out of paper, the router's WAN
port down.  Each run must name the layer of the fault as the first failure, with its reason, the
playbook to read and the exit code by severity, and the layers below the fault must pass: the
fault is localised, not smeared over the layers above it.

The servers start once for the module (about 4 s); each fault is one change made and undone
around a single run of the command (``--no-speedtest``: the lab has no throughput endpoint)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.diagnose.model import EXIT_CRITICAL, EXIT_FAIL, EXIT_OK, EXIT_WARN, LAYERS
from agent.probes import _adjtimex as adjtimex
from tests.integration.diagnoselab import (
    PORTAL_NAME,
    PORTAL_URL,
    Diagnosed,
    DiagnoseLab,
    diagnose_lab,
    diagnoselab_missing,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.netns,
    pytest.mark.skipif(diagnoselab_missing() is not None, reason=str(diagnoselab_missing())),
]

# The layers the lab's config fills; "conference" has nothing configured and is skipped.
CONFIGURED = ("power", "box", "lan", "wan", "dns", "services", "terminals", "printers")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DiagnoseLab]:
    root = tmp_path_factory.mktemp("diagnoselab")
    with diagnose_lab(root) as started:
        yield started


@pytest.fixture(scope="module")
def config(lab: DiagnoseLab) -> Path:
    return lab.config()


def diagnose(lab: DiagnoseLab, config: Path) -> Diagnosed:
    run = lab.run("--config", str(config), "--no-speedtest", "--timeout", "5")
    print(f"diagnose: {run.seconds:.1f} s, {run.summary()}")
    return run


def assert_ok_below(run: Diagnosed, layer: str) -> None:
    """Every configured layer below ``layer`` passed: the fault is where it is named."""
    below = [name for name in CONFIGURED if LAYERS.index(name) < LAYERS.index(layer)]
    assert {name: run.layer(name) for name in below} == healthy(below), run.summary()


def healthy(layers: list[str]) -> dict[str, str]:
    """What each layer says in the healthy lab: ok, but for the box on an unsynchronised clock."""
    said = dict.fromkeys(layers, "ok")
    if "box" in said and not clock_synchronised():
        said["box"] = "warn"
    return said


def first(run: Diagnosed) -> dict[str, object]:
    failure = run.report["first_failure"]
    assert failure is not None, run.summary()
    return dict(failure)


def advice(run: Diagnosed) -> dict[str, object]:
    given = first(run)["advice"]
    assert isinstance(given, dict), run.summary()
    return given


def clock_synchronised() -> bool:
    """What the kernel says of this machine's clock (adjtimex, as the host probe reads it): a
    container or a lab box without NTP is not synchronised, and diagnose rightly warns of it."""
    clock = adjtimex.read()
    return clock is None or clock.synchronized


def test_the_healthy_lab_passes_every_layer(lab: DiagnoseLab, config: Path) -> None:
    run = diagnose(lab, config)
    assert run.report["source"] == "config" and run.report["site"] == "23527-main"
    assert run.report["first_failure"] is None, run.summary()
    expected = dict.fromkeys(CONFIGURED, "ok")
    if clock_synchronised():
        assert run.exit_code == EXIT_OK == run.report["exit_code"], run.summary()
    else:  # the one legitimate warning: the box's clock
        expected["box"] = "warn"
        warned = [(r["layer"], r["id"], r["reason"]) for r in run.report["results"]
                  if r["status"] == "warn"]  # fmt: skip
        assert warned == [("box", "host", "clock_unsynchronised")], run.summary()
        assert run.exit_code == EXIT_WARN == run.report["exit_code"], run.summary()
    assert {name: run.layer(name) for name in CONFIGURED} == expected, run.summary()
    assert run.layer("conference") == "skip"


def test_a_cut_link_is_the_wan(lab: DiagnoseLab, config: Path) -> None:
    with lab.link_cut():
        run = diagnose(lab, config)
    failure = first(run)
    assert failure["layer"] == "wan", run.summary()
    assert advice(run)["playbook"] == "link_loss", run.summary()
    assert run.exit_code == EXIT_CRITICAL == run.report["exit_code"]
    assert_ok_below(run, "wan")
    # what depends on the link fails too, but is not named first
    assert (run.layer("dns"), run.layer("services")) == ("fail", "fail"), run.summary()


def test_dns_down_is_the_dns(lab: DiagnoseLab, config: Path) -> None:
    with lab.dns_down():
        run = diagnose(lab, config)
    failure = first(run)
    assert (failure["layer"], failure["id"]) == ("dns", "dns"), run.summary()
    assert advice(run)["playbook"] == "dns", run.summary()
    assert run.exit_code == EXIT_CRITICAL
    assert_ok_below(run, "dns")
    assert run.layer("wan") == "ok"  # the link itself is fine


def test_ups_on_battery_is_the_power(lab: DiagnoseLab, config: Path) -> None:
    with lab.on_battery():
        run = diagnose(lab, config)
    failure = first(run)
    assert (failure["layer"], failure["reason"]) == ("power", "on_battery"), run.summary()
    assert advice(run)["playbook"] == "power_loss", run.summary()
    assert run.exit_code == EXIT_CRITICAL
    above = [name for name in CONFIGURED if name != "power"]
    assert {name: run.layer(name) for name in above} == healthy(above), run.summary()


def test_a_printer_out_of_paper_is_the_printers(lab: DiagnoseLab, config: Path) -> None:
    with lab.paper_out():
        run = diagnose(lab, config)
    failure = first(run)
    assert (failure["layer"], failure["reason"]) == ("printers", "printer_error"), run.summary()
    assert "hết giấy" in str(failure["vi"]), failure
    assert advice(run)["playbook"] == "terminal_down", run.summary()
    assert run.exit_code == EXIT_FAIL  # the centre still serves: not critical
    assert_ok_below(run, "printers")


def test_the_routers_wan_port_down_is_the_wan(lab: DiagnoseLab, config: Path) -> None:
    with lab.router_wan_down():
        run = diagnose(lab, config)
    failure = first(run)
    assert (failure["layer"], failure["id"]) == ("wan", "router"), run.summary()
    assert failure["reason"] == "wan_down"
    assert advice(run)["playbook"] == "link_loss", run.summary()
    assert run.exit_code == EXIT_CRITICAL
    # The router answered on the LAN (the gateway's ping): the LAN is fine, the link is not.
    assert (run.layer("power"), run.layer("lan")) == ("ok", "ok"), run.summary()
    assert run.layer("box") == healthy(["box"])["box"]
    assert [r["status"] for r in run.results("wan") if r["id"] != "router"] == ["ok"]
    assert lab.router is not None and lab.router.refused() == []  # only the profile's commands


def test_without_a_config_it_finds_what_to_check(lab: DiagnoseLab) -> None:
    """No config: the gateway, DNS server, name and portal given on the command line.  The
    portal's certificate is from the lab's CA, trusted here through SSL_CERT_FILE (the http
    probe's context loads OpenSSL's default paths, which honour it)."""
    run = lab.run(
        "--gateway", lab.gateway, "--dns-server", lab.isp, "--name", PORTAL_NAME,
        "--portal", PORTAL_URL, "--no-speedtest", "--timeout", "5",
        env={"SSL_CERT_FILE": str(lab.ca_file)},
    )  # fmt: skip
    print(f"diagnose (no config): {run.seconds:.1f} s, {run.summary()}")
    assert run.report["source"] == "discovered" and run.report["site"] is None, run.summary()
    evaluated = {name: run.layer(name) for name in ("lan", "dns", "services")}
    assert evaluated == dict.fromkeys(evaluated, "ok"), run.summary()
    assert any(lab.gateway in str(r["name"]) + str(r["id"]) for r in run.results("lan"))
    assert run.exit_code == (EXIT_OK if clock_synchronised() else EXIT_WARN), run.summary()


def test_without_a_config_an_untrusted_portal_is_named(lab: DiagnoseLab) -> None:
    """The same without the lab's CA: the portal's certificate is not trusted, a correct
    verdict (verification is always on), in the services layer."""
    run = lab.run(
        "--gateway", lab.gateway, "--dns-server", lab.isp, "--name", PORTAL_NAME,
        "--portal", PORTAL_URL, "--no-speedtest", "--timeout", "5",
    )  # fmt: skip
    failure = first(run)
    assert (failure["layer"], failure["reason"]) == ("services", "certificate_invalid"), (
        run.summary()
    )
    assert (run.layer("lan"), run.layer("dns")) == ("ok", "ok"), run.summary()
    assert run.exit_code == EXIT_CRITICAL
