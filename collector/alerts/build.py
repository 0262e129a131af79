"""Which alerts (cảnh báo) should be firing now: a pure function of what the collector knows.

Inputs (:class:`AlertInputs`): the newest evaluation's findings, the live values from
Prometheus, each site's recent events (sorted by wall time; at least the newest state event of
every kind and subject, plus the last hour of the kinds :data:`CAUSE_KINDS`), when the collector
last heard from each site, the inventory and the catalogue.

Alerts (entries of :mod:`collector.alerts.catalogue`, which gives each its name, severity, agency
and playbook):

- ``TARGET_NOT_MET``: one per not-met finding of an evaluated target.
- Live incidents, at most one per site, the most basic first, so that one cause gives one alert:
  ``POWER_LOST`` (mains lost now, or a loss whose likely cause is power: mains went before the
  link), ``SITE_UNREACHABLE`` (Prometheus' scrape fails or nothing received for
  ``silent_after``), ``LINK_DOWN`` (a link down now; critical when every link is), then
  ``SERVICE_DOWN`` per service (one-stop system, national portal) down from the site.
- ``CENTRAL_OUTAGE``: a service down at ``central_outage_share`` of the sites that check it (and
  at least ``CENTRAL_MIN_SITES``) is ONE alert for the province, not one per site.

Labels: alertname, site, commune_code, commune, province, target, severity, agency (the alert's
agency in the alert catalogue; for a target not met, the target's owner in the target
catalogue), and service where there is one.  Annotations: summary and description (Vietnamese),
summary_en and description_en, runbook_url (``playbook_base_url`` + the alert's playbook), cause.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from collector.alerts import certificates, texts
from collector.alerts.alert import Alert as Alert
from collector.alerts.alert import AlertInputs as AlertInputs
from collector.alerts.alert import make_alert
from collector.alerts.catalogue import (
    CENTRAL_OUTAGE,
    LINK_DOWN,
    POWER_LOST,
    SERVICE_DOWN,
    SITE_UNREACHABLE,
    TARGET_NOT_MET,
)
from collector.alerts.texts import at_en, at_vi, place
from collector.evaluate import timeline
from collector.evaluate.cause import Interval, likely_cause
from collector.evaluate.model import Cause, Finding
from collector.events import StoredEvent
from collector.inventory.model import Site
from sansang import i18n

# What the likely cause reads (the evaluation's list, so a retracted depletion is one here too),
# and the services' states for the central-outage check.
CAUSE_KINDS = (*timeline.CAUSE_KINDS, "service_state")
STATE_KINDS = ("mains_state", "mains_flapping", "link_state", "service_state")
DEFAULT_ROLES = ("one_stop_system", "national_portal")
CENTRAL_MIN_SITES = 3
CAUSE_LOOKBACK = 600.0


@dataclass
class SiteNow:
    """A site's incidents now, each with the time it began."""

    site: Site
    events: Sequence[StoredEvent]
    mains_lost: float | None = None
    flapping: bool = False
    charge_ratio: float | None = None
    unreachable: float | None = None
    unreachable_how: str = ""  # "scrape" or "silent"
    links_down: dict[str, float] = field(default_factory=dict)
    links_known: set[str] = field(default_factory=set)
    services: dict[str, tuple[str, str | None, float]] = field(default_factory=dict)
    # Incidents seen only in live values: when they began is not known ("mains", "unreachable",
    # "link:ID"); their texts give no start time (it would change at every refresh).
    approx: set[str] = field(default_factory=set)

    def services_down(self) -> dict[str, tuple[str, float]]:
        """``{service: (role, since)}`` of those down now."""
        return {s: (role, t) for s, (role, state, t) in self.services.items() if state == "down"}

    @property
    def all_links_down(self) -> bool:
        return bool(self.links_known) and self.links_known <= set(self.links_down)


@dataclass(frozen=True)
class Central:
    service: str
    role: str
    since: float
    sites: tuple[Site, ...]
    reporting: int


