"""The handover record (biên bản kiểm tra và bàn giao kỹ thuật) as one self-contained HTML file:
what ``sansang agent diagnose --out FILE.html --technician NAME --done TEXT...`` leaves with the
centre, to print and sign, and to upload later (``sansang agent upload-record``).

The file opens in any browser without a network: no script runs, no style sheet, font or
image is loaded (inline CSS only), and it prints on A4 portrait laid out as a Vietnamese
administrative document (Nghị định 30/2020/NĐ-CP: the national motto, place and date, the title,
the signature blocks).  The record itself (:class:`sansang.handover.HandoverRecord`) is embedded
as ``<script type="application/json" id="sansang-handover">``, ``</`` written ``<\\/`` so no
text can end the element early; every text shown is HTML-escaped.

The page is rendered from the record alone, so :func:`read` re-renders it and compares: a byte
changed anywhere in the file (the embedded record, or only the table a person reads) is found.

    digest = write(Path("bien-ban.html"), diagnosis, "Nguyễn Văn An", ["Thay dây mạng quầy 1"])
    record, digest = read(Path("bien-ban.html"))
"""

from __future__ import annotations

import math
import os
import re
from html import escape
from pathlib import Path

from pydantic import ValidationError

from agent.diagnose.model import CheckResult, Diagnosis
from sansang import handover as h
from sansang.handover import HandoverCheck, HandoverError, HandoverRecord

# The page's layout: read() renders the record again and compares, so a change to how a page is
# written must come with a new FORMAT (and read() refuses a page of another).
FORMAT = "sansang-handover-html/1"
TITLE = "BIÊN BẢN KIỂM TRA VÀ BÀN GIAO KỸ THUẬT"
_EMBEDDED = re.compile(
    r'<script type="application/json" id="sansang-handover">(.*?)</script>', re.DOTALL
)
_FORMAT_SEEN = re.compile(r'<meta name="generator" content="([^"]*)">')
_ELLIPSIS = "…"
_PLAYBOOK_PATH = re.compile(h.PLAYBOOK_PATH_PATTERN)


# --- the record of a diagnosis ---------------------------------------------------------------


