"""Coverage survey files into the collector: the JSON lines the real ``sansang survey`` code
writes, parsed into survey points; every bad line named with its number and field; and
``sansang collector import-survey`` (a real subprocess) storing into a real SQLite store: nothing
stored when a line is bad unless ``--skip-bad``, a point imported twice stored once."""

from __future__ import annotations

import json
import math
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from collector.ingest import survey
from collector.store import Store
from collector.survey import SurveyPoint
from tests.support import yaml_writer
from tests.support.collector import inventory_of, site
from tests.support.env import SANSANG
from tests.support.net import listener
from tests.support.survey import T_SURVEY, survey_record, viettel_lte
from tools.survey import append_record

SA_THAY = "23527-main"


@pytest.fixture
async def records() -> AsyncIterator[list[dict[str, Any]]]:
    """Three places surveyed: good coverage, a weak one, one where the speed test failed."""
    async with listener() as port:
        yield [
            await survey_record(
                port, "Thôn 3", 14.41, 107.78, download_bps=6e6, cellular=viettel_lte()
            ),
            await survey_record(
                port, "Đèo Lò Xo", 14.62, 108.31, download_bps=1e5, at=T_SURVEY + 60
            ),
            await survey_record(port, "Khe Nước", 14.70, 108.40, download_bps=None),
        ]


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    for record in records:
        append_record(path, record)  # as `sansang survey` appends
    return path


def test_the_file_sansang_survey_writes_becomes_survey_points(
    records: list[dict[str, Any]], tmp_path: Path
) -> None:
    parsed = survey.read_file(write(tmp_path / "survey.jsonl", records))
    assert parsed.problems == [] and parsed.records == 3
    good, weak, failed = parsed.points
    assert good == SurveyPoint(
        "Thôn 3",
        14.41,
        107.78,
        T_SURVEY,
        6e6,
        2e4,
        0.0,
        records[0]["latency"]["median_seconds"],
        operator="Viettel",
        technology="lte",
        rsrp_dbm=-109.0,  # the modem's LTE signal, kept (it was dropped on import before)
        rsrq_db=-13.0,
    )
    assert (weak.label, weak.wall_time, weak.download_bps) == ("Đèo Lò Xo", T_SURVEY + 60, 1e5)
    assert weak.operator is None and weak.technology is None  # no modem: null signal
    assert weak.rsrp_dbm is None and weak.rsrq_db is None
    assert failed.download_bps is None and failed.upload_bps is None  # failing is the finding
    assert all(p.site is None for p in parsed.points)
    with_site = survey.read_file(tmp_path / "survey.jsonl", site=SA_THAY, known_sites={SA_THAY})
    assert [p.site for p in with_site.points] == [SA_THAY] * 3


def test_time_is_read_when_wall_time_unix_is_absent_and_the_best_test_counts(
    records: list[dict[str, Any]],
) -> None:
    record = dict(records[1])
    del record["wall_time_unix"]
    record["throughput"] = {
        **record["throughput"],
        "iperf3": {"ok": True, "download_bps": 3e5, "upload_bps": None},
        "other": {"ok": False, "reason": "refused", "detail": "", "bytes_used": 0},
    }
    got = survey.point(record)
    assert got.wall_time == T_SURVEY + 60 and got.download_bps == 3e5 and got.upload_bps == 2e4


