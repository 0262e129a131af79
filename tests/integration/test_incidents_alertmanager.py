"""Incidents from a real Alertmanager (0.25) running the deployed config
(deploy/alertmanager/alertmanager.yml: every receiver's copy to the collector, its bearer token
from a credentials file) into a real collector process (``sansang collector run``).

An alert posted to Alertmanager reaches the agency's receiver and the collector, which opens an
incident; the collector's evaluation judges SEC-EARLY from it; resolving the alert restores the
incident.  The webhook without the token is 401 and stores nothing.  A security reviewer
acknowledges and a technician adds a note through the API, each in the audit log.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.amlab import Alertmanager, WebhookRecorder, skip_without_am
from tests.integration.test_alertmanager_inhibit import deployed_config
from tests.support import wait_until
from tests.support.collector import (
    CollectorProcess,
    default_tokens,
    inventory_of,
    running_collector,
    site,
)
from tests.support.incidents import am_alert, notification

pytestmark = [pytest.mark.integration, skip_without_am]

SA_THAY = "23527-main"


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[CollectorProcess, Alertmanager, WebhookRecorder]]:
    inventory = inventory_of(site("23527"), site("21548", latitude=15.38, longitude=109.118))
    tokens = [*default_tokens(inventory), {"name": "alertmanager", "role": "alertmanager"}]
    config = {"evaluate": {"interval": "1s", "window": "1d"}}
    (tmp_path / "collector").mkdir()
    with running_collector(config, inventory, tmp_path / "collector", tokens=tokens) as c:
        credentials = tmp_path / "sansang-collector-token"
        fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(c.tokens["alertmanager"] + "\n")
        with WebhookRecorder() as hook:
            (tmp_path / "am").mkdir()
            am = Alertmanager(tmp_path / "am", deployed_config(hook.url, (c.base_url, credentials)))
            try:
                yield c, am.start(), hook
            finally:
                am.stop()


def post_to_alertmanager(
    am: Alertmanager, labels: dict[str, str], starts: float, ends: float
) -> None:
    body = [
        {
            "labels": labels,
            "annotations": {"summary": f"Mất điện lưới tại {labels['site']}"},
            "startsAt": datetime.fromtimestamp(starts, UTC).isoformat(),
            "endsAt": datetime.fromtimestamp(ends, UTC).isoformat(),
        }
    ]
    req = urllib.request.Request(
        am.url + "api/v2/alerts",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200


def incidents(c: CollectorProcess) -> list[dict[str, Any]]:
    status, body = c.get_json("/api/v1/incidents", as_="viewer")
    assert status == 200, body
    return body["incidents"]  # type: ignore[no-any-return]


def audit(c: CollectorProcess) -> list[dict[str, Any]]:
    status, body = c.get_json("/api/v1/audit?limit=1000", as_="admin")
    assert status == 200
    return list(reversed(body["entries"]))


def test_an_alert_through_alertmanager_opens_and_restores_an_incident(
    lab: tuple[CollectorProcess, Alertmanager, WebhookRecorder],
) -> None:
    c, am, hook = lab
    labels = {
        "alertname": "SansangPowerLost",
        "site": SA_THAY,
        "commune_code": "23527",
        "agency": "so_cong_thuong",
        "severity": "critical",
        "target": "INF-PWR",
    }
    began = time.time() - 60
    posted = time.time()
    post_to_alertmanager(am, labels, began, began + 3600)

    def opened() -> dict[str, Any] | None:
        found = incidents(c)
        return found[0] if found else None

    incident = wait_until(opened, 30, "the incident opened from Alertmanager's notification")
    assert (incident["site"], incident["kind"], incident["state"]) == (SA_THAY, "power_loss", "new")
    assert incident["open"] is True and incident["alertname"] == "SansangPowerLost"
    assert abs(datetime.fromisoformat(incident["started_at"]).timestamp() - began) < 0.01
    # Detected when the collector received the notification: after the post, within seconds
    # (group_wait is 1 s here, 30 s in the deployed routes).
    detected = datetime.fromisoformat(incident["detected_at"]).timestamp()
    assert posted <= detected <= time.time()
    assert 60 <= incident["time_to_detect_seconds"] <= 60 + (time.time() - posted)
    # The agency's own receiver had it too: one notification path for both.
    assert hook.alerts("firing", alertname="SansangPowerLost")
    assert {b["receiver"] for b in hook.bodies()} == {"so-cong-thuong"}

    # SEC-EARLY from the incident: open, within its limits so far.
    def early() -> dict[str, Any] | None:
        status, body = c.get_json(f"/api/v1/sites/{SA_THAY}/findings", as_="viewer")
        assert status == 200
        found = [f for f in body["findings"] if f["target"] == "SEC-EARLY"]
        return found[0] if found and found[0]["value"] == 1 else None

    finding = wait_until(early, 30, "SEC-EARLY judged from the incident")
    assert finding["status"] == "met" and "1 sự cố đang xử lý, còn trong hạn" in finding["vi"]
    assert finding["evidence"][0]["refs"] == [f"/incidents/{incident['id']}"]

    ended = time.time()
    post_to_alertmanager(am, labels, began, ended)

    def restored() -> dict[str, Any] | None:
        status, body = c.get_json(f"/api/v1/incidents/{incident['id']}", as_="viewer")
        assert status == 200
        return body if body["restored_at"] else None

    done = wait_until(restored, 30, "the incident restored by the resolved notification")
    assert done["restored_by"] == "alertmanager" and done["open"] is False
    assert abs(datetime.fromisoformat(done["restored_at"]).timestamp() - ended) < 1.0
    assert [a["ends_at"] is not None for a in done["alerts"]] == [True]
    assert len(incidents(c)) == 1  # the repeats and the resolve opened nothing else
    changes = [e for e in audit(c) if e["action"] == "incident.alerts"]
    assert [e["actor"] for e in changes] == ["alertmanager", "alertmanager"]
    assert changes[0]["details"]["opened"] == [incident["id"]]
    assert changes[1]["details"]["restored"] == [incident["id"]]


def test_the_webhook_without_the_token_is_401_and_stores_nothing(
    lab: tuple[CollectorProcess, Alertmanager, WebhookRecorder],
) -> None:
    c, _am, _hook = lab
    body = json.dumps(
        notification([am_alert("SansangPowerLost", SA_THAY, starts_at=time.time() - 30)])
    ).encode()
    json_type = {"Content-Type": "application/json"}
    for headers in ({}, {"Authorization": "Bearer not-the-token"}):
        status, _, answer = c.request(
            "POST", "/api/v1/alertmanager/webhook", body=body, headers={**json_type, **headers}
        )
        assert status == 401, answer
    status, _, answer = c.request(
        "POST", "/api/v1/alertmanager/webhook", as_="viewer", body=body, headers=json_type
    )
    assert status == 403, answer
    assert incidents(c) == []
    # With Alertmanager's token the same body opens one incident, and its replay nothing more.
    for expected in ([1], []):
        status, _, answer = c.request(
            "POST", "/api/v1/alertmanager/webhook", as_="alertmanager", body=body, headers=json_type
        )
        assert status == 200 and len(json.loads(answer)["opened"]) == len(expected)
    assert len(incidents(c)) == 1
    # Alertmanager's token reads nothing.
    assert c.request("GET", "/api/v1/incidents", as_="alertmanager")[0] == 403


def test_acknowledge_and_note_through_the_api_are_audited(
    lab: tuple[CollectorProcess, Alertmanager, WebhookRecorder],
) -> None:
    c, _am, _hook = lab
    alert = am_alert("SansangLinkDown", SA_THAY, starts_at=time.time() - 120, severity="warning")
    status, opened = c.post_json(
        "/api/v1/alertmanager/webhook", notification([alert]), as_="alertmanager"
    )
    assert status == 200, opened
    [incident_id] = opened["opened"]
    base = f"/api/v1/incidents/{incident_id}"
    assert c.post_json(f"{base}/ack", {}, as_="viewer")[0] == 403
    status, acked = c.post_json(f"{base}/ack", {}, as_="security_reviewer")
    assert status == 200 and acked["state"] == "acknowledged", acked
    assert acked["acknowledged_by"] == "security_reviewer"
    text = "Modem mất nguồn, đã thay bộ đổi nguồn dự phòng"
    status, noted = c.post_json(f"{base}/notes", {"text": text}, as_="technician")
    assert status == 201 and noted["notes"][-1] == {**noted["notes"][-1], "text": text}
    entries = [(e["action"], e["actor"], e["target"], e["details"]["result"]) for e in audit(c)]
    target = f"incident/{incident_id}"
    assert ("incident.acknowledge", "viewer", target, "denied") in entries
    assert ("incident.acknowledge", "security_reviewer", target, "ok") in entries
    assert ("incident.note", "technician", target, "ok") in entries
