"""SEC-MEASURES: each machine's newest ``security_state`` before the window's end decides; ages
are the window's end minus the times the agent reported (WINDOW ends on 01/07/2026 00:00,
Vietnam's time).  Sa Thầy's inventory lists ``counter-1`` (Quầy 1), so that machine is named."""

from __future__ import annotations

from typing import Any

import pytest

from collector import figures as fmt
from collector.evaluate.model import Finding, Window
from collector.evaluate.rules import RULES, THRESHOLDS_READ
from collector.evaluate.rules.security_measures import security_measures
from collector.events import StoredEvent
from tests.support.evaluate import DAY, HOUR, THRESHOLDS, WINDOW, Journal, at

SEC = THRESHOLDS["SEC-MEASURES"]
END = WINDOW.end
PC = "Máy tính quầy “Quầy 1” (counter-1)"
GONE = object()  # a key the event leaves out


def state(t: float, **changed: Any) -> dict[str, Any]:
    """A Windows counter PC in order when asked at ``t`` (signatures an hour old, the OS updated
    5 days before, a backup the day before), with ``changed`` keys replaced (``GONE``: left
    out)."""
    details: dict[str, Any] = {
        "probe": "security",
        "os": "windows",
        "firewall": True,
        "antivirus": True,
        "realtime": True,
        "encryption": False,
        "time_sync": True,
        "signature_at": int(t - HOUR),
        "update_at": int(t - 5 * DAY),
        "backup_at": int(t - DAY),
        "backup_expected": True,
    }
    details.update(changed)
    return {k: v for k, v in details.items() if v is not GONE}


def checked(j: Journal, t: float, subject: str = "counter-1", **changed: Any) -> StoredEvent:
    return j.add(t, "security_state", subject, "checked", None, **state(t, **changed))


def failed(j: Journal, t: float, reason: str, subject: str = "counter-1") -> StoredEvent:
    return j.add(t, "security_state", subject, "failed", None, probe="security", reason=reason)


def judge(j: Journal, window: Window = WINDOW, thresholds: Any = SEC) -> Finding:
    return security_measures(j.inputs(), thresholds, window)


def one(**changed: Any) -> Finding:
    """One machine checked the day before the end, the site alive to the end."""
    j = Journal().alive()
    checked(j, at(29), **changed)
    return judge(j)


def test_registered_with_its_kind_and_every_threshold_declared() -> None:
    assert RULES["security_measures"].kinds == ("security_state",)
    assert set(SEC) == THRESHOLDS_READ["security_measures"]
    assert SEC["required"] == ["firewall", "antivirus", "realtime"]


def test_a_machine_in_order_is_met_and_reads_one_of_one_machine() -> None:
    f = one()
    assert (f.status, f.value, f.threshold, f.unit, f.cause) == ("met", 1.0, 1, "hosts", None)
    assert f.vi.startswith("1/1 máy đạt: tường lửa bật, chống virus bật, bảo vệ thời gian thực")
    assert "chữ ký chống virus không quá 7 ngày" in f.vi
    assert fmt.finding_figures(f, "vi") == ("1/1 máy", "1")
    assert fmt.finding_figures(f, "en") == ("1/1 hosts", "1")
    (evidence,) = f.evidence
    assert evidence.kind == "events" and evidence.refs == ("23527-main/j1/2",)
    assert evidence.vi.startswith(f"{PC}: kiểm tra lúc 30/06/2026 00:00, Windows: tường lửa bật")
    assert "ổ đĩa chưa mã hoá" in evidence.vi and "chữ ký chống virus: 1 ngày trước;" in evidence.vi
    assert f.details["status:counter-1"] == "met" and f.details["hosts_met"] == 1


