"""The handover record as the centre opens it: a real headless Chromium loads the file from
disk (file://), with no network of its own.

It must show the Vietnamese title, the national motto, every check's row grouped by layer and
the content hash; make no request but the file itself (self-contained: no style sheet, font,
image or script to fetch); run nothing, although one result's words are
``</script><script>alert(1)</script>`` (no dialog opens, the only script element is the
embedded JSON, and it holds the record); and print on A4 portrait.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from agent.diagnose import record as records
from sansang import handover as h
from tests.support import browser
from tests.support.handover import DONE, INJECTION, TECHNICIAN, sample

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not browser.have_chromium(), reason="needs Debian's chromium"),
]

A4_PORTRAIT_POINTS = (595.28, 841.89)


async def test_the_record_opens_offline_shows_everything_and_runs_nothing(
    tmp_path: Path,
) -> None:
    file = tmp_path / "bien-ban-sa-thay.html"
    digest = records.write(file, sample(), TECHNICIAN, DONE)
    url = file.as_uri()
    async with browser.chromium() as chrome:
        page = await chrome.new_page()
        dialogs = chrome.listen("Page.javascriptDialogOpening", page.session)
        await page.goto(url)
        text = await page.evaluate("document.body.innerText")
        assert records.TITLE in text
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        assert "Độc lập - Tự do - Hạnh phúc" in text
        assert "Sa Thầy, ngày 07 tháng 12 năm 2026" in text
        assert f"Mã kiểm tra nội dung: {digest}" in text
        assert "Lớp hỏng đầu tiên: Đường truyền (WAN) — Cáp quang VNPT" in text
        assert INJECTION in text  # shown as the words they are

        rows = await page.evaluate(
            "[...document.querySelectorAll('table.checks tr.check')].map((tr) => "
            "[...tr.cells].map((td) => td.innerText.trim()))"
        )
        assert len(rows) == len(sample().results)
        by_name = {row[1].split("\n")[0]: row for row in rows}
        assert by_name["Cáp quang VNPT"][2] == "✖ Hỏng"
        assert by_name["UPS phòng máy"][2] == "✔ Đạt"
        assert by_name["Máy in quầy 1"][2] == "! Cảnh báo"
        assert by_name["Điểm cầu HNTH"][2] == "– Bỏ qua"
        assert "Kiểm tra đèn LOS" in by_name["Cáp quang VNPT"][4]
        layers = await page.evaluate(
            "[...document.querySelectorAll('table.checks tr.layer')].map((tr) => tr.id)"
        )
        present = [f"layer-{layer}" for layer in h.LAYERS if any(
            r.layer == layer for r in sample().results
        )]  # fmt: skip
        assert layers == present  # bottom up, as diagnose checks them
        done = await page.evaluate(
            "[...document.querySelectorAll('#done li')].map((li) => li.innerText)"
        )
        assert done == DONE

        # Visible, not only in the DOM: the hash line and the table are laid out on the page.
        for selector in ("#hash", "table.checks", "#first-failure"):
            height = await page.evaluate(
                f"document.querySelector({json.dumps(selector)}).getBoundingClientRect().height"
            )
            assert height > 0, selector

        scripts = await page.evaluate(
            "[...document.scripts].map((s) => [s.type, s.id, s.textContent])"
        )
        assert len(scripts) == 1
        kind, ident, data = scripts[0]
        assert (kind, ident) == ("application/json", "sansang-handover")
        embedded = h.parse(data)
        assert h.verify(embedded) == digest
        assert embedded.results[3].vi.endswith(INJECTION)
        assert dialogs.empty(), "a script in the record ran"  # an alert blocks the load event

        assert page.requests == [url], f"the record loaded more than itself: {page.requests}"

        pdf = await page.print_pdf()
        boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", pdf)
        assert boxes, "no page in the PDF"
        for w, hgt in boxes:
            assert float(w) == pytest.approx(A4_PORTRAIT_POINTS[0], abs=1.0), boxes
            assert float(hgt) == pytest.approx(A4_PORTRAIT_POINTS[1], abs=1.0), boxes


async def test_the_dialog_check_sees_a_script_that_does_run(tmp_path: Path) -> None:
    """The control: the same page with the words unescaped opens the dialog the test above
    looks for, so its "no dialog" means the escaping held."""
    file = tmp_path / "unescaped.html"
    records.write(file, sample(), TECHNICIAN, DONE)
    page_text = file.read_text(encoding="utf-8")
    escaped = "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escaped in page_text
    file.write_text(page_text.replace(escaped, INJECTION, 1), encoding="utf-8")
    async with browser.chromium() as chrome:
        page = await chrome.new_page()
        dialogs = chrome.listen("Page.javascriptDialogOpening", page.session)
        await page.send("Page.navigate", {"url": file.as_uri()})
        opened = await asyncio.wait_for(dialogs.get(), 30)
        assert opened["type"] == "alert" and opened["message"] == "1"
        await page.send("Page.handleJavaScriptDialog", {"accept": True})
