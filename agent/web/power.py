"""The power part of the status page: what each source says, the outage in progress, and the
outage figures for 24 hours, 7 days and 30 days.  Words, not flags: "đang chạy bằng pin UPS, còn
khoảng 12 phút", not "OB DISCHRG"."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from agent.power.history import WINDOWS
from agent.power.reading import PowerReading
from agent.state import SiteState
from agent.web.texts import t
from sansang import i18n
from sansang.i18n import Lang

When = Callable[[float], str]

# Conditions worth words, most serious first: (flag, text key)
_FLAG_WORDS = (
    ("FSD", "pw_fsd"),
    ("LB", "pw_low"),
    ("OB", "pw_on_battery"),
    ("BYPASS", "pw_bypass"),
    ("OVER", "pw_overload"),
    ("RB", "pw_replace"),
    ("OFF", "pw_off"),
    ("OL", "pw_online"),
    ("CHRG", "pw_charging"),
)


def condition(reading: PowerReading, lang: Lang) -> str:
    """``Đang chạy bằng pin UPS, pin yếu`` from the flags."""
    words = [t(key, lang) for flag, key in _FLAG_WORDS if flag in reading.flags]
    return ", ".join(words) or t("pw_unknown", lang)


def banner_items(state: SiteState, lang: Lang, now: float, mono_ns: int, when: When) -> list[str]:
    """Lines for the "problems now" banner: mains lost (with what the battery has left) and
    sources on bypass or asking for shutdown.  HTML-escaped."""
    tracker = state.power.tracker
    items = []
    if tracker.outage is not None:
        seconds = tracker.outage_seconds(now, mono_ns)
        line = t(
            "pw_banner_lost",
            lang,
            since=when(tracker.outage.start_wall),
            duration=i18n.duration(seconds, lang),
        )
        left = _battery_left(state, lang)
        hint = t("pw_hint_lost", lang)
        items.append(
            f"<li><b>{escape(line)}</b>{escape(left)}<div class='hint'>→ {escape(hint)}</div></li>"
        )
    for source, src in tracker.sources.items():
        r = src.reading
        if r is not None and (r.bypass or r.forced_shutdown or "OVER" in r.flags):
            name = state.records[source].job.name or source
            items.append(f"<li><b>{escape(name)}</b>: {escape(condition(r, lang))}</li>")
    if tracker.flapping:
        items.append(f"<li>{escape(t('pw_flapping', lang))}</li>")
    return items


def _battery_left(state: SiteState, lang: Lang) -> str:
    parts = []
    for src in state.power.tracker.sources.values():
        r = src.reading
        if r is None or not r.on_battery:
            continue
        if r.battery_charge_ratio is not None:
            parts.append(t("pw_charge_left", lang, pct=i18n.percent(r.battery_charge_ratio, lang)))
        if r.battery_runtime_seconds is not None:
            left = i18n.duration(r.battery_runtime_seconds, lang)
            parts.append(t("pw_runtime_left", lang, left=left))
    return " — " + ", ".join(parts) if parts else ""


def section(state: SiteState, lang: Lang, now: float, mono_ns: int) -> str:
    records = state.jobs_of("power")
    if not records:
        return ""
    tracker = state.power.tracker
    rows = []
    for rec in records:
        src = tracker.sources[rec.job.id]
        name = escape(rec.job.name or rec.job.id)
        r = src.reading
        if rec.outcome is None:
            cells = [f'<span class="unk">{t("not_yet", lang)}</span>', "", "", "", ""]
        elif r is None:
            reason = i18n.pick(i18n.REASONS, rec.outcome.reason, lang)
            cells = [f'<span class="bad">{escape(reason)}</span>', "", "", "", ""]
        else:
            css = "bad" if r.on_battery or r.battery_low else "ok"
            cells = [
                f'<span class="{css}">{escape(condition(r, lang))}</span>',
                _pct(r.battery_charge_ratio, lang),
                escape(i18n.duration(r.battery_runtime_seconds, lang))
                if r.battery_runtime_seconds is not None
                else "–",
                f"{i18n.number(r.input_voltage_volts, 0, lang)} V"
                if r.input_voltage_volts is not None
                else "–",
                _pct(r.load_ratio, lang),
            ]
        rows.append(f"<tr><td>{name}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    heads = ("pw_source", "state", "pw_charge", "pw_runtime", "pw_voltage", "pw_load")
    table = (
        "<table><tr>"
        + "".join(f"<th>{t(h, lang)}</th>" for h in heads)
        + f"</tr>{''.join(rows)}</table>"
    )
    return f"<h2>{t('power', lang)}</h2>{table}{_summary(state, lang, now, mono_ns)}"


def _summary(state: SiteState, lang: Lang, now: float, mono_ns: int) -> str:
    figures = state.power.summary(now, mono_ns)
    windows = list(WINDOWS)
    header = "".join(f"<th>{t('pw_window_' + w, lang)}</th>" for w in windows)
    # The class boundary as configured (power.sustained_after), not a number written in the text.
    limit = i18n.duration(state.power.history.sustained_after, lang)
    lines: list[tuple[str, list[str]]] = [
        (
            t("pw_sustained", lang, limit=limit),
            [str(figures[w].outages["sustained"]) for w in windows],
        ),
        (
            t("pw_momentary", lang, limit=limit),
            [str(figures[w].outages["momentary"]) for w in windows],
        ),
        (t("pw_total", lang), [_duration(figures[w].total_seconds, lang) for w in windows]),
        (t("pw_longest", lang), [_duration(figures[w].longest, lang) for w in windows]),
        (
            t("pw_holdup", lang),
            [
                _duration(h, lang) if (h := figures[w].shortest_holdup) is not None else "–"
                for w in windows
            ],
        ),
    ]
    body = "".join(
        f"<tr><td>{escape(label)}</td>" + "".join(f"<td>{v}</td>" for v in vals) + "</tr>"
        for label, vals in lines
    )
    return (
        f"<h3>{t('pw_outages', lang)}</h3><table><tr><th></th>{header}</tr>{body}</table>"
        f'<p class="detail">{escape(t("pw_classes", lang))}</p>'
    )


def _pct(ratio: float | None, lang: Lang) -> str:
    return "–" if ratio is None else i18n.percent(ratio, lang)


def _duration(seconds: float, lang: Lang) -> str:
    return "–" if seconds <= 0 else escape(i18n.duration(seconds, lang))