@pytest.mark.parametrize(
    ("measure", "vi"),
    [
        ("firewall", "tường lửa tắt"),
        ("antivirus", "không có hoặc tắt phần mềm chống virus"),
        ("realtime", "bảo vệ thời gian thực tắt"),
    ],
)
def test_a_required_measure_off_is_not_met_naming_the_machine(measure: str, vi: str) -> None:
    f = one(**{measure: False})
    assert (f.status, f.cause, f.value, f.threshold) == ("not_met", "device", 0.0, 1)
    assert f.vi == f"1/1 máy chưa đạt: {PC}: {vi}"


@pytest.mark.parametrize(
    ("key", "days", "vi", "en"),
    [
        ("signature_at", 12, "chữ ký chống virus đã 12 ngày (tối đa 7)", "antivirus signatures"),
        ("update_at", 45, "cập nhật hệ điều hành đã 45 ngày (tối đa 30)", "OS update 45 days"),
        ("backup_at", 12, "bản sao lưu đã 12 ngày (tối đa 7)", "backup 12 days old (max 7)"),
    ],
)
def test_an_age_over_its_maximum_is_not_met(key: str, days: int, vi: str, en: str) -> None:
    f = one(**{key: int(END - days * DAY - 3 * HOUR)})
    assert (f.status, f.cause) == ("not_met", "device")
    assert f.vi == f"1/1 máy chưa đạt: {PC}: {vi}"
    assert en in f.en


def test_several_faults_of_one_machine_are_all_named() -> None:
    f = one(firewall=False, signature_at=int(END - 12 * DAY))
    assert (
        f.vi == f"1/1 máy chưa đạt: {PC}: tường lửa tắt; chữ ký chống virus đã 12 ngày (tối đa 7)"
    )


@pytest.mark.parametrize(
    ("key", "days"), [("signature_at", 7), ("backup_at", 7), ("update_at", 30)]
)
def test_an_age_of_exactly_its_maximum_is_met_and_one_second_more_is_not(
    key: str, days: int
) -> None:
    assert one(**{key: int(END - days * DAY)}).status == "met"
    over = one(**{key: int(END - days * DAY - 1)})
    assert over.status == "not_met"
    assert f"đã hơn {days} ngày (tối đa {days})" in over.vi  # never "7 ngày (tối đa 7)"


def test_a_time_after_the_windows_end_is_unknown_never_fresh() -> None:
    """A machine whose clock was stepped ahead: its signatures must not look new."""
    f = one(signature_at=int(END + 5 * DAY))
    assert (f.status, f.value) == ("unknown", 0.0)
    assert f"1/1 máy chưa rõ: {PC}: chữ ký chống virus ghi lúc 06/07/2026" in f.vi
    assert "sau lúc kiểm tra (đồng hồ máy sai?)" in f.vi


def test_a_time_after_the_check_itself_is_unknown_even_inside_the_window() -> None:
    """Reported on day 5 as made on day 20: at the end it would read 10 days old (met for the
    update), but the machine's clock ran 15 days ahead when it said so."""
    lax = {**SEC, "max_signature_age_days": 60, "max_backup_age_days": 60}
    j = Journal().alive()
    checked(j, at(5), update_at=int(at(20)))
    f = judge(j, thresholds=lax)
    assert f.status == "unknown" and "cập nhật hệ điều hành ghi lúc 21/06/2026" in f.vi


