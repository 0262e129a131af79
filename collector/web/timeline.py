"""A site's events as sentences a person reads (diễn biến): "Mất điện lưới", "Có điện trở lại
sau 12 phút", "Máy in quầy 1: mất kết nối – không phản hồi".

The words are the agent's (``sansang.i18n``), so a technician reads the same thing on the site's
status page and on the province's site page.  Things are called by their names (:class:`Names`):
a terminal by its name in the inventory, a link by its kind's name ("Đường truyền Internet"), a
UPS by its model, a system by its role; an id only when nothing names it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from collector import figures as fmt
from collector.events import StoredEvent
from collector.inventory.model import Site
from sansang import i18n
from sansang.i18n import Lang, duration, pick


@dataclass(frozen=True)
class Names:
    """What a site calls the things its agent's events name by id."""

    terminals: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # id: (name, kind)
    ups: Mapping[str, str] = field(default_factory=dict)  # id: model
    links: Mapping[str, str] = field(default_factory=dict)  # the agent's link id: its kind

    @classmethod
    def of(cls, site: Site | None, events: Iterable[StoredEvent] = ()) -> Names:
        """From the inventory and from the events that tie a link to its kind (throughput tests
        and quality rounds carry ``link`` and ``link_kind``); a site with one kind of link has
        every link of that kind."""
        links: dict[str, str] = {}
        for e in events:
            link, kind = e.details.get("link"), e.details.get("link_kind")
            if isinstance(link, str) and isinstance(kind, str):
                links.setdefault(link, kind)
        if site is None:
            return cls(links=links)
        if len(site.links) == 1:
            links.setdefault("", site.links[0])
        return cls(
            terminals={t.id: (t.name, t.kind) for t in site.terminals},
            ups={u.id: u.model for u in site.ups},
            links=links,
        )

    def terminal(self, ident: str, kind: object, lang: Lang) -> str:
        """``Máy in quầy 1``, ``Quầy 2 (Máy tính quầy)``; ``Máy in printer-1`` without a name."""
        name, listed = self.terminals.get(ident, ("", ""))
        kind_key = kind if isinstance(kind, str) else listed or "other"
        kind_name = pick(i18n.TERMINAL_KINDS, kind_key, lang)
        if not name:
            return f"{kind_name} {ident}"
        if name.casefold().startswith(kind_name.casefold()):
            return name
        return f"{name} ({kind_name})"

    def link(self, ident: str, lang: Lang) -> str:
        """The link's kind by name (``Internet``); the id when neither the events nor the
        inventory tie it to a kind."""
        kind = ident if ident in i18n.LINK_KINDS else self.links.get(ident, self.links.get(""))
        return pick(i18n.LINK_KINDS, kind, lang) if kind else ident

    def power(self, ident: str) -> str:
        """A UPS by its model (``APC Back-UPS 1100``), two of one model told apart by id."""
        model = self.ups.get(ident)
        if model is None:
            return ident
        same = sum(m == model for m in self.ups.values())
        return model if same == 1 else f"{model} ({ident})"


NO_NAMES = Names()

_Words = Callable[[StoredEvent, Lang, Names], str]

_MBIT = 8 / 1e6  # bytes per second -> Mbit/s


def _after(e: StoredEvent, lang: Lang) -> str:
    """`` sau 12 phút`` when the event says how long the previous state lasted."""
    seconds = e.details.get("previous_duration_seconds")
    if not isinstance(seconds, int | float):
        return ""
    return f" {'sau' if lang == 'vi' else 'after'} {duration(seconds, lang)}"


def _reason(e: StoredEvent, lang: Lang) -> str:
    reason = e.details.get("reason")
    if e.state == "down" and isinstance(reason, str):
        return f" – {pick(i18n.REASONS, reason, lang)}"
    return ""


def _mains(e: StoredEvent, lang: Lang, names: Names) -> str:
    if e.state == "lost":
        return "Mất điện lưới" if lang == "vi" else "Mains lost"
    seconds = e.value if e.value is not None else e.details.get("previous_duration_seconds")
    back = "Có điện trở lại" if lang == "vi" else "Mains back"
    if not isinstance(seconds, int | float):
        return back
    text = f"{back} {'sau' if lang == 'vi' else 'after'} {duration(seconds, lang)}"
    if e.details.get("class") == "momentary":
        text += " (thoáng qua)" if lang == "vi" else " (momentary)"
    if e.details.get("depleted"):
        text += "; UPS đã cạn pin" if lang == "vi" else "; a UPS ran out"
    return text


def _flapping(e: StoredEvent, lang: Lang, names: Names) -> str:
    word = pick(i18n.EVENT_KINDS, "mains_flapping", lang)
    if e.state == "started":
        return word
    end = "kết thúc" if lang == "vi" else "ended"
    return f"{word} {end}" + (f", {duration(e.value, lang)}" if e.value is not None else "")


def _depleted(e: StoredEvent, lang: Lang, names: Names) -> str:
    word = pick(i18n.EVENT_KINDS, "ups_depleted", lang)
    if e.value is None:
        return f"{word} {names.power(e.subject)}"
    held = "sau" if lang == "vi" else "after"
    return f"{word} {names.power(e.subject)} {held} {duration(e.value, lang)}"


