"""deploy/alertmanager: the config passes ``amtool check-config``, every agency's alert reaches
its receiver (``amtool config routes test``), and the templates render in Vietnamese with the
Telegram message within 4,096 characters however many alerts a group holds
(``amtool template render``, Alertmanager 0.25's own template engine)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from collector.targets import load_catalogue

ROOT = Path(__file__).resolve().parents[2]
AM_DIR = ROOT / "deploy" / "alertmanager"
CONFIG = AM_DIR / "alertmanager.yml"
TEMPLATES = str(AM_DIR / "templates" / "*.tmpl")
TELEGRAM_MAX = 4096

pytestmark = pytest.mark.skipif(
    shutil.which("amtool") is None,
    reason="amtool not found: apt-get install -y prometheus-alertmanager",
)

# agency label (collector/targets/catalogue.yaml) -> receiver
RECEIVER = {
    "so_khcn": "so-khcn",
    "cong_an_tinh": "cong-an-tinh",
    "so_cong_thuong": "so-cong-thuong",
    "ubnd_xa": "mac-dinh",
}


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["amtool", *args], capture_output=True, text=True, timeout=30, check=False
    )


def route(labels: dict[str, str]) -> list[str]:
    """The receivers ``amtool config routes test`` resolves these labels to."""
    pairs = [f"{k}={v}" for k, v in labels.items()]
    done = amtool("config", "routes", "test", f"--config.file={CONFIG}", *pairs)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_check_config() -> None:
    done = amtool("check-config", str(CONFIG))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 receivers" in done.stdout and "2 inhibit rules" in done.stdout


SITE = {"site": "23527-main", "commune_code": "23527", "commune": "Xã Sa Thầy"}


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        ({"alertname": "SansangPowerLost", "agency": "so_cong_thuong", **SITE}, "so-cong-thuong"),
        ({"alertname": "SansangOnBattery", "agency": "so_cong_thuong", **SITE}, "so-cong-thuong"),
        ({"alertname": "SansangLinkDown", "agency": "so_khcn", **SITE}, "so-khcn"),
        ({"alertname": "SansangSiteUnreachable", "agency": "so_khcn", **SITE}, "so-khcn"),
        (
            {"alertname": "SansangServiceDown", "agency": "so_khcn", "service": "motcua", **SITE},
            "so-khcn",
        ),
        (
            {
                "alertname": "SansangTargetNotMet",
                "agency": "cong_an_tinh",
                "target": "SEC-EARLY",
                **SITE,
            },
            "cong-an-tinh",
        ),
        (
            {"alertname": "SansangCentralOutage", "agency": "so_khcn", "service": "motcua"},
            "so-khcn",
        ),
        (
            {"alertname": "SansangTargetNotMet", "agency": "ubnd_xa", "target": "OPS-CONT", **SITE},
            "mac-dinh",
        ),
        ({"alertname": "SomethingElse", **SITE}, "mac-dinh"),
        ({"alertname": "SansangCentralOutage"}, "mac-dinh"),
    ],
    ids=lambda v: v if isinstance(v, str) else v["alertname"] + ":" + v.get("agency", "-"),
)
def test_routes(labels: dict[str, str], receiver: str) -> None:
    assert route(labels) == [receiver]
    pairs = [f"{k}={v}" for k, v in labels.items()]
    done = amtool(
        "config",
        "routes",
        "test",
        f"--config.file={CONFIG}",
        f"--verify.receivers={receiver}",
        *pairs,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_catalogue_agency_has_a_route() -> None:
    agencies = set(load_catalogue().agencies)
    assert agencies == set(RECEIVER), "a new agency in the catalogue needs a route"
    for agency, receiver in RECEIVER.items():
        assert route({"alertname": "SansangTargetNotMet", "agency": agency, **SITE}) == [receiver]


def test_grouping_and_inhibitions_shape() -> None:
    config = YAML(typ="safe", pure=True).load(CONFIG.read_text(encoding="utf-8"))
    assert config["route"]["group_by"] == ["alertname", "site"]
    province_wide = []
    stack = list(config["route"]["routes"])
    while stack:
        r = stack.pop()
        stack += r.get("routes", [])
        if r.get("matchers") == ['site=""']:
            province_wide.append(r)
    assert len(province_wide) == 4  # under each agency, and for the default receiver
    assert all(r["group_by"] == ["alertname"] for r in province_wide)
    assert config["inhibit_rules"] and all(
        rule["equal"] == ["site"] for rule in config["inhibit_rules"]
    )


# --- templates -----------------------------------------------------------------------------------


def alert(i: int, status: str, text: str, **labels: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "SansangLinkDown", "site": f"site-{i}", **labels},
        "annotations": {
            "summary": f"#{i} {text}",
            "description": f"Mô tả #{i} {text}",
            "runbook_url": "https://sansang.example/playbooks/" + "x" * 500,
            "cause": text,
        },
        "startsAt": "2026-11-22T10:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://127.0.0.1:9718/sites/site-1",
        "fingerprint": f"{i:016x}",
    }


def data(alerts: list[dict[str, Any]], **common: str) -> dict[str, Any]:
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "receiver": "so-khcn",
        "status": "firing" if firing else "resolved",
        "alerts": alerts,
        "groupLabels": {"alertname": alerts[0]["labels"]["alertname"], **common},
        "commonLabels": {"alertname": alerts[0]["labels"]["alertname"], **common},
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
    }


def render(tmp_path: Path, name: str, payload: dict[str, Any], kind: str = "text") -> str:
    path = tmp_path / "data.json"
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    done = amtool(
        "template",
        "render",
        f"--template.glob={TEMPLATES}",
        f"--template.text={{{{ template {json.dumps(name)} . }}}}",
        f"--template.data={path}",
        f"--template.type={kind}",
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def telegram_length(text: str) -> int:
    """Telegram counts UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def test_telegram_fits_with_many_long_alerts(tmp_path: Path) -> None:
    long = "Mất đường truyền <b>&amp; rất dài " * 300  # ~10,000 characters, with HTML specials
    alerts = [alert(i, "firing", long, severity="critical") for i in range(40)]
    alerts += [alert(100 + i, "resolved", long) for i in range(12)]
    payload = data(
        alerts, site="s" * 3000, commune="Xã " * 2000, severity="x" * 900, agency="so_khcn"
    )
    payload["groupLabels"]["alertname"] = "A" * 5000
    text = render(tmp_path, "sansang.telegram.message", payload)
    assert telegram_length(text) <= TELEGRAM_MAX, telegram_length(text)
    assert "… và 35 cảnh báo khác" in text
    assert "… và 9 cảnh báo khác đã khắc phục" in text
    assert "#0 Mất đường truyền" in text and "#4 Mất đường truyền" in text and "#5 " not in text
    assert "&" not in text and "<b>&" not in text  # user text escaped: only our own tags remain
    assert text.count("<b>") == text.count("</b>") == 7  # header, 5 alerts, resolved


