"""The police page's values (collector/web/police.py) and its HTML (collector/web/ui.py
``render_police``), from findings the real SEC rules make of a province on day one (WINDOW ends
on 01/07/2026, Vietnam's time; the plans' deadline is 31/12/2025):

- Sa Thầy: everything in order; Lý Sơn: no plan at all, no drill, no focal point; a third
  commune: plans approved, its last drill 400 days ago, the focal point and the responders
  confirmed a year ago.

What is overdue is read from the rules' own details; a target the catalogue does not evaluate is
"chưa đánh giá" with its reason; names and phones only for ``read_personal``; a token scoped to
one commune sees that commune only."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from collector.config import CollectorConfig
from collector.context import Collector
from collector.evaluate.model import Evaluation, Evidence, LiveSite, SiteInputs
from collector.evaluate.rules.contingency import contingency
from collector.evaluate.rules.drill import drill
from collector.evaluate.rules.responder import responder
from collector.inventory import model, readiness
from collector.inventory.certificates import SignatureCertificate
from collector.inventory.model import RISKS, Inventory, Site
from collector.store import Store
from collector.targets import Catalogue, load_catalogue
from collector.web import police, ui
from collector.web.auth import Principal
from sansang import i18n
from tests.support.evaluate import THRESHOLDS, WINDOW
from tests.support.evaluate import site as example_site

END = date(2026, 7, 1)
SA_THAY, LY_SON, THIRD = "23527", "21548", "21025"
REVIEWER = Principal("ca-tinh", "security_reviewer")
VIEWER = Principal("so-khcn", "viewer")
POLICE = Principal("ca-xa", "security_reviewer", communes=frozenset({SA_THAY}))


def _plan(
    confirmed: date, drills: list[readiness.Drill] | None = None
) -> readiness.ContingencyPlan:
    return readiness.ContingencyPlan(
        approved_on=date(2025, 8, 15),
        fallback=readiness.Fallback(kind="spare_device", text="Máy dự phòng"),
        drills=drills or [],
        responder=readiness.Responder(
            name="Nguyễn Văn An", phone="0912 345 678", confirmed_on=confirmed
        ),
    )


def _team(code: str, focal_age: int) -> readiness.ResponseTeam:
    focal = readiness.FocalPoint(
        name="Đỗ Văn Hùng", phone="0905 222 333", role="Phó Chủ tịch UBND xã",
        confirmed_on=END - timedelta(days=focal_age),
    )  # fmt: skip
    members = [readiness.TeamMember(name=f"Thành viên {i}", phone="0913 000 001") for i in range(3)]
    return readiness.ResponseTeam(commune_code=code, focal_point=focal, members=members)


def _inventory(certificates: list[SignatureCertificate] | None = None) -> Inventory:
    recent = [readiness.Drill(held_on=END - timedelta(days=60), result="passed")]
    old = [readiness.Drill(held_on=END - timedelta(days=400), result="passed")]
    good = {
        r: _plan(END - timedelta(days=30), recent if r == "cyberattack" else None) for r in RISKS
    }
    stale = {
        r: _plan(END - timedelta(days=365), old if r == "cyberattack" else None) for r in RISKS
    }
    base = example_site(0)
    sites: list[Site] = [
        base.model_copy(update={"contingency": good}),
        example_site(1).model_copy(update={"contingency": {}}),
        base.model_copy(
            update={
                "commune_code": THIRD,
                "name": "Bộ phận một cửa Cẩm Thành",
                "push": None,
                "pull": None,
                "contingency": stale,
            }
        ),
    ]
    data = [s.model_dump(mode="json", exclude_none=True) for s in sites]
    for d in data[2:]:
        d["push"] = {"credential_id": "site-21025"}
    return model.Inventory.model_validate(
        {
            "province": {"code": "51", "name": "Quảng Ngãi"},
            "sites": data,
            "response_teams": [_team(SA_THAY, 30), _team(THIRD, 365)],
            "signature_certificates": certificates or [],
        }
    )


def _evaluation(inv: Inventory) -> Evaluation:
    findings = [
        rule(SiteInputs(site=s, events=()), THRESHOLDS[target], WINDOW)
        for s in inv.sites
        for target, rule in (
            ("SEC-CONTINGENCY", contingency),
            ("SEC-DRILL", drill),
            ("SEC-TEAM", responder),
        )
    ]
    return Evaluation(WINDOW.end, WINDOW, findings, [])


def test_the_window_ends_on_the_day_the_plans_are_counted_against() -> None:
    from sansang import i18n

    assert i18n.local(WINDOW.end).date() == END


def test_overdue_lists_what_passed_and_only_that() -> None:
    inv = _inventory()
    items = police.overdue(
        inv, load_catalogue(), _evaluation(inv), THRESHOLDS, "vi", lambda k: True, personal=False
    )
    found = {(i.key[:5], i.target): i.what for i in items}
    assert not [k for k in found if k[0] == SA_THAY], found  # everything in order
    # No plan at all, six months past the deadline: overdue since 01/01/2026.
    assert found[(LY_SON, "SEC-CONTINGENCY")] == (
        "5 rủi ro chưa có phương án được phê duyệt: quá hạn từ 01/01/2026 (182 ngày, "
        "hạn 31/12/2025)"
    )
    assert found[(LY_SON, "SEC-DRILL")] == "chưa diễn tập lần nào"
    assert found[(THIRD, "SEC-DRILL")] == (
        "lần diễn tập gần nhất cách đây 400 ngày (tối đa 365 ngày)"
    )
    assert found[(THIRD, "SEC-TEAM")] == (
        "đầu mối phối hợp chưa xác nhận lại trong 180 ngày (lần cuối 01/07/2025); "
        "5 người phụ trách phương án chưa xác nhận lại trong 180 ngày"
    )
    # Lý Sơn's SEC-TEAM is not met for want of plans and a team, not for a date passed.
    assert (LY_SON, "SEC-TEAM") not in found
    assert all(i.status == "not_met" and i.sentence for i in items)
    assert all(i.contacts == () for i in items)  # not read_personal


def test_contacts_only_with_read_personal_and_only_the_readable_sites() -> None:
    inv = _inventory()
    evaluation = _evaluation(inv)
    catalogue = load_catalogue()
    items = police.overdue(
        inv, catalogue, evaluation, THRESHOLDS, "vi", lambda k: True, personal=True
    )
    third = next(i for i in items if i.key.startswith(THIRD) and i.target == "SEC-TEAM")
    assert third.contacts == (
        "Đỗ Văn Hùng (Phó Chủ tịch UBND xã), 0905 222 333 (xác nhận 01/07/2025)",
        "Nguyễn Văn An, 0912 345 678 (xác nhận 01/07/2025)",
    )
    only = police.overdue(
        inv, catalogue, evaluation, THRESHOLDS, "en", lambda k: k.startswith(LY_SON), True
    )
    assert {i.key for i in only} == {f"{LY_SON}-main"}
    assert [i.what for i in only if i.target == "SEC-DRILL"] == ["no drill held"]


def _catalogue_with(planned: str) -> Catalogue:
    """The catalogue with ``planned`` marked planned (whatever its status is today)."""
    base = load_catalogue()
    targets = [
        t.model_copy(update={"status": "planned", "reason": "waits for the alerting"})
        if t.id == planned
        else t
        for t in base.targets
    ]
    return base.model_copy(update={"targets": targets})


def _collector(tmp_path: Path, inv: Inventory, catalogue: Catalogue) -> Collector:
    store = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    config = CollectorConfig(inventory=tmp_path / "inventory.yaml")
    c = Collector(config, inv, catalogue, THRESHOLDS, store)
    c.evaluation = _evaluation(inv)
    return c


def test_columns_are_the_police_targets_and_a_planned_one_is_not_evaluated() -> None:
    catalogue = _catalogue_with("SEC-EARLY")
    cols = police.columns(catalogue, "vi")
    assert [c.target for c in cols] == [
        "SEC-LEVEL",
        "SEC-MEASURES",
        "SEC-CONTINGENCY",
        "SEC-DRILL",
        "SEC-TEAM",
        "SEC-EARLY",
    ]
    early = cols[-1]
    assert not early.evaluated and early.name == "Cảnh báo sớm"
    assert early.reason == police.reason(catalogue.get("SEC-EARLY"), "vi")  # type: ignore[arg-type]
    assert police.columns(catalogue, "en")[-1].reason == "waits for the alerting"


def test_the_page_shows_every_commune_the_planned_targets_and_the_sections(
    tmp_path: Path,
) -> None:
    inv = _inventory()
    c = _collector(tmp_path, inv, _catalogue_with("SEC-EARLY"))
    try:
        page = ui.render_police(c, "vi", REVIEWER, today=END)
        viewer = ui.render_police(c, "vi", VIEWER, today=END)
        scoped = ui.render_police(c, "vi", POLICE, today=END)
        english = ui.render_police(c, "en", REVIEWER, today=END)
    finally:
        c.store.close()
    assert "An ninh thông tin — Công an tỉnh – Quảng Ngãi" in page
    for name in ("Xã Sa Thầy", "Đặc khu Lý Sơn", "Phường Cẩm Thành"):
        assert name in page
    assert page.count('class="c na"') == 3  # SEC-EARLY in each row: never a made-up status
    assert "chưa đánh giá" in page
    for heading in ("Quá hạn", "Máy không đạt kiểm tra an ninh", "Chứng chỉ sắp hết hạn"):
        assert f">{heading}</h2>" in page
    assert ">Sự cố đang mở</h2>" in page and "Không có sự cố nào đang mở." in page
    assert "Chưa có dữ liệu" in page  # no live values from Prometheus: the TLS part says so
    assert "0905 222 333" in page and "0905 222 333" not in viewer  # read_personal only
    assert "chỉ hiển thị cho Công an tỉnh" in viewer
    assert "Xã Sa Thầy" in scoped and "Lý Sơn" not in scoped and "Cẩm Thành" not in scoped
    assert "Mã truy cập này chỉ được xem 1 điểm: Xã Sa Thầy" in scoped
    assert "Information security — provincial police" in english and "not evaluated" in english


def test_certificates_expiring_soon_for_the_communes_the_reader_may_read(tmp_path: Path) -> None:
    def cert(ident: str, code: str | None, days: int) -> SignatureCertificate:
        return SignatureCertificate(
            id=ident,
            holder="Nguyễn Thị Hoa",
            position="Chủ tịch UBND xã",
            commune_code=code,
            not_after=END + timedelta(days=days),
        )

    inv = _inventory(
        [
            cert("sa-thay-ct", SA_THAY, 5),
            cert("ly-son-ct", LY_SON, -2),
            cert("far", SA_THAY, 200),
            cert("tinh", None, 20),
        ]
    )
    every = police.certificates(inv, END, (30, 7), lambda code: True, personal=False)
    assert [(c.commune, c.days_left, c.urgent) for c in every] == [
        ("Đặc khu Lý Sơn", -2, True),
        ("Xã Sa Thầy", 5, True),
        ("", 20, False),  # a province body
    ]
    assert every[0].who == "Chủ tịch UBND xã"  # the position, not the person
    named = police.certificates(inv, END, (30, 7), lambda code: code == SA_THAY, personal=True)
    assert [(c.commune, c.who) for c in named] == [
        ("Xã Sa Thầy", "Nguyễn Thị Hoa (Chủ tịch UBND xã)")
    ]
    c = _collector(tmp_path, inv, load_catalogue())
    try:
        scoped = ui.render_police(c, "vi", POLICE, today=END)
    finally:
        c.store.close()
    assert (
        "còn 5 ngày" in scoped and "đã hết hạn" not in scoped and "cơ quan cấp tỉnh" not in scoped
    )


def test_machines_failing_security_checks_from_the_measures_findings() -> None:
    inv = _inventory()
    evaluation = _evaluation(inv)
    failing = dataclasses.replace(
        evaluation.findings[0],
        target="SEC-MEASURES",
        site=inv.sites[1].key,
        status="not_met",
        value=1.0,
        threshold=2,
        unit="hosts",
        vi="1/2 máy chưa đạt: Máy tính quầy 1 (pc-quay-1): tường lửa tắt",
        en="1 of 2 machines fall short: Counter PC 1 (pc-quay-1): firewall off",
        evidence=(
            Evidence("events", "Máy tính quầy 1: tường lửa tắt", "firewall off", ("r/1",)),
            Evidence("events", "Máy tính quầy 2: đủ", "all on", ("r/2",)),
        ),
    )
    met = dataclasses.replace(failing, site=inv.sites[0].key, status="met")
    found = police.machines(
        inv, dataclasses.replace(evaluation, findings=[failing, met]), "vi", lambda k: True
    )
    assert [(m.commune, m.text, m.refs) for m in found] == [
        ("Đặc khu Lý Sơn", failing.vi, ("r/1", "r/2"))
    ]
    assert police.machines(inv, evaluation, "vi", lambda k: False) == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_text_the_page_uses_exists_in_both_languages(tmp_path: Path, lang: str) -> None:
    inv = _inventory()
    c = _collector(tmp_path, inv, load_catalogue())
    try:
        page = ui.render_police(c, lang, REVIEWER, today=END)  # type: ignore[arg-type]
    finally:
        c.store.close()
    assert f'<html lang="{lang}">' in page  # StrictUndefined: a missing text fails the render
    assert ("Quá hạn" in page) == (lang == "vi") and ("Overdue" in page) == (lang == "en")


def test_the_systems_tls_certificates_come_from_the_live_values(tmp_path: Path) -> None:
    """The earliest expiry any readable site saw, per check; a commune's police see what their
    own sites saw; with live values but nothing near its end, "none within N days"."""
    inv = _inventory()
    c = _collector(tmp_path, inv, _catalogue_with("SEC-EARLY"))
    noon = datetime.combine(END, time(12), i18n.ZONE).timestamp()
    far = noon + 200 * 86400
    c.live = {
        "23527-main": LiveSite(noon, up=True, tls_expiry={"motcua": noon + 5 * 86400}),
        "21548-main": LiveSite(noon, up=True, tls_expiry={"motcua": noon - 2 * 86400, "dvc": far}),
    }
    try:
        page = ui.render_police(c, "vi", REVIEWER, today=END)
        scoped = ui.render_police(c, "vi", POLICE, today=END)
        c.live = {"23527-main": LiveSite(noon, up=True, tls_expiry={"motcua": far})}
        calm = ui.render_police(c, "vi", REVIEWER, today=END)
    finally:
        c.store.close()
    tls = page[page.index("Chứng chỉ TLS của hệ thống") :]
    assert "<td>motcua</td>" in tls and "✖ đã hết hạn 2 ngày" in tls and "<td>2</td>" in tls
    assert "<td>dvc</td>" not in tls  # 200 days left
    mine = scoped[scoped.index("Chứng chỉ TLS của hệ thống") :]
    assert "còn 5 ngày" in mine and "đã hết hạn" not in mine  # Lý Sơn's view is not theirs
    assert "Không chứng chỉ TLS nào hết hạn trong 30 ngày tới." in calm
    assert "Chưa có dữ liệu" not in calm
