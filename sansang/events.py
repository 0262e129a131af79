"""The event schema shared by agent and collector (documented in docs/events.md).

An event is one state change or measurement at a site.  Its identity is (site, boot_id, seq);
delivery to the collector is at-least-once, so the collector keeps the first copy of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SCHEMA_VERSION = 1

# Kinds of event this version of the agent writes.  A reader must ignore kinds it does not know.
KINDS: dict[str, str] = {
    "agent_started": "the agent process started (details: version, pid, run_id)",
    "agent_stopped": "the agent process stopped cleanly",
    "check_state": "a reachability check changed state (subject: check id)",
    "service_state": "a service changed state (subject: service id; details: role)",
    "terminal_state": "a terminal changed state (subject: terminal id; details: kind)",
    "interface_state": "a network interface went up or down (subject: interface name)",
    "clock_sync_state": "the OS clock became synchronised or lost synchronisation",
    "journal_reset": "the journal file was unreadable at start and was set aside (details: "
    "set_aside, the path of the old file), or the collector holds its seqs with other content "
    "(details: reason `seq_conflict`, previous_journal_id, first_seq); a new journal_id begins",
    "clock_step": "the wall clock jumped against the monotonic clock (details: step_seconds)",
    "power_source_state": "a power source (UPS, battery) answered again or stopped answering: "
    "UPS communication restored or lost (subject: source id; details: probe, reason)",
    "mains_state": "the site lost or regained mains power (subject: `site`; state `lost` or "
    "`restored`; on `restored`, value is the outage in seconds and details.class is `sustained` "
    "or `momentary`)",
    "mains_flapping": "the mains input changes too often (subject: `site`; state `started`: single "
    "changes are no longer journalled; `ended`: details count the outages it held)",
    "battery_low": "a source reported a low battery, or no longer does (subject: source id; "
    "state `low` or `normal`)",
    "ups_bypass": "a UPS switched to bypass (mains feeds the load unprotected) or back "
    "(subject: source id; state `on` or `off`)",
    "ups_forced_shutdown": "a UPS raised or cleared forced shutdown (FSD) (subject: source id; "
    "state `on` or `off`)",
    "ups_depleted": "a UPS on battery ran out: forced shutdown, output off, or silence after low "
    "battery that outlasted power.silent_depletion_grace (subject: source id; value: seconds it "
    "held the load, the hold-up)",
    "ups_depletion_retracted": "a UPS journalled as run out because it fell silent after low "
    "battery answered again on battery: it had not run out, and the newest `ups_depleted` of the "
    "same source counts as if it never happened (subject: source id; details: how, "
    "silent_seconds)",
    "link_quality": "one round of echo requests to a target (subject: target id; value: median "
    "round-trip seconds, null when nothing answered; details: link, sent, received, loss_ratio, "
    "median_seconds, jitter_seconds, min_seconds, max_seconds)",
    "link_state": "a link answered again or stopped answering (subject: link id; state up/down)",
    "backup_link_working": "a backup link was seen carrying traffic: the evidence that the "
    "link-loss fallback works (subject: link id; details: evidence, target or backend)",
    "speedtest_result": "a throughput test (subject: backend id; state ok/failed; value: download "
    "bytes per second; details: link, server, download_bps, upload_bps, latency_seconds, "
    "bytes_used, duration_seconds, or reason and detail when it failed)",
    "security_state": "what a security check over SSH found on a machine of the centre, journalled "
    "when any of it changes (subject: host id; state `checked`, or `failed` when the machine could "
    "not be asked, with reason; details: os, firewall, antivirus, realtime, encryption, "
    "time_sync (true/false, null when not known), signature_at, update_at, backup_at (Unix "
    "times: the collector computes the ages at its own evaluation), backup_expected)",
}


@dataclass(frozen=True)
class Change:
    """A state change or measurement to journal (the journal gives it seq, clocks and boot id)."""

    kind: str
    subject: str
    state: str | None
    details: dict[str, Any]
    value: float | None = None


@dataclass(frozen=True)
class Event:
    seq: int
    boot_id: str
    wall_time: float  # Unix seconds, as the wall clock said when the event happened
    monotonic_ns: int  # CLOCK_BOOTTIME nanoseconds, comparable only within one boot_id
    kind: str
    subject: str
    state: str | None = None
    value: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    schema: int = SCHEMA_VERSION

    def to_json(self, site: str) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "site": site,
            "boot_id": self.boot_id,
            "seq": self.seq,
            "wall_time": datetime.fromtimestamp(self.wall_time, UTC).isoformat(
                timespec="milliseconds"
            ),
            "wall_time_unix": self.wall_time,
            "monotonic_ns": self.monotonic_ns,
            "kind": self.kind,
            "subject": self.subject,
            "state": self.state,
            "value": self.value,
            "details": self.details,
        }
