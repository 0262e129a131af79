"""Expiry alerts of the officials' digital-signature certificates the inventory registers
(collector/inventory/certificates.py): ``SansangSignatureCertificateExpiring`` from
``warning_days`` before the last valid day, ``SansangSignatureCertificateExpiresSoon`` from
``critical_days`` before it and for as long as it stays expired and listed (replacing the entry
with the renewed certificate's day resolves it).

Days are counted in Vietnam's calendar: a certificate valid until 31/12 has 0 days left on 31/12
and is expired from 01/01.  Each alert goes to the certificate's own ``agency`` (the label
Alertmanager routes on); its labels never carry the holder's name (a label is every receiver's and
every silence's), the texts do, for the agency that renews it.  The alert starts when the
certificate entered the alert's span, so a collector restart does not make it look new.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from collector.alerts.alert import Alert, AlertInputs, make_alert
from collector.alerts.catalogue import (
    SIGNATURE_CERTIFICATE_EXPIRES_SOON,
    SIGNATURE_CERTIFICATE_EXPIRING,
)
from collector.inventory.certificates import SignatureCertificate
from collector.inventory.model import Site
from sansang import i18n


def certificate_alerts(inputs: AlertInputs) -> list[Alert]:
    today = i18n.local(inputs.now).date()
    warning_days, critical_days = inputs.certificate_days
    by_commune: dict[str, Site] = {}
    for site in inputs.inventory.sites:
        by_commune.setdefault(site.commune_code, site)
    alerts = []
    for cert in inputs.inventory.signature_certificates:
        left = (cert.not_after - today).days
        if left > warning_days:
            continue
        critical = left <= critical_days
        entry = SIGNATURE_CERTIFICATE_EXPIRES_SOON if critical else SIGNATURE_CERTIFICATE_EXPIRING
        since_day = cert.not_after - timedelta(
            days=int(critical_days if critical else warning_days)
        )
        since = datetime.combine(since_day, time(0), i18n.ZONE).timestamp()
        signs_for = by_commune.get(cert.commune_code) if cert.commune_code else None
        summary, description = _texts(cert, left)
        alerts.append(
            make_alert(
                inputs,
                entry,
                signs_for,
                cause="certificate",
                since=min(since, inputs.now),
                summary=summary,
                description=description,
                extra={"agency": cert.agency, "certificate": cert.id},
            )
        )
    return alerts


def _texts(cert: SignatureCertificate, left: int) -> tuple[tuple[str, str], tuple[str, str]]:
    last = cert.not_after.strftime("%d/%m/%Y")
    who = f"{cert.holder}, {cert.position}" if cert.position else cert.holder
    if left < 0:
        when_vi, when_en = f"đã hết hạn từ {last} ({-left} ngày)", f"expired on {last}"
    elif left == 0:
        when_vi, when_en = f"hết hạn hôm nay ({last})", f"expires today ({last})"
    else:
        when_vi, when_en = f"hết hạn ngày {last} (còn {left} ngày)", f"expires {last} ({left} days)"
    serial = f", số sê-ri {cert.serial}" if cert.serial else ""
    summary = (
        f"Chứng thư số của {who} {when_vi}",
        f"Signature certificate of {who} {when_en}",
    )
    description = (
        f"Chứng thư số chữ ký số của {who} (do {cert.issuer} cấp{serial}) {when_vi}. Làm hồ sơ gia "
        "hạn hoặc cấp mới; khi có chứng thư mới, sửa ngày hết hạn trong danh mục (inventory).",
        f"The digital-signature certificate of {who} (issued by {cert.issuer}) {when_en}. Renew "
        "it, then update its day in the inventory.",
    )
    return summary, description