def test_a_time_far_in_the_past_is_not_met_with_its_age() -> None:
    f = one(signature_at=0)
    days = int(END // DAY)  # since 1970-01-01
    assert f.status == "not_met" and f"chữ ký chống virus đã {days} ngày (tối đa 7)" in f.vi


@pytest.mark.parametrize(
    ("reason", "vi"),
    [
        ("unreachable", "không có đường tới máy"),
        ("timeout", "máy không trả lời (quá thời gian chờ)"),
        ("auth_failed", "máy từ chối khoá đăng nhập SSH"),
        ("host_key_mismatch", "khoá máy chủ SSH không khớp (máy bị thay hoặc bị giả mạo?)"),
        ("key_unreadable", "tác nhân không đọc được khoá SSH của mình"),
        ("something_new", "lỗi something_new"),
    ],
)
def test_a_failed_newest_check_is_unknown_naming_why(reason: str, vi: str) -> None:
    """Not answering for over max_unchecked_days (3), or any other failure at once."""
    j = Journal().alive()
    checked(j, at(3), firewall=False)  # not met before: the newest decides
    failed(j, at(20), reason)
    f = judge(j)
    assert (f.status, f.value, f.cause) == ("unknown", 0.0, None)
    assert f.vi.startswith(f"1/1 máy chưa rõ: {PC}: không kiểm tra được từ 21/06/2026 00:00")
    assert vi in f.vi
    assert f.evidence[0].refs == ("23527-main/j1/2", "23527-main/j1/3")
    assert "không kiểm tra được từ 21/06/2026 00:00" in f.evidence[0].vi


def test_a_failure_with_no_check_ever_is_unknown() -> None:
    j = Journal().alive()
    failed(j, at(29, 20), "timeout")
    f = judge(j)
    assert f.status == "unknown"
    assert f.vi == (
        f"1/1 máy chưa rõ: {PC}: không kiểm tra được từ 30/06/2026 20:00: "
        "máy không trả lời (quá thời gian chờ)"
    )


@pytest.mark.parametrize("reason", ["unreachable", "timeout"])
def test_a_machine_switched_off_briefly_is_judged_on_its_last_check(reason: str) -> None:
    """Counter PCs are shut down every evening: a month ends at midnight with every one off."""
    j = Journal().alive()
    checked(j, at(29, 8))
    failed(j, at(29, 17), reason)
    f = judge(j)
    assert f.status == "met", f.vi
    assert f.evidence[0].refs == ("23527-main/j1/2", "23527-main/j1/3")
    assert "không kiểm tra được từ 30/06/2026 17:00" in f.evidence[0].vi
    j = Journal().alive()
    checked(j, at(26, 8), firewall=False)
    failed(j, END - 3 * DAY, reason)  # off for exactly max_unchecked_days: still its last check
    assert judge(j).vi == f"1/1 máy chưa đạt: {PC}: tường lửa tắt"
    j = Journal().alive()
    checked(j, at(26, 8), firewall=False)
    failed(j, END - 3 * DAY - 1, reason)
    assert judge(j).status == "unknown"


def test_a_machine_answering_but_not_verifiable_is_unknown_at_once() -> None:
    j = Journal().alive()
    checked(j, at(29, 8))
    failed(j, at(29, 17), "host_key_mismatch")
    f = judge(j)
    assert f.status == "unknown" and "khoá máy chủ SSH không khớp" in f.vi


def test_a_state_holds_while_the_agent_is_alive_however_old_the_event() -> None:
    """The agent journals on change only: a machine unchanged since before the window keeps its
    state while the site keeps reporting, and its ages grow to the window's end."""
    j = Journal().alive()
    checked(j, at(-3))
    f = judge(j)
    assert f.status == "not_met"  # not unknown: the event is old, the agent is not silent
    assert f.vi == (
        f"1/1 máy chưa đạt: {PC}: chữ ký chống virus đã 33 ngày (tối đa 7); "
        "cập nhật hệ điều hành đã 38 ngày (tối đa 30); bản sao lưu đã 34 ngày (tối đa 7)"
    )
    lax = {**SEC, "max_signature_age_days": 40, "max_update_age_days": 40}
    lax["max_backup_age_days"] = 40
    assert judge(j, thresholds=lax).status == "met"


def test_a_silent_agent_makes_its_machines_unknown() -> None:
    j = Journal()
    checked(j, at(27) - HOUR)
    j.add(END - 3 * DAY - 60, "link_quality", "tinh-dc", None, 0.02, link="fibre")
    f = judge(j)
    assert f.status == "unknown"
    assert f"{PC}: tác nhân không gửi số liệu từ 27/06/2026 23:59 (quá 3 ngày)" in f.vi
    j.add(END - 3 * DAY + 60, "link_quality", "tinh-dc", None, 0.02, link="fibre")
    assert judge(j).status == "met"  # the agent alive three days before the end: the state holds


def test_a_machine_not_reported_since_the_agent_restarted_is_unknown() -> None:
    """The agent re-journals every machine it still checks after a start: one it does not has
    left its config (after the grace of max_silence_days)."""
    j = Journal().alive()
    checked(j, at(5))
    j.add(at(20), "agent_started", "agent")
    f = judge(j)
    assert f.status == "unknown"
    assert "không được kiểm tra lại từ khi tác nhân khởi động lúc 21/06/2026 00:00" in f.vi
    j = Journal().alive()
    checked(j, at(28, 12))
    j.add(END - DAY, "agent_started", "agent")  # restarted yesterday: its first check may wait
    assert judge(j).status == "met"


def test_no_machine_ever_checked_is_unknown() -> None:
    f = judge(Journal().alive())
    assert (f.status, f.value, f.threshold, f.unit) == ("unknown", None, None, "hosts")
    assert f.vi.startswith("Chưa có máy nào được kiểm tra")
    assert fmt.finding_figures(f, "vi") == ("—", "—")


def test_backup_not_expected_is_not_judged_and_said() -> None:
    f = one(backup_expected=False, backup_at=GONE)
    assert f.status == "met"
    assert "không khai báo nơi sao lưu" in f.evidence[0].vi
    old = one(backup_expected=GONE, backup_at=int(END - 90 * DAY))
    assert old.status == "met"  # no backup place known to the agent: nothing to judge
    missing = one(backup_at=GONE)  # expected, never found
    assert missing.status == "unknown" and "chưa biết thời điểm bản sao lưu" in missing.vi


def test_two_machines_one_failing_is_not_met_naming_only_it() -> None:
    j = Journal().alive()
    checked(j, at(29))
    checked(j, at(29, 1), "server-1", os="linux", realtime=False)
    f = judge(j)
    assert (f.status, f.value, f.threshold) == ("not_met", 1.0, 2)
    assert f.vi == "1/2 máy chưa đạt: Máy server-1: bảo vệ thời gian thực tắt"
    assert fmt.finding_figures(f, "vi") == ("1/2 máy", "2")
    assert fmt.reading(f, "vi") == "1/2 máy (cần ≥ 2)"
    # The machine not met first in the evidence.
    assert [e.vi.split(": ")[0] for e in f.evidence] == ["Máy server-1", PC]
    assert f.details["status:server-1"] == "not_met" and f.details["hosts"] == 2


def test_not_met_outranks_unknown_and_both_are_named() -> None:
    j = Journal().alive()
    checked(j, at(29), firewall=False)
    failed(j, at(29, 1), "auth_failed", "server-1")
    f = judge(j)
    assert f.status == "not_met"
    assert f.vi == (
        f"1/2 máy chưa đạt: {PC}: tường lửa tắt. "
        "1/2 máy chưa rõ: Máy server-1: không kiểm tra được từ 30/06/2026 01:00: "
        "máy từ chối khoá đăng nhập SSH"
    )


@pytest.mark.parametrize(
    "changed",
    [
        {"firewall": None},
        {"firewall": GONE},
        {"realtime": "yes"},  # a wrong type (ingest refuses it): never read as true
        {"update_at": GONE},
        {"signature_at": None},
        {"signature_at": True},
        {"signature_at": "1780000000"},
        {"signature_at": 1e300},
    ],
)
def test_a_required_measure_or_a_time_not_known_is_unknown(changed: dict[str, Any]) -> None:
    f = one(**changed)
    assert f.status == "unknown", f.vi
    assert f.vi.startswith(f"1/1 máy chưa rõ: {PC}: chưa biết")


def test_encryption_is_reported_not_required_unless_the_province_says() -> None:
    assert one(encryption=False).status == "met"
    strict = {**SEC, "required": ["firewall", "antivirus", "realtime", "encryption"]}
    j = Journal().alive()
    checked(j, at(29), encryption=False)
    assert judge(j, thresholds=strict).vi == f"1/1 máy chưa đạt: {PC}: ổ đĩa chưa mã hoá"


def test_without_antivirus_required_its_signatures_are_not_judged() -> None:
    lax = {**SEC, "required": ["firewall"]}
    j = Journal().alive()
    checked(j, at(29), os="linux", antivirus=None, realtime=None, signature_at=GONE)
    assert judge(j, thresholds=lax).status == "met"


def test_a_misspelt_required_measure_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="'required' names firewal: not one of firewall"):
        security_measures(Journal().inputs(), {**SEC, "required": ["firewal"]}, WINDOW)