def test_telegram_single_alert_is_complete(tmp_path: Path) -> None:
    one = alert(1, "firing", "")
    one["labels"] |= {"severity": "critical", "agency": "so_cong_thuong", "commune": "Xã Sa Thầy"}
    one["annotations"] |= {
        "summary": "Mất điện lưới tại Bộ phận Một cửa xã Sa Thầy (23527-main) "
        "từ 10:02 ngày 22/11/2026",
        "description": "Điện lưới tại điểm một cửa mất từ 10:02. Pin UPS còn khoảng 80 %.",
        "runbook_url": "https://sansang.example/playbooks/power_loss.md",
        "cause": "power",
    }
    payload = data(
        [one], site="23527-main", severity="critical", agency="so_cong_thuong", commune="Xã Sa Thầy"
    )
    text = render(tmp_path, "sansang.telegram.message", payload)
    assert "1 cảnh báo đang xảy ra" in text
    assert "Xã: Xã Sa Thầy (23527-main)" in text
    assert "Mức: NGHIÊM TRỌNG · Phụ trách: Sở Công Thương và điện lực" in text
    assert one["annotations"]["summary"] in text and one["annotations"]["description"] in text
    assert "Nguyên nhân: mất điện lưới" in text
    assert "Sổ tay: https://sansang.example/playbooks/power_loss.md" in text
    assert "cảnh báo khác" not in text and "…" not in text


def test_email_subject_text_and_html(tmp_path: Path) -> None:
    one = alert(1, "firing", "")
    one["labels"] |= {"severity": "warning", "agency": "cong_an_tinh", "target": "SEC-EARLY"}
    one["annotations"] |= {
        "summary": "Chưa đạt SEC-EARLY <script>",
        "description": "Không có cảnh báo sớm & phản ứng.",
        "runbook_url": "https://sansang.example/playbooks/cyberattack.md",
        "cause": "unknown",
    }
    gone = alert(2, "resolved", "Đã có lại đường truyền")
    payload = data([one, gone], site="site-1", severity="warning", agency="cong_an_tinh")
    subject = render(tmp_path, "sansang.email.subject", payload)
    assert subject == "[Sansang] CẢNH BÁO (1): Chưa đạt SEC-EARLY <script>"
    body = render(tmp_path, "sansang.email.text", payload)
    assert "phụ trách: Công an tỉnh" in body and "Chỉ tiêu: SEC-EARLY" in body
    assert "Nguyên nhân: chưa rõ nguyên nhân" in body
    assert "Đã khắc phục:\n* #2 Đã có lại đường truyền" in body
    html = render(tmp_path, "sansang.email.html", payload, kind="html")
    assert '<html lang="vi">' in html and "<script>" not in html  # html/template escapes
    assert "Chưa đạt SEC-EARLY &lt;script&gt;" in html
    assert '<a href="https://sansang.example/playbooks/cyberattack.md">Sổ tay xử lý</a>' in html
