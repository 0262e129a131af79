"""The push line of the status page and the push metrics: events waiting, the last success and
the current error, Vietnamese first; no line and no series without `push:`."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from agent.config import Site
from agent.journal.push import REASONS, PushStats
from agent.journal.store import Journal
from agent.metrics.exporter import AgentCollector
from agent.state import SiteState
from agent.web.status import StatusPage
from sansang.events import Event
from tests.support.clock import FakeWall

SITE = Site(commune_code="23527", name="Xã Sa Thầy", latitude=14.4, longitude=107.8)
NOW = FakeWall.T0


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def events(newest: int) -> list[Event]:
    return [Event(seq, "boot", NOW, 0, "check_state", "gw", "up") for seq in range(1, newest + 1)]


def state() -> SiteState:
    return SiteState([], lambda _when: True)


def test_the_line_says_what_waits_and_when_the_collector_last_acknowledged() -> None:
    stats = PushStats(acknowledged_seq=7, last_success=NOW - 300)
    page = StatusPage(SITE, state(), stats)
    vi = text(page.render("vi", NOW, events(12)))
    assert "Gửi về tỉnh: 5 sự kiện chờ gửi" in vi
    assert "lần gửi được gần nhất" in vi and "5 phút trước" in vi
    en = text(page.render("en", NOW, events(12)))
    assert "Push to the province: 5 event(s) waiting" in en and "5 min ago" in en


def test_a_failing_push_shows_the_error_and_never_a_success_it_did_not_have() -> None:
    stats = PushStats(failing_since=NOW - 60, last_error="403 token of another site")
    html = StatusPage(SITE, state(), stats).render("vi", NOW, events(3))
    assert 'class="bad" id="push"' in html
    assert "chưa có" in text(html) and "lỗi: 403 token of another site" in text(html)


def test_without_push_there_is_no_line_and_no_series() -> None:
    assert 'id="push"' not in StatusPage(SITE, state()).render("vi", NOW, events(3))
    names = {f.metric.name for f in AgentCollector(None, state(), None).families()}
    assert not any(n.startswith("sansang_push") for n in names)


def test_metrics_every_reason_counted_from_zero(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.db", boot_id="boot")
    for i in range(10):
        journal.append("check_state", f"gw-{i}", "up")
    stats = PushStats(acknowledged_seq=4, failures=Counter({"connect": 3}))
    families = AgentCollector(None, state(), journal, stats).families()
    journal.close()
    fams = {f.metric.name: list(f.rows) for f in families}
    assert fams["sansang_push_acknowledged_seq"] == [({}, 4)]
    assert fams["sansang_push_pending_events"] == [({}, 6)]
    assert "sansang_push_last_success_timestamp_seconds" not in fams, "absent until a success"
    failures = {labels["reason"]: v for labels, v in fams["sansang_push_failures_total"]}
    assert failures == {r: (3 if r == "connect" else 0) for r in REASONS}
