"""What the simulator writes into its work directory, so that real programs read it:

WORKDIR/collector.yaml        the collector's config (SQLite database beside it: collector.db,
                              where the simulated history's incidents go: simulate.incidents)
WORKDIR/inventory.yaml        the province's inventory: every site, push credential ids
WORKDIR/credentials.yaml      the sites' push credentials (SHA-256 only)
WORKDIR/tokens.yaml           API tokens (SHA-256 only): one per role of the collector
WORKDIR/tokens.txt            the tokens themselves, each with who it is for (0600)
WORKDIR/alertmanager-token    the simulated Alertmanager's token (role alertmanager, 0600): what
                              the deployment keeps in /etc/alertmanager/sansang-collector-token
WORKDIR/sites/KEY/agent.yaml  each site's agent config (loaded with agent.config.load)
WORKDIR/sites/KEY/push-token  each site's push token
WORKDIR/sites/KEY/journal.db  each site's journal
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ruamel.yaml import YAML

from agent import config as agent_config
from agent.config import AgentConfig
from collector import tokens
from collector.ingest import credentials as push_credentials
from collector.inventory.model import official_province_name
from collector.tokens import Role
from sansang import communes
from simulate import readiness
from simulate.places import match_footnote
from simulate.scenario import COUNTER_PC, TIMEZONE, Scenario, SitePlan, TerminalPlan, _unit

SPEEDTEST_URL = "http://speedtest.tinh.example:8080/"  # never contacted: the backend is simulated
# The province's list of communes that must have a video-conference endpoint: the letter's
# footnote names the 20 still without one; its task (the communes' equipment, §1.d) is due
# "trong tháng 8 năm 2025", the end of August.
CONFERENCE_SOURCE = "Công văn 472/SKHCN-BCVT&CĐS ngày 27/7/2025"
CONFERENCE_DEADLINE = "2025-08-31"
# The simulated counter PCs' SSH host key (made once with ssh-keygen -t ed25519; nothing ever
# connects: the security checks' answers are simulated), and the account the agent would use.
SIMULATED_HOST_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB1TpKQTLFTeZd4xp1bQkB9odgiJ9FT21svcTyFRPUPB"
)
SECURITY_USER = "sansang-check"
SECURITY_KEY_TEXT = "# mô phỏng / simulated: not a key, never read (the checks are simulated)\n"
DATABASE = "collector.db"  # the collector's SQLite store, beside its config


@dataclass(frozen=True)
class Workdir:
    root: Path

    @property
    def collector_config(self) -> Path:
        return self.root / "collector.yaml"

    @property
    def inventory(self) -> Path:
        return self.root / "inventory.yaml"

    @property
    def credentials(self) -> Path:
        return self.root / "credentials.yaml"

    @property
    def tokens(self) -> Path:
        return self.root / "tokens.yaml"

    @property
    def tokens_text(self) -> Path:
        return self.root / "tokens.txt"

    @property
    def alertmanager_token(self) -> Path:
        return self.root / "alertmanager-token"

    @property
    def database_url(self) -> str:
        """The collector's store as its config names it (SQLite beside the config)."""
        return f"sqlite:///{(self.root / DATABASE).resolve()}"

    def site_dir(self, site: SitePlan) -> Path:
        return self.root / "sites" / site.key


