"""The status page at ``/``: what a field technician needs at a glance, in Vietnamese.

What is down comes first, with the cause in words and since when; then services, reachability,
terminals by kind, the monitoring box itself and the latest events.  Plain HTML, no script, so it
works on any laptop browser over a weak link.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from agent import clock
from agent.config import Site
from agent.journal.push import PushStats
from agent.state import JobRecord, SiteState
from agent.web import links as linkpage
from agent.web import playbooks as playbook_page
from agent.web import power as power_page
from agent.web import security as security_page
from agent.web.texts import HINTS, REMOTE_HINTS, t
from sansang import i18n
from sansang.events import Event
from sansang.i18n import Lang

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;max-width:70em;color:#222}
h1{font-size:1.4em;margin-bottom:.2em} h2{font-size:1.1em;margin-top:1.4em}
.sub{color:#555} .ok{color:#1a7f37} .bad{color:#c62828;font-weight:600} .unk{color:#777}
.banner{padding:.8em 1em;border-radius:.4em;margin:1em 0;font-size:1.1em}
.banner.ok{background:#e6f4ea} .banner.bad{background:#fde7e7}
table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.3em .6em;border-bottom:1px solid #ddd}
th{background:#f4f4f4} a{color:#0b57d0}
.hint{font-weight:normal;color:#333;margin:.15em 0 .3em} .detail{color:#777;font-size:.85em}
"""


REFRESH_SECONDS = 15
_ROUTER_WORDS = {"wan": ("cổng WAN", "WAN interface")}
_PLAYBOOK_WORDS = {"link": ("Sổ tay xử lý", "Playbook")}