def _cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters (a check's words are the agent's own; a long one is
    cut, not a reason to lose the record of a whole visit)."""
    return text if len(text) <= limit else text[: limit - 1] + _ELLIPSIS


def _figure(value: float | int | str | bool | None) -> float | int | str | bool | None:
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN: an unmeasured figure is absent
    if isinstance(value, str):
        return _cut(value, h.MAX_NAME)
    return value


def _check(r: CheckResult) -> HandoverCheck:
    advice = None
    if r.advice is not None:
        path = r.advice.path
        advice = h.HandoverAdvice(
            vi=_cut(r.advice.vi, h.MAX_TEXT),
            en=_cut(r.advice.en, h.MAX_TEXT),
            path=path if path is not None and _PLAYBOOK_PATH.match(path) else None,
        )
    figures = {_cut(str(k), 64): _figure(v) for k, v in list(r.figures.items())[: h.MAX_FIGURES]}
    return HandoverCheck(
        layer=r.layer,
        id=_cut(r.id, h.MAX_NAME),
        name=_cut(r.name, h.MAX_NAME),
        status=r.status,
        reason=re.sub(r"[^a-z0-9_]", "_", r.reason.lower())[:64],
        vi=_cut(r.vi, h.MAX_TEXT),
        en=_cut(r.en, h.MAX_TEXT),
        advice=advice,
        figures=figures,
    )


def record_of(diagnosis: Diagnosis, technician: str, done: list[str]) -> HandoverRecord:
    """The sealed record of ``diagnosis`` (hash included); :class:`HandoverError` when it cannot
    be one (no technician, more than ``MAX_DONE`` items of work, ...)."""
    results = [_check(r) for r in diagnosis.results]
    first = diagnosis.first_failure
    try:
        record = HandoverRecord(
            site=diagnosis.site,
            site_name=_cut(diagnosis.site_name, h.MAX_NAME),
            commune=_cut(diagnosis.commune, h.MAX_NAME),
            host=_cut(diagnosis.host, h.MAX_NAME),
            technician=technician.strip(),
            started_at=float(diagnosis.started_at),
            finished_at=float(diagnosis.finished_at),
            done=[item.strip() for item in done if item.strip()],
            results=results,
            exit_code=diagnosis.exit_code,
            first_failure=None if first is None else results[diagnosis.results.index(first)],
        )
    except ValidationError as err:
        listed = "; ".join(h.problems_of(err))
        raise HandoverError(
            f"không lập được biên bản: {listed}", f"cannot make the handover record: {listed}"
        ) from None
    return h.seal(record)


# --- the page ----------------------------------------------------------------------------------

_STYLE = """
@page{size:A4 portrait;margin:20mm 15mm 20mm 30mm}
body{font-family:"Times New Roman",Times,"DejaVu Serif",serif;font-size:13pt;line-height:1.35;
 color:#000;max-width:165mm;margin:1.5em auto;padding:0 1em}
table{border-collapse:collapse;width:100%}
.head td{vertical-align:top;text-align:center;padding:0}
.head .issuer{font-size:12pt;width:42%} .head .motto{font-size:12.5pt;white-space:nowrap}
.motto b{display:block}
.underline{border-bottom:1px solid #000;display:inline-block;padding-bottom:1px}
.date{font-style:italic;white-space:nowrap;padding-top:.6em!important}
h1{font-size:14pt;text-align:center;margin:1.2em 0 .1em}
.subject{text-align:center;font-weight:bold;margin:0 0 1em}
h2{font-size:13pt;margin:1em 0 .4em}
.info td{padding:.1em .4em;vertical-align:top} .info td:first-child{width:35%}
.checks th,.checks td{border:1px solid #000;padding:.2em .35em;vertical-align:top;font-size:11.5pt}
.checks th{background:#eee} .checks thead{display:table-header-group}
.checks th:nth-child(1){width:2em} .checks th:nth-child(2){width:22%}
.checks th:nth-child(4),.checks th:nth-child(5){width:30%}
.checks tr{page-break-inside:avoid;break-inside:avoid}
.layer td{background:#f3f3f3;font-weight:bold}
.st{white-space:nowrap;font-weight:bold} .st-fail{color:#b00020} .st-warn{color:#8a5300}
.st-ok{color:#1a6b2f} .st-skip{color:#555}
.en{color:#555;font-size:10pt}
.sign{margin-top:1.5em;page-break-inside:avoid;break-inside:avoid}
.sign td{text-align:center;vertical-align:top;width:50%;padding-bottom:5em}
.hash{margin-top:2em;font-size:10pt;word-break:break-all}
@media print{body{margin:0;max-width:none;padding:0}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def _e(text: str) -> str:
    return escape(text, quote=True)


def _place(commune: str) -> str:
    """The place of the date line: ``Tịnh Hòa`` of ``Xã Tịnh Hòa, Quảng Ngãi (23527)``; dots to
    fill in by hand without a config."""
    name = commune.split(",")[0].split("(")[0].strip()
    for prefix in ("Xã ", "Phường ", "Đặc khu ", "Thị trấn "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name or "……………"


def _heading(record: HandoverRecord) -> str:
    commune = record.commune.split("(")[0].strip() or "……………………"
    site_name = record.site_name or "……………………"
    return (
        '<table class="head"><tr>'
        f'<td class="issuer">{_e(commune.upper())}<br>'
        f'<b class="underline">{_e(site_name.upper())}</b></td>'
        '<td class="motto"><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>'
        '<b><span class="underline">Độc lập - Tự do - Hạnh phúc</span></b></td>'
        "</tr><tr><td>Số: ……/BB-KT</td>"
        f'<td class="date">{_e(_place(record.commune))}, {h.date_line(record.finished_at)}</td>'
        f"</tr></table>\n<h1>{TITLE}</h1>\n"
        '<p class="subject">Kiểm tra hệ thống tại Bộ phận Một cửa theo từng lớp '
        "(sansang agent diagnose)</p>\n"
    )


def _info_row(label: str, value: str) -> str:
    return f"<tr><td>{_e(label)}:</td><td>{_e(value)}</td></tr>"


def _info(record: HandoverRecord) -> str:
    site = record.site_name + (f" ({record.site})" if record.site else " (không có cấu hình)")
    rows = [
        _info_row("Điểm phục vụ", site),
        _info_row("Xã", record.commune or "—"),
        _info_row("Máy kiểm tra", record.host or "—"),
        _info_row("Kỹ thuật viên", record.technician),
        _info_row("Bắt đầu", f"{h.when(record.started_at)} (giờ Việt Nam)"),
        _info_row("Kết thúc", f"{h.when(record.finished_at)} (giờ Việt Nam)"),
        _info_row("Kết quả", h.counts_text(record)),
    ]
    return '<h2>I. Thông tin chung</h2>\n<table class="info">' + "".join(rows) + "</table>\n"


def _advice_cell(check: HandoverCheck) -> str:
    if check.advice is None:
        return ""
    text = _e(check.advice.vi)
    if check.advice.path:
        text += f'<br><span class="en">Hướng dẫn: {_e(check.advice.path)}</span>'
    return text


def _check_row(number: int, check: HandoverCheck) -> str:
    result = _e(check.vi) or "—"
    if check.en:
        result += f'<br><span class="en">{_e(check.en)}</span>'
    status = f"{h.STATUS_SYMBOLS[check.status]} {h.status_word(check.status)}"
    return (
        f'<tr class="check"><td>{number}</td><td>{_e(check.name)}<br>'
        f'<span class="en">{_e(check.id)}</span></td>'
        f'<td class="st st-{check.status}">{_e(status)}</td>'
        f"<td>{result}</td><td>{_advice_cell(check)}</td></tr>"
    )


def _layer_status(record: HandoverRecord, layer: str) -> str:
    found = {r.status for r in record.results if r.layer == layer}
    return next((s for s in ("fail", "warn", "ok") if s in found), "skip")


def _checks(record: HandoverRecord) -> str:
    rows: list[str] = []
    number = 0
    for layer in h.LAYERS:
        mine = [r for r in record.results if r.layer == layer]
        if not mine:
            continue
        status = _layer_status(record, layer)
        rows.append(
            f'<tr class="layer" id="layer-{layer}"><td colspan="5">{_e(h.layer_name(layer))}: '
            f'<span class="st st-{status}">{_e(h.status_word(status))}</span></td></tr>'
        )
        for check in mine:
            number += 1
            rows.append(_check_row(number, check))
    if not rows:
        rows.append('<tr><td colspan="5">Không có phép kiểm tra nào.</td></tr>')
    return (
        "<h2>II. Kết quả kiểm tra theo từng lớp</h2>\n"
        '<table class="checks"><thead><tr><th>STT</th><th>Hạng mục</th><th>Kết quả</th>'
        "<th>Chi tiết</th><th>Việc cần làm tiếp</th></tr></thead><tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table>\n"
    )


def _conclusion(record: HandoverRecord) -> str:
    first = record.first_failure
    if first is None:
        text = "Không lớp nào hỏng."
        if record.counts()["warn"]:
            text += " Có hạng mục cần lưu ý (xem các dòng “Cảnh báo”)."
        return f'<h2>III. Kết luận</h2>\n<p id="first-failure">{_e(text)}</p>\n'
    line = f"Lớp hỏng đầu tiên: {h.layer_name(first.layer)} — {first.name}"
    if first.vi:
        line += f": {first.vi}"
    out = f'<h2>III. Kết luận</h2>\n<p id="first-failure"><b>{_e(line)}.</b>'
    if first.advice is not None:
        out += f" Việc cần làm trước tiên: {_e(first.advice.vi)}"
    return out + "</p>\n"


def _done(record: HandoverRecord) -> str:
    if not record.done:
        return "<h2>IV. Công việc đã thực hiện</h2>\n<p>Không ghi công việc nào.</p>\n"
    items = "".join(f"<li>{_e(item)}</li>" for item in record.done)
    return f'<h2>IV. Công việc đã thực hiện</h2>\n<ol id="done">{items}</ol>\n'


def _signatures(record: HandoverRecord) -> str:
    return (
        '<table class="sign"><tr>'
        "<td><b>ĐẠI DIỆN TRUNG TÂM</b><br><i>(Ký, ghi rõ họ tên)</i></td>"
        "<td><b>KỸ THUẬT VIÊN</b><br><i>(Ký, ghi rõ họ tên)</i></td>"
        f"</tr><tr><td></td><td><b>{_e(record.technician)}</b></td></tr></table>\n"
    )


def _embedded(record: HandoverRecord) -> str:
    """The record as JSON inside a script element that no browser runs; ``</`` and ``<!--``
    escaped, so no text of the record can end the element or start a comment in it."""
    text = h.dumps(record).replace("</", "<\\/").replace("<!--", "\\u003c!--")
    return f'<script type="application/json" id="sansang-handover">{text}</script>\n'


def render(record: HandoverRecord) -> str:
    """The whole page of a sealed record; the same record gives the same bytes."""
    assert record.hash is not None, "render a sealed record (seal() or record_of())"
    title = f"Biên bản kiểm tra và bàn giao kỹ thuật – {record.site_name}"
    return (
        '<!doctype html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width,initial-scale=1">\n'
        f'<meta name="generator" content="{FORMAT}">\n'
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + _heading(record)
        + _info(record)
        + _checks(record)
        + _conclusion(record)
        + _done(record)
        + _signatures(record)
        + f'<p class="hash" id="hash">Mã kiểm tra nội dung: {_e(record.hash)}</p>\n'
        + '<p class="en">Mã tính trên nội dung biên bản (dữ liệu nhúng trong tệp này); sửa '
        "bất kỳ nội dung nào thì mã không còn khớp.</p>\n"
        + _embedded(record)
        + "</body>\n</html>\n"
    )


def write(path: Path, diagnosis: Diagnosis, technician: str, done: list[str]) -> str:
    """Write the record of ``diagnosis`` to ``path`` (whole or not at all: a temporary file
    renamed); its content hash ``sha256:<hex>``."""
    record = record_of(diagnosis, technician, done)
    page = render(record).encode("utf-8")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("xb") as out:  # the umask's mode, as any file the technician saves
            out.write(page)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    assert record.hash is not None
    return record.hash


# --- reading it back -------------------------------------------------------------------------


def read(path: Path) -> tuple[HandoverRecord, str]:
    """The record of a file :func:`write` wrote, and its hash; :class:`HandoverError` (in
    Vietnamese and English) when it is not one, or was changed since."""
    try:
        page = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise HandoverError(
            f"{path}: không phải biên bản của sansang (không phải văn bản UTF-8)",
            f"{path}: not a sansang handover record (not UTF-8 text)",
        ) from None
    found = _EMBEDDED.search(page)
    if found is None:
        raise HandoverError(
            f"{path}: không thấy dữ liệu biên bản trong tệp (không phải biên bản của sansang?)",
            f"{path}: no handover data in the file (not a sansang handover record?)",
        )
    try:
        record = h.parse(found.group(1))
    except HandoverError as err:
        raise HandoverError(f"{path}: {err.vi}", f"{path}: {err.en}", err.problems) from None
    try:
        digest = h.verify(record)
    except HandoverError as err:
        raise HandoverError(f"{path}: {err.vi}", f"{path}: {err.en}") from None
    seen = _FORMAT_SEEN.search(page)
    if seen is None or seen.group(1) != FORMAT:
        shown = seen.group(1) if seen else "không rõ / unknown"
        raise HandoverError(
            f"{path}: biên bản theo mẫu '{shown}', bản sansang này chỉ kiểm được mẫu '{FORMAT}'",
            f"{path}: the record's layout is '{shown}'; this sansang checks '{FORMAT}' only",
        )
    if render(record) != page:
        raise HandoverError(
            f"{path}: nội dung hiển thị của biên bản đã bị sửa sau khi lập (không khớp dữ liệu "
            "nhúng và mã kiểm tra)",
            f"{path}: the record's visible text was changed after it was written (it no "
            "longer matches the embedded data and its hash)",
        )
    return record, digest