def test_an_old_event_stored_later_does_not_override_the_newest() -> None:
    """A replay: the agent's old event arrives after the newest (a higher seq, an older wall
    time), in the window or as the state before it."""
    for old_at in (at(5), at(-2)):
        j = Journal().alive()
        checked(j, at(28))
        checked(j, old_at, firewall=False)  # stored after, made before
        assert judge(j).status == "met"


def test_the_newest_event_by_wall_time_then_seq_decides() -> None:
    j = Journal().alive()
    checked(j, at(28), firewall=False)
    checked(j, at(28))  # the same second, journalled after
    assert judge(j).status == "met"


def test_a_closed_window_evaluated_twice_gives_the_same_finding() -> None:
    j = Journal().alive()
    checked(j, at(10), signature_at=int(at(9)))
    failed(j, at(12), "timeout", "server-1")
    first = judge(j)
    assert judge(j) == first and security_measures(j.inputs(), SEC, WINDOW) == first
    assert first.status == "not_met" and "đã 21 ngày" in first.vi


def test_an_earlier_window_end_ignores_later_events_and_ages_from_its_end() -> None:
    j = Journal()
    checked(j, at(10), signature_at=int(at(9)))
    j.add(at(11), "link_quality", "tinh-dc", None, 0.02, link="fibre")
    checked(j, at(15), firewall=False)
    early = judge(j, Window(WINDOW.start, at(12)))
    assert early.status == "met", early.vi  # the signatures 3 days old at that end
    assert early.evidence[0].refs == ("23527-main/j1/1",)
    late = judge(j)
    assert late.status == "unknown"  # nothing from the agent since day 15


