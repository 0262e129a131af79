"""A router or modem read over SSH (bộ định tuyến): up while its WAN interface is up with an
address.

A router that answers ping can still have lost its uplink, and then the whole centre is cut off
from the one-stop system.  For a ``router`` terminal with ``ssh:`` the agent logs in with a
read-only account and sends the fixed commands of the router's profile (``router_profiles.yaml``:
``openwrt``, ``routeros``, ``ios``), each read by its reader (:mod:`agent.probes._router_parse`).
The SSH part (host key pinned, key-only login, deadline, output cap, reason codes) is
:mod:`agent.probes._ssh`, the same as the security check's.

- up/down: up when the WAN interface is up and has an address; down with ``wan_down`` (missing,
  disabled or without link), ``no_wan_address``, ``command_failed`` (an answer the profile's
  reader does not recognise) or the SSH reason (``unreachable``, ``timeout``, ``auth_failed``,
  ``host_key_mismatch``, ``host_key_unknown``, ``key_unreadable``);
- ``Outcome.state_details``: ``wan_interface`` and ``wan_state`` (``up``, ``down``,
  ``disabled``, ``no_address``, ``missing``; ``unknown`` when the router could not be asked), so
  a change journals ``terminal_state`` again even while up/down stays (agent/state.py);
- samples: ``sansang_router_interface_up``, ``sansang_router_uptime_seconds`` and
  ``sansang_router_interface_errors_total`` (the router's own counters: they restart from zero
  when it reboots, which Prometheus' ``rate()`` and ``increase()`` handle as a counter reset).

Built by :meth:`agent.config.Terminal.spec` for a ``router`` terminal with ``ssh:``; never a
``check:`` of its own, nor a command-line target (the host key must be pinned in the config).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import paramiko
from pydantic import Field, field_validator

from agent.probes._router_parse import Interface, RouterFacts, UnreadableOutput, merge, read
from agent.probes._router_profiles import Profile, profiles
from agent.probes._ssh import Endpoint, Result, SshFailure, converse, parse_host_key, run_command
from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec, Sample
from sansang.models import StrictModel
from sansang.reasons import Reason

OUTPUT_CAP = 256 * 1024  # bytes of one command's answer (`show interfaces` of a 48-port switch)
INTERFACES_MAX = 64  # interfaces exposed per router, the WAN first (a label per interface)
_LABEL_MAX = 64

WanState = Literal["up", "down", "disabled", "no_address", "missing", "unknown"]


class RouterAccess(StrictModel):
    """How the agent logs in to a router: SSH with a pinned host key and a read-only account."""

    host: str | None = Field(
        default=None, description="address to log in to; default: the terminal's `address`"
    )
    port: int = Field(default=22, ge=1, le=65535, description="SSH port")
    user: str = Field(
        min_length=1,
        description="a read-only account on the router (RouterOS group `read`, IOS privilege 1, "
        "an OpenWrt user that is not root)",
    )
    key_file: Path = Field(
        description="that account's private key on the agent's machine (no passphrase); read at "
        "each check, never logged"
    )
    host_key: str = Field(
        description="the router's public host key, pinned: `ssh-ed25519 AAAA...` as "
        "`ssh-keyscan` prints it after the host name, checked out of band; a router that shows "
        "another key is asked nothing (`host_key_mismatch`)"
    )
    profile: str = Field(
        description="the router's family, which fixes the commands sent: `openwrt`, `routeros` "
        "or `ios` (agent/probes/router_profiles.yaml)"
    )
    wan_interface: str | None = Field(
        default=None,
        description="the interface that carries the centre's uplink, as the router names it; "
        "default: the profile's (`wan`, `ether1`, `GigabitEthernet0/0`)",
    )

    @field_validator("host_key")
    @classmethod
    def _parsable_key(cls, value: str) -> str:
        parse_host_key(value)  # ValueError says what is wrong
        return value.strip()

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        known = profiles()
        if value not in known:
            raise ValueError(f"unknown profile '{value}'; one of: {', '.join(sorted(known))}")
        return value


class RouterSpec(ProbeSpec):
    """A router's SSH access and the profile of its commands."""

    probe: Literal["router"] = Field(default="router", description="`router`")
    host: str = Field(min_length=1, description="the router's host name or address")
    ssh: RouterAccess = Field(description="how to log in and what to ask")

    @property
    def wan(self) -> str:
        return self.ssh.wan_interface or profiles()[self.ssh.profile].wan_interface


async def run(spec: RouterSpec, ctx: ProbeContext) -> Outcome:
    access = spec.ssh
    endpoint = Endpoint(
        access.host or spec.host, access.port, access.user, access.key_file, access.host_key
    )
    profile = profiles()[access.profile]
    try:
        answers = await converse(endpoint, ctx.timeout, lambda c, d: _ask(c, profile, d))
        facts, notes = read_answers(profile, answers)
    except SshFailure as failure:
        ctx.logger.debug("%s: %s (%s)", endpoint.where, failure.reason, failure.detail)
        details: dict[str, str | int | bool] = {"wan_interface": spec.wan, "wan_state": "unknown"}
        return Outcome(
            False,
            failure.reason,
            f"{endpoint.where}: {failure.detail}"[:500],
            state_details=details,
        )
    return outcome(facts, spec.wan, notes)