@dataclass(frozen=True)
class Login:
    """One API token of the simulated province: who holds it, for what (Vietnamese first)."""

    name: str  # the token's name in tokens.yaml (the audit log's actor)
    role: Role
    vi: str
    en: str
    token: str
    sites: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()  # a token that reads only these communes' sites


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare` wrote, and the secrets the caller needs (never logged)."""

    workdir: Workdir
    configs: dict[str, AgentConfig]  # by site key
    # One per role of the collector, in tokens.ROLES' order, and a commune's police (a security
    # reviewer reading one commune) after the province's.
    logins: tuple[Login, ...]
    collector_url: str
    # The simulated Alertmanager's (simulate.webhook): a role no person logs in with, so not
    # among the logins.
    alertmanager_token: str = ""

    def login(self, role: Role) -> Login:
        return next(x for x in self.logins if x.role == role)

    @property
    def viewer_token(self) -> str:
        return self.login("viewer").token

    @property
    def admin_token(self) -> str:
        return self.login("admin").token


def _dump(data: Any) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def agent_config_data(site: SitePlan, wd: Workdir, collector_url: str) -> dict[str, Any]:
    """The site's agent config, as the YAML a province would write for it."""
    here = wd.site_dir(site)
    link_ids = [link.id for link in site.links]
    return {
        "site": {
            "commune_code": site.code,
            "site_id": site.site_id,
            "name": f"Bộ phận một cửa {site.name}",
            "latitude": site.place.latitude,
            "longitude": site.place.longitude,
            "service_hours": {"timezone": TIMEZONE},
        },
        "server": {"listen": "127.0.0.1:9717"},  # not served: the simulator has no HTTP server
        "journal": {"path": str(here / "journal.db")},
        # Every 2 minutes (services every minute, the UPS every minute): a few days of history
        # in seconds.
        "probes": {"interval": "120s", "timeout": "5s"},
        "host": {"enabled": False},  # the host probe would read this machine
        "checks": [{"id": "gateway", "name": "Cổng mạng nội bộ", "check": _icmp(f"{site.lan}.1")}],
        "services": [
            {
                "id": "motcua",
                "name": "Hệ thống thông tin giải quyết TTHC tỉnh (Một cửa điện tử)",
                "role": "one_stop_system",
                "check": _http("https://motcua.tinh.example/"),
            },
            {
                "id": "dvcqg",
                "name": "Cổng Dịch vụ công quốc gia",
                "role": "national_portal",
                "check": _http("https://dichvucong.example/"),
            },
        ],
        "terminals": [
            _agent_terminal(t, f"{site.lan}.{10 + i}") for i, t in enumerate(site.terminals)
        ],
        "power": {
            "interval": "60s",
            "sources": [{"id": "ups-1", "name": "UPS", "source": {"probe": "nut", "ups": "ups"}}],
        },
        "links": [{"id": link.id, "kind": link.kind, "role": link.role} for link in site.links],
        "quality": {
            "interval": "5m",
            "targets": [
                {
                    "id": "tinh-dc",
                    "name": "Trung tâm dữ liệu tỉnh",
                    "role": "province_datacenter",
                    "check": {"method": "icmp", "host": "10.51.0.10"},
                    "links": link_ids,
                },
                {
                    "id": "dvcqg-portal",
                    "name": "Cổng DVCQG",
                    "role": "national_portal",
                    "check": {"method": "tcp", "host": "dichvucong.example", "port": 443},
                    "links": link_ids,
                },
            ],
        },
        # SEC-MEASURES: the first counter PC over SSH (answered by the scenario).
        "security": {
            "hosts": [
                {
                    "id": COUNTER_PC.id,
                    "name": COUNTER_PC.name,
                    "host": f"{site.lan}.10",
                    "user": SECURITY_USER,
                    "key_file": str(here / "security-key"),
                    "host_key": SIMULATED_HOST_KEY,
                    "os": COUNTER_PC.os,
                    "backup_path": "/D:/SaoLuu",
                }
            ]
        },
        "speedtest": {
            "mean_interval": "8h",
            "monthly_budget_mib": 65536,
            "duration": "4s",
            "backends": [
                {"id": "tinh", "kind": "selfhosted", "url": SPEEDTEST_URL, "links": link_ids}
            ],
        },
        "push": {
            "url": collector_url,
            "token_file": str(here / "push-token"),
            "interval": "5s",
            "backoff_max": "30s",
        },
    }


def _agent_terminal(t: TerminalPlan, address: str) -> dict[str, Any]:
    found: dict[str, Any] = {"id": t.id, "name": t.name, "kind": t.kind, "address": address}
    if t.kind == "video_conference":  # its SIP port too: a pingable endpoint may take no call
        found["signalling"] = {"protocol": "sip"}
    return found


def _http(url: str) -> dict[str, str]:
    return {"probe": "http", "url": url, "interval": "60s"}


def _icmp(host: str) -> dict[str, str]:
    return {"probe": "icmp", "host": host}


def inventory_data(
    scenario: Scenario, extra_sites: Sequence[dict[str, Any]] = (), today: date | None = None
) -> dict[str, Any]:
    """The province's inventory; contingency dates are relative to ``today`` (default: the
    province's today), so the demo never ages."""
    name = official_province_name(scenario.province) or scenario.province
    day = today or datetime.now(ZoneInfo(TIMEZONE)).date()
    ready = readiness.build(scenario, day)  # plans, the province's drill, the communes' teams
    data: dict[str, Any] = {
        "province": {"code": scenario.province, "name": name},
        "sites": [_inventory_site(s, ready.plans[s.key]) for s in scenario.sites]
        + list(extra_sites),
        "drills": ready.drills,
        "response_teams": ready.teams,
        "systems": [
            # SEC-LEVEL: the one-stop system protected and checked within its year; the
            # video-conference system approved but its check overdue at the communes using it.
            {"id": "motcua", "name": "Hệ thống thông tin giải quyết TTHC tỉnh",
             "security_level": 3, "owner": "Văn phòng UBND tỉnh",
             "dossier": {"decision": "2150/QĐ-UBND", "authority": "UBND tỉnh",
                         "approved_on": (day - timedelta(days=400)).isoformat()},
             "protection_plan_deployed": True,
             "last_checked_on": (day - timedelta(days=120)).isoformat()},
            {"id": "hnth", "name": "Hệ thống hội nghị truyền hình trực tuyến tỉnh",
             "security_level": 2, "owner": "Sở Khoa học và Công nghệ",
             "dossier": {"decision": "88/QĐ-SKHCN", "authority": "Sở Khoa học và Công nghệ",
                         "approved_on": (day - timedelta(days=900)).isoformat()},
             "protection_plan_deployed": True,
             "last_checked_on": (day - timedelta(days=800)).isoformat(),
             "communes": list(dict.fromkeys(s.code for s in scenario.sites[::3]))},
        ],
    }  # fmt: skip
    data["signature_certificates"] = _signature_certificates(scenario, day)
    footnote = [c.code for c in match_footnote(scenario.province)[0]]
    if footnote:
        data["video_conference_required"] = [
            {"deadline": CONFERENCE_DEADLINE, "source": CONFERENCE_SOURCE, "communes": footnote}
        ]
    return data


def _signature_certificates(scenario: Scenario, today: date) -> list[dict[str, Any]]:
    """The commune chairmen's signature certificates: most valid for a year or more, one site in
    ten within 30 days of its last day, one within a week (the demo's expiry alerts)."""
    codes = list(dict.fromkeys(s.code for s in scenario.sites))
    found = []
    for i, code in enumerate(codes):
        unit = _unit(scenario.seed, code, "certificate")
        left = 5 if i == 0 else 12 + int(unit * 15) if unit < 0.1 else 60 + int(unit * 900)
        found.append(
            {
                "id": f"chu-tich-{code}",
                "holder": f"Chủ tịch UBND xã ({code})",
                "position": "Chủ tịch UBND xã",
                "commune_code": code,
                "not_after": (today + timedelta(days=left)).isoformat(),
                "agency": "so_khcn",
            }
        )
    return found


def _inventory_site(s: SitePlan, plans: dict[str, Any]) -> dict[str, Any]:
    kinds = list(dict.fromkeys(link.kind for link in s.links))
    return {
        "commune_code": s.code,
        "site_id": s.site_id,
        "name": f"Bộ phận một cửa {s.name}",
        "latitude": s.place.latitude,
        "longitude": s.place.longitude,
        "links": kinds,
        "push": {"credential_id": s.key},
        "terminals": [
            {"id": t.id, "name": t.name, "kind": t.kind, "address": f"{s.lan}.{10 + i}"}
            for i, t in enumerate(s.terminals)
        ],
        "ups": [{"id": "ups-1", "model": "APC Back-UPS 1100", "rated_minutes": s.ups_minutes}],
        "contingency": plans,
    }


def collector_config_data(
    listen: str, evaluate_interval: str, window_days: float
) -> dict[str, Any]:
    """The collector's config; the evaluation window is the simulated history (a 30-day window
    over 3 days of data would be mostly unknown)."""
    return {
        "listen": listen,
        "database": f"sqlite:///{DATABASE}",
        "inventory": "inventory.yaml",
        "tokens_file": "tokens.yaml",
        "public_url": f"http://{listen}/",
        "ingest": {"credentials_file": "credentials.yaml"},
        "evaluate": {
            "interval": evaluate_interval,
            "window": f"{max(1, round(window_days * 86400))}s",
        },
    }


def prepare(
    scenario: Scenario,
    root: Path,
    *,
    collector_listen: str = "127.0.0.1:9718",
    evaluate_interval: str = "60s",
    window_days: float = 3.0,
    extra_sites: Sequence[dict[str, Any]] = (),
) -> Prepared:
    """Write everything into ``root`` (which must hold no earlier simulation) and load each
    site's agent config back through the agent's own loader.  ``extra_sites``: inventory
    entries of real agents to add (``make run`` adds this machine's)."""
    wd = Workdir(root)
    root.mkdir(parents=True, exist_ok=True)
    if wd.inventory.exists() or (root / "sites").exists():
        raise FileExistsError(
            f"{root} đã có một mô phỏng / already holds a simulation: choose an empty directory"
        )
    url = f"http://{collector_listen}/"
    configs: dict[str, AgentConfig] = {}
    wd.credentials.touch(mode=0o600)
    for site in scenario.sites:
        here = wd.site_dir(site)
        here.mkdir(parents=True)
        # What `sansang collector credential new ID` does: the hash to the file, the token out.
        token = push_credentials.new_credential(wd.credentials, site.key)
        _write_secret(here / "push-token", token + "\n")
        _write_secret(here / "security-key", SECURITY_KEY_TEXT)
        path = here / "agent.yaml"
        path.write_text(_dump(agent_config_data(site, wd, url)), encoding="utf-8")
        configs[site.key] = agent_config.load(path)
    wd.inventory.write_text(_dump(inventory_data(scenario, extra_sites)), encoding="utf-8")
    logins = _logins(wd, scenario, extra_sites)
    alertmanager = tokens.add(wd.tokens, "alertmanager", "alertmanager", [])
    _write_secret(wd.alertmanager_token, alertmanager + "\n")
    data = collector_config_data(collector_listen, evaluate_interval, window_days)
    wd.collector_config.write_text(_dump(data), encoding="utf-8")
    # tokens.txt last, whole at once (written beside, then renamed): a reader that waits for
    # it finds every other file complete.
    lines = [f"{x.role} ({x.name}): {x.token}  # {x.vi} / {x.en}" for x in logins]
    partial = wd.tokens_text.with_name(wd.tokens_text.name + ".partial")
    _write_secret(partial, "\n".join(lines) + "\n")
    partial.replace(wd.tokens_text)
    return Prepared(wd, configs, logins, url, alertmanager)


def _logins(
    wd: Workdir, scenario: Scenario, extra_sites: Sequence[dict[str, Any]]
) -> tuple[Login, ...]:
    """A token for each role the collector has (``collector.tokens.ROLES``).  The technician's
    sites: the real agents added (``make run``'s own machine), else the first simulated site."""
    keys = [f"{s['commune_code']}-{s.get('site_id', 'main')}" for s in extra_sites]
    tech_sites = keys or [scenario.sites[0].key]
    where = ", ".join(tech_sites)
    who: dict[Role, tuple[str, str, str, list[str]]] = {
        "viewer": ("so-khcn", "Sở KH&CN, tổ mạng (xem bảng tỉnh)",
                   "Department of Science and Technology, network team (viewer)", []),
        "security_reviewer": ("cong-an-tinh", "Công an tỉnh (xem cả phương án dự phòng, nhật ký)",
                              "provincial police (security reviewer)", []),
        "technician": ("ky-thuat-vien", f"kỹ thuật viên (ghi chú cho điểm {where})",
                       f"a technician (notes for {where})", tech_sites),
        "admin": ("quan-tri", "quản trị hệ thống", "administrator", []),
    }  # fmt: skip
    found = []
    for role in tokens.ROLES:
        if role not in who:
            continue  # a role no person logs in with (Alertmanager's token is the deployment's)
        name, vi, en, sites = who[role]
        token = tokens.add(wd.tokens, name, role, sites)
        found.append(Login(name, role, vi, en, token, tuple(sites)))
        if role == "security_reviewer":
            found.append(_commune_police(wd, tech_sites[0][:5]))
    return tuple(found)


def _commune_police(wd: Workdir, code: str) -> Login:
    """A commune's police: a security reviewer token reading one commune (``communes:``), the
    commune of the technician's site (``make run``'s own machine)."""
    found = communes.lookup(code)
    name = found.name if found is not None else code
    place = name[:1].lower() + name[1:]  # "xã Sa Thầy", "phường Cẩm Thành"
    vi, en = f"Công an {place} (chỉ xem {place})", f"commune police ({name} only)"
    token = tokens.add(wd.tokens, f"cong-an-{code}", "security_reviewer", [], [code])
    return Login(f"cong-an-{code}", "security_reviewer", vi, en, token, communes=(code,))
