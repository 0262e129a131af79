"""The officials' digital-signature certificates (chứng thư số chữ ký số) the province registers,
so that one expiring is known weeks ahead, not on the morning a file cannot be signed.

The one-stop centre signs results of procedures with the commune leaders' and the unit's
certificates (issued by the Ban Cơ yếu Chính phủ for state bodies); a certificate past its
``not_after`` stops every signed result of that commune.  The collector raises
``SansangSignatureCertificateExpiring`` (warning) and ``SansangSignatureCertificateExpiresSoon``
(critical, also once expired) from this list (collector/alerts/certificates.py), routed to the
certificate's ``agency``.  The holder's name is personal data: it is shown only to roles that read
personal data, and in the alert's text to the agency that renews it; never in a label.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BeforeValidator, Field

from sansang import communes
from sansang.models import Slug, StrictModel

CommuneCode = Annotated[str, BeforeValidator(communes.check_code)]


class SignatureCertificate(StrictModel):
    """One registered signature certificate and who renews it."""

    id: Slug = Field(description="an id the province chooses, e.g. `sa-thay-chu-tich`")
    holder: str = Field(min_length=1, description="whose it is: a person or the unit (cơ quan)")
    position: str = Field(default="", description="e.g. 'Chủ tịch UBND xã'")
    commune_code: CommuneCode | None = Field(
        default=None, description="the commune whose results it signs; absent: a province body"
    )
    serial: str = Field(
        default="", pattern=r"^[0-9A-Fa-f:]*$", description="its serial number, hexadecimal"
    )
    issuer: str = Field(default="Ban Cơ yếu Chính phủ", description="who issued it")
    not_after: date = Field(description="the last day it is valid (ngày hết hạn)")
    agency: Slug = Field(
        default="so_khcn",
        description="the agency whose receiver gets the expiry alert (an agency of the target "
        "catalogue: so_khcn, cong_an_tinh, ...); it arranges the renewal",
    )
