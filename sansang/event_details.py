"""What each kind of event carries in ``details``, as typed models: the table "Kinds" of
docs/events.md in code, with the range each figure can really take.

The collector validates every event it receives against these before storing it, in pydantic's
strict mode (``"5"`` is not a number, ``true`` is not a count): what the evaluation later reads
then has the type and the range it expects.  Unchecked, a ``role`` that is a list, a flapping
period of 1e308 seconds or an outage that began in the year -10^300 reached the rules and broke
the evaluation of the whole province.

Schema 1 lets a newer agent add keys and kinds (docs/events.md, "Versioning"), so:

- every key is optional: the agent writes ``previous`` only after the first state of a run, a
  test's figures only when they were measured; null is the same as absent;
- a key no model names is kept as sent, and a kind no model names gets :class:`Details`; either
  way every value must be a plain JSON scalar (:func:`plain_scalar`).

The bounds are wide enough for anything an agent measures and narrow enough that any arithmetic
on them stays finite: durations 0 to ten years, ratios 0 to 1, times 1970 (a machine with a flat
clock battery) to 2100.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

SECONDS_MAX = 10 * 365 * 86400.0  # ten years: longer than any state, outage or test lasts
WALL_TIME_MIN = 0.0  # 1970-01-01: where a machine with a flat clock battery may start
WALL_TIME_MAX = 4_102_444_800.0  # 2100-01-01T00:00:00Z
STEP_MAX = WALL_TIME_MAX - WALL_TIME_MIN  # a clock step: from 1970 to 2100 at most
BYTES_PER_SECOND_MAX = 1e12  # 8 Tbit/s, far beyond any link of a commune
COUNT_MAX = 2**32  # requests sent, outages counted, a pid, the kernel's clock status bits
INTEGER_MAX = 2**63  # a byte count; any number in a key no model names (a signed 64-bit int)
NAME_MAX = 128  # characters of an id or a code (link, role, reason, state, version...)
TEXT_MAX = 4096  # characters of a free text (a probe's detail, a server URL, a path)
KEY_MAX = 64  # characters of a details key


def plain_scalar(value: Any) -> Any:
    """A details value no model types: a string of at most ``TEXT_MAX`` characters, a finite
    number within ±2^63, a boolean or null; a list or an object is refused (docs/events.md:
    details are plain JSON)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if len(value) > TEXT_MAX:
            raise ValueError(f"text longer than {TEXT_MAX} characters")
        return value
    if isinstance(value, int | float):
        if not (math.isfinite(value) and -INTEGER_MAX <= value < INTEGER_MAX):
            raise ValueError("a number within ±2^63 is expected")
        return value
    raise ValueError("a plain value is expected: text, number, true/false or null")


Name = Annotated[str, StringConstraints(max_length=NAME_MAX)]
Text = Annotated[str, StringConstraints(max_length=TEXT_MAX)]
Seconds = Annotated[float, Field(ge=0, le=SECONDS_MAX, allow_inf_nan=False)]
Ratio = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
UnixTime = Annotated[float, Field(ge=WALL_TIME_MIN, le=WALL_TIME_MAX, allow_inf_nan=False)]
StepSeconds = Annotated[float, Field(ge=-STEP_MAX, le=STEP_MAX, allow_inf_nan=False)]
BytesPerSecond = Annotated[float, Field(ge=0, le=BYTES_PER_SECOND_MAX, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=COUNT_MAX)]
ByteCount = Annotated[int, Field(ge=0, lt=INTEGER_MAX)]
Scalar = Annotated[Any, AfterValidator(plain_scalar)]
Key = Annotated[str, StringConstraints(min_length=1, max_length=KEY_MAX)]


class Details(BaseModel):
    """The details of any kind: only keys no model names, each a plain scalar.  Also the details
    of a kind this version does not know (a newer agent's)."""

    model_config = ConfigDict(strict=True, extra="allow", frozen=True)
    __pydantic_extra__: dict[Key, Scalar] = Field(init=False)


class StateDetails(Details):
    """Every state kind: the state before, when the agent saw one in the same run."""

    previous: Name | None = None
    previous_duration_seconds: Seconds | None = None


class CheckDetails(StateDetails):
    """``check_state`` and ``power_source_state``: the probe and why it said so."""

    probe: Name | None = None
    reason: Name | None = None
    detail: Text | None = None


class ServiceDetails(CheckDetails):
    role: Name | None = None


class TerminalDetails(CheckDetails):
    kind: Name | None = None
    address: Text | None = None
    method: Name | None = None
    # A video-conference endpoint's call-signalling port (agent/probes/conference.py):
    # ``answered`` or the connect's reason code, the protocol and the port.
    signalling: Name | None = None
    signalling_protocol: Name | None = None
    signalling_port: Count | None = None
    # A printer read over SNMP (agent/probes/printer.py): its active error codes in bit order,
    # comma-separated (``no_paper,jammed``; empty when none).
    printer_errors: Name | None = None


class InterfaceDetails(StateDetails):
    operstate: Name | None = None
    isup: bool | None = None
    present: bool | None = None


class ClockSyncDetails(StateDetails):
    max_error_seconds: Seconds | None = None
    status: Count | None = None


class AgentStartedDetails(Details):
    version: Name | None = None
    pid: Count | None = None
    run_id: Name | None = None


class JournalResetDetails(Details):
    """An unreadable journal set aside (``set_aside``), or a new epoch of the same file after
    the collector held its seqs with other content (``reason``, ``previous_journal_id``,
    ``first_seq``: the first seq sent under the new journal_id)."""

    set_aside: Text | None = None
    reason: Name | None = None
    previous_journal_id: Name | None = None
    first_seq: ByteCount | None = None