def build_alerts(inputs: AlertInputs) -> list[Alert]:
    """Every alert that should be firing at ``inputs.now``."""
    now_by_site = [_site_now(site, inputs) for site in inputs.inventory.sites]
    centrals = _centrals(now_by_site, inputs)
    central_services = {c.service: (c.since, inputs.now + 1) for c in centrals}
    alerts = [_central_alert(c, inputs) for c in centrals]
    for sn in now_by_site:
        alerts += _site_alerts(sn, central_services, inputs)
    alerts += _target_alerts(inputs)
    alerts += certificates.certificate_alerts(inputs)
    return alerts


# --- the state of one site -----------------------------------------------------------------------


def _site_now(site: Site, inputs: AlertInputs) -> SiteNow:
    events = sorted(inputs.recent.get(site.key, ()), key=lambda e: (e.wall_time, e.seq))
    sn = SiteNow(site, events)
    for e in events:  # oldest first: the last assignment is the newest state
        if e.kind == "mains_state":
            sn.mains_lost = e.wall_time if e.state == "lost" else None
            charge = e.details.get("charge_ratio")
            sn.charge_ratio = float(charge) if isinstance(charge, int | float) else None
        elif e.kind == "mains_flapping":  # while it flaps, single mains_state events stop
            sn.flapping = e.state == "started"
            sn.mains_lost = e.wall_time if sn.flapping else None
        elif e.kind == "link_state":
            sn.links_known.add(e.subject)
            if e.state == "down":
                sn.links_down[e.subject] = e.wall_time
            else:
                sn.links_down.pop(e.subject, None)
        elif e.kind == "service_state":
            role = str(e.details.get("role") or "other")
            sn.services[e.subject] = (role, e.state, e.wall_time)
    _apply_live(sn, inputs)
    _apply_silence(sn, inputs)
    return sn


def _apply_live(sn: SiteNow, inputs: AlertInputs) -> None:
    live = inputs.live.get(sn.site.key)
    if live is None or inputs.now - live.queried_at > inputs.live_max_age:
        return
    if live.mains_present is False and sn.mains_lost is None:
        sn.mains_lost = live.queried_at
        sn.approx.add("mains")
    for link, up in live.links_up.items():
        sn.links_known.add(link)
        if not up and link not in sn.links_down:
            sn.links_down[link] = live.queried_at
            sn.approx.add(f"link:{link}")
    if live.up is False:
        sn.unreachable = live.queried_at
        sn.unreachable_how = "scrape"
        sn.approx.add("unreachable")


def _apply_silence(sn: SiteNow, inputs: AlertInputs) -> None:
    last = inputs.last_received.get(sn.site.key)
    if sn.unreachable is None and last is not None and inputs.now - last > inputs.silent_after:
        sn.unreachable = max(last, sn.events[-1].wall_time) if sn.events else last
        sn.unreachable_how = "silent"


# --- central outages -----------------------------------------------------------------------------


def _centrals(sites: Sequence[SiteNow], inputs: AlertInputs) -> list[Central]:
    """Services down at a large share of the sites that check them; sites with a local cause of
    their own (power, unreachable, every link down) are not counted."""
    ops = inputs.thresholds.get("OPS-247", {})
    roles = ops.get("roles", list(DEFAULT_ROLES))
    share = ops.get("central_outage_share", 0.5)
    assert isinstance(roles, list) and isinstance(share, int | float)
    reporting: dict[str, list[SiteNow]] = {}
    down: dict[str, list[tuple[float, SiteNow, str]]] = {}
    for sn in sites:
        if sn.mains_lost is not None or sn.unreachable is not None or sn.all_links_down:
            continue
        for service, (role, state, since) in sn.services.items():
            if role not in roles:
                continue
            reporting.setdefault(service, []).append(sn)
            if state == "down":
                down.setdefault(service, []).append((since, sn, role))
    found = []
    for service, lost in down.items():
        need = max(CENTRAL_MIN_SITES, math.ceil(float(share) * len(reporting[service])))
        if len(lost) >= need:
            lost.sort(key=lambda item: item[0])
            since = lost[need - 1][0]  # when enough sites had lost it
            sites_down = tuple(sn.site for _t, sn, _r in lost)
            found.append(Central(service, lost[0][2], since, sites_down, len(reporting[service])))
    return found


