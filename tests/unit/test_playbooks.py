"""The playbooks' front matter (sansang/playbooks.py): every file parses, every alert's playbook
exists and every section anchor is a heading; errors name the file, line and field; every
failure reason the agent reports leads to a section; the HTML is safe and anchored; an alert
links the collector's own page when ``public_url`` is set."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from collector.alerts.alert import DEFAULT_PLAYBOOK_BASE_URL, AlertInputs, runbook_url
from collector.alerts.catalogue import ALERTS, KINDS, NOT_MET_PLAYBOOK, PLAYBOOK_INDEX
from collector.findings import Cause
from sansang import playbooks
from sansang.configfile import ConfigError
from sansang.reasons import Reason

ROOT = Path(__file__).resolve().parents[2]
GOOD = (ROOT / "playbooks" / "power_loss.md").read_text(encoding="utf-8")


def test_every_playbook_parses_and_the_package_ships_the_repository_files() -> None:
    books = playbooks.load_all()
    assert set(books) == set(KINDS)
    for kind, book in books.items():
        source = (ROOT / "playbooks" / f"{kind}.md").read_text(encoding="utf-8")
        assert source.endswith(book.markdown), kind  # the shipped file is the source
        assert book.title.vi and book.title.en and book.causes
        assert {"check", "escalate"} <= set(book.sections), kind


def test_every_catalogue_playbook_exists() -> None:
    files = {a.playbook for a in ALERTS} | set(NOT_MET_PLAYBOOK.values())
    for name in files - {PLAYBOOK_INDEX}:
        assert playbooks.get(name.removesuffix(".md")) is not None, name


def test_every_section_anchor_is_an_id_in_the_html() -> None:
    for kind, book in playbooks.load_all().items():
        html = playbooks.to_html(book.markdown)
        for role, anchor in book.sections.items():
            assert f'<h2 id="{anchor}">' in html, (kind, role, anchor)


def test_the_causes_are_the_collectors_and_every_reason_is_answered() -> None:
    assert set(playbooks.CAUSES) == set(get_args(Cause)) - {"unknown"}
    answered = set().union(*(b.causes for b in playbooks.load_all().values()))
    assert answered == (set(get_args(Reason)) - {"ok"}) | set(playbooks.CAUSES)


@pytest.mark.parametrize(
    ("thing", "reason", "kind", "anchor"),
    [
        ("power", "driver_not_connected", "hardware", "kiem-tra-dau-tien-tai-xa"),
        ("power", "timeout", "power_loss", "kiem-tra-dau-tien-tai-xa"),
        ("service", "certificate_invalid", "certificate", "viec-can-lam"),
        ("service", "http_status", "service_down", "kiem-tra-dau-tien-tai-xa"),
        ("terminal", "printer_error", "terminal_down", "kiem-tra-dau-tien-tai-xa"),
        ("video_conference", "timeout", "conference_endpoint", "kiem-tra-dau-tien-tai-xa"),
        ("check", "unreachable", "link_loss", "kiem-tra-dau-tien-tai-xa"),
        ("router", "wan_down", "link_loss", "kiem-tra-dau-tien-tai-xa"),
        ("dns", "timeout", "dns", "kiem-tra-dau-tien-tai-xa"),
        ("dns", "name_not_resolved", "dns", "kiem-tra-dau-tien-tai-xa"),
        ("router", "refused", "terminal_down", "kiem-tra-dau-tien-tai-xa"),
        ("security", "host_key_mismatch", "cyberattack", "viec-lam-ngay-tai-xa"),
        ("site", "agent", "site_unreachable", "kiem-tra-dau-tien"),
        ("site", "central", "central_outage", "kiem-tra-dau-tien-tai-tinh"),
    ],
)
def test_advice_points_at_the_first_checks(thing: str, reason: str, kind: str, anchor: str) -> None:
    assert playbooks.advice(thing, reason) == (kind, anchor)


def test_advice_for_nothing_to_do() -> None:
    assert playbooks.advice("service", "ok") is None
    assert playbooks.advice("toaster", "timeout") is None
    assert playbooks.advice("power", "timeout", "call") == ("power_loss", "goi-ai")


def test_a_kind_is_looked_up_never_joined_to_a_path() -> None:
    for bad in ("../README", "..%2fetc%2fpasswd", "README", "power_loss.md", "/etc/passwd", ""):
        assert playbooks.get(bad) is None, bad


def test_slug_drops_the_diacritics() -> None:
    assert playbooks.slug("Kiểm tra đầu tiên (tại tỉnh)") == "kiem-tra-dau-tien-tai-tinh"
    assert playbooks.slug("Khi nào báo cấp trên") == "khi-nao-bao-cap-tren"


# --- errors: the file, the line, the field --------------------------------------------------


def _error(text: str, name: str = "power_loss.md") -> str:
    with pytest.raises(ConfigError) as err:
        playbooks.parse(text, f"/x/{name}")
    return err.value.render()


def test_front_matter_errors_name_the_file_line_and_field() -> None:
    assert "/x/power_loss.md" in _error(GOOD.removeprefix("---\n"))  # no front matter
    message = _error(GOOD.replace("causes: [power]", "causes: [power, sunspots]"))
    assert "/x/power_loss.md:4: causes: unknown cause sunspots" in message
    assert "sunspots" in message
    message = _error(GOOD.replace('call: "goi-ai"', 'call: "goi-ngay"'))
    assert "/x/power_loss.md:5: sections.call: no heading with the anchor 'goi-ngay'" in message
    message = _error(GOOD, "link_loss.md")
    assert "/x/link_loss.md:2: kind: must be 'link_loss'" in message
    message = _error(GOOD.replace("title:", "titel:"))
    assert "titel" in message and "title" in message
    message = _error(GOOD.replace('check: "kiem-tra-dau-tien-tai-xa", ', ""))
    assert "sections" in message and "check" in message
    assert "closing ---" in _error("---\nkind: power_loss\n")


# --- HTML ---------------------------------------------------------------------------------------


def test_html_is_escaped_anchored_and_links_the_other_playbooks() -> None:
    html = playbooks.to_html(
        "## Gọi ai\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) [phần mềm](software.md)"
        " [gọi](power_loss.md#goi-ai)\n"
    )
    assert '<h2 id="goi-ai">Gọi ai</h2>' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html  # markdown-it refuses the link: left as text
    assert '<a href="software">phần mềm</a>' in html and 'href="power_loss#goi-ai"' in html
    index = playbooks.to_html(playbooks.index_markdown())
    assert set(re.findall(r'<a href="([a-z_]+)">', index)) == set(KINDS)


# --- the alerts' runbook_url -------------------------------------------------------------------


def _inputs(base: str, public_url: str | None) -> AlertInputs:
    return AlertInputs(0.0, None, None, playbook_base_url=base, public_url=public_url)  # type: ignore[arg-type]


def test_runbook_url_is_the_collectors_page_when_public_url_is_set() -> None:
    inputs = _inputs(DEFAULT_PLAYBOOK_BASE_URL, "https://tinh.example/sansang/")
    assert runbook_url(inputs, "power_loss.md") == (
        "https://tinh.example/sansang/playbooks/power_loss#kiem-tra-dau-tien-tai-xa"
    )
    assert runbook_url(inputs, PLAYBOOK_INDEX) == "https://tinh.example/sansang/playbooks/"
    assert runbook_url(_inputs("", "https://tinh.example"), "certificate.md") == (
        "https://tinh.example/playbooks/certificate#viec-can-lam"
    )


def test_runbook_url_keeps_the_configured_base() -> None:
    plain = _inputs(DEFAULT_PLAYBOOK_BASE_URL, None)
    assert runbook_url(plain, "power_loss.md") == DEFAULT_PLAYBOOK_BASE_URL + "power_loss.md"
    chosen = _inputs("https://wiki.example/sotay/", "https://tinh.example")
    assert runbook_url(chosen, "link_loss.md") == "https://wiki.example/sotay/link_loss.md"
