"""The province's inventory (danh mục): its sites, their devices, systems and contingency plans.

The province keeps it as YAML in its own repository; ``load(path)`` validates it and raises
:class:`sansang.configfile.ConfigError` naming file, line and field of every problem.  Commune
codes are checked against the official list (QĐ 19/2025/QĐ-TTg) and must belong to the province.
Each site keeps a contingency plan (phương án ứng phó) per risk of :data:`RISKS`, missing, draft or
approved; the province's drills and the communes' response teams are top-level lists
(:mod:`collector.inventory.readiness`), which each site reads as its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PrivateAttr, field_validator, model_validator

from collector.inventory.certificates import SignatureCertificate
from collector.inventory.readiness import RISK_NAMES as RISK_NAMES
from collector.inventory.readiness import RISKS as RISKS
from collector.inventory.readiness import ContingencyPlan as ContingencyPlan
from collector.inventory.readiness import Drill as Drill
from collector.inventory.readiness import DrillResult as DrillResult
from collector.inventory.readiness import Fallback as Fallback
from collector.inventory.readiness import FallbackKind as FallbackKind
from collector.inventory.readiness import ProvinceDrill, ResponseTeam
from collector.inventory.readiness import Responder as Responder
from collector.inventory.readiness import Risk as Risk
from collector.inventory.systems import System
from sansang import communes
from sansang.configfile import load_model
from sansang.kinds import TerminalKind
from sansang.models import Slug, StrictModel
from sansang.service_hours import CalendarOverride, ServiceHours, site_hours

Location = tuple[int | str, ...]

LinkKind = Literal["internet", "tslcd", "mobile"]

# Rough bounding box of Vietnam including Hoàng Sa and Trường Sa (both are đặc khu).
LATITUDE_RANGE = (6.0, 23.5)
LONGITUDE_RANGE = (102.0, 117.5)


def official_province_name(code: str) -> str | None:
    """The official name of the province with this 2-digit code, or None."""
    return communes.province_name(code)


class ProvinceRef(StrictModel):
    """The province (tỉnh / thành phố) that keeps this inventory."""

    code: str = Field(description="official 2-digit province code, quoted, e.g. `'51'`")
    name: str = Field(min_length=1, description="official name, e.g. `Quảng Ngãi`")

    @field_validator("code", mode="before")
    @classmethod
    def _two_digits(cls, value: Any) -> str:
        if not isinstance(value, str) or not (len(value) == 2 and value.isdigit()):
            raise ValueError(
                f"{value!r} is not a 2-digit province code; write it quoted, e.g. '51' or '01'"
            )
        if official_province_name(value) is None:
            raise ValueError(f"province code '{value}' is not in the official list of provinces")
        return value

    @model_validator(mode="after")
    def _official_name(self) -> ProvinceRef:
        official = official_province_name(self.code)
        if official is not None and self.name not in (official, f"Tỉnh {official}"):
            raise ValueError(
                f"province '{self.code}' is '{official}' in the official list, not '{self.name}'"
            )
        return self


class Pull(StrictModel):
    """The collector fetches the agent's journal (the agent is reachable from the province)."""

    url: str = Field(description="the agent's base URL, `https://HOST:9717/`")
    token_file: Path | None = Field(
        default=None, description="file holding the bearer token the agent expects"
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
            raise ValueError(f"'{value}' is not an http(s) URL, e.g. 'https://host:9717/'")
        return value


class Push(StrictModel):
    """The agent pushes its journal (it sits behind NAT or 4G)."""

    credential_id: Slug = Field(description="id of the site's push credential at the collector")


class Terminal(StrictModel):
    """A device at the site; `video_conference` is the HNTH (họp trực tuyến) endpoint."""

    id: Slug
    name: str = ""
    kind: TerminalKind
    address: str = Field(min_length=1, description="IP address or host name")


class Ups(StrictModel):
    """An uninterruptible power supply (bộ lưu điện)."""

    id: Slug
    model: str = Field(min_length=1)
    rated_minutes: float = Field(gt=0, description="hold-up time at the site's load, minutes")


# An official commune code (5 digits, quoted) in a list: each bad item is named by its index.
CommuneCode = Annotated[str, BeforeValidator(communes.check_code)]


@dataclass(frozen=True)
class ConferenceDuty:
    """What the province's list of communes that must have a video-conference endpoint says of
    one site (``Inventory.video_conference_required``): required or not, and by when."""

    required: bool
    deadline: date | None = None  # the deadline of the list naming the commune
    source: str = ""  # the letter that sets it


class Site(StrictModel):
    """A one-stop centre (bộ phận một cửa), or a point of one, in the province."""

    commune_code: str = Field(description="official 5-digit commune code (mã xã), quoted")
    site_id: Slug = Field(default="main", description="point within the commune")
    name: str = Field(min_length=1)
    latitude: float = Field(description="WGS84 degrees north")
    longitude: float = Field(description="WGS84 degrees east")
    links: list[LinkKind] = Field(min_length=1, description="link types (đường truyền)")
    pull: Pull | None = None
    push: Push | None = None
    terminals: list[Terminal] = Field(default_factory=list)
    ups: list[Ups] = Field(default_factory=list)
    contingency: dict[Risk, ContingencyPlan] = Field(
        default_factory=dict,
        description="the plan of each risk (" + ", ".join(RISKS) + "); a risk left out has none "
        "yet (status `missing`)",
    )
    calendar: CalendarOverride | None = Field(
        default=None,
        description="what this site changes in the province's calendar: its own weekly hours, "
        "days it closes or opens besides",
    )
    # The province's calendar, set by the Inventory this site is in (the default one alone).
    _province_calendar: ServiceHours = PrivateAttr(default_factory=ServiceHours)
    # The province's list of communes that must have a video-conference endpoint, as it concerns
    # this site; set by the Inventory this site is in (None: the inventory keeps no such list).
    _conference_duty: ConferenceDuty | None = PrivateAttr(default=None)
    # The commune's response team, and the province's drills covering the commune with their
    # index in ``Inventory.drills``; set by the Inventory this site is in.
    _response_team: ResponseTeam | None = PrivateAttr(default=None)
    _province_drills: tuple[tuple[int, ProvinceDrill], ...] = PrivateAttr(default=())

    @field_validator("commune_code", mode="before")
    @classmethod
    def _official_code(cls, value: Any) -> str:
        return communes.check_code(value)

    @field_validator("latitude")
    @classmethod
    def _in_vietnam_lat(cls, value: float) -> float:
        return _in_range(value, LATITUDE_RANGE, "latitude", "N")

    @field_validator("longitude")
    @classmethod
    def _in_vietnam_lon(cls, value: float) -> float:
        return _in_range(value, LONGITUDE_RANGE, "longitude", "E")

    @field_validator("links")
    @classmethod
    def _distinct_links(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a link type is listed twice")
        return value

    @model_validator(mode="after")
    def _one_way_in(self) -> Site:
        if (self.pull is None) == (self.push is None):
            raise ValueError(
                "say how the collector gets the journal: either `pull: {url: ...}` or "
                "`push: {credential_id: ...}`, not both and not neither"
            )
        return self

    @property
    def service_hours(self) -> ServiceHours:
        """The site's service hours: the province's calendar with the site's ``calendar``."""
        return site_hours(self._province_calendar, self.calendar)

    @property
    def conference_duty(self) -> ConferenceDuty | None:
        """Must this site's commune have a video-conference endpoint, and by when (INF-HNTH);
        None when the inventory has no ``video_conference_required``."""
        return self._conference_duty

    @property
    def response_team(self) -> ResponseTeam | None:
        """The commune's focal point and response team (SEC-TEAM); None when the inventory's
        ``response_teams`` lists none for the commune."""
        return self._response_team

    @property
    def province_drills(self) -> tuple[tuple[int, ProvinceDrill], ...]:
        """The province's drills that covered this site's commune, each with its index in the
        inventory's ``drills`` (SEC-DRILL counts them with the site's own)."""
        return self._province_drills

    @property
    def key(self) -> str:
        """``23527-main``: the site's identity in events and URLs (as in the agent)."""
        return f"{self.commune_code}-{self.site_id}"

    @property
    def commune(self) -> communes.Commune:
        found = communes.lookup(self.commune_code)
        assert found is not None  # validated above
        return found


def _in_range(value: float, bounds: tuple[float, float], what: str, hemi: str) -> float:
    low, high = bounds
    if not low <= value <= high:
        raise ValueError(
            f"{what} {value} is outside Vietnam ({low}–{high}°{hemi}); "
            "check the sign and that latitude and longitude are not swapped"
        )
    return value


class ConferenceRequirement(StrictModel):
    """Communes that must have a video-conference endpoint (thiết bị đầu cuối hội nghị truyền
    hình, HNTH) by a deadline, as a letter of the province lists them."""

    deadline: date = Field(description="the last day to have one (hạn hoàn thành)")
    source: str = Field(default="", description="the letter that sets it (số, ngày công văn)")
    communes: list[CommuneCode] = Field(
        min_length=1, description="official 5-digit commune codes (mã xã), quoted"
    )

    @field_validator("deadline", mode="before")
    @classmethod
    def _iso_day(cls, value: Any) -> Any:
        found = (
            re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value) if isinstance(value, str) else None
        )
        if found:
            day, month, year = found.groups()
            raise ValueError(
                f"write the date as YYYY-MM-DD: '{year}-{int(month):02d}-{int(day):02d}' "
                f"for {value}"
            )
        return value


class Inventory(StrictModel):
    """The province's inventory file, e.g. `inventory.yaml` in the province's repository."""

    province: ProvinceRef
    calendar: ServiceHours = Field(
        default_factory=ServiceHours,
        description="the province's service calendar (lịch làm việc): weekly hours, public "
        "holidays, days closed or opened besides; a site's `calendar` changes it for that site",
    )
    sites: list[Site] = Field(min_length=1)
    systems: list[System] = Field(default_factory=list)
    signature_certificates: list[SignatureCertificate] = Field(
        default_factory=list,
        description="the officials' digital-signature certificates to watch for expiry",
    )
    video_conference_required: list[ConferenceRequirement] | None = Field(
        default=None,
        description="the communes that must have a video-conference endpoint, with the deadline "
        "(INF-HNTH); a commune on no list and without one is not required to have one. Absent: "
        "the province keeps no list, and a site without an endpoint is unknown",
    )
    drills: list[ProvinceDrill] = Field(
        default_factory=list,
        description="drills the province held for many communes at once (diễn tập), written "
        "once: `held_on`, `result`, `risks`, `communes` or `all_sites: true`, `participants`, "
        "`minutes`; SEC-DRILL counts each for every site it covers",
    )
    response_teams: list[ResponseTeam] = Field(
        default_factory=list,
        description="each commune's focal point (đầu mối phối hợp) and incident response team "
        "(đội ứng cứu sự cố), one entry per commune, shared by its sites (SEC-TEAM)",
    )

    @model_validator(mode="after")
    def _sites_know_their_team_and_drills(self) -> Inventory:
        """Each site reads its commune's response team (``Site.response_team``) and the
        province's drills that covered it (``Site.province_drills``); a site given as an object
        is copied first.  A commune listed twice (``cross_check``): the first entry holds."""
        teams: dict[str, ResponseTeam] = {}
        for team in self.response_teams:
            teams.setdefault(team.commune_code, team)
        sites = list(self.sites)
        for i, site in enumerate(sites):
            own = teams.get(site.commune_code)
            drills = tuple((j, d) for j, d in enumerate(self.drills) if d.covers(site.commune_code))
            if site._response_team != own or site._province_drills != drills:
                sites[i] = site.model_copy()
                sites[i]._response_team = own
                sites[i]._province_drills = drills
        self.__dict__["sites"] = sites  # frozen: set once, while validating
        return self

    @model_validator(mode="after")
    def _sites_follow_the_province_calendar(self) -> Inventory:
        """Each site reads the province's calendar (``Site.service_hours``); a site given as an
        object is copied first, so the caller's object keeps its own."""
        sites = list(self.sites)
        for i, site in enumerate(sites):
            if site._province_calendar != self.calendar:
                sites[i] = site.model_copy()
                sites[i]._province_calendar = self.calendar
        self.__dict__["sites"] = sites  # frozen: set once, while validating
        return self

    @model_validator(mode="after")
    def _sites_know_their_conference_duty(self) -> Inventory:
        """Each site reads what ``video_conference_required`` says of its commune
        (``Site.conference_duty``); a site given as an object is copied first."""
        sites = list(self.sites)
        for i, site in enumerate(sites):
            duty = self.conference_duty(site.commune_code)
            if site._conference_duty != duty:
                sites[i] = site.model_copy()
                sites[i]._conference_duty = duty
        self.__dict__["sites"] = sites  # frozen: set once, while validating
        return self

    def systems_of(self, site: Site) -> list[System]:
        """The information systems the site's centre uses (SEC-LEVEL)."""
        return [s for s in self.systems if s.used_by(site.commune_code)]

    def conference_duty(self, commune_code: str) -> ConferenceDuty | None:
        """What the lists say of a commune; None when the inventory keeps no list."""
        if self.video_conference_required is None:
            return None
        naming = [r for r in self.video_conference_required if commune_code in r.communes]
        if not naming:
            return ConferenceDuty(required=False)
        # A commune is listed once (``cross_check``); built without the check, the earliest holds.
        first = min(naming, key=lambda r: r.deadline)
        return ConferenceDuty(required=True, deadline=first.deadline, source=first.source)


def cross_check(inv: Inventory) -> list[tuple[Location, str]]:
    """Problems across fields: unique ids, communes of the province, response teams and drills."""
    problems: list[tuple[Location, str]] = []
    seen_sites: dict[str, int] = {}
    seen_credentials: dict[str, int] = {}
    for i, site in enumerate(inv.sites):
        here: Location = ("sites", i)
        if site.key in seen_sites:
            problems.append(
                (
                    (*here, "site_id"),
                    f"site '{site.key}' is already listed as sites.{seen_sites[site.key]}; "
                    "give each point of a commune its own site_id",
                )
            )
        seen_sites.setdefault(site.key, i)
        commune = site.commune
        if commune.province_code != inv.province.code:
            problems.append(
                (
                    (*here, "commune_code"),
                    f"commune '{site.commune_code}' ({commune.name}) is in province "
                    f"'{commune.province_code}' ({commune.province_name}), "
                    f"not in '{inv.province.code}' ({inv.province.name})",
                )
            )
        if site.push is not None:
            cred = site.push.credential_id
            if cred in seen_credentials:
                problems.append(
                    (
                        (*here, "push", "credential_id"),
                        f"credential '{cred}' is already used by sites.{seen_credentials[cred]}; "
                        "each site has its own",
                    )
                )
            seen_credentials.setdefault(cred, i)
        problems += _site_problems(site, here)
    problems += _unique(("systems",), [s.id for s in inv.systems])
    problems += _systems_and_certificates_problems(inv)
    problems += _conference_problems(inv)
    problems += _readiness_problems(inv)
    return problems


def _readiness_problems(inv: Inventory) -> list[tuple[Location, str]]:
    """Each response team's commune in the province, listed once and with a site here (else
    the entry is a typo no site reads); each drill's communes in the province, each once."""
    problems: list[tuple[Location, str]] = []
    with_sites = {s.commune_code for s in inv.sites}
    seen: dict[str, int] = {}
    for i, team in enumerate(inv.response_teams):
        here: Location = ("response_teams", i, "commune_code")
        code = team.commune_code
        elsewhere = _in_province(inv, here, code)
        problems += elsewhere
        if code in seen:
            message = f"commune '{code}' is already listed as response_teams.{seen[code]}"
            problems.append((here, message))
        elif code not in with_sites and not elsewhere:
            problems.append((here, f"commune '{code}' has no site in this inventory"))
        seen.setdefault(code, i)
    for i, drill in enumerate(inv.drills):
        listed: set[str] = set()
        for j, code in enumerate(drill.communes or []):
            here = ("drills", i, "communes", j)
            problems += _in_province(inv, here, code)
            if code in listed:
                problems.append((here, f"commune '{code}' is listed twice in this drill"))
            listed.add(code)
    return problems


def _in_province(inv: Inventory, here: Location, code: str) -> list[tuple[Location, str]]:
    commune = communes.lookup(code)
    if commune is None or commune.province_code == inv.province.code:
        return []
    message = (
        f"commune '{code}' ({commune.name}) is in province '{commune.province_code}' "
        f"({commune.province_name}), not in '{inv.province.code}' ({inv.province.name})"
    )
    return [(here, message)]


def _systems_and_certificates_problems(inv: Inventory) -> list[tuple[Location, str]]:
    """The communes systems and signature certificates name are the province's; ids unique."""
    problems = _unique(("signature_certificates",), [c.id for c in inv.signature_certificates])
    named: list[tuple[Location, str]] = [
        (("signature_certificates", i, "commune_code"), c.commune_code)
        for i, c in enumerate(inv.signature_certificates)
        if c.commune_code
    ]
    named += [
        (("systems", i, "communes", j), code)
        for i, system in enumerate(inv.systems)
        for j, code in enumerate(system.communes or [])
    ]
    for where, code in named:
        found = communes.lookup(code)
        if found is not None and found.province_code != inv.province.code:
            problems.append((where, f"commune '{code}' is not in province {inv.province.code}"))
    return problems


def _conference_problems(inv: Inventory) -> list[tuple[Location, str]]:
    """Every listed commune in the province, and listed once."""
    problems: list[tuple[Location, str]] = []
    seen: dict[str, str] = {}
    for i, requirement in enumerate(inv.video_conference_required or []):
        for j, code in enumerate(requirement.communes):
            here: Location = ("video_conference_required", i, "communes", j)
            commune = communes.lookup(code)
            if commune is not None and commune.province_code != inv.province.code:
                problems.append(
                    (
                        here,
                        f"commune '{code}' ({commune.name}) is in province "
                        f"'{commune.province_code}' ({commune.province_name}), "
                        f"not in '{inv.province.code}' ({inv.province.name})",
                    )
                )
            where = f"video_conference_required.{i}.communes.{j}"
            if code in seen:
                problems.append((here, f"commune '{code}' is already listed as {seen[code]}"))
            seen.setdefault(code, where)
    return problems


def _site_problems(site: Site, here: Location) -> list[tuple[Location, str]]:
    problems: list[tuple[Location, str]] = []
    ids: dict[str, str] = {}
    listed_ids = [("terminals", j, t.id) for j, t in enumerate(site.terminals)]
    listed_ids += [("ups", j, u.id) for j, u in enumerate(site.ups)]
    for section, j, ident in listed_ids:
        if ident in ids:
            message = f"id '{ident}' is already used by {ids[ident]} of this site"
            problems.append(((*here, section, j, "id"), message))
        ids.setdefault(ident, f"{section}.{j}")
    return problems


def _unique(path: Location, ids: list[str]) -> list[tuple[Location, str]]:
    seen: set[str] = set()
    problems: list[tuple[Location, str]] = []
    for i, ident in enumerate(ids):
        if ident in seen:
            problems.append(((*path, i, "id"), f"id '{ident}' is used twice in this list"))
        seen.add(ident)
    return problems


def load(path: Path | str) -> Inventory:
    return load_model(Inventory, path, cross_check=cross_check)
