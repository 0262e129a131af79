"""The province's inventory (danh mục): its sites, their devices, systems and contingency plans.

The province keeps it as YAML in its own repository; ``load(path)`` validates it and raises
:class:`sansang.configfile.ConfigError` naming file, line and field of every problem.  Commune
codes are checked against the official list (QĐ 19/2025/QĐ-TTg) and must belong to the province.
Every site has a contingency plan (phương án ứng phó) for each of the five risks of :data:`RISKS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PrivateAttr, field_validator, model_validator
from vietnam_provinces import Province as OfficialProvince

from sansang import communes
from sansang.configfile import load_model
from sansang.kinds import TerminalKind
from sansang.models import Slug, StrictModel
from sansang.service_hours import CalendarOverride, ServiceHours, site_hours

Location = tuple[int | str, ...]

Risk = Literal["hardware", "software", "cyberattack", "link_loss", "power_loss"]
RISKS: tuple[str, ...] = Risk.__args__  # type: ignore[attr-defined]
# What a person reads for each risk (Vietnamese, English): the site page and the findings.
RISK_NAMES: dict[str, tuple[str, str]] = {
    "hardware": ("Hỏng phần cứng", "Hardware failure"),
    "software": ("Lỗi phần mềm", "Software failure"),
    "cyberattack": ("Tấn công mạng", "Cyberattack"),
    "link_loss": ("Mất đường truyền", "Link loss"),
    "power_loss": ("Mất điện", "Power loss"),
}
FallbackKind = Literal[
    "spare_device", "backup_link", "ups_generator", "restore_procedure", "isolation_procedure"
]
LinkKind = Literal["internet", "tslcd", "mobile"]
DrillResult = Literal["passed", "partial", "failed"]

# Rough bounding box of Vietnam including Hoàng Sa and Trường Sa (both are đặc khu).
LATITUDE_RANGE = (6.0, 23.5)
LONGITUDE_RANGE = (102.0, 117.5)
_PHONE = re.compile(r"^\+?[0-9][0-9 .]{7,16}[0-9]$")


def official_province_name(code: str) -> str | None:
    """The official name of the province with this 2-digit code, or None."""
    for p in OfficialProvince.iter_all():
        if f"{int(p.code):02d}" == code:
            return str(p.name)
    return None


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


class Fallback(StrictModel):
    """What the site falls back on (phương án dự phòng)."""

    kind: FallbackKind
    text: str = Field(min_length=1, description="the plan in a sentence or two")


class Drill(StrictModel):
    """A rehearsal of the plan (diễn tập)."""

    held_on: date
    result: DrillResult
    notes: str = ""


class Responder(StrictModel):
    """The named person who acts when the risk happens (người chịu trách nhiệm)."""

    name: str = Field(min_length=1)
    phone: str
    confirmed_on: date = Field(description="when the person last confirmed the duty")

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ValueError(
                f"write the phone number quoted, e.g. '0{value}' (as a number it loses its 0)"
            )
        if not isinstance(value, str) or not _PHONE.match(value):
            raise ValueError(f"'{value}' is not a phone number, e.g. '0912 345 678'")
        return value


class ContingencyPlan(StrictModel):
    """The plan for one risk at one site."""

    approved_on: date = Field(description="when the plan was approved (ngày phê duyệt)")
    fallback: Fallback
    drills: list[Drill] = Field(default_factory=list)
    responder: Responder


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
        description="one plan for each of: " + ", ".join(RISKS)
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


class System(StrictModel):
    """An information system (hệ thống thông tin) with its security level (cấp độ, NĐ 85/2016)."""

    id: Slug
    name: str = Field(min_length=1)
    security_level: int = Field(ge=1, le=5, description="cấp độ an toàn hệ thống thông tin, 1–5")
    dossier_approved_on: date | None = Field(
        default=None, description="when the level dossier (hồ sơ đề xuất cấp độ) was approved"
    )
    last_checked_on: date | None = Field(default=None, description="last inspection (kiểm tra)")


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
    video_conference_required: list[ConferenceRequirement] | None = Field(
        default=None,
        description="the communes that must have a video-conference endpoint, with the deadline "
        "(INF-HNTH); a commune on no list and without one is not required to have one. Absent: "
        "the province keeps no list, and a site without an endpoint is unknown",
    )

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
    """Problems across fields: unique ids, communes of the province, a plan for every risk."""
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
    problems += _conference_problems(inv)
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
    missing = [r for r in RISKS if r not in site.contingency]
    if missing:
        listed = ", ".join(f"'{r}'" for r in missing)
        message = f"no plan for risk {listed}; every site needs one"
        problems.append(((*here, "contingency"), message))
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
