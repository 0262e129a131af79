"""Diagnoses to write handover records of, built from agent.diagnose.model's dataclasses (what
``sansang agent diagnose`` hands to ``agent.diagnose.record.write``).

``sample()`` is a visit to Sa Thầy: power fine, the fibre link down (the first failure), DNS
failing above it, a printer low on toner, the conference endpoint skipped; one result's words
carry a script injection, so every page that shows them is tested for escaping.
"""

from __future__ import annotations

from agent.diagnose.model import Advice, CheckResult, Diagnosis

INJECTION = "</script><script>alert(1)</script>"
STARTED = 1_796_617_500.0  # 07/12/2026 11:25:00 in Vietnam
TECHNICIAN = "Nguyễn Văn An"
DONE = ["Thay dây nhảy quang ở tủ mạng", "Khởi động lại modem <VNPT> & ghi lại đèn báo"]


def results() -> tuple[CheckResult, ...]:
    return (
        CheckResult(
            "power", "ups", "UPS phòng máy", "ok", vi="có điện lưới; pin 100 %", en="on mains"
        ),
        CheckResult("box", "disk", "Ổ đĩa", "ok", vi="còn trống 71 %", figures={"free": 0.71}),
        CheckResult("lan", "gateway", "Gateway 10.0.0.1", "ok", vi="trả lời trong 1 ms"),
        CheckResult(
            "wan",
            "fibre",
            "Cáp quang VNPT",
            "fail",
            reason="timeout",
            vi="mất 10/10 gói tới 10.0.0.254 " + INJECTION,
            en="lost 10 of 10 packets",
            advice=Advice(
                "Kiểm tra đèn LOS trên modem quang, gọi tổng đài nhà mạng",
                "Check the modem's LOS light, call the carrier",
                "link_loss",
                "kiem-tra-tai-cho",
            ),
            figures={"loss_ratio": 1.0, "sent": 10, "latency_seconds": None, "up": False},
        ),
        CheckResult(
            "dns",
            "resolver",
            "DNS 10.0.0.1",
            "fail",
            reason="timeout",
            vi="không phân giải được motcua.example",
            advice=Advice("Sửa đường truyền trước", "Fix the link first"),
        ),
        CheckResult(
            "printers",
            "printer-1",
            "Máy in quầy 1",
            "warn",
            reason="toner_low",
            vi="sắp hết mực",
            advice=Advice("Thay hộp mực", "Replace the toner", "printer", None),
        ),
        CheckResult("conference", "hnth", "Điểm cầu HNTH", "skip", reason="ok", vi="chưa khai báo"),
    )


def sample(
    site: str | None = "23527-main", checks: tuple[CheckResult, ...] | None = None
) -> Diagnosis:
    return Diagnosis(
        site=site,
        site_name="Trung tâm PVHCC xã Sa Thầy" if site else "Máy này",
        commune="Xã Sa Thầy, Quảng Ngãi (23527)" if site else "",
        source="config" if site else "discovered",
        started_at=STARTED,
        finished_at=STARTED + 187.4,
        results=results() if checks is None else checks,
        host="sansang-box-1",
    )
