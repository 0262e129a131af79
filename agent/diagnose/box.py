"""The agent's own records, read without touching them: the journal (does it open, how many
events, how full against ``journal.max_size_mib``) and the push backlog (events the collector
has not acknowledged yet).

Read-only by construction: SQLite in URI ``mode=ro``, never ``agent.journal.store.Journal`` (its
constructor creates a missing file and prunes).  A missing journal is a warning (the agent has
not run here yet, or the path is wrong), never a file diagnose leaves behind.  The push cursor is
the journal's ``meta`` row ``push_acknowledged_seq`` (``agent/journal/push.py``).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from agent.config import AgentConfig
from agent.diagnose.model import CheckResult
from agent.diagnose.plan import Planned
from agent.diagnose.verdict import advice
from agent.journal.push import META_KEY
from sansang import i18n

JOURNAL_FULL_RATIO = 0.9  # of max_size_mib: beyond it the oldest events are about to go
# A healthy push sends within seconds (push.interval, 10 s): an event still unsent after this
# long says the collector is not being reached.
PUSH_STALE_SECONDS = 600.0
_MIB = 1024 * 1024


@dataclass(frozen=True)
class JournalFacts:
    events: int
    size_bytes: int
    newest_wall: float | None
    acknowledged: int | None  # push cursor; None when never pushed
    unsent: int
    oldest_unsent_wall: float | None


def read_journal(path: Path) -> JournalFacts:
    """Counts of the journal at ``path``; raises ``FileNotFoundError`` when there is none,
    ``sqlite3.Error`` when it does not open as one."""
    if not path.exists():
        raise FileNotFoundError(str(path))
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    db = sqlite3.connect(uri, uri=True, timeout=2.0)
    try:
        events, newest = db.execute("SELECT count(*), max(wall_time) FROM events").fetchone()
        row = db.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
        acked = int(row[0]) if row and str(row[0]).isdigit() else None
        unsent, oldest = db.execute(
            "SELECT count(*), min(wall_time) FROM events WHERE seq > ?", (acked or 0,)
        ).fetchone()
    finally:
        db.close()
    size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    return JournalFacts(int(events), size, newest, acked, int(unsent), oldest)


def journal_check(p: Planned, config: AgentConfig) -> CheckResult:
    path = config.journal.path
    limit = config.journal.max_size_mib * _MIB
    try:
        facts = read_journal(path)
    except FileNotFoundError:
        return CheckResult(
            p.layer,
            p.id,
            p.name,
            "warn",
            "journal_missing",
            f"chưa có tệp nhật ký {path} (tác tử chưa chạy ở đây, hoặc sai đường dẫn)",
            f"no journal at {path} (the agent has not run here, or a wrong path)",
            advice(
                "host",
                "device",
                "Khởi động tác tử: systemctl start sansang-agent; kiểm tra "
                "journal.path trong cấu hình",
                "Start the agent (systemctl start sansang-agent); check journal.path in the config",
            ),
        )
    except (OSError, sqlite3.Error) as err:
        return CheckResult(
            p.layer,
            p.id,
            p.name,
            "fail",
            "journal_unreadable",
            f"không mở được nhật ký {path}: {err}",
            f"cannot open the journal {path}: {err}",
            advice(
                "host",
                "device",
                f"Kiểm tra tệp {path}: quyền đọc, ổ đĩa còn chỗ; khởi động "
                "lại tác tử (nó lập nhật ký mới nếu tệp hỏng)",
                f"Check {path}: permissions, "
                "free space; restart the agent (it begins a new journal if the file is bad)",
            ),
        )
    ratio = facts.size_bytes / limit if limit else 0.0
    figures: dict[str, float | int | str | bool | None] = {
        "events": facts.events,
        "size_bytes": facts.size_bytes,
        "max_bytes": limit,
        "newest_wall": facts.newest_wall,
    }
    size_vi = f"{i18n.number(facts.size_bytes / _MIB, 1, 'vi')}/{config.journal.max_size_mib} MiB"
    size_en = f"{i18n.number(facts.size_bytes / _MIB, 1, 'en')}/{config.journal.max_size_mib} MiB"
    vi = f"{i18n.number(facts.events, 0, 'vi')} sự kiện, {size_vi}"
    en = f"{i18n.number(facts.events, 0, 'en')} events, {size_en}"
    if ratio > JOURNAL_FULL_RATIO:
        return CheckResult(
            p.layer,
            p.id,
            p.name,
            "warn",
            "journal_full",
            vi + " (gần đầy)",
            en + " (nearly full)",
            advice(
                "host",
                "device",
                "Nhật ký gần tới giới hạn: sự kiện cũ nhất sẽ bị xoá; tăng "
                "journal.max_size_mib nếu ổ còn chỗ",
                "The journal is near its limit: the "
                "oldest events will go; raise journal.max_size_mib if the disk has room",
            ),
            figures,
        )
    return CheckResult(p.layer, p.id, p.name, "ok", "ok", vi, en, None, figures)


def push_check(p: Planned, config: AgentConfig, now: float | None = None) -> CheckResult:
    now = time.time() if now is None else now
    url = config.push.url if config.push is not None else ""
    try:
        facts = read_journal(config.journal.path)
    except FileNotFoundError:
        return CheckResult(
            p.layer,
            p.id,
            p.name,
            "skip",
            "journal_missing",
            "chưa có nhật ký để gửi",
            "no journal to push yet",
        )
    except (OSError, sqlite3.Error) as err:
        return CheckResult(
            p.layer,
            p.id,
            p.name,
            "skip",
            "journal_unreadable",
            f"không đọc được nhật ký: {err}",
            f"journal unreadable: {err}",
        )
    figures: dict[str, float | int | str | bool | None] = {
        "acknowledged_seq": facts.acknowledged,
        "unsent": facts.unsent,
        "oldest_unsent_wall": facts.oldest_unsent_wall,
    }
    if facts.unsent == 0:
        return CheckResult(
            p.layer,
            p.id,
            p.name,
            "ok",
            "ok",
            "đã gửi hết sự kiện về máy thu",
            "every event is at the collector",
            None,
            figures,
        )
    age = now - facts.oldest_unsent_wall if facts.oldest_unsent_wall is not None else 0.0
    n_vi, n_en = i18n.number(facts.unsent, 0, "vi"), i18n.number(facts.unsent, 0, "en")
    vi = f"chưa gửi {n_vi} sự kiện, cũ nhất từ {i18n.duration(age, 'vi')} trước"
    en = f"{n_en} events not sent, the oldest {i18n.duration(age, 'en')} ago"
    if age <= PUSH_STALE_SECONDS:
        return CheckResult(p.layer, p.id, p.name, "ok", "ok", vi, en, None, figures)
    return CheckResult(
        p.layer,
        p.id,
        p.name,
        "warn",
        "push_backlog",
        vi,
        en,
        advice(
            "link",
            "link",
            f"Máy giám sát chưa gửi được sự kiện về máy thu tỉnh ({url}): "
            "kiểm tra đường truyền tới máy thu và mã gửi (push.token_file)",
            f"This machine cannot push to the collector ({url}): check the link to it and "
            "the push token (push.token_file)",
        ),
        figures,
    )
