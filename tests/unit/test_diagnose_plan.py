"""Which checks ``diagnose`` runs and in which layer: every job of the example config lands in
its layer (security hosts left out), the gateway is not checked twice, quality rounds are short,
and without a config the machine's own gateway and DNS servers are used."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from agent.config import AgentConfig, load
from agent.diagnose import plan
from agent.jobs import build_jobs
from tests.support.example_config import example_with_its_files

GATEWAY = "10.51.20.1"  # the example's router, also its `gateway` check


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> AgentConfig:
    return load(example_with_its_files(tmp_path_factory.mktemp("example")))


def layers(made: plan.Plan) -> dict[str, str]:
    return {p.id: p.layer for p in made.checks}


def test_every_job_of_the_example_lands_in_its_layer(config: AgentConfig) -> None:
    made = plan.from_config(config, plan.Options(gateway=GATEWAY, dns_servers=()))
    placed = layers(made)
    assert placed == {
        "ups-usb": "power", "ups-rack": "power", "box-battery": "power",
        "host": "box", "journal": "box", "push": "box",
        "gateway": "lan", "router": "lan", "switch-1": "lan",
        "quality:gateway@default": "lan",
        "province-dc-link": "wan", "quality:dns@fibre": "wan", "quality:dns@4g": "wan",
        "quality:datacenter@tslcd": "wan", "quality:portal@default": "wan", "speedtest": "wan",
        "dns": "dns",
        "province-dc-web": "services", "motcua": "services", "dvcqg": "services",
        "ttdl": "services", "qlvb": "services",
        "counter-1": "terminals", "counter-2": "terminals", "citizen-pc-1": "terminals",
        "scanner-1": "terminals", "cccd-1": "terminals", "queue": "terminals",
        "kiosk": "terminals", "camera-1": "terminals", "ups": "terminals",
        "vc-1": "conference", "conference:bandwidth": "conference",
        "printer-1": "printers", "printer-2": "printers",
    }  # fmt: skip
    jobs = {job.id for job in build_jobs(config)}
    security = {host.id for host in config.security.hosts}
    assert security and not security & set(placed)  # not a layer: left out
    assert jobs - security <= set(placed)  # every other job is checked
    assert all(n == 1 for n in Counter(p.id for p in made.checks).values())


def test_checks_are_retimed_for_a_person_waiting(config: AgentConfig) -> None:
    made = plan.from_config(config, plan.Options(timeout=2.0, gateway=GATEWAY))
    by_id = {p.id: p for p in made.checks}
    assert by_id["motcua"].job is not None and by_id["motcua"].job.timeout == 2.0  # was 10 s
    assert by_id["router"].job is not None and by_id["router"].job.timeout == 2.0
    fibre = by_id["quality:dns@fibre"].job
    assert fibre is not None
    assert (fibre.spec.count, fibre.spec.spacing, fibre.spec.reply_timeout) == (10, 0.2, 2.0)
    assert fibre.timeout == pytest.approx(10 * 0.2 + 2.0 + 1.0)  # not the schedule's 20 × 0.5
    assert fibre.spec.interface == "eth0"  # still over its link


def test_a_gateway_the_config_does_not_check_is_added(config: AgentConfig) -> None:
    made = plan.from_config(config, plan.Options(gateway="192.0.2.1"))
    added = {p.id: p for p in made.checks}["gateway@discovered"]
    assert added.layer == "lan" and added.job is not None
    assert added.job.probe.name == "icmp" and added.job.spec.host == "192.0.2.1"
    assert made.gateway == "192.0.2.1"


def test_dns_servers_given_are_asked_for_the_name(config: AgentConfig) -> None:
    options = plan.Options(gateway=GATEWAY, dns_servers=("127.0.0.1:5353",), name="x.example")
    by_id = {p.id: p for p in plan.from_config(config, options).checks}
    asked = by_id["dns@127.0.0.1:5353"]
    assert asked.layer == "dns" and asked.job is not None
    assert (asked.job.spec.name, asked.job.spec.server) == ("x.example", "127.0.0.1:5353")
    assert by_id["dns"].layer == "dns"  # the config's own stays


def test_no_speedtest_is_a_skip_and_no_power_source_is_said(config: AgentConfig) -> None:
    bare = config.model_copy(
        update={"power": config.power.model_copy(update={"sources": []}), "push": None}
    )
    made = plan.from_config(bare, plan.Options(gateway=GATEWAY, speedtest=False))
    by_id = {p.id: p for p in made.checks}
    assert (by_id["speedtest"].step, by_id["speedtest"].note_vi) == (
        "skip",
        "bỏ qua theo yêu cầu (--no-speedtest)",
    )
    assert (by_id["power"].layer, by_id["power"].step) == ("power", "skip")
    assert "power.sources" in by_id["power"].note_vi
    assert by_id["push"].step == "skip"


def test_the_playbook_link_is_the_agents_own_server(config: AgentConfig) -> None:
    made = plan.from_config(config, plan.Options(gateway=GATEWAY))
    assert made.playbook_base == "http://127.0.0.1:9717"  # listen 0.0.0.0: the box itself
    assert (made.site, made.commune) == ("23527-main", "Xã Sa Thầy, Quảng Ngãi (23527)")


def test_without_a_config_the_machine_says_what_to_check(tmp_path: Path) -> None:
    routes = tmp_path / "route"
    routes.write_text(
        "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
        "eth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\n",
        encoding="ascii",
    )
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 10.0.0.53\nnameserver 10.0.0.54\n", encoding="utf-8")
    # Only planned here, never run: the reserved name is never resolved nor contacted.
    options = plan.Options(
        routes_path=routes, resolv_path=resolv, name="portal.example",
        portal="https://portal.example:8443/",
    )  # fmt: skip
    made = plan.discovered(options)
    assert made.source == "discovered" and made.config is None and made.gateway == "10.0.0.1"
    by_id = {p.id: p for p in made.checks}
    assert [p.id for p in made.checks] == [
        "power", "host", "journal", "push", "gateway", "wan:portal",
        "dns@10.0.0.53", "dns@10.0.0.54", "portal",
    ]  # fmt: skip
    reach = by_id["wan:portal"].job
    assert reach is not None and reach.probe.name == "quality"
    assert (reach.spec.method, reach.spec.host, reach.spec.port) == ("tcp", "portal.example", 8443)
    dns = by_id["dns@10.0.0.54"].job
    assert dns is not None and (dns.spec.name, dns.spec.server) == ("portal.example", "10.0.0.54")
    portal = by_id["portal"].job
    assert portal is not None and portal.spec.url == "https://portal.example:8443/"
    assert by_id["power"].step == "skip"


def test_without_a_gateway_the_lan_says_so(tmp_path: Path) -> None:
    made = plan.discovered(
        plan.Options(routes_path=tmp_path / "none", resolv_path=tmp_path / "none")
    )
    by_id = {p.id: p for p in made.checks}
    assert by_id["gateway"].step == "skip" and "gateway" in by_id["gateway"].note_vi
    assert by_id["dns"].step == "skip"
