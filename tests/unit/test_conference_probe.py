"""The video-conference endpoint's probe against real TCP listeners on loopback: its own check
(up/down) and its call-signalling port, open (a listener that accepts), closed (nothing listens:
the kernel answers with a reset) and not answering (a listener that never accepts, its queue full:
the kernel drops the SYN, as a filtering firewall does); the agent journals a change of the port's
answer while the endpoint stays up; the config keeps old files valid and names a misplaced field."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from agent import config
from agent.jobs import build_jobs
from agent.probes import PROBES
from agent.probes.base import ProbeContext
from agent.probes.conference import ConferenceSpec, from_target, run
from agent.probes.icmp import IcmpSpec
from agent.probes.tcp import TcpSpec
from agent.state import SiteState
from sansang.configfile import ConfigError, validate_text
from tests.support.net import free_port, listener

TIMEOUT = 1.0


def ctx() -> ProbeContext:
    return ProbeContext("vc-1", TIMEOUT, logging.getLogger("test.conference"))


def spec(reach_port: int, port: int, protocol: str = "sip") -> ConferenceSpec:
    return ConferenceSpec(
        reach=TcpSpec(host="127.0.0.1", port=reach_port),
        host="127.0.0.1",
        protocol=protocol,  # type: ignore[arg-type]
        port=port,
    )


@contextmanager
def never_accepting() -> Iterator[int]:
    """A listener that never calls accept(), its queue already full (backlog 0 holds one
    connection): the kernel drops every further SYN, and a connect gets no answer at all."""
    server = socket.socket()
    filler = socket.socket()
    try:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = int(server.getsockname()[1])
        filler.settimeout(2.0)
        filler.connect(("127.0.0.1", port))  # completed by the kernel, never accepted
        yield port
    finally:
        filler.close()
        server.close()


async def test_open_closed_and_silent_signalling_ports_give_three_answers() -> None:
    async with listener() as reach, listener() as sip:
        opened = await run(spec(reach, sip), ctx())
        closed_port = free_port()
        closed = await run(spec(reach, closed_port), ctx())
        with never_accepting() as silent_port:
            started = time.monotonic()
            silent = await run(spec(reach, silent_port, "h323"), ctx())
            took = time.monotonic() - started
    # The endpoint's own check answered every time: up/down is its own.
    assert opened.success and closed.success and silent.success
    assert opened.state_details == {
        "signalling": "answered",
        "signalling_protocol": "sip",
        "signalling_port": sip,
    }
    assert opened.detail == ""
    assert closed.state_details["signalling"] == "refused"
    assert closed.detail.startswith(f"SIP {closed_port}/tcp: ")
    assert silent.state_details["signalling"] == "timeout"
    assert silent.state_details["signalling_protocol"] == "h323"
    assert silent.detail == f"H.323 {silent_port}/tcp: no answer within {TIMEOUT:g}s"
    assert took >= TIMEOUT  # it waited the run's timeout (the upper end is the run's own timeout)


async def test_an_endpoint_down_on_its_own_check_says_so_and_still_reports_the_port() -> None:
    async with listener() as sip:
        outcome = await run(spec(free_port(), sip), ctx())
    assert not outcome.success and outcome.reason == "refused"
    assert outcome.state_details["signalling"] == "answered"


AGENT_YAML = """\
site:
  commune_code: "23527"
  name: "Bộ phận một cửa Xã Sa Thầy"
  latitude: 14.4167
  longitude: 107.7833
