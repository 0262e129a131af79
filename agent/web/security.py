"""The security part of the status page (an toàn thông tin): each machine of ``security.hosts``
with its firewall, antivirus, encryption and clock, and how long ago its newest antivirus
signature, OS update and backup were made; in the banner, a machine that could not be checked
and a measure that is off or old, in one line per machine ("Máy tính quầy 1: tường lửa tắt, chữ
ký chống virus 12 ngày").

Whether a machine meets the province's targets is the collector's finding; the ages that make
this page ask for attention (:data:`STALE_AFTER`) only point a technician at what to look at.
"""

from __future__ import annotations

from html import escape

from agent.state import JobRecord, SiteState
from agent.web.texts import SSH_HINTS, t
from sansang import i18n
from sansang.i18n import Lang

MEASURES = ("firewall", "antivirus", "realtime", "encryption", "time_sync")
TIMES = ("signature", "update", "backup")
# Older than this, the page names the age in the banner (seconds).
STALE_AFTER = {"signature": 7 * 86400.0, "update": 60 * 86400.0, "backup": 8 * 86400.0}


def reason_text(reason: str, lang: Lang) -> str:
    return i18n.pick(i18n.REASONS, reason, lang)


def event_text(state: str | None, reason: object, lang: Lang) -> str:
    """A ``security_state`` event in the page's list of events."""
    if state == "failed":
        cause = f" – {reason_text(reason, lang)}" if isinstance(reason, str) else ""
        return t("sec_failed", lang) + cause
    return t("sec_checked", lang) if state == "checked" else (state or "")


def banner_items(state: SiteState, lang: Lang, now: float) -> list[str]:
    """One line per machine that could not be checked, or that has a measure off or old."""
    items = []
    for rec in state.jobs_of("security"):
        problems = _problems(rec, lang, now)
        if problems:
            hint = ""
            reason = rec.outcome.reason if rec.outcome is not None else ""
            if rec.state == "failed" and reason in SSH_HINTS:
                hint = f'<div class="hint">→ {escape(i18n.pick(SSH_HINTS, reason, lang))}</div>'
            items.append(f"<li><b>{escape(_name(rec))}</b>: {escape(problems)}{hint}</li>")
    return items


def summary(rec: JobRecord, lang: Lang, now: float) -> str:
    """``Máy tính quầy 1: tường lửa tắt, chữ ký chống virus 12 ngày`` (empty: nothing to say)."""
    problems = _problems(rec, lang, now)
    return f"{_name(rec)}: {problems}" if problems else ""


def _problems(rec: JobRecord, lang: Lang, now: float) -> str:
    if rec.state == "failed" and rec.outcome is not None:
        return f"{t('sec_failed', lang)} – {reason_text(rec.outcome.reason, lang)}"
    if rec.state != "checked":
        return ""
    facts = rec.state_details
    parts = [
        t("sec_off_item", lang, measure=t(f"sec_{m}", lang).lower())
        for m in MEASURES
        if facts.get(m) is False
    ]
    for what in TIMES:
        when = facts.get(f"{what}_at")
        if isinstance(when, int | float) and now - when > STALE_AFTER[what]:
            age = i18n.duration(now - when, lang)
            parts.append(t("sec_old_item", lang, what=t(f"sec_{what}", lang).lower(), age=age))
    if facts.get("backup_expected") is True and facts.get("backup_at") is None:
        parts.append(t("sec_no_backup", lang))
    return ", ".join(parts)


def section(state: SiteState, lang: Lang, now: float) -> str:
    records = state.jobs_of("security")
    if not records:
        return ""
    heads = ["sec_machine", "state", *(f"sec_{m}" for m in MEASURES), *(f"sec_{w}" for w in TIMES)]
    header = "".join(f"<th>{escape(t(h, lang))}</th>" for h in heads)
    rows = "".join(_row(rec, lang, now) for rec in records)
    return f"<h2>{t('security', lang)}</h2><table><tr>{header}</tr>{rows}</table>"


def _row(rec: JobRecord, lang: Lang, now: float) -> str:
    cells = [escape(_name(rec)), _state_cell(rec, lang)]
    facts = rec.state_details if rec.state == "checked" else {}
    for m in MEASURES:
        value = facts.get(m)
        key, css = (
            ("sec_on", "ok")
            if value is True
            else ("sec_off", "bad")
            if value is False
            else ("sec_unknown", "unk")
        )
        cells.append(f'<span class="{css}">{escape(t(key, lang))}</span>')
    for what in TIMES:
        when = facts.get(f"{what}_at")
        if isinstance(when, int | float):
            age = t("sec_age", lang, age=i18n.duration(max(0.0, now - when), lang))
            css = "bad" if now - when > STALE_AFTER[what] else "ok"
            cells.append(f'<span class="{css}">{escape(age)}</span>')
        elif what == "backup" and facts.get("backup_expected") is True:
            cells.append(f'<span class="bad">{escape(t("sec_none", lang))}</span>')
        else:
            cells.append(f'<span class="unk">{escape(t("sec_unknown", lang))}</span>')
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _state_cell(rec: JobRecord, lang: Lang) -> str:
    if rec.state is None or rec.outcome is None:
        return f'<span class="unk">{escape(t("not_yet", lang))}</span>'
    if rec.state == "checked":
        return f'<span class="ok">{escape(t("sec_checked", lang))}</span>'
    cause = escape(reason_text(rec.outcome.reason, lang))
    detail = f'<div class="detail">{escape(rec.outcome.detail)}</div>' if rec.outcome.detail else ""
    return f'<span class="bad">{escape(t("sec_failed", lang))}</span>: {cause}{detail}'


def _name(rec: JobRecord) -> str:
    return rec.job.name or rec.job.id