# --- alerts ---------------------------------------------------------------------------------------


def _site_alerts(sn: SiteNow, central: Mapping[str, Interval], inputs: AlertInputs) -> list[Alert]:
    """At most one incident alert for the site's connectivity (power > unreachable > link),
    plus one per service down that is neither central nor explained by it."""
    intervals = tuple(central.values())

    def cause(at: float) -> Cause:
        return likely_cause(sn.events, at, lookback=CAUSE_LOOKBACK, central=intervals)

    losses = [t for t in (sn.unreachable, *sn.links_down.values()) if t is not None]
    power_at = sn.mains_lost
    if power_at is None:
        power_at = min((t for t in losses if cause(t) == "power"), default=None)
    if power_at is not None:
        return [_power_alert(sn, power_at, inputs)]
    if sn.unreachable is not None:
        at = sn.unreachable
        return [_unreachable_alert(sn, _unreachable_cause(cause(at), sn.events, at), inputs)]
    alerts = []
    if sn.links_down:
        first = min(sn.links_down.values())
        alerts.append(_link_alert(sn, cause(first), inputs))
        if sn.all_links_down:
            return alerts
    for service, (role, since) in sn.services_down().items():
        if service in central or role not in _roles(inputs):
            continue
        alerts.append(_service_alert(sn, service, role, since, cause(since), inputs))
    return alerts


def _unreachable_cause(cause: Cause, events: Sequence[StoredEvent], at: float) -> Cause:
    """A whole site out of reach with nothing on site to blame is blamed on its link, as far as
    the province can tell (the events journalled meanwhile arrive when it returns and say
    more): ``device`` (mains on, nothing else), and ``agent`` when the agent had (re)started
    and was running: it was looking, the province lost it."""
    if cause == "device" or (cause == "agent" and _agent_running(events, at)):
        return "link"
    return cause


def _agent_running(events: Sequence[StoredEvent], at: float) -> bool:
    """The newest agent start or stop before ``at`` is a start."""
    for e in reversed(events):
        if e.wall_time <= at and e.kind in ("agent_started", "agent_stopped"):
            return e.kind == "agent_started"
    return False


def _since(at: float, approx: bool) -> tuple[str, str]:
    """`` từ 10:02 ngày 22/11/2026`` and its English, or nothing when the start is not known."""
    return ("", "") if approx else (f" từ {at_vi(at)}", f" since {at_en(at)}")


def _roles(inputs: AlertInputs) -> list[str]:
    roles = inputs.thresholds.get("OPS-247", {}).get("roles", list(DEFAULT_ROLES))
    return [str(r) for r in roles] if isinstance(roles, list) else list(DEFAULT_ROLES)


def _power_alert(sn: SiteNow, since: float, inputs: AlertInputs) -> Alert:
    where = place(sn.site)
    s_vi, s_en = _since(since, "mains" in sn.approx and since == sn.mains_lost)
    state_vi = "chập chờn" if sn.flapping else "mất"
    battery = ""
    if sn.charge_ratio is not None:
        battery = f" Pin UPS còn khoảng {i18n.percent(sn.charge_ratio, 'vi')} lúc mất điện."
    after = ""
    if sn.links_down or sn.unreachable is not None:
        after = (
            " Đường truyền/kết nối mất sau khi mất điện: nguyên nhân là điện, không phải "
            "đường truyền."
        )
    resp_vi, resp_en = texts.responder(sn.site, "power_loss")
    return make_alert(
        inputs,
        POWER_LOST,
        sn.site,
        cause="power",
        since=since,
        summary=(
            f"{'Điện lưới chập chờn' if sn.flapping else 'Mất điện lưới'} tại {where}{s_vi}",
            f"Mains power {'flapping' if sn.flapping else 'lost'} at {where}{s_en}",
        ),
        description=(
            f"Điện lưới tại điểm một cửa {state_vi}{s_vi}.{battery}{after} "
            "Gọi cán bộ trực tại xã kiểm tra nguồn điện, UPS, máy phát; báo điện lực địa phương; "
            f"tiết kiệm pin cho máy tiếp nhận hồ sơ.{resp_vi}",
            f"Mains power at the centre {'flaps' if sn.flapping else 'is lost'}{s_en}. Call the "
            f"duty officer: check mains, UPS, generator; tell the power company.{resp_en}",
        ),
    )


