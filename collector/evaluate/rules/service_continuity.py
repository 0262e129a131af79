"""OPS-CONT: the centre serves citizens and businesses without interruption (phục vụ người dân,
doanh nghiệp liên tục, không gián đoạn).

In the site's service hours (giờ phục vụ, :func:`collector.evaluate.hours.service_spans`) the
centre could serve when, all at once:

- power held: mains present, or on a UPS not yet run out (:func:`timeline.unpowered_spans`);
- some link was up (``link_state``: a link is up when a target answered over it);
- every kind of ``required_kinds`` (the terminals a counter needs, as INF-EQUIP) had some terminal
  of that kind up (``terminal_state``; a terminal's kind as
  :func:`terminal_availability.terminal_hours` reads it: the inventory's, else the events');
- the one-stop e-system (Hệ thống Một cửa điện tử, role ``one_stop_system``) was reachable from
  the site: every ``service_state`` subject of that role up, as OPS-247 reads them.

The figure is the share of the known service time the centre could serve.  Time nobody was
looking (:func:`timeline.agent_gaps`), or a part's state not yet known after the agent started,
is unknown, never serving; a time without power stays a break even when the agent's box went
down with it (the ``restored`` says when the outage began, the depletion when the UPS ran out).
More than ``max_unknown_ratio`` of the service hours unknown: the finding is unknown.

A part the site reports nothing of (no ``link_state``, no terminal of a required kind, no
one-stop service watched) is not followed: the figure is of the other parts, which can only be
higher than with it, so it is not met when that figure misses ``min_ratio_in_service`` already
and unknown otherwise, naming what is not followed.

A break's cause is that of the first part down, in this order: ``power``, ``link``, ``device``
(a required kind with no terminal up), then the one-stop system: ``central`` when at least
``central_outage_share`` of the sites watching it lost it at once (OPS-247's test,
:func:`service_availability.central_outages_of`, hence a province pass), else the site's own
cause of that loss.  A central outage still breaks the service (nobody could be served); its
cause says the fault is the province's.  The evidence lists the breaks, longest first.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from collector.evaluate.hours import service_spans
from collector.evaluate.model import (
    Cause,
    Evidence,
    Finding,
    ProvincePass,
    ProvinceResult,
    RuleEntry,
    SiteInputs,
    Status,
    Thresholds,
    Window,
)
from collector.evaluate.rules._common import MAX_REFS, finding, names, number
from collector.evaluate.rules._plans import moment_vi
from collector.evaluate.rules.service_availability import (
    Loss,
    RoleView,
    ServiceView,
    central_by_role,
    central_outages_of,
)
from collector.evaluate.rules.terminal_availability import terminal_hours
from collector.evaluate.timeline import (
    Change,
    Segment,
    SiteIndex,
    Span,
    State,
    agent_gaps,
    changes_of,
    clip,
    local_cause,
    merge,
    site_index,
    sweep,
    unpowered_spans,
)
from collector.events import StoredEvent
from collector.inventory.model import Site
from collector.survey import SurveyPoint
from sansang.i18n import CAUSES, SERVICE_ROLES, TERMINAL_KINDS, duration, percent

TARGET = "OPS-CONT"
ONE_STOP = "one_stop_system"
KINDS = (
    "mains_state",
    "ups_depleted",
    "ups_depletion_retracted",
    "link_state",
    "terminal_state",
    "service_state",
)
SERVING = "serving"
UNKNOWN = "unknown"
POWER = "power"
LINK = "link"
SYSTEM = "one_stop"
DEVICE = "device:"  # + the terminal kind with none up


@dataclass(frozen=True)
class Piece:
    """A stretch of service hours with one state: ``what`` is :data:`SERVING`, :data:`UNKNOWN`
    or the part that broke service (:data:`POWER`, :data:`LINK`, ``device:<kind>``,
    :data:`SYSTEM`); ``cause`` that of a break (the site's own, for the one-stop system)."""

    start: float
    end: float
    what: str
    cause: Cause | None = None
    refs: tuple[str, ...] = ()

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class ContinuityView:
    """What OPS-CONT keeps of a site until the central outages of the one-stop system are
    known: its pieces of service hours, what it does not follow, and the one-stop system as
    OPS-247 sees it from the site (the site as a witness of a central outage)."""

    inputs: SiteInputs  # the site alone, with its central spans
    pieces: Sequence[Piece]
    not_followed: Sequence[str]  # "link", "device:<kind>", "one_stop"
    witness: ServiceView


@dataclass(frozen=True)
class _Part:
    what: str
    segments: Sequence[Segment]  # over the whole window
    events: Sequence[StoredEvent]  # its state events, for the evidence


def continuity_view(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> ContinuityView:
    required = names(thresholds, "required_kinds")
    index = site_index(inputs)
    gaps = agent_gaps(inputs, window)
    found = [
        _links(index, gaps, window),
        *_terminals(inputs, required, gaps, window),
        _one_stop(index, gaps, window),
    ]
    parts = [p for p in found if isinstance(p, _Part)]
    not_followed = [p for p in found if isinstance(p, str)]
    unpowered = unpowered_spans(index, window, has_ups=bool(inputs.site.ups))
    power_events = sorted([*index.kind("mains_state"), *index.kind("ups_depleted")], key=_wall)
    pieces = _pieces(parts, unpowered, gaps, service_spans(inputs.site, window))
    pieces = [_with_cause(p, index, parts, power_events, window) for p in pieces]
    bare = SiteInputs(inputs.site, (), central=inputs.central)
    return ContinuityView(bare, pieces, not_followed, _witness(inputs.site, index, parts, window))


def _witness(site: Site, index: SiteIndex, parts: Sequence[_Part], window: Window) -> ServiceView:
    """The one-stop system as the site saw it, all day (for OPS-247's test of a central outage:
    a loss the site's power or link explains witnesses nothing)."""
    system = next((p for p in parts if p.what == SYSTEM), None)
    if system is None:
        return ServiceView(site, {})
    losses = [
        Loss(a, b, local_cause(index, max(a, window.start)), ())
        for a, b, state in system.segments
        if state is False
    ]
    return ServiceView(site, {ONE_STOP: RoleView(system.segments, losses)})


def _wall(e: StoredEvent) -> float:
    return e.wall_time


def _followed(
    what: str,
    events: Sequence[StoredEvent],
    before: Sequence[StoredEvent],
    key: Callable[[StoredEvent], tuple[str, str, State] | None],
    gaps: Sequence[Span],
    window: Window,
) -> _Part | str:
    """A part's segments from its events (a state repeated after a gap is known again), or its
    name when the site reports nothing of it."""
    if not events and not before:
        return what
    changes: list[Change] = changes_of(events, key, gaps)
    initial = changes_of(before, key)
    return _Part(what, sweep(changes, initial, gaps, window), events)


def _links(index: SiteIndex, gaps: Sequence[Span], window: Window) -> _Part | str:
    """Up when some link is up."""
    return _followed(
        LINK,
        index.kind("link_state"),
        index.before("link_state"),
        lambda e: ("links", e.subject, e.state == "up"),
        gaps,
        window,
    )


def _terminals(
    inputs: SiteInputs, required: Sequence[str], gaps: Sequence[Span], window: Window
) -> list[_Part | str]:
    """One part per required kind: up when some terminal of the kind is up."""
    kind_of = {tid: t.kind for tid, t in terminal_hours(inputs, window).items()}
    index = site_index(inputs)
    parts: list[_Part | str] = []
    for kind in required:
        ids = {tid for tid, k in kind_of.items() if k == kind}
        events = [e for e in index.kind("terminal_state") if e.subject in ids]
        before = [e for e in index.before("terminal_state") if e.subject in ids]
        parts.append(
            _followed(
                DEVICE + kind,
                events,
                before,
                lambda e: ("kind", e.subject, e.state == "up"),
                gaps,
                window,
            )
        )
    return parts


def _one_stop(index: SiteIndex, gaps: Sequence[Span], window: Window) -> _Part | str:
    """Up when every service of the one-stop role is up (OPS-247's reading)."""
    events = [e for e in index.kind("service_state") if e.details.get("role") == ONE_STOP]
    before = [e for e in index.before("service_state") if e.details.get("role") == ONE_STOP]
    return _followed(
        SYSTEM, events, before, lambda e: (e.subject, "", e.state == "up"), gaps, window
    )


class _Cursor:
    """The state of sorted, non-overlapping segments at increasing times."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        self.segments = segments
        self.i = 0

    def at(self, t: float) -> State:
        segments = self.segments
        while self.i < len(segments) and segments[self.i][1] <= t:
            self.i += 1
        if self.i < len(segments) and segments[self.i][0] <= t:
            return segments[self.i][2]
        return None


def _pieces(
    parts: Sequence[_Part],
    unpowered: Sequence[Span],
    gaps: Sequence[Span],
    spans: Sequence[Span],
) -> list[Piece]:
    """The service hours cut where any part changes, each stretch judged: no power first (known
    even while nobody looked), then unknown in a gap, then the first part down, then unknown
    while a part's state is not known, else serving."""
    power = _Cursor([(a, b, True) for a, b in unpowered])
    silent = _Cursor([(a, b, True) for a, b in gaps])
    cursors = [(p.what, _Cursor(p.segments)) for p in parts]
    edges = sorted(
        {t for a, b in [*unpowered, *gaps] for t in (a, b)}
        | {t for p in parts for a, b, _s in p.segments for t in (a, b)}
    )
    pieces: list[Piece] = []
    for start, end in spans:
        inside = edges[bisect_right(edges, start) : bisect_left(edges, end)]
        for a, b in pairwise([start, *inside, end]):
            if power.at(a):
                what = POWER
            elif silent.at(a):
                what = UNKNOWN
            else:
                states = [(name, cursor.at(a)) for name, cursor in cursors]
                down = [name for name, state in states if state is False]
                known = all(state is not None for _name, state in states)
                what = down[0] if down else SERVING if known else UNKNOWN
            _push(pieces, Piece(a, b, what))
    return pieces


def _push(pieces: list[Piece], piece: Piece) -> None:
    if pieces and pieces[-1].what == piece.what and pieces[-1].end == piece.start:
        pieces[-1] = Piece(pieces[-1].start, piece.end, piece.what)
    else:
        pieces.append(piece)


def _with_cause(
    piece: Piece,
    index: SiteIndex,
    parts: Sequence[_Part],
    power_events: Sequence[StoredEvent],
    window: Window,
) -> Piece:
    """A break with its cause and the events behind it (the state before it began and the
    changes inside it)."""
    if piece.what in (SERVING, UNKNOWN):
        return piece
    if piece.what == POWER:
        events = list(power_events)
        cause: Cause = "power"
    else:
        part = next(p for p in parts if p.what == piece.what)
        events = list(part.events)
        if piece.what == LINK:
            cause = "link"
        elif piece.what == SYSTEM:
            began = _began(part.segments, piece.start)
            cause = local_cause(index, max(began, window.start))
        else:
            cause = "device"
    return Piece(piece.start, piece.end, piece.what, cause, _refs(events, piece))


def _began(segments: Sequence[Segment], t: float) -> float:
    """The start of the down segment holding ``t``."""
    for a, b, state in segments:
        if a <= t < b and state is False:
            return a
    return t


def _refs(events: Sequence[StoredEvent], piece: Piece) -> tuple[str, ...]:
    before = [e for e in events if e.wall_time <= piece.start]
    inside = [e for e in events if piece.start < e.wall_time <= piece.end]
    return tuple(e.ref for e in [*before[-1:], *inside][:4])


def service_continuity(inputs: SiteInputs, thresholds: Thresholds, window: Window) -> Finding:
    view = continuity_view(inputs, thresholds, window)
    return continuity_finding(view, inputs.central, thresholds, window)


def continuity_finding(
    view: ContinuityView,
    central: Mapping[str, Sequence[Span]],
    thresholds: Thresholds,
    window: Window,
) -> Finding:
    """OPS-CONT for one site, its one-stop losses inside ``central`` with cause ``central``."""
    minimum = number(thresholds, "min_ratio_in_service")
    max_unknown = number(thresholds, "max_unknown_ratio")
    pieces = _central(view.pieces, merge(central.get(ONE_STOP, ())))
    total = sum(p.seconds for p in pieces)
    serving = sum(p.seconds for p in pieces if p.what == SERVING)
    unknown = sum(p.seconds for p in pieces if p.what == UNKNOWN)
    breaks = [p for p in pieces if p.what not in (SERVING, UNKNOWN)]
    broken = sum(p.seconds for p in breaks)
    known = serving + broken
    ratio = serving / known if known > 0 else None
    by_cause: dict[Cause, float] = {}
    for p in breaks:
        assert p.cause is not None
        by_cause[p.cause] = by_cause.get(p.cause, 0.0) + p.seconds
    main: Cause = max(by_cause, key=by_cause.__getitem__) if by_cause else "unknown"
    details: dict[str, float | int | str | None] = {
        "service_seconds": round(total, 3),
        "serving_seconds": round(serving, 3),
        "broken_seconds": round(broken, 3),
        "unknown_seconds": round(unknown, 3),
        "breaks": len(breaks),
        "main_cause": main if by_cause else None,
        "not_followed": ",".join(view.not_followed) or None,
    }
    for cause, seconds in sorted(by_cause.items()):
        details[f"{cause}_seconds"] = round(seconds, 3)
    status: Status
    if ratio is None or total <= 0 or unknown > max_unknown * total:
        status = "unknown"
        share = unknown / total if total > 0 else 1.0
        vi = f"Chưa đủ dữ liệu: không có số liệu {percent(share, 'vi')} giờ phục vụ"
        en = f"Not enough data: nothing known for {percent(share, 'en')} of the service hours"
    else:
        status = "not_met" if ratio < minimum else "unknown" if view.not_followed else "met"
        vi, en = _sentences(ratio, minimum, breaks, broken, main)
        if view.not_followed:
            missing_vi, missing_en = _not_followed(view.not_followed)
            vi += f"; chưa theo dõi {missing_vi}"
            en += f"; not followed: {missing_en}"
    longest = sorted(breaks, key=lambda p: (-p.seconds, p.start))
    return finding(
        TARGET,
        view.inputs,
        window,
        status,
        value=ratio,
        threshold=minimum,
        unit="ratio",
        vi=vi,
        en=en,
        evidence=[_evidence(p) for p in longest[:MAX_REFS]],
        cause=main,
        details=details,
    )


def _central(pieces: Sequence[Piece], central: Sequence[Span]) -> list[Piece]:
    """The one-stop breaks split at the central outages: the parts inside have cause
    ``central``."""
    if not central:
        return list(pieces)
    out: list[Piece] = []
    for p in pieces:
        if p.what != SYSTEM:
            out.append(p)
            continue
        inside = [(a, b) for a, b, _s in clip([(p.start, p.end, None)], central)]
        now = p.start
        for a, b in inside:
            if a > now:
                out.append(Piece(now, a, p.what, p.cause, p.refs))
            out.append(Piece(a, b, p.what, "central", p.refs))
            now = b
        if now < p.end:
            out.append(Piece(now, p.end, p.what, p.cause, p.refs))
    return out


def _sentences(
    ratio: float, minimum: float, breaks: Sequence[Piece], broken: float, main: Cause
) -> tuple[str, str]:
    vi = (
        f"Trung tâm phục vụ được {percent(ratio, 'vi')} giờ phục vụ có dữ liệu "
        f"(tối thiểu {percent(minimum, 'vi')})"
    )
    en = (
        f"The centre could serve {percent(ratio, 'en')} of the known service hours "
        f"(minimum {percent(minimum, 'en')})"
    )
    if breaks:
        cause_vi, cause_en = CAUSES[main]
        vi += f"; gián đoạn tổng {duration(broken, 'vi')}, chủ yếu do {cause_vi}"
        en += f"; interrupted {duration(broken, 'en')} in all, mostly {cause_en}"
    return vi, en


def _what(what: str) -> tuple[str, str]:
    """The part that broke service, in words."""
    if what == POWER:
        return "không có điện", "no power"
    if what == LINK:
        return "mất mọi đường truyền", "every link down"
    if what == SYSTEM:
        vi, en = SERVICE_ROLES[ONE_STOP]
        return f"{vi} không truy cập được", f"{en} unreachable"
    kind = what.removeprefix(DEVICE)
    vi, en = TERMINAL_KINDS.get(kind, (kind, kind))
    return f"không có {vi.lower()} nào hoạt động", f"no {en.lower()} up"


def _not_followed(parts: Iterable[str]) -> tuple[str, str]:
    words: list[tuple[str, str]] = []
    for what in parts:
        if what == LINK:
            words.append(("đường truyền", "links"))
        elif what == SYSTEM:
            vi, en = SERVICE_ROLES[ONE_STOP]
            words.append((vi.lower(), en.lower()))
        else:
            kind = what.removeprefix(DEVICE)
            vi, en = TERMINAL_KINDS.get(kind, (kind, kind))
            words.append((vi.lower(), en.lower()))
    return ", ".join(w[0] for w in words), ", ".join(w[1] for w in words)


def _evidence(piece: Piece) -> Evidence:
    what_vi, what_en = _what(piece.what)
    cause_vi, cause_en = CAUSES[piece.cause or "unknown"]
    at = moment_vi(piece.start)
    return Evidence(
        "events",
        f"Gián đoạn từ {at}, {duration(piece.seconds, 'vi')}: {what_vi} ({cause_vi})",
        f"Interrupted from {at}, {duration(piece.seconds, 'en')}: {what_en} ({cause_en})",
        piece.refs,
    )


def province(
    views: Sequence[ContinuityView],
    survey: Sequence[SurveyPoint],
    thresholds: Thresholds,
    window: Window,
) -> ProvinceResult:
    """Every site's finding once the central outages of the one-stop system are known."""
    outages = central_outages_of((v.witness for v in views), thresholds)
    central = central_by_role(outages)
    return ProvinceResult([continuity_finding(v, central, thresholds, window) for v in views])


RULE = RuleEntry(
    service_continuity,
    KINDS,
    frozenset(
        {"min_ratio_in_service", "max_unknown_ratio", "required_kinds", "central_outage_share"}
    ),
    ProvincePass(continuity_view, province),
)