class ClockStepDetails(Details):
    step_seconds: StepSeconds | None = None


class BatteryDetails(Details):
    """``battery_low``, and ``mains_state lost``: the battery when it happened, when known."""

    charge_ratio: Ratio | None = None
    runtime_seconds: Seconds | None = None


class MainsDetails(BatteryDetails):
    source: Name | None = None
    class_: Name | None = Field(default=None, alias="class")
    duration_clock: Name | None = None
    started_wall_time_unix: UnixTime | None = None
    battery_low_reached: bool | None = None
    depleted: bool | None = None


class FlappingDetails(Details):
    changes: Count | None = None
    window_seconds: Seconds | None = None
    outages_sustained: Count | None = None
    outages_momentary: Count | None = None
    sustained_seconds: Seconds | None = None
    momentary_seconds: Seconds | None = None
    longest_outage_seconds: Seconds | None = None
    started_wall_time_unix: UnixTime | None = None
    interrupted: bool | None = None


class DepletedDetails(Details):
    how: Name | None = None
    duration_clock: Name | None = None
    lower_bound: bool | None = None
    silent_seconds: Seconds | None = None


class RetractionDetails(Details):
    """``ups_depletion_retracted``: the depletion guessed from silence, and how long it was."""

    how: Name | None = None
    silent_seconds: Seconds | None = None


class LinkQualityDetails(Details):
    link: Name | None = None
    link_kind: Name | None = None
    role: Name | None = None
    method: Name | None = None
    sent: Count | None = None
    received: Count | None = None
    loss_ratio: Ratio | None = None
    median_seconds: Seconds | None = None
    jitter_seconds: Seconds | None = None
    min_seconds: Seconds | None = None
    max_seconds: Seconds | None = None


class BackupLinkDetails(Details):
    evidence: Name | None = None
    target: Name | None = None
    backend: Name | None = None


class SpeedtestDetails(Details):
    kind: Name | None = None
    link: Name | None = None
    link_kind: Name | None = None
    server: Text | None = None
    download_bps: BytesPerSecond | None = None
    upload_bps: BytesPerSecond | None = None
    latency_seconds: Seconds | None = None
    bytes_used: ByteCount | None = None
    duration_seconds: Seconds | None = None
    trigger: Name | None = None
    reason: Name | None = None
    detail: Text | None = None


class SecurityDetails(StateDetails):
    """``security_state`` (agent/probes/security.py): what a machine of the centre said over SSH.

    The checks are true/false, null when the machine does not have the thing or could not say
    (no antivirus on a Linux server, BitLocker unreadable without rights); the times are when the
    newest signature, OS update and backup were made, so an age is always the collector's own
    arithmetic at the end of its window (a replay or a late push never makes it look younger).
    """

    probe: Name | None = None  # `security`
    name: Text | None = None  # the machine's name in the agent config, e.g. "Máy tính quầy 1"
    os: Name | None = None  # windows | linux
    reason: Name | None = None  # state `failed`: unreachable, timeout, auth_failed, host_key...
    detail: Text | None = None
    firewall: bool | None = None  # on for every profile (Windows) / a firewall active (Linux)
    antivirus: bool | None = None  # an antivirus present and enabled
    realtime: bool | None = None  # its real-time protection on
    encryption: bool | None = None  # the system disk encrypted (BitLocker, LUKS)
    time_sync: bool | None = None  # the clock synchronised
    signature_at: UnixTime | None = None  # the antivirus signatures' last update
    update_at: UnixTime | None = None  # the newest OS update installed
    backup_at: UnixTime | None = None  # the newest backup at the configured place
    backup_expected: bool | None = None  # a backup place is configured for this machine


# Every kind of sansang.events.KINDS (tests/unit/test_event_details.py holds the two together).
DETAILS: dict[str, type[Details]] = {
    "agent_started": AgentStartedDetails,
    "agent_stopped": Details,
    "check_state": CheckDetails,
    "service_state": ServiceDetails,
    "terminal_state": TerminalDetails,
    "interface_state": InterfaceDetails,
    "clock_sync_state": ClockSyncDetails,
    "journal_reset": JournalResetDetails,
    "clock_step": ClockStepDetails,
    "power_source_state": CheckDetails,
    "mains_state": MainsDetails,
    "mains_flapping": FlappingDetails,
    "battery_low": BatteryDetails,
    "ups_bypass": Details,
    "ups_forced_shutdown": Details,
    "ups_depleted": DepletedDetails,
    "ups_depletion_retracted": RetractionDetails,
    "link_quality": LinkQualityDetails,
    "link_state": StateDetails,
    "backup_link_working": BackupLinkDetails,
    "speedtest_result": SpeedtestDetails,
    "security_state": SecurityDetails,
}

# What ``value`` can be, for the kinds that give it a meaning (docs/events.md); any other kind's
# value is only bounded like a number in a key no model names.
VALUE_RANGE: dict[str, tuple[float, float]] = {
    "clock_step": (-STEP_MAX, STEP_MAX),  # the step in seconds
    "mains_state": (0.0, SECONDS_MAX),  # on restored: the outage
    "mains_flapping": (0.0, SECONDS_MAX),  # on ended: how long it flapped
    "ups_depleted": (0.0, SECONDS_MAX),  # the hold-up
    "link_quality": (0.0, SECONDS_MAX),  # the median round trip
    "speedtest_result": (0.0, BYTES_PER_SECOND_MAX),  # download bytes per second
}
VALUE_ANY = (-float(INTEGER_MAX), float(INTEGER_MAX))


def details_model(kind: str) -> type[Details]:
    """The model of ``kind``'s details; :class:`Details` for a kind this version does not know."""
    return DETAILS.get(kind, Details)
