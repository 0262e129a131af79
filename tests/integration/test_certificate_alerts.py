"""The officials' signature certificates of the inventory, from the collector through a real
Alertmanager running the deployed routes: each expiry alert reaches the receiver of the
certificate's own agency, with the Vietnamese text and without the holder's name in a label."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from collector.alerts import run_forever
from collector.inventory.certificates import SignatureCertificate
from sansang import i18n
from tests.integration.amlab import Alertmanager, WebhookRecorder, skip_without_am
from tests.integration.test_alertmanager_inhibit import deployed_config
from tests.support import wait_until_async
from tests.support.alerts import collector

pytestmark = [pytest.mark.integration, skip_without_am]


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[WebhookRecorder, Alertmanager]]:
    with WebhookRecorder() as hook:
        am = Alertmanager(tmp_path, deployed_config(hook.url))
        try:
            yield hook, am.start()
        finally:
            am.stop()


def receivers_of(hook: WebhookRecorder, certificate: str) -> set[str]:
    return {
        body["receiver"]
        for body in hook.bodies()
        for alert in body.get("alerts", [])
        if alert["labels"].get("certificate") == certificate
    }


async def test_expiring_certificates_reach_their_agencys_receiver(
    lab: tuple[WebhookRecorder, Alertmanager], tmp_path: Path
) -> None:
    hook, am = lab
    c = collector(tmp_path, alertmanager=am.url, resend_interval=1.0)
    today = i18n.local(time.time()).date()
    certificates = [
        SignatureCertificate(
            id="sa-thay-chu-tich",
            holder="Nguyễn Văn An",
            position="Chủ tịch UBND xã",
            commune_code="23527",
            not_after=today + timedelta(days=20),
            agency="so_khcn",
        ),
        SignatureCertificate(
            id="cong-an-xa",
            holder="Trần Thị Bình",
            not_after=today - timedelta(days=2),
            agency="cong_an_tinh",
        ),
        SignatureCertificate(id="con-lau", holder="Lê C", not_after=today + timedelta(days=90)),
    ]
    c.inventory = c.inventory.model_copy(update={"signature_certificates": certificates})
    task = asyncio.create_task(run_forever(c, check_interval=0.1))
    try:

        async def both() -> list[tuple[float, dict[str, Any]]] | None:
            found = hook.alerts("firing")
            names = {a["labels"].get("certificate") for _, a in found}
            return found if {"sa-thay-chu-tich", "cong-an-xa"} <= names else None

        found = await wait_until_async(both, 20, "both certificate alerts at the webhook")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        c.store.close()
    by_id = {a["labels"]["certificate"]: a for _, a in found}
    assert "con-lau" not in by_id  # 90 days left: nothing yet
    warning, expired = by_id["sa-thay-chu-tich"], by_id["cong-an-xa"]
    assert warning["labels"]["alertname"] == "SansangSignatureCertificateExpiring"
    assert warning["labels"]["severity"] == "warning" and warning["labels"]["site"] == "23527-main"
    assert "còn 20 ngày" in warning["annotations"]["summary"]
    assert expired["labels"]["alertname"] == "SansangSignatureCertificateExpiresSoon"
    assert expired["labels"]["severity"] == "critical" and "site" not in expired["labels"]
    assert "đã hết hạn từ" in expired["annotations"]["summary"]
    assert receivers_of(hook, "sa-thay-chu-tich") == {"so-khcn"}
    assert receivers_of(hook, "cong-an-xa") == {"cong-an-tinh"}
    for alert in (warning, expired):
        assert not any("Nguyễn" in v or "Trần" in v for v in alert["labels"].values())
        assert alert["annotations"]["runbook_url"].endswith("/certificate.md")
