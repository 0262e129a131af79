"""collector/file_sd.py and ``sansang collector file-sd``: Prometheus targets from the inventory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from collector import file_sd
from collector.inventory import model

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "inventory.yaml"


def _inventory(tmp_path: Path, url: str) -> model.Inventory:
    """The example inventory with its pull site's URL replaced by ``url``."""
    doc: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["sites"][0]["pull"]["url"] = url
    path = tmp_path / "inventory.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return model.load(path)


def test_example_inventory_gives_one_target_with_labels() -> None:
    sd = file_sd.build(model.load(EXAMPLE))
    assert sd.groups == [
        {
            "targets": ["sa-thay.agent.example:9717"],
            "labels": {
                "site": "23527-main",
                "commune_code": "23527",
                "commune": "Xã Sa Thầy",
                "province": "Quảng Ngãi",
                "province_code": "51",
                "__scheme__": "https",
                "__metrics_path__": "/metrics",
            },
        }
    ]
    assert [s.key for s in sd.skipped] == ["21548-main"]  # push-only (behind 4G)


@pytest.mark.parametrize(
    ("url", "target", "scheme", "path"),
    [
        ("http://10.51.27.5:9717/", "10.51.27.5:9717", "http", "/metrics"),
        ("https://agent.example/", "agent.example:443", "https", "/metrics"),
        ("http://agent.example", "agent.example:80", "http", "/metrics"),
        ("https://proxy.example:8443/sa-thay/", "proxy.example:8443", "https", "/sa-thay/metrics"),
        ("http://[fd00::5]:9717/", "[fd00::5]:9717", "http", "/metrics"),
    ],
)
def test_url_forms(tmp_path: Path, url: str, target: str, scheme: str, path: str) -> None:
    (group,) = file_sd.build(_inventory(tmp_path, url)).groups
    assert group["targets"] == [target]
    assert group["labels"]["__scheme__"] == scheme
    assert group["labels"]["__metrics_path__"] == path


def test_site_label_can_be_renamed() -> None:
    (group,) = file_sd.build(model.load(EXAMPLE), site_label="sansang_site").groups
    assert group["labels"]["sansang_site"] == "23527-main"
    assert "site" not in group["labels"]


def test_write_replaces_atomically_and_leaves_no_temp_file(tmp_path: Path) -> None:
    out = tmp_path / "sd"
    path, _ = file_sd.write(model.load(EXAMPLE), out)
    first_inode = path.stat().st_ino
    path2, _ = file_sd.write(_inventory(tmp_path, "http://10.0.0.9:9717/"), out)
    assert path2 == path and path.stat().st_ino != first_inode  # renamed over, not rewritten
    assert json.loads(path.read_text(encoding="utf-8"))[0]["targets"] == ["10.0.0.9:9717"]
    assert sorted(os.listdir(out)) == [file_sd.FILE_NAME]
    assert path.stat().st_mode & 0o777 == 0o644


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("old", encoding="utf-8")

    with pytest.raises(TypeError):  # the write fails half-way: not text
        file_sd.write_atomic(path, 42)  # type: ignore[arg-type]
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["x.json"]


def test_cli_writes_file_and_names_skipped_sites(tmp_path: Path) -> None:
    args = ["--inventory", str(EXAMPLE), "--out", str(tmp_path / "sd")]
    proc = subprocess.run(
        [sys.executable, "-m", "sansang.cli", "collector", "file-sd", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "21548-main" in proc.stderr and "push-only" in proc.stderr
    written = json.loads((tmp_path / "sd" / file_sd.FILE_NAME).read_text(encoding="utf-8"))
    assert [g["labels"]["site"] for g in written] == ["23527-main"]
