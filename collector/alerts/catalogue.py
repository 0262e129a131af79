"""Every alert (cảnh báo) of Sansang, in one place: its name, who fires it, how grave it is, which
agency's receiver gets it and which playbook (sổ tay) tells the person what to do.

Two sources send alerts to the same Alertmanager with the same labels: the collector
(:mod:`collector.alerts.build`, which takes each alert's name, severity, agency and playbook from
here) and the Prometheus rules (``deploy/prometheus/sansang.rules.yml``).  Alertmanager routes on
``agency`` and inhibits by ``alertname`` (``deploy/alertmanager/alertmanager.yml``).  Names that
live in three files drift: ``tests/unit/test_alert_catalogue.py`` holds the rules, the routes and
the inhibitions to this catalogue, so an alert that nothing fires cannot be routed or inhibited.

It is Python rather than YAML so that mypy checks every field and the builder refers to an entry
by constant (a misspelt alert name fails before it runs); people who do not read Python get
``docs/alerts.md``, generated from here (``python -m collector.alerts.catalogue_doc``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Source = Literal["collector", "prometheus"]
Severity = Literal["critical", "warning"]

# Incident kinds, one playbook each: playbooks/<kind>.md.  Some are reached only through a target
# not met (dead_zone, software, cyberattack), one only from a check on site (dns: the agent's DNS
# checks and `sansang agent diagnose`).
KINDS = (
    "power_loss",
    "link_loss",
    "dns",
    "site_unreachable",
    "service_down",
    "central_outage",
    "terminal_down",
    "conference_endpoint",
    "bandwidth_low",
    "dead_zone",
    "hardware",
    "software",
    "cyberattack",
    "certificate",
)
PLAYBOOK_INDEX = "README.md"


@dataclass(frozen=True)
class AlertDef:
    """One alert name and what every alert of that name carries."""

    name: str
    sources: frozenset[Source]
    severity: Severity
    # The `agency` label, which Alertmanager routes on (an agency of
    # collector/targets/catalogue.yaml).  None: the owner of the target the alert is about.
    agency: str | None
    playbook: str  # file under playbooks/
    target: str | None  # the `target` label; None: the target the alert is about
    vi: str  # what it means, for the person who reads docs/alerts.md
    # The severity at the incident's worst, when it has one (a site cut off from every link).
    worst: Severity | None = None
    # Whether it opens an incident (collector/incidents) when its kind is an incident kind:
    # False for a warning ahead of a failure (a disk filling, a clock drifting, a backlog
    # waiting), which would otherwise bring the 5-day reporting duty with it.
    incident: bool = True


def _def(
    name: str,
    sources: tuple[Source, ...],
    *,
    severity: Severity,
    agency: str | None,
    kind: str | None,
    target: str | None,
    vi: str,
    worst: Severity | None = None,
    incident: bool = True,
) -> AlertDef:
    playbook = f"{kind}.md" if kind else PLAYBOOK_INDEX
    return AlertDef(
        name, frozenset(sources), severity, agency, playbook, target, vi, worst, incident
    )


COLLECTOR: tuple[Source, ...] = ("collector",)
PROMETHEUS: tuple[Source, ...] = ("prometheus",)

# --- the collector's: one incident per site, its most basic cause first -------------------------
POWER_LOST = _def(
    "SansangPowerLost",
    COLLECTOR,
    severity="critical",
    agency="so_cong_thuong",
    kind="power_loss",
    target="INF-PWR",
    vi="Mất điện lưới hoặc điện chập chờn tại điểm; là nguyên nhân khi đường truyền mất sau đó.",
)
SITE_UNREACHABLE = _def(
    "SansangSiteUnreachable",
    ("collector", "prometheus"),
    severity="critical",
    agency="so_khcn",
    kind="site_unreachable",
    target="INF-LINK",
    vi="Tỉnh không liên lạc được với điểm: Prometheus không lấy được số liệu của tác tử, hoặc bộ "
    "thu không nhận được sự kiện nào.",
)
LINK_DOWN = _def(
    "SansangLinkDown",
    COLLECTOR,
    severity="warning",
    worst="critical",
    agency="so_khcn",
    kind="link_loss",
    target="INF-LINK",
    vi="Một đường truyền của điểm mất; nghiêm trọng khi mất mọi đường truyền.",
)
SERVICE_DOWN = _def(
    "SansangServiceDown",
    COLLECTOR,
    severity="critical",
    agency="so_khcn",
    kind="service_down",
    target="OPS-247",
    vi="Hệ thống Một cửa điện tử hoặc Cổng DVCQG không vào được từ một điểm.",
)
CENTRAL_OUTAGE = _def(
    "SansangCentralOutage",
    COLLECTOR,
    severity="critical",
    agency="so_khcn",
    kind="central_outage",
    target="OPS-247",
    vi="Nhiều điểm cùng mất một hệ thống: sự cố phía trung tâm, một cảnh báo cho cả tỉnh.",
)
TARGET_NOT_MET = _def(
    "SansangTargetNotMet",
    COLLECTOR,
    severity="warning",
    agency=None,
    kind=None,
    target=None,
    vi="Một chỉ tiêu chưa đạt tại một điểm; cơ quan chủ trì và sổ tay là của chỉ tiêu đó.",
)

# The officials' signature certificates of the inventory (collector/alerts/certificates.py): the
# agency is the certificate's own (`agency:` in the inventory), this one only when it names none.
SIGNATURE_CERTIFICATE_EXPIRING = _def(
    "SansangSignatureCertificateExpiring",
    COLLECTOR,
    severity="warning",
    agency="so_khcn",
    kind="certificate",
    target="SEC-MEASURES",
    vi="Chứng thư số chữ ký số của một cán bộ/cơ quan sắp hết hạn (trong 30 ngày): làm thủ tục "
    "gia hạn ngay.",
)
SIGNATURE_CERTIFICATE_EXPIRES_SOON = _def(
    "SansangSignatureCertificateExpiresSoon",
    COLLECTOR,
    severity="critical",
    agency="so_khcn",
    kind="certificate",
    target="SEC-MEASURES",
    vi="Chứng thư số chữ ký số hết hạn trong 7 ngày hoặc đã hết hạn: kết quả TTHC không ký số "
    "được.",
)

# --- the Prometheus rules' (deploy/prometheus/sansang.rules.yml) ---------------------------------
TLS_CERTIFICATE_EXPIRING = _def(
    "SansangTLSCertificateExpiring",
    PROMETHEUS,
    severity="warning",
    agency="so_khcn",
    kind="certificate",
    target="OPS-247",
    vi="Chứng chỉ TLS (HTTPS) của hệ thống Một cửa điện tử hoặc Cổng DVC mà các điểm kiểm tra sắp "
    "hết hạn (trong 30 ngày).",
)
TLS_CERTIFICATE_EXPIRES_SOON = _def(
    "SansangTLSCertificateExpiresSoon",
    PROMETHEUS,
    severity="critical",
    agency="so_khcn",
    kind="certificate",
    target="OPS-247",
    vi="Chứng chỉ TLS hết hạn trong 7 ngày hoặc đã hết hạn: trình duyệt của cán bộ sẽ chặn hệ "
    "thống.",
)
ON_BATTERY = _def(
    "SansangOnBattery",
    PROMETHEUS,
    severity="critical",
    agency="so_cong_thuong",
    kind="power_loss",
    target="INF-PWR",
    vi="UPS đang chạy pin: mất điện lưới. Giữ đến 15 phút khi điểm mất liên lạc lúc đang chạy "
    "pin: nguyên nhân là điện, không phải đường truyền.",
)
BATTERY_LOW = _def(
    "SansangBatteryLow",
    PROMETHEUS,
    severity="critical",
    agency="so_cong_thuong",
    kind="power_loss",
    target="INF-PWR",
    vi="Pin UPS sắp cạn: máy sắp tắt.",
)
UPS_COMMUNICATION_LOST = _def(
    "SansangUpsCommunicationLost",
    PROMETHEUS,
    severity="warning",
    agency="so_khcn",
    kind="hardware",
    target="INF-PWR",
    vi="Tác tử không đọc được số liệu của UPS: mất điện sẽ không được báo.",
)
TERMINAL_DOWN = _def(
    "SansangTerminalDown",
    PROMETHEUS,
    severity="warning",
    agency="so_khcn",
    kind="terminal_down",
    target="INF-EQUIP",
    vi="Thiết bị đầu cuối không trả lời trong giờ làm việc.",
)
CONFERENCE_ENDPOINT_DOWN = _def(
    "SansangConferenceEndpointDown",
    PROMETHEUS,
    severity="warning",
    agency="so_khcn",
    kind="conference_endpoint",
    target="INF-HNTH",
    vi="Điểm cầu họp trực tuyến không trả lời trong giờ làm việc.",
)
BANDWIDTH_UNDER_TARGET = _def(
    "SansangBandwidthUnderTarget",
    PROMETHEUS,
    severity="warning",
    agency="so_khcn",
    kind="bandwidth_low",
    target="INF-BW",
    vi="Lần đo tốc độ gần nhất trên một đường truyền dưới ngưỡng INF-BW.",
)
LINK_LOSS_HIGH = _def(
    "SansangLinkLossHigh",
    PROMETHEUS,
    severity="warning",
    agency="so_khcn",
    kind="link_loss",
    target="INF-LINK",
    vi="Mất gói trên 5 % suốt 15 phút trên một đường truyền.",
)
ONE_STOP_SYSTEM_DOWN_AT_MANY_SITES = _def(
    "SansangOneStopSystemUnreachableFromManySites",
    PROMETHEUS,
    severity="critical",
    agency="so_khcn",
    kind="central_outage",
    target="OPS-247",
    vi="Hệ thống Một cửa điện tử gián đoạn tại nhiều điểm cùng lúc: một cảnh báo cho cả tỉnh.",
)

# The agent's own health (rules group sansang-agent-health): a failing agent is failing
# monitoring (SEC-EARLY); the network team looks after the agents.
JOURNAL_WRITE_FAILING = _def(
    "SansangJournalWriteFailing",
    PROMETHEUS,
    severity="critical",
    agency="so_khcn",
    kind="hardware",
    target="SEC-EARLY",
    vi="Tác tử không ghi được nhật ký suốt 10 phút (ổ đĩa đầy, lỗi đọc ghi): sự kiện chờ trong "
    "bộ nhớ và sẽ mất.",
)
JOURNAL_EVENTS_DROPPED = _def(
    "SansangJournalEventsDropped",
    PROMETHEUS,
    severity="critical",
    agency="so_khcn",
    kind="hardware",
    target="SEC-EARLY",
    vi="Tác tử đã bỏ sự kiện không ghi được vào nhật ký: số liệu của điểm không đầy đủ.",
)
PUSH_BACKLOG = _def(
    "SansangPushBacklog",
    PROMETHEUS,
    severity="warning",
    agency="so_khcn",
    kind="site_unreachable",
    target="SEC-EARLY",
    vi="Sự kiện của điểm chờ gửi về tỉnh hơn 10 phút mà bộ thu không nhận được gì: số liệu tại "
    "tỉnh đang thiếu.",
    incident=False,
)
PUSH_FAILING = _def(
    "SansangPushFailing",
    PROMETHEUS,
    severity="warning",
    agency="so_khcn",
    kind="site_unreachable",
    target="SEC-EARLY",
    vi="Tác tử gửi nhật ký về bộ thu thất bại liên tục hơn 15 phút (đường truyền, mã gửi, bộ thu).",
    incident=False,
)
CLOCK_NOT_SYNCHRONIZED = _def(
    "SansangClockNotSynchronized",
    PROMETHEUS,
    severity="warning",
    agency="so_khcn",
    kind="software",
    target="SEC-EARLY",
    vi="Đồng hồ máy chạy tác tử chưa đồng bộ (NTP) hơn 30 phút: thời điểm các sự kiện sai dần.",
    incident=False,
)
FILESYSTEM_NEARLY_FULL = _def(
    "SansangFilesystemNearlyFull",
    PROMETHEUS,
    severity="warning",
    agency="so_khcn",
    kind="hardware",
    target="SEC-EARLY",
    vi="Ổ đĩa của máy chạy tác tử còn dưới 10 % trống, hoặc sẽ đầy trong 24 giờ: khi đầy, nhật ký "
    "không ghi được.",
    incident=False,
)

ALERTS: tuple[AlertDef, ...] = (
    POWER_LOST,
    SITE_UNREACHABLE,
    LINK_DOWN,
    SERVICE_DOWN,
    CENTRAL_OUTAGE,
    TARGET_NOT_MET,
    SIGNATURE_CERTIFICATE_EXPIRING,
    SIGNATURE_CERTIFICATE_EXPIRES_SOON,
    TLS_CERTIFICATE_EXPIRING,
    TLS_CERTIFICATE_EXPIRES_SOON,
    ON_BATTERY,
    BATTERY_LOW,
    UPS_COMMUNICATION_LOST,
    TERMINAL_DOWN,
    CONFERENCE_ENDPOINT_DOWN,
    BANDWIDTH_UNDER_TARGET,
    LINK_LOSS_HIGH,
    ONE_STOP_SYSTEM_DOWN_AT_MANY_SITES,
    JOURNAL_WRITE_FAILING,
    JOURNAL_EVENTS_DROPPED,
    PUSH_BACKLOG,
    PUSH_FAILING,
    CLOCK_NOT_SYNCHRONIZED,
    FILESYSTEM_NEARLY_FULL,
)
BY_NAME: dict[str, AlertDef] = {a.name: a for a in ALERTS}

# SansangTargetNotMet: the playbook of each target (the index for the others) and its severity
# when not "warning".
NOT_MET_PLAYBOOK: Mapping[str, str] = {
    "INF-BW": "bandwidth_low.md",
    "INF-LINK": "link_loss.md",
    "INF-DZ": "dead_zone.md",
    "INF-PWR": "power_loss.md",
    "INF-HNTH": "conference_endpoint.md",
    "INF-EQUIP": "terminal_down.md",
    "OPS-247": "service_down.md",
    "OPS-CONT": "hardware.md",
    "SEC-DRILL": "cyberattack.md",  # the drill rehearses the cyberattack playbook
    "SEC-MEASURES": "cyberattack.md",
    "SEC-EARLY": "cyberattack.md",
}
NOT_MET_SEVERITY: Mapping[str, Severity] = {}


def not_met_playbook(target: str) -> str:
    return NOT_MET_PLAYBOOK.get(target, TARGET_NOT_MET.playbook)


def not_met_severity(target: str) -> Severity:
    return NOT_MET_SEVERITY.get(target, TARGET_NOT_MET.severity)
