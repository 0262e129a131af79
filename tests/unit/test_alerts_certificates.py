"""Expiry alerts of the inventory's signature certificates: the day each begins (30 and 7 days
ahead by default, counted in Vietnam's calendar), their agency, a start that does not move, and
no holder's name in a label."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from collector.alerts.build import Alert, AlertInputs, build_alerts
from collector.config import AlertmanagerConfig
from collector.inventory import model
from collector.inventory.certificates import SignatureCertificate
from collector.targets import load_catalogue
from sansang import i18n
from sansang.configfile import ConfigError
from tests.support.alerts import inventory
from tests.support.evaluate import EXAMPLE

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=i18n.ZONE).timestamp()
TODAY = i18n.local(NOW).date()
CATALOGUE = load_catalogue()


def alerts_for(left: int, now: float = NOW, **fields: object) -> list[Alert]:
    cert = SignatureCertificate(
        id="chu-tich", holder="Nguyễn Văn An", not_after=TODAY + timedelta(days=left), **fields
    )  # type: ignore[arg-type]
    inv = inventory().model_copy(update={"signature_certificates": [cert]})
    found = build_alerts(AlertInputs(now=now, inventory=inv, catalogue=CATALOGUE))
    return [a for a in found if "certificate" in a.labels]


@pytest.mark.parametrize(
    ("left", "name"),
    [
        (31, None),
        (30, "SansangSignatureCertificateExpiring"),
        (8, "SansangSignatureCertificateExpiring"),
        (7, "SansangSignatureCertificateExpiresSoon"),
        (0, "SansangSignatureCertificateExpiresSoon"),
        (-400, "SansangSignatureCertificateExpiresSoon"),
    ],
)
def test_each_alert_begins_on_its_day(left: int, name: str | None) -> None:
    found = alerts_for(left)
    assert [a.labels["alertname"] for a in found] == ([name] if name else [])


def test_the_texts_say_when_in_vietnamese() -> None:
    (soon,) = alerts_for(12, position="Chủ tịch UBND xã")
    assert soon.annotations["summary"] == (
        f"Chứng thư số của Nguyễn Văn An, Chủ tịch UBND xã hết hạn ngày "
        f"{TODAY + timedelta(days=12):%d/%m/%Y} (còn 12 ngày)"
    )
    (today,) = alerts_for(0)
    assert "hết hạn hôm nay" in today.annotations["summary"]
    (gone,) = alerts_for(-3)
    assert (
        "đã hết hạn từ" in gone.annotations["summary"] and "(3 ngày)" in gone.annotations["summary"]
    )


def test_routed_to_the_certificates_agency_with_no_name_in_a_label() -> None:
    (alert,) = alerts_for(5, agency="cong_an_tinh", commune_code="23527")
    assert alert.labels["agency"] == "cong_an_tinh" and alert.labels["site"] == "23527-main"
    assert not any("Nguyễn" in v for v in alert.labels.values())
    (province,) = alerts_for(5)
    assert "site" not in province.labels and province.labels["agency"] == "so_khcn"


def test_the_start_stays_the_same_from_one_check_to_the_next() -> None:
    (first,) = alerts_for(20)
    (later,) = alerts_for(20, now=NOW + 3 * 3600)  # the same day, later
    assert first.starts_at == later.starts_at <= NOW
    assert first.key == later.key


def test_a_province_sets_its_own_days() -> None:
    cert = SignatureCertificate(id="x", holder="A", not_after=TODAY + timedelta(days=50))
    inv = inventory().model_copy(update={"signature_certificates": [cert]})
    inputs = AlertInputs(now=NOW, inventory=inv, catalogue=CATALOGUE, certificate_days=(60, 14))
    assert [a.labels["alertname"] for a in build_alerts(inputs) if "certificate" in a.labels] == [
        "SansangSignatureCertificateExpiring"
    ]


@pytest.mark.parametrize(
    ("second", "field"),
    [("{id: b, holder: B, not_after: 31/12/2026}", "1.not_after"),
     ("{id: a, holder: B, not_after: 2026-12-31}", "1.id")],
)  # fmt: skip
def test_a_bad_entry_is_refused_naming_its_line(tmp_path: Path, second: str, field: str) -> None:
    path = tmp_path / "inventory.yaml"
    listed = (
        f"signature_certificates:\n  - {{id: a, holder: A, not_after: 2027-01-01}}\n  - {second}\n"
    )
    text = EXAMPLE.read_text(encoding="utf-8").replace("signature_certificates:\n", listed, 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        model.load(path)
    assert f"signature_certificates.{field}" in str(err.value)
    assert "inventory.yaml:" in str(err.value)


def test_a_critical_span_longer_than_the_warning_is_refused() -> None:
    with pytest.raises(ValueError, match="certificate_critical_days must be fewer"):
        AlertmanagerConfig(certificate_warning_days=7, certificate_critical_days=10)
