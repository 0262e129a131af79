"""Throughput in ``diagnose``: a short test of each configured backend and link within the
month's budget (as ``sansang agent speedtest`` runs it: journalled, counted against the budget,
never two at once), and the video-conference line's bandwidth against INF-HNTH's floor.

The test is as short as the backends allow (:data:`DURATION`: one second of measurement each
way, iperf3's ``-t`` floor), so a technician waits seconds, not the schedule's ``duration``.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.config import AgentConfig
from agent.diagnose.model import CheckResult, Status
from agent.diagnose.plan import Planned
from agent.diagnose.verdict import BANDWIDTH_FLOOR_MBPS, CONFERENCE_FLOOR_MBPS, advice
from sansang import i18n

# speedtestcli.target_seconds(2.0) = 1 s each way; iperf3 needs whole seconds (-t 1) and leaves
# no --omit; below it a test measures its own set-up.
DURATION = 2.0


@dataclass(frozen=True)
class Measured:
    link: str
    link_kind: str
    download_mbps: float | None
    upload_mbps: float | None


def _mbps(bytes_per_second: float | None) -> float | None:
    return None if bytes_per_second is None else bytes_per_second * 8 / 1e6


def _mb(value: float | None, lang: i18n.Lang) -> str:
    return "–" if value is None else i18n.number(value, 1, lang)


async def speedtests(p: Planned, config: AgentConfig) -> tuple[list[CheckResult], list[Measured]]:
    """One result per backend × link; the measured figures for the conference's line."""
    from agent.journal.store import Journal
    from agent.links.bandwidth.budget import MIB, Budget
    from agent.links.bandwidth.runs import SpeedtestRunner

    st = config.speedtest.model_copy(update={"duration": min(config.speedtest.duration, DURATION)})
    kinds = {link.id: link.kind for link in config.links}
    try:
        journal = Journal.from_config(config.journal)
    except OSError as err:
        return [
            CheckResult(
                p.layer,
                p.id,
                p.name,
                "skip",
                "journal_unreadable",
                f"không mở được nhật ký để tính hạn mức: {err}",
                f"cannot open the journal for the budget: {err}",
            )
        ], []
    results: list[CheckResult] = []
    measured: list[Measured] = []
    try:
        budget = Budget(journal, st.monthly_budget_mib * MIB, config.site.service_hours.timezone)
        tester = SpeedtestRunner(st, config.links, journal, budget)
        for o in await tester.run(tester.plan(), "cli"):
            id_ = f"speedtest:{o.backend.id}@{o.link}"
            name = f"Đo băng thông {o.backend.id} qua {o.link} / throughput"
            kind = kinds.get(o.link, "internet" if o.link == "default" else "other")
            if o.result is None:
                assert o.error is not None
                cause_vi = i18n.pick(i18n.REASONS, o.error.reason, "vi")
                cause_en = i18n.pick(i18n.REASONS, o.error.reason, "en")
                status: Status = "skip" if o.skipped else "warn"
                results.append(
                    CheckResult(
                        "wan",
                        id_,
                        name,
                        status,
                        o.error.reason,
                        f"không đo được: {cause_vi}",
                        f"not measured: {cause_en}",
                        None
                        if o.skipped
                        else advice(
                            "bandwidth",
                            o.error.reason,
                            f"Kiểm tra máy chủ đo {o.backend.id} có chạy không; đo lại sau",
                            f"Check that the test server {o.backend.id} runs; test again later",
                        ),
                        {"link": o.link, "backend": o.backend.id},
                    )
                )
                continue
            down, up = _mbps(o.result.download_bps), _mbps(o.result.upload_bps)
            measured.append(Measured(o.link, kind, down, up))
            results.append(_against_floor(id_, name, o.link, kind, o.backend.id, down, up))
    finally:
        journal.close()
    return results, measured