def test_a_state_before_the_window_counts() -> None:
    j = Journal().alive()
    before = checked(j, at(-1), firewall=False, signature_at=int(at(-2)))
    assert j.before == [before]  # the store's state at the window's start
    f = judge(j)
    assert f.status == "not_met" and f.vi.startswith(f"1/1 máy chưa đạt: {PC}: tường lửa tắt")


def test_an_agent_reporting_thousands_of_machines_gives_a_bounded_finding() -> None:
    j = Journal().alive()
    for n in range(3000):
        checked(j, at(29), f"pc-{n:04d}", firewall=n % 2 == 0)
    f = judge(j)
    assert (f.status, f.value, f.threshold) == ("not_met", 1500.0, 3000)
    assert f.vi.startswith("1500/3000 máy chưa đạt: Máy pc-0001: tường lửa tắt. ")
    assert f.vi.endswith(". Và 1490 máy khác") and len(f.vi) < 2000
    assert len(f.evidence) == 20 and all("tường lửa tắt" in e.vi for e in f.evidence)


def test_a_machine_the_inventory_does_not_list_is_named_as_the_agent_names_it() -> None:
    j = Journal().alive()
    checked(j, at(29), "pc-quay-1", name="Máy tính quầy 1", firewall=False)
    assert judge(j).vi == "1/1 máy chưa đạt: Máy tính quầy 1 (pc-quay-1): tường lửa tắt"