def _unreachable_alert(sn: SiteNow, cause: Cause, inputs: AlertInputs) -> Alert:
    assert sn.unreachable is not None
    where, since = place(sn.site), sn.unreachable
    how_vi = (
        "Prometheus không lấy được số liệu của tác tử"
        if sn.unreachable_how == "scrape"
        else "bộ thu không nhận được sự kiện nào"
    )
    how_en = (
        "Prometheus cannot scrape the agent"
        if sn.unreachable_how == "scrape"
        else "the collector received no event"
    )
    cause_vi, cause_en = texts.cause_sentence(cause)
    s_vi, s_en = _since(since, "unreachable" in sn.approx)
    resp_vi, resp_en = texts.responder(sn.site, "link_loss")
    return make_alert(
        inputs,
        SITE_UNREACHABLE,
        sn.site,
        cause=cause,
        since=since,
        summary=(
            f"Không liên lạc được với điểm {where}{s_vi}",
            f"{where} unreachable{s_en}",
        ),
        description=(
            f"{how_vi.capitalize()}{s_vi}. {cause_vi} Gọi điện cho cán bộ tại xã: "
            f"máy chạy tác tử còn bật không, có điện không, modem còn đèn không.{resp_vi}",
            f"{how_en.capitalize()}{s_en}. {cause_en} Phone the site: is the "
            f"agent's machine on, is there power, is the modem lit?{resp_en}",
        ),
    )


def _link_alert(sn: SiteNow, cause: Cause, inputs: AlertInputs) -> Alert:
    where, since = place(sn.site), min(sn.links_down.values())
    links = ", ".join(sorted(sn.links_down))
    cause_vi, cause_en = texts.cause_sentence(cause)
    first = min(sn.links_down, key=lambda link: sn.links_down[link])
    s_vi, s_en = _since(since, f"link:{first}" in sn.approx)
    if sn.all_links_down:
        scope_vi, scope_en = "Điểm một cửa mất kết nối hoàn toàn.", "The centre is cut off."
    else:
        up = ", ".join(sorted(sn.links_known - set(sn.links_down)))
        scope_vi, scope_en = f"Còn đường truyền: {up}.", f"Still up: {up}."
    resp_vi, resp_en = texts.responder(sn.site, "link_loss")
    return make_alert(
        inputs,
        LINK_DOWN,
        sn.site,
        worst=sn.all_links_down,
        cause=cause,
        since=since,
        summary=(
            f"Mất đường truyền {links} tại {where}{s_vi}",
            f"Link {links} down at {where}{s_en}",
        ),
        description=(
            f"Đường truyền {links} không còn trả lời{s_vi}. {scope_vi} {cause_vi} "
            "Kiểm tra modem, router, cáp; báo nhà mạng; chuyển sang đường truyền dự phòng "
            f"(4G).{resp_vi}",
            f"Link {links} stopped answering{s_en}. {scope_en} {cause_en} Check "
            f"modem, router, cables; call the carrier; switch to the backup link.{resp_en}",
        ),
    )


