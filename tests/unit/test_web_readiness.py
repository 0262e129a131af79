"""The site page's readiness section (collector/web/readiness.py): every risk's plan status
(Chưa có / Dự thảo / Đã phê duyệt số ... ngày ...) and level, the drills with the province's,
the commune's focal point and team; names and phones for ``read_personal`` roles only."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from collector.inventory import model
from collector.targets import load_catalogue
from collector.web import readiness, ui
from collector.web.auth import Principal
from tests.support import webdata

DAY_ONE = Path(__file__).parent / "fixtures" / "inventory" / "valid-day-one.yaml"
PERSONAL = (
    "Đỗ Văn Hùng",
    "0905 222 333",
    "Phó Chủ tịch UBND xã",
    "Nguyễn Văn An",
    "0912 345 678",
    "Trần Thị Bình",
    "Lý Thị Hoa",
    "Máy dự phòng tại kho xã",
)


def _page(role: str, site: int = 0, lang: str = "vi") -> str:
    inv = model.load(DAY_ONE)
    catalogue = load_catalogue()
    html = ui.render_site(
        inv.sites[site],
        catalogue,
        webdata.evaluation(inv, catalogue),
        {},
        ui.SiteData([], []),
        "en" if lang == "en" else "vi",
        Principal("x", role),  # type: ignore[arg-type]
    )
    return unescape(re.sub(r"\s+", " ", html))


def test_every_role_reads_each_plans_status_level_and_the_drills() -> None:
    html = _page("viewer")
    assert (
        'Hỏng phần cứng</td><td class="s-met">Đã phê duyệt số 125/QĐ-UBND ngày 15/08/2025' in html
    )
    assert 'Lỗi phần mềm</td><td class="s-unknown">Dự thảo</td><td>Thấp</td>' in html
    assert 'Tấn công mạng</td><td class="s-not_met">Chưa có</td><td>Cao</td>' in html
    assert 'Mất điện</td><td class="s-not_met">Chưa có</td><td>—</td>' in html
    assert (
        "12/03/2026: đạt — Công an tỉnh; Tấn công mạng; 25 người tham gia; biên bản 27/BB-CAT"
        in html
    )
    assert "Có phương án cho 1/5 rủi ro" in html  # approved ones
    assert "xác nhận 05/01/2026" in html and "2 người" in html and "41/QĐ-UBND" in html
    leaked = [x for x in PERSONAL if x in html]
    assert not leaked, leaked


def test_the_security_reviewer_reads_names_phones_and_the_plans_texts() -> None:
    html = _page("security_reviewer")
    assert "Đỗ Văn Hùng (Phó Chủ tịch UBND xã), 0905 222 333, xác nhận 05/01/2026" in html
    assert "Nguyễn Văn An (công chức Văn phòng - Thống kê), 0912 345 678" in html
    assert "25 người tham gia (Lý Thị Hoa, Đinh Văn Sơn)" in html
    assert "Máy dự phòng tại kho xã" in html and "Nguyễn Văn An, 0912 345 678" in html
    assert "Có phương án cho" not in html


def test_a_commune_without_plans_team_or_drill_says_so() -> None:
    html = _page("admin", site=1)
    assert html.count('class="s-not_met">Chưa có</td>') == 5
    assert "Chưa ghi lần diễn tập chung nào của tỉnh có xã này." in html
    assert "Danh mục chưa ghi đầu mối phối hợp và đội ứng cứu của xã." in html
    english = _page("viewer", site=1, lang="en")
    assert english.count('class="s-not_met">None yet</td>') == 5


def test_the_view_leaves_personal_data_out_rather_than_hiding_it() -> None:
    site = model.load(DAY_ONE).sites[0]
    shown = readiness.view(site, "vi", personal=False)
    assert shown.team is not None and shown.team.members == ()
    assert all(p.responder == "" and p.fallback == "" for p in shown.plans)
    full = readiness.view(site, "vi", personal=True)
    assert full.team is not None and len(full.team.members) == 2