def _ask(client: paramiko.SSHClient, profile: Profile, deadline: float) -> list[Result]:
    for line in profile.setup:
        run_command(client, line, deadline, cap=4096)  # its answer is not read
    return [run_command(client, c.command, deadline, cap=OUTPUT_CAP) for c in profile.commands]


def read_answers(profile: Profile, answers: list[Result]) -> tuple[RouterFacts, list[str]]:
    """The facts of the profile's answers, and notes on what was left out.  An answer of a
    required command that its reader does not recognise is ``command_failed``: the router
    said something else than its state (an error, another family's syntax)."""
    readings, notes = [], []
    for command, answer in zip(profile.commands, answers, strict=True):
        try:
            readings.append(read(command.read, answer.stdout, command.subject))
        except UnreadableOutput as err:
            said = f"'{command.command}' (exit {answer.exit_status}): {err}"
            if answer.truncated:
                said += f"; the answer was cut at {OUTPUT_CAP} bytes"
            if not command.optional:
                raise SshFailure("command_failed", f"unreadable answer to {said}"[:400]) from None
            notes.append(f"{command.command} unavailable")
        else:
            if answer.truncated:
                notes.append(f"{command.command}: answer cut at {OUTPUT_CAP} bytes")
    return merge(readings), notes


def wan_state(facts: RouterFacts, wan: str) -> WanState:
    interface = facts.interfaces.get(wan)
    if interface is None:
        return "missing"
    if interface.admin_up is False:
        return "disabled"
    if interface.oper_up is not True:
        return "down"
    return "up" if interface.addresses else "no_address"


def outcome(facts: RouterFacts, wan: str, notes: list[str] | None = None) -> Outcome:
    """The outcome of one set of answers (pure: the unit tests call it on recordings)."""
    state = wan_state(facts, wan)
    details: dict[str, str | int | bool] = {"wan_interface": wan, "wan_state": state}
    detail = "; ".join([_describe(facts, wan, state), *(notes or [])])[:500]
    samples = router_samples(facts, wan)
    if state == "up":
        return Outcome(True, detail=detail, samples=samples, state_details=details)
    reason: Reason = "no_wan_address" if state == "no_address" else "wan_down"
    return Outcome(False, reason, detail, samples, state_details=details)


def _describe(facts: RouterFacts, wan: str, state: WanState) -> str:
    if state == "missing":
        seen = ", ".join(list(facts.interfaces)[:12])
        return f"the router lists no interface '{wan}' (it has: {seen or 'none'})"
    interface = facts.interfaces[wan]
    if state == "up":
        return f"{wan} up, {', '.join(interface.addresses[:3])}"
    words = {"disabled": "disabled", "down": "down (no link)", "no_address": "up, no address"}
    return f"{wan} {words.get(state, state)}"


def router_samples(facts: RouterFacts, wan: str) -> list[Sample]:
    """Interface states and error counters (the WAN first, at most INTERFACES_MAX interfaces),
    and the router's uptime."""
    chosen: list[Interface] = []
    if wan in facts.interfaces:
        chosen.append(facts.interfaces[wan])
    chosen += [i for n, i in facts.interfaces.items() if n != wan][: INTERFACES_MAX - len(chosen)]
    out: list[Sample] = []
    for interface in chosen:
        label = {"interface": interface.name[:_LABEL_MAX]}
        if interface.oper_up is not None:
            up = interface.oper_up and interface.admin_up is not False
            out.append(Sample("sansang_router_interface_up", 1.0 if up else 0.0, label))
        for direction, count in (("rx", interface.rx_errors), ("tx", interface.tx_errors)):
            if count is not None:
                out.append(
                    Sample(
                        "sansang_router_interface_errors_total",
                        float(count),
                        {**label, "direction": direction},
                    )
                )
    if facts.uptime_seconds is not None:
        out.append(Sample("sansang_router_uptime_seconds", facts.uptime_seconds))
    return out


def from_target(target: str) -> RouterSpec:
    """Not from the command line: a router check needs the router's pinned host key and a key
    file, which belong in the config, and a key is never learnt from a first answer."""
    raise ValueError(
        f"'{target}': a router check needs the router's pinned host key (ssh-keyscan, checked "
        "out of band), a key file and a profile; give the router terminal an `ssh:` section in "
        "agent.yaml (docs/routers.md)"
    )


KIND = ProbeKind(
    "router",
    RouterSpec,
    run,
    from_target,
    "a router over SSH: WAN interface state and address, uptime, interface errors "
    "(configured as a `router` terminal with `ssh:`)",
    category="terminal",
)
