"""Handover records from the technician's laptop to the province: a real collector process,
``sansang agent upload-record`` (requests over HTTP) and the API by hand.

The technician's token is scoped to Sa Thầy (23527-main).  Its record is stored once (201, then
200 with the same note for a replay), kept as a note in words, listed on the site page with a
link to the collector's own page of it (rendered from the stored data, the injected script
shown as text), and refused with a clear answer for another site (403), a changed hash (400), a
record of another site (400), a viewer (403), no token (401).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.diagnose import record as records
from sansang import handover as h
from tests.support.collector import CollectorProcess, inventory_of, running_collector, site
from tests.support.env import SANSANG
from tests.support.handover import DONE, INJECTION, TECHNICIAN, sample
from tests.support.net import free_port

pytestmark = pytest.mark.integration

SA_THAY, LY_SON = "23527-main", "21548-main"
TOKENS = [
    {"name": "viewer", "role": "viewer"},
    {"name": "admin", "role": "admin"},
    {"name": "ky-thuat-sa-thay", "role": "technician", "sites": [SA_THAY]},
    {"name": "cong-an-ly-son", "role": "security_reviewer", "communes": ["21548"]},
]


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CollectorProcess]:
    workdir = tmp_path_factory.mktemp("handover-collector")
    inventory = inventory_of(site("23527"), site("21548", latitude=15.38, longitude=109.118))
    with running_collector({}, inventory, workdir, tokens=TOKENS) as c:
        yield c


def _record(site_key: str = SA_THAY, technician: str = TECHNICIAN) -> h.HandoverRecord:
    return records.record_of(sample(site=site_key), technician, DONE)


def _post(
    c: CollectorProcess, key: str, body: bytes, as_: str | None = "ky-thuat-sa-thay"
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    status, _, raw = c.request(
        "POST", f"/api/v1/sites/{key}/handovers", as_=as_, body=body, headers=headers
    )
    return status, json.loads(raw) if raw else None


def _notes(c: CollectorProcess, key: str) -> list[dict[str, Any]]:
    status, body = c.get_json(f"/api/v1/sites/{key}/notes", as_="viewer")
    assert status == 200
    return list(body["notes"])


def test_a_record_is_kept_once_as_a_note_and_read_back(collector: CollectorProcess) -> None:
    record = _record(technician="Lê Văn Cường")
    body = h.dumps(record).encode()
    status, first = _post(collector, SA_THAY, body)
    assert status == 201, first
    assert first["hash"] == record.hash
    assert first["technician"] == "Lê Văn Cường" and first["author"] == "ky-thuat-sa-thay"
    assert first["counts"] == {"ok": 3, "warn": 1, "fail": 2, "skip": 1}
    assert first["first_failure"]["layer"] == "wan"

    status, again = _post(collector, SA_THAY, body)  # a retried upload
    assert status == 200, again
    assert again["note_id"] == first["note_id"]
    mine = [n for n in _notes(collector, SA_THAY) if record.hash in n["text"]]
    assert [n["id"] for n in mine] == [first["note_id"]]  # one note, not two
    assert mine[0]["text"] == h.summary(record)
    assert mine[0]["text"].startswith("Biên bản bàn giao của Lê Văn Cường: 3 đạt, 1 cảnh báo")
    assert "lớp hỏng đầu tiên: Đường truyền (WAN) (Cáp quang VNPT)" in mine[0]["text"]

    status, got = collector.get_json(
        f"/api/v1/sites/{SA_THAY}/handovers/{record.hash}", as_="viewer"
    )
    assert status == 200
    assert h.verify(h.validate(got["record"])) == record.hash
    status, listed = collector.get_json(f"/api/v1/sites/{SA_THAY}/handovers", as_="viewer")
    assert record.hash in [e["hash"] for e in listed["handovers"]]
    status, audit = collector.get_json("/api/v1/audit?limit=1000", as_="admin")
    created = [e for e in audit["entries"] if e["action"] == "handover.create"]
    assert {e["details"]["new"] for e in created if e["details"]["hash"] == record.hash} == {
        True,
        False,
    }


@pytest.mark.parametrize(
    ("key", "record_site", "as_", "status", "code"),
    [
        (LY_SON, LY_SON, "ky-thuat-sa-thay", 403, "forbidden_site"),  # not its site
        (LY_SON, SA_THAY, "admin", 400, "wrong_site"),  # the path's site is not the record's
        (SA_THAY, SA_THAY, "viewer", 403, "forbidden"),  # a viewer writes nothing
        (SA_THAY, SA_THAY, None, 401, "unauthorized"),
        ("99999-main", "99999-main", "admin", 404, "no_site"),
    ],
)
def test_refusals(
    collector: CollectorProcess,
    key: str,
    record_site: str,
    as_: str | None,
    status: int,
    code: str,
) -> None:
    record = _record(record_site, technician=f"Thử {key} {as_}")
    got, body = _post(collector, key, h.dumps(record).encode(), as_=as_)
    assert got == status, body
    assert body["error"]["code"] == code
    _, listed = collector.get_json(f"/api/v1/sites/{SA_THAY}/handovers", as_="admin")
    assert record.hash not in [e["hash"] for e in listed["handovers"]]


def test_a_changed_record_is_refused_by_its_hash(collector: CollectorProcess) -> None:
    data = _record(technician="Phạm Thị Dung").model_dump(mode="json")
    data["results"][3]["status"] = "ok"  # the failed link made to pass...
    data["results"][4]["status"] = "ok"
    data["first_failure"] = None  # ...consistently, but the hash is the old one
    data["exit_code"] = 1
    got, body = _post(collector, SA_THAY, json.dumps(data).encode())
    assert got == 400, body
    assert body["error"]["code"] == "bad_hash"
    assert "không khớp" in body["error"]["vi"]
    assert not [n for n in _notes(collector, SA_THAY) if "Phạm Thị Dung" in n["text"]]


@pytest.mark.parametrize(
    ("body", "status", "code", "said"),
    [
        (b'{"site": "23527-main"}', 400, "bad_handover", "technician"),
        (b"[1, 2]", 400, "bad_handover", "biên bản không hợp lệ"),
        (b"{not json", 400, "bad_json", "JSON"),
        (b'{"x": "' + b"a" * (1024 * 1024) + b'"}', 413, "too_large", "byte"),
    ],
)
def test_a_body_that_is_no_record_gets_a_clear_400(
    collector: CollectorProcess, body: bytes, status: int, code: str, said: str
) -> None:
    got, answer = _post(collector, SA_THAY, body)
    assert got == status, answer
    assert answer["error"]["code"] == code
    assert said in answer["error"]["vi"]


def test_the_site_page_lists_the_record_and_links_the_collectors_own_page(
    collector: CollectorProcess,
) -> None:
    record = _record(technician="Võ Thị Hoa")
    assert _post(collector, SA_THAY, h.dumps(record).encode())[0] == 201
    status, _, raw = collector.request("GET", f"/sites/{SA_THAY}", as_="viewer")
    assert status == 200
    page = raw.decode()
    section = page[page.index('id="handovers"') : page.index('id="notes"')]
    link = f"/sites/{SA_THAY}/handovers/{record.hash}"
    assert f'href="{link}"' in section
    for text in ("07/12/2026 11:28:07", "Võ Thị Hoa", "3 đạt, 1 cảnh báo, 2 hỏng, 1 bỏ qua"):
        assert text in section, text
    assert "Đường truyền (WAN) (Cáp quang VNPT)" in section
    assert str(record.hash) in section

    status, _, raw = collector.request("GET", link, as_="viewer")
    assert status == 200
    shown = raw.decode()
    assert "Biên bản kiểm tra và bàn giao kỹ thuật" in shown
    assert INJECTION not in shown and html.escape(INJECTION) in shown
    assert "<script" not in shown  # the collector's page runs nothing, and serves no upload
    assert "Khởi động lại modem &lt;VNPT&gt; &amp; ghi lại đèn báo" in shown
    assert 'href="/playbooks/link_loss#kiem-tra-tai-cho"' in shown
    assert f"Mã kiểm tra nội dung: {record.hash}" in shown
    missing = f"/sites/{SA_THAY}/handovers/sha256:{'0' * 64}"
    assert collector.request("GET", missing, as_="viewer")[0] == 404
    # A token that reads only Lý Sơn reads neither the page nor the record of Sa Thầy.
    status, _, refused = collector.request("GET", link, as_="cong-an-ly-son")
    assert status == 403 and "Võ Thị Hoa" not in refused.decode()
    status, body = collector.get_json(
        f"/api{link.replace('/sites/', '/v1/sites/', 1)}", as_="cong-an-ly-son"
    )
    assert status == 403 and body["error"]["code"] == "forbidden_site"


def _upload(file: Path, url: str, token_file: Path) -> subprocess.CompletedProcess[str]:
    cmd = [str(SANSANG), "agent", "upload-record", str(file), "--collector", url]
    return subprocess.run(
        [*cmd, "--token-file", str(token_file), "--timeout", "20"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def token_file(collector: CollectorProcess, tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(collector.tokens["ky-thuat-sa-thay"] + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def test_the_cli_uploads_once_and_never_prints_the_token(
    collector: CollectorProcess, token_file: Path, tmp_path: Path
) -> None:
    file = tmp_path / "bien-ban.html"
    digest = records.write(file, sample(), "Đặng Văn Giang", DONE)
    first = _upload(file, collector.base_url, token_file)
    assert first.returncode == 0, first.stderr
    assert "Đã gửi biên bản lên máy thu tỉnh" in first.stdout
    assert digest in first.stdout
    again = _upload(file, collector.base_url + "/", token_file)
    assert again.returncode == 0, again.stderr
    assert "Máy thu tỉnh đã có biên bản này" in again.stdout
    token = collector.tokens["ky-thuat-sa-thay"]
    for run in (first, again):
        assert token not in run.stdout + run.stderr
    notes = [n for n in _notes(collector, SA_THAY) if digest in n["text"]]
    assert len(notes) == 1 and "Đặng Văn Giang" in notes[0]["text"]
    note_id = re.search(r"ghi chú #(\d+)", first.stdout)
    assert note_id is not None and int(note_id.group(1)) == notes[0]["id"]


def test_the_cli_says_why_it_cannot_send(
    collector: CollectorProcess, token_file: Path, tmp_path: Path
) -> None:
    no_site = tmp_path / "khong-cau-hinh.html"
    records.write(no_site, sample(site=None), TECHNICIAN, [])
    run = _upload(no_site, collector.base_url, token_file)
    assert run.returncode == 2
    assert "không có mã điểm" in run.stderr

    changed = tmp_path / "da-sua.html"
    records.write(changed, sample(), "Bùi Văn Hải", [])
    page = changed.read_text(encoding="utf-8")
    changed.write_text(page.replace("✖ Hỏng", "✔ Đạt", 1), encoding="utf-8")
    run = _upload(changed, collector.base_url, token_file)
    assert run.returncode == 2
    assert "đã bị sửa" in run.stderr
    assert not [n for n in _notes(collector, SA_THAY) if "Bùi Văn Hải" in n["text"]]

    other = tmp_path / "ly-son.html"
    records.write(other, sample(site=LY_SON), TECHNICIAN, [])
    run = _upload(other, collector.base_url, token_file)
    assert run.returncode == 1
    assert "Máy thu tỉnh từ chối biên bản (HTTP 403)" in run.stderr
    assert "chỉ được ghi cho điểm của mình" in run.stderr

    ok = tmp_path / "ok.html"
    records.write(ok, sample(), TECHNICIAN, [])
    run = _upload(ok, f"http://127.0.0.1:{free_port()}", token_file)  # nothing listens
    assert run.returncode == 1
    assert "không kết nối được máy thu tỉnh" in run.stderr
    # Plain http to another machine (TEST-NET-1): refused before any connection, the token
    # never in clear.
    run = _upload(ok, "http://192.0.2.10", token_file)
    assert run.returncode == 2
    assert "http://" in run.stderr and "https://" in run.stderr
    empty = tmp_path / "empty-token"
    empty.write_text("\n", encoding="utf-8")
    run = _upload(ok, collector.base_url, empty)
    assert run.returncode == 2 and "trống" in run.stderr