class StatusPage:
    def __init__(self, site: Site, state: SiteState, push: PushStats | None = None) -> None:
        self.site = site
        self.state = state
        self.push = push
        self.zone = ZoneInfo(site.service_hours.timezone)

    def _when(self, wall: float) -> str:
        return datetime.fromtimestamp(wall, self.zone).strftime("%H:%M:%S %d/%m/%Y")

    def render(self, lang: Lang, now: float, events: list[Event], journal_pending: int = 0) -> str:
        site, commune = self.site, self.site.commune
        other = i18n.other(lang)
        open_now = self.state.service_hours_open(now)
        parts = [
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width,initial-scale=1">',
            # A technician leaves the page open while fixing things: it follows by itself.
            f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">',
            f"<title>{escape(t('title', lang))} – {escape(site.name)}</title>",
            f"<style>{_STYLE}</style></head><body>",
            f'<p style="float:right"><a href="?lang={other}">{t("other_lang", lang)}</a> · '
            f'<a href="metrics">{t("metrics_link", lang)}</a></p>',
            f"<h1>{escape(site.name)}</h1>",
            f'<div class="sub">{escape(commune.name)} ({site.commune_code}), '
            f"{escape(commune.province_name)} · {escape(site.site_id)} · "
            f"{t('open_now' if open_now else 'closed_now', lang)} · {self._when(now)}</div>",
        ]
        parts.append(self._banner(lang, now, journal_pending))
        parts.append(self._section("services", lang, now, self.state.jobs_of("service")))
        parts.append(self._section("checks", lang, now, self.state.jobs_of("check")))
        parts.append(self._terminals(lang, now))
        parts.append(power_page.section(self.state, lang, now, clock.monotonic_ns()))
        parts.append(linkpage.section(self.state, lang, now))
        parts.append(security_page.section(self.state, lang, now))
        parts.append(self._host(lang))
        parts.append(self._push(lang, now, events))
        parts.append(self._events(lang, events))
        parts.append("</body></html>")
        return "".join(parts)

    def _banner(self, lang: Lang, now: float, journal_pending: int) -> str:
        down = self.state.down()
        extra = power_page.banner_items(self.state, lang, now, clock.monotonic_ns(), self._when)
        extra += linkpage.banner_items(self.state, lang)
        extra += security_page.banner_items(self.state, lang, now)
        if journal_pending:
            extra.append(f"<li>{escape(t('journal_pending', lang, n=journal_pending))}</li>")
        sync = self.state.observed.get(("clock_sync_state", "system"))
        if sync is not None and sync.state != "synchronized":
            extra.append(f"<li>{escape(t('clock_unsync', lang))}</li>")
        if not down and not extra:
            return f'<div class="banner ok">✔ {escape(t("all_ok", lang))}</div>'
        items = [
            f"<li><b>{escape(self._label(r, lang))}</b>: {escape(self._reason(r, lang))} — "
            f"{t('since', lang)} {self._when(r.since_wall)} "
            f"({t('for', lang)} {i18n.duration(now - r.since_wall, lang)})"
            f"{self._hint(r, lang)}</li>"
            for r in sorted(down, key=lambda r: r.since_wall)
        ]
        heading = t("n_down", lang, n=len(down)) if down else t("attention", lang)
        return f'<div class="banner bad">✖ {escape(heading)}<ul>{"".join(items + extra)}</ul></div>'

    def _label(self, rec: JobRecord, lang: Lang) -> str:
        job = rec.job
        name = job.name or job.id
        if job.role == "terminal":
            kind = i18n.pick(i18n.TERMINAL_KINDS, job.attributes["kind"], lang)
            if re.match(rf"{re.escape(kind)}(\W|$)", name, re.IGNORECASE):
                return name  # "Máy in quầy 1" already says it is a printer
            return f"{kind} {name}"
        if job.role == "service":
            role = i18n.pick(i18n.SERVICE_ROLES, job.attributes["role"], lang)
            return f"{job.name} ({role})" if job.name else role
        return name

    def _reason(self, rec: JobRecord, lang: Lang) -> str:
        if rec.outcome is None:
            return t("not_yet", lang)
        return i18n.pick(i18n.REASONS, rec.outcome.reason, lang)

    def _hint(self, rec: JobRecord, lang: Lang) -> str:
        """What to do next, where the fault likely is: a service is a server outside the centre
        (the one-stop system, the portal), so it never gets a device's on-site advice."""
        if rec.outcome is None:
            return ""
        hints = REMOTE_HINTS if rec.job.role == "service" else HINTS
        book = self._playbook_link(rec, lang)
        if rec.outcome.reason not in hints:
            return book
        text = escape(i18n.pick(hints, rec.outcome.reason, lang))
        return f'<div class="hint">→ {text}</div>{book}'

    @staticmethod
    def _playbook_href(rec: JobRecord) -> str | None:
        """The page's address of the playbook section (served offline here) for this failure."""
        kind = rec.job.attributes.get("kind") if rec.job.role == "terminal" else None
        thing = kind if kind in ("video_conference", "router") else rec.job.role
        return playbook_page.link(thing, rec.outcome.reason) if rec.outcome else None

    def _playbook_link(self, rec: JobRecord, lang: Lang) -> str:
        href = self._playbook_href(rec)
        if href is None:
            return ""
        words = i18n.pick(_PLAYBOOK_WORDS, "link", lang)
        return f'<div class="hint book">📖 <a href="{escape(href)}">{words}</a></div>'

    def _cause(self, rec: JobRecord, lang: Lang) -> str:
        """Cause cell: the reason in words, the technical detail small below it; a printer's
        own errors in words (``hết giấy, kẹt giấy``), also while it is up (``sắp hết mực``)."""
        printer = i18n.printer_errors(str(rec.state_details.get("printer_errors") or ""), lang)
        if rec.state != "down":
            return f"⚠ {escape(printer)}" if printer else ""
        cell = escape(self._reason(rec, lang))
        if printer:
            cell += f": {escape(printer)}"
        wan = rec.state_details.get("wan_interface")  # a router read over SSH
        if wan and rec.state_details.get("wan_state") != "unknown":
            cell += f" ({i18n.pick(_ROUTER_WORDS, 'wan', lang)} {escape(str(wan))})"
        if rec.outcome is not None and rec.outcome.detail:
            cell += f'<div class="detail">{escape(rec.outcome.detail)}</div>'
        href = self._playbook_href(rec)  # the cause links what to do about it, as the banner
        if href is not None:
            words = i18n.pick(_PLAYBOOK_WORDS, "link", lang)
            cell += f'<div class="book">📖 <a class="book" href="{escape(href)}">{words}</a></div>'
        return cell

    def _state_cell(self, rec: JobRecord, lang: Lang, now: float) -> str:
        if rec.state is None:
            return f'<span class="unk">{t("not_yet", lang)}</span>'
        css = "ok" if rec.state == "up" else "bad"
        since = f" {t('since', lang)} {self._when(rec.since_wall)}"
        return f'<span class="{css}">{t(rec.state, lang)}</span>{since}'

    def _section(self, key: str, lang: Lang, now: float, records: list[JobRecord]) -> str:
        if not records:
            return ""
        rows = "".join(
            f"<tr><td>{escape(self._label(r, lang))}</td><td>{self._state_cell(r, lang, now)}</td>"
            f"<td>{self._cause(r, lang)}</td></tr>"
            for r in records
        )
        return (
            f"<h2>{t(key, lang)}</h2><table><tr><th>{t('name', lang)}</th>"
            f"<th>{t('state', lang)}</th><th>{t('cause', lang)}</th></tr>{rows}</table>"
        )

    def _terminals(self, lang: Lang, now: float) -> str:
        records = self.state.jobs_of("terminal")
        if not records:
            return ""
        by_kind: dict[str, list[JobRecord]] = defaultdict(list)
        for r in records:
            by_kind[r.job.attributes["kind"]].append(r)
        summary = " · ".join(
            f"{i18n.pick(i18n.TERMINAL_KINDS, kind, lang)}: "
            + t("available", lang, up=sum(r.state == "up" for r in rs), total=len(rs))
            for kind, rs in by_kind.items()
        )
        rows = "".join(
            f"<tr><td>{escape(i18n.pick(i18n.TERMINAL_KINDS, r.job.attributes['kind'], lang))}</td>"
            f"<td>{escape(r.job.name or r.job.id)}</td>"
            f"<td>{escape(r.job.attributes['address'])}</td>"
            f"<td>{self._state_cell(r, lang, now)}</td>"
            f"<td>{self._cause(r, lang)}</td></tr>"
            for r in sorted(records, key=lambda r: (r.state != "down", r.job.attributes["kind"]))
        )
        return (
            f"<h2>{t('terminals', lang)}</h2><p>{escape(summary)}</p><table><tr>"
            f"<th>{t('kind', lang)}</th><th>{t('name', lang)}</th><th>{t('address', lang)}</th>"
            f"<th>{t('state', lang)}</th><th>{t('cause', lang)}</th></tr>{rows}</table>"
        )

    def _host(self, lang: Lang) -> str:
        rec = self.state.records.get("host")
        if rec is None or rec.outcome is None:
            return ""
        values = {(s.name, s.labels.get("mountpoint", "")): s.value for s in rec.outcome.samples}
        rows = []
        uptime = values.get(("sansang_host_uptime_seconds", ""))
        if uptime is not None:
            rows.append((t("uptime", lang), i18n.duration(uptime, lang)))
        mem = values.get(("sansang_host_memory_available_bytes", ""))
        if mem is not None:
            rows.append((t("memory", lang), _gib(mem, lang)))
        for s in rec.outcome.samples:
            if s.name == "sansang_host_filesystem_free_bytes":
                rows.append((f"{t('disk', lang)} {s.labels['mountpoint']}", _gib(s.value, lang)))
        wanted = linkpage.configured_interfaces(self.state)
        interfaces = [
            f"{subject}: {t('up' if o.state == 'up' else 'down', lang)}"
            for (kind, subject), o in sorted(self.state.observed.items())
            if kind == "interface_state" and linkpage.shown_interface(subject, wanted)
        ]
        if interfaces:
            rows.append((t("interfaces", lang), ", ".join(interfaces)))
        body = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows)
        return f"<h2>{t('host', lang)}</h2><table>{body}</table>"

    def _push(self, lang: Lang, now: float, events: list[Event]) -> str:
        """One line: events waiting for the collector, the last acknowledgement, the error."""
        p = self.push
        if p is None:
            return ""
        newest = max((e.seq for e in events), default=p.acknowledged_seq)
        last = (
            f"{self._when(p.last_success)} "
            f"({t('ln_ago', lang, ago=i18n.duration(now - p.last_success, lang))})"
            if p.last_success is not None
            else t("push_never", lang)
        )
        line = t("push_line", lang, n=p.pending(newest), last=last)
        css = "ok"
        if p.failing_since is not None:
            line += " · " + t("push_error", lang, error=p.last_error)
            css = "bad"
        return f'<p class="{css}" id="push">{escape(line)}</p>'

    def _events(self, lang: Lang, events: list[Event]) -> str:
        if not events:
            return ""
        rows = "".join(
            f"<tr><td>{self._when(e.wall_time)}</td>"
            f"<td>{escape(i18n.pick(i18n.EVENT_KINDS, e.kind, lang))}</td>"
            f"<td>{escape(self._subject(e, lang))}</td>"
            f"<td>{escape(self._event_state(e, lang))}</td></tr>"
            for e in reversed(events)
        )
        return (
            f"<h2>{t('recent_events', lang)}</h2><table><tr><th>{t('time', lang)}</th>"
            f"<th>{t('event', lang)}</th><th>{t('name', lang)}</th><th>{t('state', lang)}</th>"
            f"</tr>{rows}</table>"
        )

    def _subject(self, e: Event, lang: Lang) -> str:
        """The job's name when the subject is a job, words for the site; else the subject."""
        if e.subject == "site":
            return t("pw_site", lang)
        rec = self.state.records.get(e.subject)
        return (rec.job.name or e.subject) if rec is not None else e.subject

    @staticmethod
    def _event_state(e: Event, lang: Lang) -> str:
        if e.kind == "security_state":
            return security_page.event_text(e.state, e.details.get("reason"), lang)
        text = i18n.pick(i18n.STATES, e.state, lang) if e.state else ""
        reason = e.details.get("reason")
        if e.state == "down" and isinstance(reason, str):
            text += f" – {i18n.pick(i18n.REASONS, reason, lang)}"
        if e.kind in ("mains_state", "ups_depleted", "mains_flapping") and e.value is not None:
            text += f" – {i18n.duration(e.value, lang)}"  # the outage, or the UPS's hold-up
        return text


def _gib(size: float, lang: Lang) -> str:
    return f"{i18n.number(size / 2**30, 1, lang)} GiB"
