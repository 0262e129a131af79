"""Test data for the collector's live values and alerts: a small inventory, events, a Collector.

Sites are real communes of Quảng Ngãi (province 51): Sa Thầy, Rờ Kơi, Mô Rai, Đăk Hà, Đăk Mar.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from collector.config import CollectorConfig
from collector.context import Collector
from collector.events import StoredEvent
from collector.inventory.model import Inventory
from collector.store import Store
from collector.targets import effective_thresholds, load_catalogue
from tests.support import event_in

CODES = ("23527", "23530", "23536", "23500", "23512")
_PLAN = {
    "approved_on": "2025-08-15",
    "fallback": {"kind": "spare_device", "text": "Máy dự phòng tại kho xã"},
    "responder": {"name": "Nguyễn Văn An", "phone": "0912 345 678", "confirmed_on": "2025-10-01"},
}
RISKS = ("hardware", "software", "cyberattack", "link_loss", "power_loss")


def inventory(codes: Sequence[str] = CODES) -> Inventory:
    sites = [
        {
            "commune_code": code,
            "name": f"Bộ phận Một cửa {code}",
            "latitude": 14.4,
            "longitude": 107.8,
            "links": ["internet", "tslcd"],
            "push": {"credential_id": f"site-{code}"},
            "contingency": dict.fromkeys(RISKS, _PLAN),
        }
        for code in codes
    ]
    return Inventory.model_validate(
        {"province": {"code": "51", "name": "Quảng Ngãi"}, "sites": sites}
    )


def store_events(store: Store, events: Sequence[StoredEvent], received_at: float) -> None:
    """Write events through the store's ingest path (as pull or push would), every field kept."""
    for journal_id in sorted({e.journal_id for e in events}):
        for site in sorted({e.site for e in events}):
            batch = [event_in(e) for e in events if e.site == site and e.journal_id == journal_id]
            if batch:
                store.insert_events(site, journal_id, batch, received_at)


_seq = iter(range(1, 10**9))


def event(
    site: str,
    kind: str,
    subject: str,
    state: str | None,
    at: float,
    *,
    value: float | None = None,
    **details: Any,
) -> StoredEvent:
    return StoredEvent(
        site=site,
        journal_id="j1",
        seq=next(_seq),
        boot_id="b1",
        wall_time=at,
        monotonic_ns=int(at * 1e9),
        kind=kind,
        subject=subject,
        state=state,
        value=value,
        details=dict(details),
    )


def collector(
    tmp_path: Path,
    *,
    store: Store | None = None,
    prometheus: str | None = None,
    alertmanager: str | None = None,
    resend_interval: float = 60.0,
    codes: Sequence[str] = CODES,
) -> Collector:
    catalogue = load_catalogue()
    config = CollectorConfig.model_validate(
        {
            "inventory": str(tmp_path / "inventory.yaml"),
            "prometheus": {"url": prometheus, "timeout": 2.0},
            "alertmanager": {
                "url": alertmanager,
                "timeout": 2.0,
                "resend_interval": resend_interval,
                "playbook_base_url": "https://sansang.example/playbooks/",
            },
        }
    )
    return Collector(
        config=config,
        inventory=inventory(codes),
        catalogue=catalogue,
        thresholds=effective_thresholds(catalogue),
        store=store if store is not None else Store.open(f"sqlite:///{tmp_path / 'collector.db'}"),
        live={},
    )
