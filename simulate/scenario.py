"""The scenario: which sites the province has and what their world does, as pure functions of
time.

Deterministic for a seed: the choice of sites and their traits come from ``random.Random(seed)``,
and every answer a source gives (a power reading, a round of echo requests, a throughput test) is
drawn from a hash of (seed, site, what, time slot), so it does not depend on the order in which
the simulator asks.  Times are Unix seconds; days and hours are local (Asia/Ho_Chi_Minh).

What happens:

- **Afternoon power cuts** in mountain communes (a subset of the upland ones): most days mains are
  lost around 13:00 for 2.5–3.5 hours; the UPS goes on battery, reports a low battery at 20 %, and
  switches its output off when it runs out (its rated minutes are far shorter than the cut).
  Then the site's equipment (terminals, router, so the links) is down until mains return.  The
  agent's box keeps running on its own battery (a mini PC with a battery, or a laptop), so the
  journal goes on.  **One long cut**: at one mountain commune, the first cut of the history
  lasts 4.5–5.5 hours (a medium-voltage line under repair), longer than SEC-EARLY's restore
  limit.  Other sites see a momentary blip on about one day in three, which their UPS
  carries: the journal's proof that the power fallback works (SEC-CONTINGENCY); three in five of
  them also test their UPS (mains switched off for 3 minutes at 16:45 on the history's
  second-last day), which the agent journals as an outage like any other.
- **Backup links**: seven in ten of the sites with a wired link also have a 4G router as
  ``role: backup``; its quality rounds answering are the agent's ``backup_link_working`` (the
  proof that the link fallback works), and its figures are the site's mobile coverage (INF-DZ).
  The others have a plan on paper that nothing shows working.
- **Coverage dead zones**: sites whose only link is mobile, with throughput tests at a few Mbit/s
  and 6–25 % loss in the echo rounds.
- **The 20 communes of seed 003, footnote 1** (province 51) have no video-conference terminal;
  the inventory lists them as the communes that must have one (``video_conference_required``).
- **Flapping links**: a few sites whose primary link goes up and down in 150-second slots every
  afternoon from 14:00 to 15:30.
- **A central outage**: the one-stop e-system (``one_stop_system``) down at every site at once,
  05:45–07:15 on a day of the history (before the centres open) and (``live_central_outage``)
  once more a few minutes into the live run.
- **A fibre cut in the live run** (``live_link_cut``): a minute into the live run, the primary
  link of one site with a 4G backup is down for 45 minutes (road works); the backup carries the
  centre meanwhile.
- **A broken device** at one site in ten (at least one from 8 sites): its printer or scanner is
  down from 07:00 of the history's second-last day until the history ends (INF-EQUIP).
- **A silent site** (from 8 sites): its agent's box dies a third of the way into the history and
  never comes back, so most of its measured targets are unknown rather than met or not met.
- **A blocked endpoint** (from 8 sites): its HNTH endpoint answers ping but never on its SIP
  port (a firewall), so it cannot take the province's call (INF-HNTH).
- Terminals otherwise drop out now and then, for 20 minutes (a device restarted).
- **Security measures** of each site's counter PC (SEC-MEASURES), asked over SSH every hour:
  antivirus signatures updated every morning, OS updates weekly, a backup every evening, so the
  journal shows the machine re-checked as they change.  About seven sites in ten are in order;
  each of the others has one fault (real-time protection off, signatures 10–20 days old, no OS
  update for 45 days, a firewall profile off, the newest backup 12 days old, or the machine never
  answering SSH).  A PC without power or restarting does not answer (``timeout``).

:meth:`Scenario.plan_history` places what needs the history's span (the central outage, the
broken device, the silent site's end, the UPS tests, the long cut).  What of it an alert would
tell, and how the police handled it: :mod:`simulate.incidents`.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import time
from functools import cached_property

from agent.power.reading import PowerReading
from agent.probes._security_parse import SecurityFacts
from sansang.i18n import ZONE_NAME
from sansang.reasons import Reason
from simulate.places import Place, match_footnote, place, province_communes

TIMEZONE = ZONE_NAME  # the sites' service hours are the province's local time
CUT_PROBABILITY = 0.85  # of a mountain site losing mains on a given afternoon
BLIP_PROBABILITY = 0.33  # of another site seeing a momentary blip on a given day
BACKUP_PROBABILITY = 0.7  # of a site with a wired link having a 4G backup link
UPS_TEST_PROBABILITY = 0.6  # of a site without afternoon cuts testing its UPS in the history
UPS_TEST_AT, UPS_TEST_SECONDS = time(16, 45), 180.0
GLITCH_SLOT = 1200.0  # seconds a terminal drops out for (a restart)
SILENT_AFTER = 1 / 3  # of the history: when the silent site's agent dies
BROKEN_FROM = time(7, 0)
FLAP_FROM, FLAP_TO, FLAP_SLOT = time(14, 0), time(15, 30), 150.0
# Before opening (a night's update gone wrong): OPS-247 (24/7) sees it at every site, the service
# hours do not, so a few days' history is not all one central outage for OPS-CONT.
CENTRAL_AT, CENTRAL_MINUTES = time(5, 45), 90.0
LIVE_CENTRAL_AFTER, LIVE_CENTRAL_MINUTES = 180.0, 10.0
LIVE_LINK_AFTER, LIVE_LINK_MINUTES = 60.0, 45.0
LONG_CUT_MINUTES = (270.0, 330.0)  # the long cut's length: beyond SEC-EARLY's 4-hour restore
UPS_RECHARGE_SECONDS = 4 * 3600.0
LOW_BATTERY_CHARGE = 0.2
MBIT = 125_000.0  # bytes per second in one Mbit/s
# SEC-MEASURES: the faults, one per faulty site, in the order they are handed out.
SECURITY_FAULTS = (
    "realtime_off",
    "old_signatures",
    "no_updates",
    "firewall_off",
    "old_backup",
    "unreachable",
)
SECURITY_FAULT_SHARE = 0.3  # of the sites
SIGNATURES_AT, BACKUP_AT = time(7, 0), time(18, 0)  # plus up to two hours, per site
ENCRYPTED_SHARE = 0.4  # of the counter PCs with BitLocker on (licensed)


@dataclass(frozen=True)
class LinkPlan:
    id: str  # "fibre", "tslcd", "4g"
    kind: str  # internet | tslcd | mobile
    role: str = "primary"  # primary | backup


@dataclass(frozen=True)
class TerminalPlan:
    id: str
    kind: str
    name: str


@dataclass(frozen=True)
class SecurityHostPlan:
    """A machine the agent checks over SSH (``security.hosts``): its id (unique among the agent's
    ids, so not the terminal's own) and the terminal it is."""

    id: str
    name: str
    terminal: str
    os: str = "windows"


# Every simulated site's agent checks its first counter PC.
COUNTER_PC = SecurityHostPlan("pc-quay-1", "Máy tính quầy 1", "counter-1")
SECURITY_HOSTS = {COUNTER_PC.id: COUNTER_PC}


@dataclass(frozen=True)
class SitePlan:
    """One simulated site and its traits."""

    index: int
    place: Place
    mountain: bool  # afternoon power cuts
    dead_zone: bool  # mobile only, slow and lossy
    flapping: bool  # its primary link flaps in the afternoon
    no_conference: bool  # one of the footnote's communes: no HNTH terminal
    links: tuple[LinkPlan, ...]
    terminals: tuple[TerminalPlan, ...]
    ups_minutes: float
    site_id: str = "main"
    silent: bool = False  # its agent dies during the history (plan_history says when)
    broken: str | None = None  # a terminal broken at the end of the history
    sip_blocked: bool = False  # its HNTH endpoint answers ping, never on its SIP port
    security_fault: str | None = None  # one of SECURITY_FAULTS: its counter PC's

    @property
    def code(self) -> str:
        return self.place.commune.code

    @property
    def key(self) -> str:
        return f"{self.code}-{self.site_id}"

    @property
    def name(self) -> str:
        return self.place.commune.name

    @property
    def lan(self) -> str:
        """The site's made-up LAN prefix (``10.51.N``); nothing is ever contacted there."""
        return f"10.{int(self.code[:2])}.{self.index % 250 + 1}"


def _unit(seed: int, *parts: object) -> float:
    """A uniform number in [0, 1) from the seed and the parts (order-independent draws)."""
    text = "/".join(str(p) for p in (seed, *parts))
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(int(_unit(seed, *parts) * 2**53))


UTC_OFFSET = 7 * 3600  # Vietnam keeps UTC+7 all year (no daylight saving)
DAY = 86400.0


def day_number(t: float) -> int:
    """The local day containing ``t``, counted from 1970-01-01 (local)."""
    return int((t + UTC_OFFSET) // 86400)


def day_start(day: int) -> float:
    return day * 86400.0 - UTC_OFFSET


def _at(day: int, clock: time) -> float:
    return day_start(day) + clock.hour * 3600 + clock.minute * 60


@dataclass
class Scenario:
    seed: int
    province: str
    sites: list[SitePlan]
    unmatched_footnote: list[str]  # footnote names with no official commune in the province
    central_outages: list[tuple[float, float]] = field(default_factory=list)
    silent_from: dict[str, float] = field(default_factory=dict)  # site key -> agent dies
    ups_tests: dict[str, float] = field(default_factory=dict)  # site key -> mains switched off
    broken_spans: dict[str, tuple[str, float, float]] = field(default_factory=dict)
    long_cuts: dict[str, tuple[int, float]] = field(default_factory=dict)  # key -> (day, end)
    link_cuts: list[tuple[str, str, float, float]] = field(default_factory=list)  # key, link
    # SEC-MEASURES: the history's end; the faulty machines' stuck times count back from it.
    security_anchor: float | None = None

    # --- building --------------------------------------------------------------------------------
    @classmethod
    def build(
        cls, n: int, seed: int, province: str = "51", avoid: Collection[str] = ()
    ) -> Scenario:
        """``n`` communes of the province, none of the codes in ``avoid`` (``make run``'s own
        agent is a commune of its own, never one of the simulated ones)."""
        all_communes = [c for c in province_communes(province) if c.code not in avoid]
        if not all_communes:
            raise ValueError(f"no commune in province '{province}'")
        if not 1 <= n <= len(all_communes):
            raise ValueError(
                f"tỉnh {province} có {len(all_communes)} xã / province {province} has "
                f"{len(all_communes)} communes: --sites must be 1..{len(all_communes)}"
            )
        rng = random.Random(seed)
        footnote, unmatched = match_footnote(province)
        footnote = [c for c in footnote if c.code not in avoid]
        k = min(len(footnote), max(1, round(n * 0.3))) if footnote and n >= 2 else 0
        chosen = rng.sample(footnote, k)
        others = [c for c in all_communes if c not in footnote]  # exactly k without HNTH
        chosen += rng.sample(others, min(n - k, len(others)))
        if len(chosen) < n:  # a province of mostly footnote communes
            chosen += rng.sample([c for c in footnote if c not in chosen], n - len(chosen))
        chosen.sort(key=lambda c: c.code)
        places = [place(c) for c in chosen]
        no_conf = {c.code for c in footnote}
        traits = _traits(places, rng)
        sites = [
            _site(i, p, traits[i], p.commune.code in no_conf, rng) for i, p in enumerate(places)
        ]
        sites = _mishaps(sites, rng)
        sites = _security_faults(sites, seed)
        return cls(seed, province, sites, unmatched)

    def plan_history(self, history_start: float, history_end: float) -> None:
        """What needs the history's span: the central outage, the broken device's span, the
        moment the silent site's agent dies."""
        self.plan_central_outage(history_start, history_end)
        self.plan_long_cut(history_start, history_end)
        self.security_anchor = history_end
        span = history_end - history_start
        for site in self.sites:
            if site.silent:
                self.silent_from[site.key] = history_start + span * SILENT_AFTER
            test = _at(day_number(history_end) - 1, UPS_TEST_AT)
            draw = _unit(self.seed, site.key, "ups test")
            if not site.mountain and draw < UPS_TEST_PROBABILITY and test >= history_start:
                self.ups_tests[site.key] = test
            if site.broken is not None:
                start = max(history_start, _at(day_number(history_end) - 1, BROKEN_FROM))
                self.broken_spans[site.key] = (site.broken, start, history_end)

    def plan_central_outage(self, history_start: float, history_end: float) -> None:
        """One central outage at 05:45 (local) on a day inside the history: the latest such
        morning that ends an hour before the history does (none if the history is too short)."""
        day = day_number(history_end)
        while day_start(day) >= history_start - 86400:
            start = _at(day, CENTRAL_AT)
            end = start + CENTRAL_MINUTES * 60
            if start >= history_start and end <= history_end - 3600:
                self.central_outages.append((start, end))
                return
            day -= 1

    def plan_long_cut(self, history_start: float, history_end: float) -> None:
        """The first afternoon cut of one mountain site (the first in a hash of the seed and the
        sites) that fits in the history with its longer end: it lasts :data:`LONG_CUT_MINUTES`."""
        mountains = [s for s in self.sites if s.mountain]
        if not mountains:
            return
        site = min(mountains, key=lambda s: _unit(self.seed, s.key, "long cut"))
        world = SiteWorld(self, site)  # its cuts as drawn (none is long yet)
        low, high = LONG_CUT_MINUTES
        minutes = low + (high - low) * _unit(self.seed, site.key, "long cut minutes")
        for day in range(day_number(history_start), day_number(history_end) + 1):
            cut = world._cut_of_day(day)
            if cut is not None and cut.start >= history_start:
                if cut.start + minutes * 60 <= history_end:
                    self.long_cuts[site.key] = (day, cut.start + minutes * 60)
                return

    def plan_live_central_outage(self, live_start: float) -> None:
        start = live_start + LIVE_CENTRAL_AFTER
        self.central_outages.append((start, start + LIVE_CENTRAL_MINUTES * 60))

    def plan_live_link_cut(self, live_start: float) -> None:
        """The primary link of one site with a backup link (neither silent nor in the
        mountains: one cause a reader can tell apart) down for :data:`LIVE_LINK_MINUTES`."""
        backed = [
            s
            for s in self.sites
            if not (s.silent or s.mountain) and any(x.role == "backup" for x in s.links)
        ]
        if not backed:
            return
        site = min(backed, key=lambda s: _unit(self.seed, s.key, "live link cut"))
        start = live_start + LIVE_LINK_AFTER
        self.link_cuts.append((site.key, site.links[0].id, start, start + LIVE_LINK_MINUTES * 60))

    # --- the world, as functions of time ---------------------------------------------------------
    def central_down(self, t: float) -> bool:
        return any(a <= t < b for a, b in self.central_outages)


def _traits(places: list[Place], rng: random.Random) -> list[tuple[bool, bool, bool]]:
    """(mountain, dead_zone, flapping) per site: mountains among the upland communes (two in
    five of them, at most a third of the sites: cut together, more than half the sites losing
    the one-stop system at once would read as a central outage), dead zones and flapping links
    among the others."""
    n = len(places)
    upland = [i for i, p in enumerate(places) if p.upland]
    want = max(1 if n >= 3 else 0, min(round(len(upland) * 0.4), n // 3))
    mountain = set(rng.sample(upland, min(want, len(upland))))
    rest = [i for i in range(n) if i not in mountain]
    rng.shuffle(rest)
    dz = max(1, round(n * 0.15)) if n >= 3 else 0
    flap = max(1, round(n * 0.1)) if n >= 4 else 0
    dead_zone = set(rest[:dz])
    flapping = set(rest[dz : dz + flap])
    return [(i in mountain, i in dead_zone, i in flapping) for i in range(n)]


def _mishaps(sites: list[SitePlan], rng: random.Random) -> list[SitePlan]:
    """A broken device at one site in ten and one silent site (from 8 sites), among the sites
    with no other trouble, so each shows one cause a reader can tell apart."""
    n = len(sites)
    if n < 8:
        return sites
    plain = [i for i, s in enumerate(sites) if not (s.mountain or s.dead_zone or s.flapping)]
    picked = rng.sample(plain, min(len(plain), 1 + max(1, round(n * 0.1))))
    silent, broken = picked[:1], picked[1:]
    out = list(sites)
    endpoints = [i for i in plain if i not in picked and not sites[i].no_conference]
    for i in endpoints[:1]:  # a firewall that lets ping through but not SIP
        out[i] = replace(out[i], sip_blocked=True)
    for i in silent:
        out[i] = replace(out[i], silent=True)
    for i in broken:
        out[i] = replace(out[i], broken=rng.choice(["printer-1", "scanner-1"]))
    return out


def _security_faults(sites: list[SitePlan], seed: int) -> list[SitePlan]:
    """One security fault each at about three sites in ten (from 2 sites), handed out in the
    order of a hash of the seed and the site: the other draws of the scenario stay as they were."""
    n = len(sites)
    k = min(n, max(1, round(n * SECURITY_FAULT_SHARE))) if n >= 2 else 0
    order = sorted(range(n), key=lambda i: _unit(seed, sites[i].key, "security"))
    out = list(sites)
    for j, i in enumerate(order[:k]):
        out[i] = replace(out[i], security_fault=SECURITY_FAULTS[j % len(SECURITY_FAULTS)])
    return out


def _site(
    i: int, p: Place, traits: tuple[bool, bool, bool], no_conf: bool, rng: random.Random
) -> SitePlan:
    mountain, dead_zone, flapping = traits
    if dead_zone:
        links: tuple[LinkPlan, ...] = (LinkPlan("4g", "mobile"),)
    else:
        links = (LinkPlan("fibre", "internet"),)
        if rng.random() < 0.5:
            links += (LinkPlan("tslcd", "tslcd"),)
        if rng.random() < BACKUP_PROBABILITY:
            links += (LinkPlan("4g", "mobile", "backup"),)
    terminals = [
        TerminalPlan("counter-1", "counter_pc", "Quầy 1"),
        TerminalPlan("counter-2", "counter_pc", "Quầy 2"),
        TerminalPlan("scanner-1", "scanner", "Máy quét"),
        TerminalPlan("printer-1", "printer", "Máy in"),
        TerminalPlan("queue-1", "queue_machine", "Máy lấy số"),
    ]
    if not no_conf:
        terminals.append(TerminalPlan("hnth", "video_conference", "Điểm cầu HNTH"))
    ups = float(rng.choice([15, 20, 25, 30]))
    return SitePlan(i, p, mountain, dead_zone, flapping, no_conf, links, tuple(terminals), ups)


def _reading(flags: set[str], charge: float, runtime: float, volts: float) -> PowerReading:
    return PowerReading(
        flags=frozenset(flags),
        battery_charge_ratio=round(charge, 3),
        battery_runtime_seconds=round(runtime),
        input_voltage_volts=round(volts, 1),
        load_ratio=0.35,
        manufacturer="APC",
        model="Back-UPS 1100 (mô phỏng)",
    )


# --- one site's world ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cut:
    start: float
    end: float


@dataclass(frozen=True)
class SecurityCheck:
    """What asking a machine over SSH gives: ``reason`` None when it answered, with what it said
    (as the agent's parser gives it), else why it could not be asked."""

    reason: str | None
    facts: SecurityFacts = field(default_factory=SecurityFacts)


class SiteWorld:
    """What the sources of one site say at a given time (pure; caches per day)."""

    def __init__(self, scenario: Scenario, site: SitePlan) -> None:
        self.scenario = scenario
        self.site = site
        self.seed = scenario.seed
        self._cuts: dict[int, Cut | None] = {}

    # --- power -----------------------------------------------------------------------------------
    def _cut_of_day(self, day: int) -> Cut | None:
        if day not in self._cuts:
            self._cuts[day] = self._draw_cut(day)
        return self._cuts[day]

    def _draw_cut(self, day: int) -> Cut | None:
        r = _rng(self.seed, self.site.key, "power", day)
        test = self.scenario.ups_tests.get(self.site.key)
        if test is not None and day_number(test) == day:  # the technician's test, that day
            return Cut(test, test + UPS_TEST_SECONDS)
        if self.site.mountain:
            if r.random() >= CUT_PROBABILITY:
                return None
            start = _at(day, time(13, 0)) + r.uniform(-20, 40) * 60
            end = start + r.uniform(150, 210) * 60
            long = self.scenario.long_cuts.get(self.site.key)
            return Cut(start, long[1] if long is not None and long[0] == day else end)
        if r.random() >= BLIP_PROBABILITY:
            return None
        start = day_start(day) + r.uniform(7, 20) * 3600
        return Cut(start, start + r.uniform(30, 150))

    def cut_at_or_before(self, t: float) -> Cut | None:
        """The cut in progress at ``t``, else the latest that ended before it (within a day)."""
        day = day_number(t)
        for d in (day, day - 1):
            cut = self._cut_of_day(d)
            if cut is not None and cut.start <= t:
                return cut
        return None

    def mains(self, t: float) -> bool:
        cut = self.cut_at_or_before(t)
        return cut is None or t >= cut.end

    def _holdup(self) -> float:
        return self.site.ups_minutes * 60

    def powered(self, t: float) -> bool:
        """The site's equipment has power: mains, or a UPS that has not run out."""
        cut = self.cut_at_or_before(t)
        return cut is None or t >= cut.end or t - cut.start < self._holdup()

    def ups_reading(self, t: float) -> PowerReading:
        cut = self.cut_at_or_before(t)
        hold = self._holdup()
        if cut is not None and t < cut.end:
            used = t - cut.start
            charge = max(0.0, 1.0 - used / hold)
            if used >= hold:
                flags = {"OB", "LB", "OFF"}
            else:
                flags = {"OB", "DISCHRG"} | ({"LB"} if charge <= LOW_BATTERY_CHARGE else set())
            return _reading(flags, charge, max(0.0, hold - used), 0.0)
        charge = 1.0
        if cut is not None:
            left = max(0.0, 1.0 - (cut.end - cut.start) / hold)
            charge = min(1.0, left + (t - cut.end) / UPS_RECHARGE_SECONDS)
        flags = {"OL"} | ({"CHRG"} if charge < 1.0 else set())
        volts = 220.0 + 8 * (_unit(self.seed, self.site.key, "volts", int(t // 300)) - 0.5)
        return _reading(flags, charge, hold * charge, volts)

    # --- links -----------------------------------------------------------------------------------
    def link_up(self, link: LinkPlan, t: float) -> bool:
        if not self.powered(t):
            return False
        for key, link_id, start, end in self.scenario.link_cuts:
            if key == self.site.key and link_id == link.id and start <= t < end:
                return False
        if self.site.flapping and link.role == "primary" and link == self.site.links[0]:
            day = day_number(t)
            if _at(day, FLAP_FROM) <= t < _at(day, FLAP_TO):
                return _unit(self.seed, self.site.key, "flap", int(t // FLAP_SLOT)) >= 0.5
        return True

    def any_link_up(self, t: float) -> bool:
        return any(self.link_up(link, t) for link in self.site.links)

    def round_rtts(
        self, link: LinkPlan, target_role: str, t: float, count: int
    ) -> list[float | None]:
        """One round of ``count`` echo requests over ``link``: round-trip seconds, None lost."""
        if not self.link_up(link, t):
            return [None] * count
        r = _rng(self.seed, self.site.key, "round", link.id, target_role, int(t))
        base, loss = self._link_figures(link, r)
        if target_role == "national_portal":
            base += 0.012  # Hà Nội is further than the province's data centre
        return [
            None if r.random() < loss else max(0.001, base * (1 + 0.15 * r.gauss(0, 1)))
            for _ in range(count)
        ]

    def _link_figures(self, link: LinkPlan, r: random.Random) -> tuple[float, float]:
        """(base round trip in seconds, loss ratio) of one round."""
        if self.site.dead_zone:
            return r.uniform(0.09, 0.2), r.uniform(0.06, 0.25)
        if link.kind == "tslcd":
            return r.uniform(0.008, 0.02), 0.001
        if link.kind == "mobile":
            return r.uniform(0.04, 0.07), 0.01
        return r.uniform(0.012, 0.03), 0.003

    def throughput(self, link: LinkPlan, t: float) -> tuple[float, float, float] | None:
        """(download, upload bytes per second, latency seconds) of a test, None: link down."""
        if not self.link_up(link, t):
            return None
        r = _rng(self.seed, self.site.key, "speed", link.id, int(t))
        if self.site.dead_zone:
            down, up = r.uniform(1.5, 6.0), r.uniform(0.3, 2.0)
        elif link.kind == "tslcd":
            down = r.uniform(30, 90)
            up = down * r.uniform(0.9, 1.0)
        elif link.kind == "mobile":
            down, up = r.uniform(15, 45), r.uniform(5, 15)
        else:
            down, up = r.uniform(120, 260), r.uniform(25, 80)
        base, _loss = self._link_figures(link, r)
        return down * MBIT, up * MBIT, base

    # --- services, checks, terminals -------------------------------------------------------------
    def service(self, role: str, t: float) -> tuple[bool, Reason]:
        """(up, why not) of a service of this role."""
        if not self.powered(t):
            return False, "timeout"
        if not self.any_link_up(t):
            return False, "unreachable"
        if role == "one_stop_system" and self.scenario.central_down(t):
            return False, "http_status"
        return True, "ok"

    def terminal_up(self, terminal: TerminalPlan, t: float) -> bool:
        if not self.powered(t):
            return False
        broken = self.scenario.broken_spans.get(self.site.key)
        if broken is not None and broken[0] == terminal.id and broken[1] <= t < broken[2]:
            return False
        odds = 0.004 if terminal.kind == "video_conference" else 0.002  # off for 20 minutes
        return _unit(self.seed, self.site.key, terminal.id, int(t // GLITCH_SLOT)) >= odds

    def signalling(self, terminal: TerminalPlan, t: float) -> Reason:
        """What a video-conference endpoint's SIP port does: ``ok`` (answered) or why not."""
        if not self.terminal_up(terminal, t):
            return "timeout"
        return "timeout" if self.site.sip_blocked else "ok"

    def agent_alive(self, t: float) -> bool:
        """The agent's box runs (the silent site's dies at the moment planned for it)."""
        dies = self.scenario.silent_from.get(self.site.key)
        return dies is None or t < dies

    # --- security measures -----------------------------------------------------------------------
    def security(self, host: str, t: float) -> SecurityCheck:
        """A check at ``t`` of the machine ``host`` of ``security.hosts`` (the counter PC)."""
        fault = self.site.security_fault
        plan = SECURITY_HOSTS.get(host)
        terminal = next((x for x in self.site.terminals if plan and x.id == plan.terminal), None)
        if fault == "unreachable":  # its SSH server stopped: the PC answers ping, not SSH
            return SecurityCheck("timeout")
        if terminal is not None and not self.terminal_up(terminal, t):
            return SecurityCheck("timeout")  # off, without power, or restarting
        key, seed = self.site.key, self.seed
        anchor = self.scenario.security_anchor
        stuck_from = anchor if anchor is not None else day_start(day_number(t))
        signature = self._daily(t, SIGNATURES_AT, "signatures")
        if fault == "old_signatures":  # the update broke 10-20 days before the history's end
            signature = min(signature, stuck_from - (10 + 10 * _unit(seed, key, "stuck")) * DAY)
        update = self._weekly_update(t)
        if fault == "no_updates":
            update = min(update, stuck_from - 45 * DAY)
        backup = self._daily(t, BACKUP_AT, "backup")
        if fault == "old_backup":
            backup = min(backup, stuck_from - 12 * DAY)
        facts = SecurityFacts(
            firewall=fault != "firewall_off",
            antivirus=True,
            realtime=fault != "realtime_off",
            encryption=_unit(seed, key, "bitlocker") < ENCRYPTED_SHARE,
            time_sync=True,
            signature_at=int(signature),
            update_at=int(update),
            backup_at=int(backup),
        )
        return SecurityCheck(None, facts)

    def _daily(self, t: float, at: time, what: str) -> float:
        """The newest moment at or before ``t`` of a daily event at ``at`` plus up to two hours
        (drawn per site and day)."""
        day = day_number(t)
        for d in (day, day - 1):
            moment = _at(d, at) + _unit(self.seed, self.site.key, what, d) * 2 * 3600
            if moment <= t:
                return moment
        return _at(day - 2, at)

    def _weekly_update(self, t: float) -> float:
        """The newest OS update at or before ``t``: weekly, on the site's own weekday at noon."""
        offset = int(_unit(self.seed, self.site.key, "update day") * 7)
        day = day_number(t)
        for d in range(day, day - 8, -1):
            if (d + offset) % 7 == 0 and _at(d, time(12, 0)) <= t:
                return _at(d, time(12, 0))
        return _at(day - 8, time(12, 0))

    @cached_property
    def links_by_id(self) -> dict[str, LinkPlan]:
        return {link.id: link for link in self.site.links}
