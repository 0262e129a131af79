"""The handover record's model and content hash (sansang/handover.py): the canonical form is
stable, every change changes the hash, and a record from outside is held to its limits."""

from __future__ import annotations

import hashlib
import json

import pytest

from agent.diagnose import model
from agent.diagnose.record import record_of
from sansang import handover as h
from tests.support.handover import DONE, INJECTION, TECHNICIAN, sample


@pytest.fixture
def record() -> h.HandoverRecord:
    return record_of(sample(), TECHNICIAN, DONE)


def _data(record: h.HandoverRecord) -> dict[str, object]:
    return record.model_dump(mode="json")


def test_the_kernel_knows_the_agents_layers_and_statuses() -> None:
    assert h.LAYERS == model.LAYERS
    assert set(h.LAYER_NAMES) == set(model.LAYERS)
    assert set(h.STATUS_WORDS) == set(model.Status.__args__)  # type: ignore[attr-defined]


def test_the_hash_is_sha256_of_the_canonical_json_without_the_hash(
    record: h.HandoverRecord,
) -> None:
    data = _data(record)
    del data["hash"]
    expected = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert h.canonical(record) == expected.encode("utf-8")
    assert "Nguyễn Văn An" in h.canonical(record).decode("utf-8")  # UTF-8, not \u escapes
    assert record.hash == "sha256:" + hashlib.sha256(expected.encode()).hexdigest()
    assert h.content_hash(record) == record.hash  # its own hash field does not count


def test_the_canonical_form_survives_a_round_trip_and_any_spacing(
    record: h.HandoverRecord,
) -> None:
    spaced = json.dumps(_data(record), indent=3, ensure_ascii=True)  # other spacing, \u escapes
    again = h.parse(spaced)
    assert again == record
    assert h.canonical(again) == h.canonical(record)
    assert h.verify(again) == record.hash
    assert h.dumps(h.parse(h.dumps(record))) == h.dumps(record)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(technician="Trần Thị Bình"),
        lambda d: d.update(finished_at=d["finished_at"] + 1),
        lambda d: d["done"].append("Thêm một việc"),
        lambda d: d["results"][0].update(status="warn"),
        lambda d: d["results"][0].update(vi=d["results"][0]["vi"] + " "),
        lambda d: d["results"][1]["figures"].update(free=0.7),
        lambda d: d["results"].reverse(),
        lambda d: d.update(site="23527-annex"),
    ],
)
def test_any_change_changes_the_hash(record: h.HandoverRecord, change: object) -> None:
    data = _data(record)
    change(data)  # type: ignore[operator]
    changed = h.validate(data)
    assert h.content_hash(changed) != record.hash
    with pytest.raises(h.HandoverError, match="không khớp"):
        h.verify(changed)


def test_a_record_without_a_hash_does_not_verify(record: h.HandoverRecord) -> None:
    with pytest.raises(h.HandoverError, match="không có mã"):
        h.verify(record.model_copy(update={"hash": None}))


def _base() -> dict[str, object]:
    return {
        "site": "23527-main",
        "site_name": "Sa Thầy",
        "technician": "An",
        "started_at": 1.7e9,
        "finished_at": 1.7e9 + 60,
        "results": [],
        "exit_code": 0,
    }


def _check(**more: object) -> dict[str, object]:
    return {"layer": "wan", "id": "fibre", "name": "Cáp quang", "status": "ok", **more}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"results": [_check()] * (h.MAX_RESULTS + 1)}, "results"),
        ({"done": ["việc"] * (h.MAX_DONE + 1)}, "done"),
        ({"done": [""]}, "done.0"),
        ({"technician": ""}, "technician"),
        ({"technician": "a" * (h.MAX_NAME + 1)}, "technician"),
        ({"results": [_check(vi="x" * (h.MAX_TEXT + 1))]}, "results.0.vi"),
        ({"results": [_check(layer="kitchen")]}, "results.0.layer"),
        ({"results": [_check(status="great")]}, "results.0.status"),
        ({"results": [_check(figures={f"f{i}": i for i in range(51)})]}, "results.0.figures"),
        ({"results": [_check(figures={"x": [1, 2]})]}, "results.0.figures.x"),
        ({"results": [_check(advice={"vi": "x", "path": "javascript:alert(1)"})]}, "advice"),
        ({"results": [_check(advice={"vi": "x", "path": "/playbooks/../logout"})]}, "advice"),
        ({"site_name": "a\x00b"}, "site_name"),
        ({"site": "../../etc"}, "site"),
        ({"started_at": "1700000000"}, "started_at"),  # strict: no coercion
        ({"exit_code": 9}, "exit_code"),
        ({"extra": 1}, "extra"),
        ({"finished_at": 1.0}, "finished_at is before started_at"),
        ({"results": [_check(status="fail")]}, "first_failure is empty"),
        ({"version": 2}, "version"),
        ({"hash": "md5:abc"}, "hash"),
    ],
)
def test_a_record_outside_its_limits_is_refused_naming_the_field(
    change: dict[str, object], field: str
) -> None:
    with pytest.raises(h.HandoverError) as caught:
        h.validate({**_base(), **change})
    assert field in "; ".join(caught.value.problems)
    assert caught.value.vi.startswith("biên bản không hợp lệ")


def test_non_finite_numbers_are_refused() -> None:
    with pytest.raises(h.HandoverError):
        h.parse(json.dumps({**_base(), "results": [_check(figures={"x": float("nan")})]}))


def test_first_failure_must_be_one_of_the_failed_results() -> None:
    failed = _check(status="fail")
    h.validate({**_base(), "results": [failed], "first_failure": failed, "exit_code": 4})
    other = {**failed, "name": "Khác"}
    with pytest.raises(h.HandoverError, match="first_failure"):
        h.validate({**_base(), "results": [failed], "first_failure": other, "exit_code": 4})


def test_problems_are_listed_at_most_ten_then_counted() -> None:
    results = [_check(layer="x")] * 15
    with pytest.raises(h.HandoverError) as caught:
        h.validate({**_base(), "results": results})
    assert len(caught.value.problems) == h.MAX_PROBLEMS + 1
    assert caught.value.problems[-1] == "… +5"


def test_the_summary_names_technician_counts_first_failing_layer_and_hash(
    record: h.HandoverRecord,
) -> None:
    assert h.summary(record) == (
        f"Biên bản bàn giao của {TECHNICIAN}: 3 đạt, 1 cảnh báo, 2 hỏng, 1 bỏ qua — lớp hỏng "
        f"đầu tiên: Đường truyền (WAN) (Cáp quang VNPT); {record.hash}"
    )
    assert h.summary(record, "en").startswith(f"Handover record by {TECHNICIAN}: 3 passed")
    assert INJECTION not in h.summary(record)


def test_a_record_with_nothing_failed_says_so() -> None:
    checks = tuple(r for r in sample().results if r.status != "fail")
    ok = record_of(sample(checks=checks), TECHNICIAN, [])
    assert ok.first_failure is None
    assert "không lớp nào hỏng" in h.summary(ok)


@pytest.mark.parametrize(
    ("unix", "line"),
    [
        (1_796_617_500.0, "ngày 07 tháng 12 năm 2026"),
        (1_767_225_600.0, "ngày 01 tháng 01 năm 2026"),  # 01/01/2026 07:00 in Vietnam
        (1_772_409_600.0, "ngày 02 tháng 3 năm 2026"),  # months from 3 on without a 0
    ],
)
def test_the_date_line_as_an_administrative_document_writes_it(unix: float, line: str) -> None:
    assert h.date_line(unix) == line