def _against_floor(
    id_: str, name: str, link: str, kind: str, backend: str, down: float | None, up: float | None
) -> CheckResult:
    vi = f"tải xuống {_mb(down, 'vi')} Mbit/s, tải lên {_mb(up, 'vi')} Mbit/s"
    en = f"download {_mb(down, 'en')} Mbit/s, upload {_mb(up, 'en')} Mbit/s"
    figures: dict[str, float | int | str | bool | None] = {
        "link": link,
        "backend": backend,
        "download_mbps": down,
        "upload_mbps": up,
    }
    floor = BANDWIDTH_FLOOR_MBPS.get(kind)
    if floor is None:
        return CheckResult("wan", id_, name, "ok", "ok", vi, en, None, figures)
    need_vi = f" (tối thiểu {_mb(floor[0], 'vi')}/{_mb(floor[1], 'vi')} Mbit/s)"
    need_en = f" (floor {_mb(floor[0], 'en')}/{_mb(floor[1], 'en')} Mbit/s)"
    low = (down is not None and down < floor[0]) or (up is not None and up < floor[1])
    if not low:
        return CheckResult("wan", id_, name, "ok", "ok", vi + need_vi, en + need_en, None, figures)
    return CheckResult(
        "wan",
        id_,
        name,
        "warn",
        "bandwidth_low",
        vi + need_vi,
        en + need_en,
        advice(
            "bandwidth",
            "bandwidth_low",
            f"Đường {link} chậm hơn mức tối thiểu: đo lại ngoài giờ đông người; báo nhà mạng "
            "kèm kết quả đo nếu vẫn chậm",
            f"Link {link} is below its floor: test again at a quiet hour; send the figures to "
            "the provider if it stays slow",
        ),
        figures,
    )


def conference_bandwidth(p: Planned, measured: list[Measured]) -> CheckResult:
    """The best measured line against INF-HNTH's floor; a skip with a note when none was
    measured (``--no-speedtest``, no backend, the budget used up)."""
    usable = [m for m in measured if m.download_mbps is not None and m.upload_mbps is not None]
    if not usable:
        return CheckResult(
            p.layer,
            p.id,
            p.name,
            "skip",
            "not_measured",
            "chưa đo băng thông trong lần chẩn đoán này (--no-speedtest, chưa có "
            "speedtest.backends, hoặc hết hạn mức)",
            "no throughput measured in this run (--no-speedtest, no speedtest.backends, or no "
            "budget left)",
        )
    best = max(usable, key=lambda m: min(m.download_mbps or 0.0, m.upload_mbps or 0.0))
    down, up = best.download_mbps or 0.0, best.upload_mbps or 0.0
    need_down, need_up = CONFERENCE_FLOOR_MBPS
    vi = (
        f"đường {best.link}: tải xuống {_mb(down, 'vi')}, tải lên {_mb(up, 'vi')} Mbit/s "
        f"(HNTH cần {_mb(need_down, 'vi')}/{_mb(need_up, 'vi')} Mbit/s)"
    )
    en = (
        f"link {best.link}: download {_mb(down, 'en')}, upload {_mb(up, 'en')} Mbit/s "
        f"(a conference needs {_mb(need_down, 'en')}/{_mb(need_up, 'en')} Mbit/s)"
    )
    figures: dict[str, float | int | str | bool | None] = {
        "link": best.link,
        "download_mbps": down,
        "upload_mbps": up,
        "min_download_mbps": need_down,
        "min_upload_mbps": need_up,
    }
    if down >= need_down and up >= need_up:
        return CheckResult(p.layer, p.id, p.name, "ok", "ok", vi, en, None, figures)
    return CheckResult(
        p.layer,
        p.id,
        p.name,
        "fail",
        "bandwidth_low",
        vi,
        en,
        advice(
            "bandwidth",
            "bandwidth_low",
            "Đường truyền không đủ cho hội nghị truyền hình: tạm ngừng tải lớn khi họp, đề nghị "
            "nhà mạng nâng băng thông",
            "The line cannot carry a conference: stop big "
            "transfers during the call; ask the provider for more bandwidth",
        ),
        figures,
    )
