"""The handover record as a file (agent/diagnose/record.py): written whole, read back to the
same record and hash, every text escaped, the embedded record unable to close its element, and
a byte changed anywhere found with a Vietnamese error."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from agent.diagnose import record as records
from sansang import handover as h
from tests.support.handover import DONE, INJECTION, TECHNICIAN, sample


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "bien-ban.html"
    return path, records.write(path, sample(), TECHNICIAN, DONE)


def test_write_then_read_gives_the_same_record_and_hash(written: tuple[Path, str]) -> None:
    path, digest = written
    record, read_digest = records.read(path)
    assert read_digest == digest == record.hash
    assert digest == h.content_hash(records.record_of(sample(), TECHNICIAN, DONE))
    assert record.technician == TECHNICIAN
    assert record.done == DONE
    assert [r.id for r in record.results] == [r.id for r in sample().results]
    assert record.first_failure is not None and record.first_failure.id == "fibre"
    assert record.exit_code == sample().exit_code == 4
    assert record.results[3].advice is not None
    assert record.results[3].advice.path == "/playbooks/link_loss#kiem-tra-tai-cho"
    assert not list(path.parent.glob(".*tmp"))  # no temporary file left behind


def test_the_page_is_a_vietnamese_administrative_record(written: tuple[Path, str]) -> None:
    path, digest = written
    page = path.read_text(encoding="utf-8")
    for text in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Sa Thầy, ngày 07 tháng 12 năm 2026",
        records.TITLE,
        "Kỹ thuật viên:</td><td>Nguyễn Văn An",
        "07/12/2026 11:25:00 (giờ Việt Nam)",
        "07/12/2026 11:28:07 (giờ Việt Nam)",
        "Máy kiểm tra:</td><td>sansang-box-1",
        'Đường truyền (WAN): <span class="st st-fail">Hỏng</span>',
        "✔ Đạt",
        "! Cảnh báo",
        "✖ Hỏng",
        "– Bỏ qua",
        "Lớp hỏng đầu tiên: Đường truyền (WAN) — Cáp quang VNPT",
        "Hướng dẫn: /playbooks/link_loss#kiem-tra-tai-cho",
        "ĐẠI DIỆN TRUNG TÂM",
        "KỸ THUẬT VIÊN",
        f"Mã kiểm tra nội dung: {digest}",
    ):
        assert text in page, text
    # Nothing from outside: no link, script source, image or font to load.
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(|https?://", page)
    # The layers in order, bottom up.
    order = [page.index(f'id="layer-{layer}"') for layer in ("power", "box", "lan", "wan")]
    assert order == sorted(order)


def test_every_text_is_escaped_and_the_json_cannot_close_its_element(
    written: tuple[Path, str],
) -> None:
    path, _ = written
    page = path.read_text(encoding="utf-8")
    assert INJECTION not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text
    assert "modem &lt;VNPT&gt; &amp; ghi" in page
    embedded = page[page.index('id="sansang-handover">') :]
    assert embedded.count("</script>") == 1  # only the element's own end
    assert "<\\/script><script>alert(1)<\\/script>" in embedded

    class Scripts(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[dict[str, str | None], str]] = []
            self._attrs: dict[str, str | None] | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "script":
                self._attrs = dict(attrs)

        def handle_data(self, data: str) -> None:
            if self._attrs is not None:
                self.found.append((self._attrs, data))
                self._attrs = None

    parser = Scripts()
    parser.feed(page)
    assert len(parser.found) == 1  # one script element, and it is data
    attrs, data = parser.found[0]
    assert attrs == {"type": "application/json", "id": "sansang-handover"}
    assert json.loads(data)["results"][3]["vi"].endswith(INJECTION)


def test_the_same_record_gives_the_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    assert records.write(a, sample(), TECHNICIAN, DONE) == records.write(
        b, sample(), TECHNICIAN, DONE
    )
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ('"technician":"Nguyễn Văn An"', '"technician":"Nguyễn Văn Ân"', "không khớp"),
        ('"status":"fail"', '"status":"ok"', "không"),  # first_failure no longer failed
        ("✖ Hỏng", "✔ Đạt", "nội dung hiển thị"),  # the visible table only
        ("Mã kiểm tra nội dung: sha256:", "Mã kiểm tra nội dung: sha256:0", "nội dung hiển thị"),
        ('"exit_code":4', '"exit_code":4,"x":1', "không hợp lệ"),
        ('id="sansang-handover"', 'id="other"', "không thấy dữ liệu"),
        ("sansang-handover-html/1", "sansang-handover-html/0", "mẫu"),
    ],
)
def test_a_changed_file_is_refused_in_vietnamese(
    written: tuple[Path, str], old: str, new: str, said: str
) -> None:
    path, _ = written
    page = path.read_text(encoding="utf-8")
    assert old in page
    path.write_text(page.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(h.HandoverError) as caught:
        records.read(path)
    assert said in caught.value.vi
    assert str(path) in caught.value.vi


def test_one_changed_byte_anywhere_is_found(written: tuple[Path, str]) -> None:
    path, _ = written
    original = path.read_bytes()
    offsets = [*range(0, len(original), max(1, len(original) // 97))]
    offsets.append(original.index(b"sansang-handover-html/1"))  # the layout's name too
    for offset in offsets:
        changed = bytearray(original)
        changed[offset] ^= 0x01
        path.write_bytes(bytes(changed))
        with pytest.raises(h.HandoverError):
            records.read(path)


def test_a_file_that_is_not_a_record(tmp_path: Path) -> None:
    path = tmp_path / "x.html"
    path.write_bytes(b"\xff\xfe<html>")
    with pytest.raises(h.HandoverError, match="UTF-8"):
        records.read(path)


def test_a_record_without_a_config_has_no_site_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "r.html"
    records.write(path, sample(site=None), TECHNICIAN, [])
    record, _ = records.read(path)
    assert record.site is None
    page = path.read_text(encoding="utf-8")
    assert "(không có cấu hình)" in page
    assert "……………, ngày" in page  # the place left to fill in by hand
    assert "Không ghi công việc nào." in page


def test_no_technician_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = tmp_path / "r.html"
    with pytest.raises(h.HandoverError, match="technician"):
        records.write(path, sample(), "  ", [])
    assert not path.exists()


def test_long_words_are_cut_and_non_finite_figures_dropped(tmp_path: Path) -> None:
    import dataclasses

    first = sample().results[0]
    long = dataclasses.replace(first, vi="x" * 5000, figures={"ratio": float("inf")})
    record = records.record_of(sample(checks=(long,)), TECHNICIAN, [])
    assert len(record.results[0].vi) == h.MAX_TEXT
    assert record.results[0].vi.endswith("…")
    assert record.results[0].figures == {"ratio": None}