def _thing(e: StoredEvent, lang: Lang, names: Names) -> str:
    """What a state event is about, by its name."""
    word = pick(i18n.EVENT_KINDS, e.kind, lang)
    if e.kind == "terminal_state":
        return names.terminal(e.subject, e.details.get("kind"), lang)
    if e.kind == "service_state" and isinstance(e.details.get("role"), str):
        return pick(i18n.SERVICE_ROLES, e.details["role"], lang)
    if e.kind == "link_state":
        return f"{word} {names.link(e.subject, lang)}"
    if e.kind == "power_source_state":
        return f"{word} {names.power(e.subject)}"
    return f"{word} {e.subject}"


def _job(e: StoredEvent, lang: Lang, names: Names) -> str:
    """check_state, service_state, terminal_state, power_source_state, link_state, ..."""
    state = pick(i18n.STATES, e.state, lang) if e.state else ""
    if e.state == "up" and e.details.get("previous") == "down":
        state = ("hoạt động trở lại" if lang == "vi" else "back up") + _after(e, lang)
    return f"{_thing(e, lang, names)}: {state}{_reason(e, lang)}"


def _speedtest(e: StoredEvent, lang: Lang, names: Names) -> str:
    link = e.details.get("link_kind") or e.details.get("link") or e.subject
    word = pick(i18n.EVENT_KINDS, "speedtest_result", lang)
    head = f"{word} ({names.link(str(link), lang)})"
    if e.state != "ok":
        return f"{head}: {pick(i18n.STATES, 'failed', lang)}{_reason_any(e.details, lang)}"
    down, up = e.details.get("download_bps"), e.details.get("upload_bps")
    parts = []
    if isinstance(down, int | float):
        parts.append(f"{'tải xuống' if lang == 'vi' else 'down'} {_mbits(down, lang)}")
    if isinstance(up, int | float):
        parts.append(f"{'tải lên' if lang == 'vi' else 'up'} {_mbits(up, lang)}")
    return f"{head}: {', '.join(parts)}" if parts else head


def _mbits(bytes_per_second: float, lang: Lang) -> str:
    return fmt.figure(bytes_per_second * _MBIT, "Mbit/s", lang)


def _reason_any(details: Mapping[str, Any], lang: Lang) -> str:
    reason = details.get("reason")
    return f" – {pick(i18n.REASONS, reason, lang)}" if isinstance(reason, str) else ""


def _quality(e: StoredEvent, lang: Lang, names: Names) -> str:
    link = e.details.get("link_kind") or e.details.get("link") or e.subject
    loss = e.details.get("loss_ratio")
    text = f"{pick(i18n.EVENT_KINDS, 'link_quality', lang)} {names.link(str(link), lang)}"
    if isinstance(loss, int | float):
        text += f": {'mất gói' if lang == 'vi' else 'loss'} {fmt.figure(loss, 'ratio', lang)}"
    if e.value is not None:
        latency = i18n.number(e.value * 1000, 0, lang)
        text += f", {'độ trễ' if lang == 'vi' else 'latency'} {latency} ms"
    return text


def _clock_step(e: StoredEvent, lang: Lang, names: Names) -> str:
    word = pick(i18n.EVENT_KINDS, "clock_step", lang)
    if e.value is None:
        return word
    sign = "+" if e.value >= 0 else "−"
    return f"{word} {sign}{duration(abs(e.value), lang)}"


def _plain(e: StoredEvent, lang: Lang, names: Names) -> str:
    word = pick(i18n.EVENT_KINDS, e.kind, lang)
    state = f": {pick(i18n.STATES, e.state, lang)}" if e.state else ""
    subject = "" if e.subject in ("agent", "system", "site", "journal", "") else f" {e.subject}"
    if e.subject in names.ups:  # battery_low, ups_bypass, ...: a UPS by its model
        subject = f" {names.power(e.subject)}"
    elif e.kind in ("backup_link_working", "link_quality"):
        subject = f" {names.link(e.subject, lang)}"
    return f"{word}{subject}{state}"


_BY_KIND: dict[str, _Words] = {
    "mains_state": _mains,
    "mains_flapping": _flapping,
    "ups_depleted": _depleted,
    "check_state": _job,
    "service_state": _job,
    "terminal_state": _job,
    "power_source_state": _job,
    "link_state": _job,
    "interface_state": _job,
    "speedtest_result": _speedtest,
    "link_quality": _quality,
    "clock_step": _clock_step,
}

# What makes a row stand out on the timeline.
BAD_STATES = frozenset({"down", "lost", "low", "depleted", "failed", "on", "started"})


def sentence(e: StoredEvent, lang: Lang, names: Names = NO_NAMES) -> str:
    """One event in words, things called by ``names`` (the site's inventory)."""
    return _BY_KIND.get(e.kind, _plain)(e, lang, names)


def tone(e: StoredEvent) -> str:
    """``bad``, ``ok`` or ``""``: how the row is marked (with words, not colour alone)."""
    if e.state in BAD_STATES and e.kind != "speedtest_result":
        return "bad"
    if e.state in ("up", "restored", "normal", "ended", "off", "synchronized"):
        return "ok"
    if e.kind == "speedtest_result" and e.state == "failed":
        return "bad"
    return ""
