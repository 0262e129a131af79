"""``sansang collector check-config FILE``: the example config passes with its one-line summary;
a broken field, a broken inventory, a missing secrets file or an unusable CA bundle is named with
file, line and field (exit 2); the check writes nothing and opens no database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from collector import tokens
from collector.ingest import credentials
from sansang.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "deploy" / "examples"


@pytest.fixture
def province(tmp_path: Path) -> Path:
    """deploy/examples/collector.yaml beside its inventory, with the tokens and push credentials
    files it names (the example ships none: they hold the province's own hashes)."""
    for name in ("collector.yaml", "inventory.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    tokens.add(tmp_path / "tokens.yaml", "so-khcn", "viewer", [])
    credentials.new_credential(tmp_path / "credentials.yaml", "ly-son")
    return tmp_path / "collector.yaml"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line(path: Path, start: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(start))


def test_the_example_passes_with_a_summary_and_writes_nothing(
    province: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in province.parent.iterdir())
    assert main(["collector", "check-config", str(province)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith(f"{province}: hợp lệ / OK — Quảng Ngãi (51), ")
    assert " sites (" in out and " targets (" in out
    assert "1 API tokens, 1 push credentials" in out
    assert out.count("\n") == 1
    assert sorted(p.name for p in province.parent.iterdir()) == before  # no collector.db


def test_a_broken_field_names_file_line_and_field(
    province: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _replace(province, "page_size: 1000", "page_size: lots")
    line = _line(province, "  page_size:")
    assert main(["collector", "check-config", str(province)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"{province}: 1 lỗi / 1 problem\n")
    assert f"  {province}:{line}: pull.page_size: " in err


def test_a_broken_inventory_is_named(province: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inventory = province.with_name("inventory.yaml")
    _replace(inventory, "latitude: 14.4132", "latitude: north")
    line = _line(inventory, "    latitude: north")
    assert main(["collector", "check-config", str(province)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{inventory}: 1 lỗi / 1 problem\n")
    assert f"  {inventory}:{line}: sites.0.latitude: " in err


def test_a_missing_tokens_file_is_named(province: Path, capsys: pytest.CaptureFixture[str]) -> None:
    province.with_name("tokens.yaml").unlink()
    assert main(["collector", "check-config", str(province)]) == 2
    assert f"{province.with_name('tokens.yaml')}: cannot read file" in capsys.readouterr().err


def test_an_unusable_ca_bundle_names_the_field(
    province: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = province.with_name("ca.pem")
    bundle.write_text("not a certificate\n", encoding="utf-8")
    _replace(province, "  ca_file: null", f"  ca_file: {bundle}")
    line = _line(province, "  ca_file:")
    assert main(["collector", "check-config", str(province)]) == 2
    err = capsys.readouterr().err
    assert f"  {province}:{line}: pull.ca_file: cannot use {bundle}: " in err
