"""A collector context for ingest tests: a real store, a real inventory file, push credentials;
and one event of every kind in the shape the agent writes it (:data:`AGENT_SHAPES`).

Sites: 23527-main (Sa Thầy, pulled from ``pull_url``) and 21548-main (pushes with credential
``cred-21548``), and 23527-annex (pushes with ``cred-annex``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from collector.config import CollectorConfig, IngestConfig, PullConfig
from collector.context import Collector
from collector.ingest.credentials import new_credential
from collector.inventory import model
from collector.store import Store
from collector.targets import effective_thresholds, load_catalogue

PULLED, PUSHER, OTHER_PUSHER = "23527-main", "21548-main", "23527-annex"

_PLAN = """
    contingency:
      hardware: &plan{n}
        approved_on: 2025-08-15
        fallback: {{kind: spare_device, text: Máy dự phòng tại kho xã}}
        responder: {{name: Nguyễn Văn An, phone: 0912 345 678, confirmed_on: 2025-10-01}}
      software: *plan{n}
      cyberattack: *plan{n}
      link_loss: *plan{n}
      power_loss: *plan{n}
"""


def inventory_yaml(pull_url: str, token_file: Path | None) -> str:
    token = f", token_file: '{token_file}'" if token_file else ""
    return (
        "province: {code: '51', name: Quảng Ngãi}\n"
        "sites:\n"
        "  - commune_code: '23527'\n    name: Xã Sa Thầy\n    latitude: 14.41\n"
        f"    longitude: 107.79\n    links: [internet]\n    pull: {{url: '{pull_url}'{token}}}\n"
        + _PLAN.format(n=1)
        + "  - commune_code: '21548'\n    name: Xã B\n    latitude: 15.0\n"
        "    longitude: 108.5\n    links: [mobile]\n    push: {credential_id: cred-21548}\n"
        + _PLAN.format(n=2)
        + "  - commune_code: '23527'\n    site_id: annex\n    name: Điểm phụ\n    latitude: 14.41\n"
        "    longitude: 107.79\n    links: [mobile]\n    push: {credential_id: cred-annex}\n"
        + _PLAN.format(n=3)
    )


def make_collector(
    workdir: Path,
    store: Store,
    *,
    pull_url: str = "http://127.0.0.1:9/",
    token_file: Path | None = None,
    ingest: IngestConfig | None = None,
    pull: PullConfig | None = None,
) -> tuple[Collector, dict[str, str]]:
    """The context, and the push tokens by site key."""
    inventory = workdir / "inventory.yaml"
    inventory.write_text(inventory_yaml(pull_url, token_file), encoding="utf-8")
    creds = workdir / "push-credentials.yaml"
    tokens = {
        PUSHER: new_credential(creds, "cred-21548"),
        OTHER_PUSHER: new_credential(creds, "cred-annex"),
        "unassigned": new_credential(creds, "cred-nobody"),
    }
    ingest = (ingest or IngestConfig()).model_copy(update={"credentials_file": creds})
    config = CollectorConfig(inventory=inventory, ingest=ingest, pull=pull or PullConfig())
    catalogue = load_catalogue()
    c = Collector(
        config=config,
        inventory=model.load(inventory),
        catalogue=catalogue,
        thresholds=effective_thresholds(catalogue),
        store=store,
    )
    return c, tokens


_CHECK: dict[str, Any] = {
    "probe": "tcp",
    "reason": "timeout",
    "detail": "no answer in 5 s",
    "previous": "up",
}
_CHECK |= {"previous_duration_seconds": 5400.002}
_SPEED: dict[str, Any] = {
    "kind": "selfhosted",
    "link": "wan",
    "link_kind": "internet",
    "trigger": "schedule",
}
_SPEED |= {"server": "https://speedtest.tinh.example/", "download_bps": 1.2e7, "upload_bps": 4e6}
_SPEED |= {"latency_seconds": 0.021, "bytes_used": 180_000_000, "duration_seconds": 16.2}
_SPEED |= {"reason": "ok", "detail": ""}
_ROUND: dict[str, Any] = {
    "link": "wan",
    "link_kind": "internet",
    "role": "one_stop_system",
    "method": "icmp",
}
_ROUND |= {"sent": 20, "received": 19, "loss_ratio": 0.05, "median_seconds": 0.021}
_ROUND |= {"jitter_seconds": 0.002, "min_seconds": 0.018, "max_seconds": 0.04}

# kind -> (subject, state, value, details): every kind of sansang.events.KINDS with every details
# key the agent writes for it, in any of its states (agent/state.py, agent/power/tracker.py,
# agent/links/, agent/app.py).
AGENT_SHAPES: dict[str, tuple[str, str | None, float | None, dict[str, Any]]] = {
    "agent_started": ("agent", None, None, {"version": "0.9.0", "pid": 812, "run_id": "8f0c"}),
    "agent_stopped": ("agent", None, None, {}),
    "check_state": ("dns-tinh", "down", None, _CHECK),
    "service_state": ("mot-cua", "down", None, {**_CHECK, "role": "one_stop_system"}),
    "terminal_state": (
        "quay-1",
        "down",
        None,
        {
            **_CHECK,
            "kind": "video_conference",
            "address": "10.51.27.15",
            "method": "icmp",
            "signalling": "answered",
            "signalling_protocol": "sip",
            "signalling_port": 5060,
            "printer_errors": "",  # a printer read over SNMP (agent/probes/printer.py)
        },
    ),
    "interface_state": (
        "eth0",
        "up",
        None,
        {"operstate": "up", "isup": True, "present": True, "previous": "down"}
        | {"previous_duration_seconds": 12.5},
    ),
    "clock_sync_state": (
        "system",
        "synchronized",
        None,
        {"max_error_seconds": 0.016, "status": 8193, "previous": "unsynchronized"}
        | {"previous_duration_seconds": 37.0},
    ),
    # Both forms' keys: a file set aside, and a new epoch after a 409 (never both in one event).
    "journal_reset": (
        "journal",
        None,
        None,
        {
            "set_aside": "/var/lib/sansang/journal.db.bad",
            "reason": "seq_conflict",
            "previous_journal_id": "3f1c0a52-6a43-4d0e-9d2b-8f4b1f0e7a11",
            "first_seq": 203,
        },
    ),
    "clock_step": ("system", None, -3600.5, {"step_seconds": -3600.5}),
    "power_source_state": ("ups-1", "down", None, {**_CHECK, "probe": "nut"}),
    "mains_state": (
        "site",
        "restored",
        1800.0,
        {"class": "sustained", "duration_clock": "monotonic", "battery_low_reached": False}
        | {"started_wall_time_unix": 1_780_000_000.0, "depleted": False, "source": "ups-1"}
        | {"charge_ratio": 0.8, "runtime_seconds": 1500.0},
    ),
    "mains_flapping": (
        "site",
        "ended",
        900.0,
        {"changes": 9, "window_seconds": 600.0, "outages_sustained": 1, "interrupted": True}
        | {"outages_momentary": 4, "sustained_seconds": 420.0, "momentary_seconds": 31.5}
        | {"longest_outage_seconds": 420.0, "started_wall_time_unix": 1_780_000_000.0},
    ),
    "battery_low": ("ups-1", "low", None, {"charge_ratio": 0.18, "runtime_seconds": 240.0}),
    "ups_bypass": ("ups-1", "on", None, {}),
    "ups_forced_shutdown": ("ups-1", "on", None, {}),
    "ups_depleted": (
        "ups-1",
        "depleted",
        1320.5,
        {"how": "silent_after_low_battery", "duration_clock": "monotonic", "lower_bound": False}
        | {"silent_seconds": 45.0},
    ),
    "ups_depletion_retracted": (
        "ups-1",
        None,
        None,
        {"how": "silent_after_low_battery", "silent_seconds": 52.0},
    ),
    "link_quality": ("dns-vnpt", None, 0.021, _ROUND),
    "link_state": ("wan", "down", None, {"previous": "up", "previous_duration_seconds": 86400.0}),
    "backup_link_working": (
        "lte",
        None,
        None,
        {"evidence": "quality_round", "target": "dns-vnpt", "backend": "selfhosted"},
    ),
    "speedtest_result": ("selfhosted", "ok", 1.2e7, _SPEED),
    "security_state": (
        "counter-pc-1",
        "checked",
        None,
        {"probe": "security", "reason": "ok", "detail": "", "name": "Máy tính quầy 1"}
        | {"os": "windows", "firewall": True}
        | {"antivirus": True, "realtime": True, "encryption": None, "time_sync": True}
        | {"signature_at": 1_780_000_000, "update_at": 1_779_000_000, "backup_at": 1_779_900_000}
        | {"backup_expected": True, "previous": "failed", "previous_duration_seconds": 3600.0},
    ),
}
