"""Alertmanager's webhook notifications (version 4) as it sends them, for the incident tests.

body = notification([am_alert("SansangPowerLost", "23527-main", starts_at=t)])
"""

from __future__ import annotations

from typing import Any

from collector.alerts.alertmanager import rfc3339

GO_ZERO_TIME = "0001-01-01T00:00:00Z"  # a firing alert's endsAt in the webhook body


def am_alert(
    alertname: str,
    site: str | None,
    *,
    starts_at: float,
    ends_at: float | None = None,
    fingerprint: str = "5f1c9a2b3d4e6f70",
    severity: str = "critical",
    **labels: str,
) -> dict[str, Any]:
    """One alert of a notification: firing, or resolved at ``ends_at``."""
    all_labels = {"alertname": alertname, "severity": severity, **labels}
    if site is not None:
        all_labels |= {"site": site, "commune_code": site[:5]}
    return {
        "status": "firing" if ends_at is None else "resolved",
        "labels": all_labels,
        "annotations": {
            "summary": f"{alertname} tại {site or 'tỉnh'}",
            "description": "Mô tả",
            "runbook_url": "https://playbooks.tinh.example/power_loss.md",
        },
        "startsAt": rfc3339(starts_at),
        "endsAt": GO_ZERO_TIME if ends_at is None else rfc3339(ends_at),
        "generatorURL": "http://127.0.0.1:9718/",
        "fingerprint": fingerprint,
    }


def notification(alerts: list[dict[str, Any]], receiver: str = "so-khcn") -> dict[str, Any]:
    firing = any(a["status"] == "firing" for a in alerts)
    first = alerts[0]["labels"] if alerts else {}
    return {
        "version": "4",
        "groupKey": "{}:" + f'{{alertname="{first.get("alertname", "")}"}}',
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": receiver,
        "groupLabels": {"alertname": first.get("alertname", "")},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
        "alerts": alerts,
    }