def _service_alert(
    sn: SiteNow, service: str, role: str, since: float, cause: Cause, inputs: AlertInputs
) -> Alert:
    where = place(sn.site)
    name_vi, name_en = texts.service_name(role, service)
    cause_vi, cause_en = texts.cause_sentence(cause)
    resp_vi, resp_en = texts.responder(sn.site, "software")
    return make_alert(
        inputs,
        SERVICE_DOWN,
        sn.site,
        cause=cause,
        since=since,
        summary=(
            f"{name_vi} không truy cập được từ {where} từ {at_vi(since)}",
            f"{name_en} unreachable from {where} since {at_en(since)}",
        ),
        description=(
            f"{name_vi} ({service}) không trả lời từ điểm này từ {at_vi(since)}; các điểm khác "
            f"vẫn truy cập được. {cause_vi} Kiểm tra DNS, tường lửa, máy tính tại quầy; tiếp "
            f"nhận hồ sơ giấy theo phương án dự phòng.{resp_vi}",
            f"{name_en} ({service}) does not answer from this site since {at_en(since)}; other "
            f"sites reach it. {cause_en} Check DNS, firewall, the counter PCs.{resp_en}",
        ),
        extra={"service": service},
    )


def _central_alert(c: Central, inputs: AlertInputs) -> Alert:
    province = inputs.inventory.province.name
    name_vi, name_en = texts.service_name(c.role, c.service)
    count = f"{len(c.sites)}/{c.reporting}"
    communes = ", ".join(s.commune.name for s in c.sites[:12])
    more = "…" if len(c.sites) > 12 else ""
    return make_alert(
        inputs,
        CENTRAL_OUTAGE,
        None,
        cause="central",
        since=c.since,
        summary=(
            f"{name_vi} gián đoạn tại {count} điểm của tỉnh {province} từ {at_vi(c.since)}",
            f"{name_en} down at {count} sites of {province} since {at_en(c.since)}",
        ),
        description=(
            f"Nhiều điểm mất {name_vi} cùng lúc: sự cố phía trung tâm, không phải tại xã. "
            f"Báo đơn vị vận hành hệ thống và Sở Khoa học và Công nghệ; các xã tiếp nhận hồ sơ "
            f"theo phương án dự phòng, không cần sửa gì tại chỗ. Các xã: {communes}{more}.",
            f"Many sites lost {name_en} at once: a central outage, not a local one. Tell the "
            f"system's operator and the DOST; sites fall back to paper. Communes: "
            f"{communes}{more}.",
        ),
        extra={"service": c.service},
    )


def _target_alerts(inputs: AlertInputs) -> list[Alert]:
    if inputs.evaluation is None:
        return []
    sites = {s.key: s for s in inputs.inventory.sites}
    alerts = []
    for finding in inputs.evaluation.findings:
        target = inputs.catalogue.get(finding.target)
        site = sites.get(finding.site)
        if finding.status != "not_met" or site is None or target is None:
            continue
        if target.status != "evaluated":
            continue
        alerts.append(_target_alert(finding, site, target.title.vi, target.title.en, inputs))
    return alerts


def _target_alert(
    finding: Finding, site: Site, title_vi: str, title_en: str, inputs: AlertInputs
) -> Alert:
    where = place(site)
    figure = ""
    if finding.value is not None and finding.threshold is not None:
        figure = f" ({finding.value:g} / {finding.threshold} {finding.unit})"
    return make_alert(
        inputs,
        TARGET_NOT_MET,
        site,
        target_id=finding.target,
        cause=finding.cause or "unknown",
        since=inputs.evaluation.evaluated_at if inputs.evaluation else inputs.now,
        summary=(
            f"{where}: chưa đạt {finding.target} – {title_vi}{figure}",
            f"{where}: {finding.target} not met – {title_en}{figure}",
        ),
        description=(
            f"{finding.vi} Xem trang của điểm để biết số liệu và bằng chứng; xử lý theo sổ tay.",
            f"{finding.en} See the site's page for the figures and evidence.",
        ),
    )