def test_every_bad_line_is_named_with_its_number_and_field(
    records: list[dict[str, Any]], tmp_path: Path
) -> None:
    good = json.dumps(records[0], ensure_ascii=False)

    def changed(**fields: Any) -> str:
        return json.dumps({**records[1], **fields}, ensure_ascii=False)

    no_latency = {k: v for k, v in records[1].items() if k != "latency"}
    slow = {"selfhosted": {"ok": True, "download_bps": "fast"}}
    lines = [
        good,  # 1
        "{not json",  # 2
        "",  # 3: blank, skipped
        changed(latitude=91.0),  # 4
        json.dumps({**no_latency, "kind": "speedtest_result"}),  # 5: two problems
        changed(throughput=slow),  # 6
        "[1, 2]",  # 7
        good.replace('"loss_ratio": 0.0', '"loss_ratio": NaN'),  # 8
        changed(site="99999-nowhere"),  # 9
        changed(label="   "),  # 10
        changed(schema=2),  # 11
        changed(wall_time_unix=None, time="2026-05-28 20:27"),  # 12: no offset
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = survey.read_file(path, known_sites={SA_THAY})
    where = [(p.where, p.field) for p in parsed.problems]
    assert where == [
        (2, ""),
        (4, "latitude"),
        (5, "kind"),
        (5, "latency"),
        (6, "throughput.selfhosted.download_bps"),
        (7, ""),
        (8, "latency.loss_ratio"),
        (9, "site"),
        (10, "label"),
        (11, "schema"),
        (12, "time"),
    ]
    assert parsed.records == 11 and parsed.bad == 10 and len(parsed.points) == 1
    text = {p.where: p.render("bad.jsonl") for p in parsed.problems if p.field != "kind"}
    assert text[2].startswith("bad.jsonl: dòng / line 2: không phải JSON / not JSON")
    assert text[4].startswith("bad.jsonl: dòng / line 4: latitude: ") and "91.0" in text[4]
    assert text[5].endswith("latency: thiếu / missing")
    assert "no such site '99999-nowhere'" in text[9]


def _with_modem(record: dict[str, Any], **modem: Any) -> dict[str, Any]:
    cellular = viettel_lte()
    cellular["modems"][0].update(modem)
    return {**record, "cellular": cellular}


def test_the_signal_of_the_current_technology_and_a_figure_no_modem_gives_is_named(
    records: list[dict[str, Any]],
) -> None:
    both = {"lte": {"rsrp": -109.0, "rsrq": -13.0}, "5g": {"rsrp": -95.0, "rsrq": -11.0}}
    on_lte = survey.point(_with_modem(records[1], signal=both))
    assert (on_lte.rsrp_dbm, on_lte.rsrq_db) == (-109.0, -13.0)  # the modem is on LTE
    on_nr = survey.point(_with_modem(records[1], signal=both, access_technologies=["5gnr"]))
    assert (on_nr.rsrp_dbm, on_nr.rsrq_db) == (-95.0, -11.0)
    only_rssi = survey.point(_with_modem(records[1], signal={"gsm": {"rssi": -77.0}}))
    assert (only_rssi.rsrp_dbm, only_rssi.rsrq_db, only_rssi.operator) == (None, None, "Viettel")
    bad = _with_modem(records[1], signal={"lte": {"rsrp": 109.0, "rsrq": -13.0}})
    with pytest.raises(survey.BadRecord) as raised:
        survey.point(bad)
    assert [f for f, _m in raised.value.problems] == ["cellular.modems.0.signal.lte.rsrp"]


# --- the command, against a real SQLite store ---------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Path:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(yaml_writer.dump(inventory_of(site("23527"))), encoding="utf-8")
    path = tmp_path / "collector.yaml"
    body = {"inventory": str(inventory), "database": f"sqlite:///{tmp_path / 'collector.db'}"}
    path.write_text(yaml_writer.dump(body), encoding="utf-8")
    return path


def import_survey(config: Path, file: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [str(SANSANG), "collector", "import-survey", str(file), "--config", str(config), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


def stored(config: Path) -> list[SurveyPoint]:
    store = Store.open(f"sqlite:///{config.parent / 'collector.db'}")
    try:
        return store.survey_points(0, math.inf)
    finally:
        store.close()


def test_the_command_stores_every_point_once(
    records: list[dict[str, Any]], config: Path, tmp_path: Path
) -> None:
    file = write(tmp_path / "survey.jsonl", records)
    done = import_survey(config, file)
    assert done.returncode == 0, done.stderr
    assert "đã lưu / stored 3 điểm khảo sát" in done.stdout and "0 đã có" in done.stdout
    assert [p.label for p in stored(config)] == ["Thôn 3", "Khe Nước", "Đèo Lò Xo"]  # by time
    assert (stored(config)[0].rsrp_dbm, stored(config)[0].rsrq_db) == (-109.0, -13.0)
    again = import_survey(config, file, "--site", SA_THAY)
    assert again.returncode == 0, again.stderr
    assert "stored 0 " in again.stdout and "3 đã có / already there" in again.stdout
    assert len(stored(config)) == 3


def test_the_command_stores_the_site_it_is_given_and_refuses_an_unknown_one(
    records: list[dict[str, Any]], config: Path, tmp_path: Path
) -> None:
    file = write(tmp_path / "survey.jsonl", records[:1])
    refused = import_survey(config, file, "--site", "99999-main")
    assert refused.returncode == 2 and "no such site '99999-main'" in refused.stderr
    assert stored(config) == []
    done = import_survey(config, file, "--site", SA_THAY)
    assert done.returncode == 0, done.stderr
    assert [p.site for p in stored(config)] == [SA_THAY]


def test_a_bad_line_stores_nothing_unless_skip_bad(
    records: list[dict[str, Any]], config: Path, tmp_path: Path
) -> None:
    file = write(tmp_path / "survey.jsonl", records)
    with file.open("a", encoding="utf-8") as out:
        out.write(json.dumps({**records[0], "longitude": "108,3"}) + "\n")
    done = import_survey(config, file)
    assert done.returncode == 2
    assert f"{file}: dòng / line 4: longitude: " in done.stderr
    assert "1 bad lines, nothing stored" in done.stderr
    assert stored(config) == []
    skipped = import_survey(config, file, "--skip-bad")
    assert skipped.returncode == 1, skipped.stderr
    assert "line 4: longitude" in skipped.stderr and "skipped 1 bad lines" in skipped.stdout
    assert len(stored(config)) == 3


def test_a_missing_file_is_exit_2(config: Path, tmp_path: Path) -> None:
    done = import_survey(config, tmp_path / "nothing.jsonl")
    assert done.returncode == 2 and "nothing.jsonl" in done.stderr