terminals:
  - id: vc-1
    kind: video_conference
    address: 127.0.0.1
    check: {{method: tcp, port: {reach}}}
{signalling}"""


def agent_config(reach: int, signalling: str = "") -> config.AgentConfig:
    text = AGENT_YAML.format(reach=reach, signalling=signalling)
    return validate_text(
        config.AgentConfig,
        text,
        "agent.yaml",
        union_tags=config.PROBE_TAGS,
        cross_check=config.cross_check,
    )


async def test_the_journal_gets_a_terminal_state_when_the_port_stops_answering() -> None:
    """Up all along on its own check; the signalling port closes: a second ``terminal_state``
    (still ``up``) says so.  Before, only up/down changes were journalled and this was lost."""
    async with listener() as reach, listener() as sip:
        cfg = agent_config(reach, f"    signalling: {{protocol: sip, port: {sip}}}\n")
        [job] = [j for j in build_jobs(cfg) if j.role == "terminal"]
        assert job.probe is PROBES["conference"]
        state = SiteState([job], lambda _when: True)
        first = await job.probe.run(job.spec, ctx())
        changes = state.record(job, first, 0.01, 1000.0, 1_000_000_000)
    async with listener() as reach_again:
        moved = job.spec.model_copy(update={"reach": TcpSpec(host="127.0.0.1", port=reach_again)})
        second = await job.probe.run(moved, ctx())  # the SIP listener is gone: refused
        changes += state.record(job, second, 0.01, 1030.0, 31_000_000_000)
        third = await job.probe.run(moved, ctx())  # the same again: nothing new
        changes += state.record(job, third, 0.01, 1060.0, 61_000_000_000)
    assert [(c.kind, c.state, c.details["signalling"]) for c in changes] == [
        ("terminal_state", "up", "answered"),
        ("terminal_state", "up", "refused"),
    ]
    assert changes[1].details["previous"] == "up"
    assert changes[1].details["signalling_port"] == sip
    assert changes[1].details["kind"] == "video_conference"


def test_an_old_config_without_signalling_keeps_its_own_check() -> None:
    cfg = agent_config(443)
    [job] = [j for j in build_jobs(cfg) if j.role == "terminal"]
    assert job.probe is PROBES["tcp"]
    assert isinstance(job.spec, TcpSpec) and job.spec.port == 443


@pytest.mark.parametrize(
    ("written", "protocol", "port"),
    [("{protocol: sip}", "sip", 5060), ("{protocol: sips}", "sips", 5061), ("{}", "sip", 5060),
     ("{protocol: h323}", "h323", 1720), ("{protocol: h323, port: 11720}", "h323", 11720)],
)  # fmt: skip
def test_the_signalling_port_defaults_to_the_protocols(
    written: str, protocol: str, port: int
) -> None:
    cfg = agent_config(443, f"    signalling: {written}\n")
    endpoint = cfg.terminals[0].spec()
    assert isinstance(endpoint, ConferenceSpec)
    assert (endpoint.protocol, endpoint.port, endpoint.host) == (protocol, port, "127.0.0.1")
    assert isinstance(endpoint.reach, TcpSpec) and endpoint.reach.port == 443


def test_signalling_on_another_kind_is_an_error_naming_line_and_field() -> None:
    text = AGENT_YAML.format(reach=443, signalling="    signalling: {protocol: sip}\n")
    text = text.replace("kind: video_conference", "kind: printer")
    with pytest.raises(ConfigError) as caught:
        validate_text(config.AgentConfig, text, "agent.yaml", union_tags=config.PROBE_TAGS)
    rendered = caught.value.render()
    assert "agent.yaml:7: terminals.0: `signalling` is for a video-conference endpoint" in rendered
    assert "not a 'printer'" in rendered


def test_a_bad_protocol_names_its_line() -> None:
    text = AGENT_YAML.format(reach=443, signalling="    signalling: {protocol: webrtc}\n")
    with pytest.raises(ConfigError) as caught:
        validate_text(config.AgentConfig, text, "agent.yaml", union_tags=config.PROBE_TAGS)
    assert "agent.yaml:11: terminals.0.signalling.protocol:" in caught.value.render()


def test_the_technicians_target_form() -> None:
    sip = from_target("sip://10.0.0.60")
    assert isinstance(sip.reach, IcmpSpec) and (sip.host, sip.protocol, sip.port) == (
        "10.0.0.60",
        "sip",
        5060,
    )
    assert from_target("h323://vc.example:11720").port == 11720
    v6 = from_target("sips://[2001:db8::60]:5071")
    assert (v6.host, v6.protocol, v6.port) == ("2001:db8::60", "sips", 5071)
    with pytest.raises(ValueError, match="is not sip://"):
        from_target("10.0.0.60:5060")
