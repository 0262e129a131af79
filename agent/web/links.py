"""The links part of the status page (đường truyền): each WAN link up or down, loss, latency and
jitter of the last round to each target, the latest throughput test per backend and link, and the
month's data budget, with the day tests resume when it is used up.  In words and Mbit/s, not
bytes per second."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from agent.jobs import DEFAULT_LINK
from agent.probes.host import virtual_interface
from agent.state import JobRecord, SiteState
from agent.web.texts import t
from sansang import i18n
from sansang.i18n import Lang

_ROUND_GAUGES = {
    "sansang_link_loss_ratio": "loss",
    "sansang_link_rtt_median_seconds": "median",
    "sansang_link_jitter_seconds": "jitter",
}


def banner_items(state: SiteState, lang: Lang) -> list[str]:
    """A link that is down, for the "problems now" banner (HTML-escaped)."""
    items = []
    for link_id, status in state.links.links.items():
        if status.state == "down":
            name = _link_name(state, link_id, lang)
            items.append(f"<li><b>{escape(name)}</b>: {escape(t('ln_down', lang))}</li>")
    return items


def section(state: SiteState, lang: Lang, now: float) -> str:
    quality = state.jobs_of("quality")
    tests = state.speedtest
    shows_tests = tests is not None and (tests.latest or _suspended(state, now, lang) is not None)
    if not quality and not state.link_config and not shows_tests:
        return ""
    parts = [f"<h2>{t('links', lang)}</h2>"]
    if state.links.links:
        parts.append(_link_table(state, lang))
    if quality:
        parts.append(_quality_table(state, quality, lang))
    if tests is not None:
        parts.append(_speedtest_table(state, lang, now))
    return "".join(parts)


def configured_interfaces(state: SiteState) -> set[str]:
    """Interfaces the config names: a link's ``interface`` and the host's own list."""
    named = {link.interface for link in state.link_config.values() if link.interface}
    host = state.records.get("host")
    listed = getattr(host.job.spec, "interfaces", None) if host is not None else None
    return named | set(listed or ())


def shown_interface(name: str, configured: set[str]) -> bool:
    """Whether the status page lists ``name``: not a virtual interface, unless the config names
    it (a tun of a VPN that is the centre's link)."""
    if name in configured:
        return True
    return name != "lo" and not virtual_interface(name)


def _link_name(state: SiteState, link_id: str, lang: Lang) -> str:
    if link_id == DEFAULT_LINK:
        return t("ln_default", lang)
    link = state.link_config.get(link_id)
    return (link.name or link_id) if link is not None else link_id


def _link_table(state: SiteState, lang: Lang) -> str:
    rows = []
    for link_id, status in state.links.links.items():
        link = state.link_config.get(link_id)
        kind = i18n.pick(i18n.LINK_KINDS, link.kind, lang) if link is not None else ""
        role = t("ln_backup", lang) if status.backup else t("ln_primary", lang)
        if status.state is None:
            cell = f'<span class="unk">{t("not_yet", lang)}</span>'
        else:
            css = "ok" if status.state == "up" else "bad"
            cell = f'<span class="{css}">{t("up" if status.state == "up" else "down", lang)}</span>'
        name = escape(_link_name(state, link_id, lang))
        rows.append(
            f"<tr><td>{name}</td><td>{escape(kind)}</td><td>{role}</td><td>{cell}</td></tr>"
        )
    head = "".join(f"<th>{t(k, lang)}</th>" for k in ("ln_link", "kind", "ln_role", "state"))
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _quality_table(state: SiteState, records: list[JobRecord], lang: Lang) -> str:
    rows = []
    for rec in records:
        attrs = rec.job.attributes
        name = rec.job.name or attrs["target"]
        via = _link_name(state, attrs["link"], lang)
        values: dict[str, float] = {}
        if rec.outcome is not None:
            for s in rec.outcome.samples:
                if s.name in _ROUND_GAUGES:
                    values[_ROUND_GAUGES[s.name]] = s.value
        loss = values.get("loss")
        css = "bad" if loss is not None and loss >= 0.05 else ""
        cells = [
            escape(name),
            escape(via),
            f'<span class="{css}">{_pct(loss, lang)}</span>',
            _ms(values.get("median"), lang),
            _ms(values.get("jitter"), lang),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    heads = ("ln_target", "ln_link", "ln_loss", "ln_rtt", "ln_jitter")
    head = "".join(f"<th>{t(h, lang)}</th>" for h in heads)
    return f"<h3>{t('ln_quality', lang)}</h3><table><tr>{head}</tr>{''.join(rows)}</table>"


def _speedtest_table(state: SiteState, lang: Lang, now: float) -> str:
    tests = state.speedtest
    assert tests is not None
    rows = []
    for (backend, link_id), r in sorted(tests.latest.items()):
        when = (
            t("ln_ago", lang, ago=i18n.duration(now - r.last_success_wall, lang))
            if r.last_success_wall is not None
            else "–"
        )
        last = t("ln_ok", lang) if r.success else t("ln_failed", lang)
        cells = [
            escape(backend),
            escape(_link_name(state, link_id, lang)),
            _mbit(r.download_bps, lang),
            _mbit(r.upload_bps, lang),
            escape(when),
            f'<span class="{"ok" if r.success else "bad"}">{escape(last)}</span>',
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    heads = ("ln_backend", "ln_link", "ln_down_rate", "ln_up_rate", "ln_last_ok", "ln_last")
    head = "".join(f"<th>{t(h, lang)}</th>" for h in heads)
    table = f"<table><tr>{head}</tr>{''.join(rows)}</table>" if rows else ""
    used = tests.used_bytes
    budget = t(
        "ln_budget",
        lang,
        used=i18n.number((used or 0) / 2**20, 0, lang),
        total=i18n.number(tests.budget.monthly_bytes / 2**20, 0, lang),
    )
    parts = [f"<h3>{t('ln_speed', lang)}</h3>", table]
    resumes = _suspended(state, now, lang)
    if resumes is not None:
        parts.append(f'<p class="bad" id="speedtest-suspended">{escape(resumes)}</p>')
    parts.append(f"<p class='detail'>{escape(budget)}</p>")
    return "".join(parts)


def _suspended(state: SiteState, now: float, lang: Lang) -> str | None:
    """The line saying tests are suspended and the day they resume (in the site's time zone),
    while the month's budget is used up; None otherwise."""
    tests = state.speedtest
    if tests is None or tests.suspended_until is None or now >= tests.suspended_until:
        return None
    zone = ZoneInfo(tests.budget.timezone)
    day = datetime.fromtimestamp(tests.suspended_until, zone).strftime("%d/%m/%Y")
    return t("ln_suspended", lang, date=day)


def _pct(ratio: float | None, lang: Lang) -> str:
    return "–" if ratio is None else i18n.percent(ratio, lang)


def _ms(seconds: float | None, lang: Lang) -> str:
    return "–" if seconds is None else f"{i18n.number(seconds * 1000, 1, lang)} ms"


def _mbit(bytes_per_second: float | None, lang: Lang) -> str:
    if bytes_per_second is None:
        return "–"
    return f"{i18n.number(bytes_per_second * 8 / 1e6, 1, lang)} Mbit/s"
