"""The `sansang` program as a user runs it: a subprocess of the installed script in .venv/bin."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sansang import __version__
from tests.support.example_config import example_with_its_files
from tests.support.net import free_port
from tests.unit.test_config_errors import TESTDATA, readable_diff

SANSANG = Path(sys.executable).with_name("sansang")
EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "agent.yaml"


def sansang(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    assert SANSANG.exists(), f"{SANSANG} is not installed (pip install -e .)"
    return subprocess.run(
        [str(SANSANG), *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def test_check_config_on_the_example_says_ok_with_the_commune(tmp_path: Path) -> None:
    config = example_with_its_files(tmp_path)
    result = sansang("agent", "check-config", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith(f"{config}: hợp lệ / OK — Bộ phận một cửa Xã Sa Thầy ")
    assert "(Xã Sa Thầy, Quảng Ngãi, 23527)" in result.stdout


def test_check_config_warns_of_a_commune_of_another_province(tmp_path: Path) -> None:
    """Xã Sa Thầy (23527) is in Quảng Ngãi (51): a config saying Hà Nội (01) loads, with a
    warning naming the file, the line and the field."""
    config = example_with_its_files(tmp_path)
    text = config.read_text(encoding="utf-8")
    assert 'province_code: "51"' in text
    config.write_text(text.replace('province_code: "51"', 'province_code: "01"'), "utf-8")
    line = next(
        n for n, s in enumerate(text.splitlines(), 1) if s.strip().startswith("commune_code:")
    )
    result = sansang("agent", "check-config", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{config}: hợp lệ / OK")
    assert result.stderr.startswith(f"{config}:{line}: site.commune_code: cảnh báo / warning: ")
    assert "thuộc Quảng Ngãi (51), không thuộc Thành phố Hà Nội (01)" in result.stderr


def test_check_config_rejects_a_province_code_not_in_the_official_list(tmp_path: Path) -> None:
    config = example_with_its_files(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('province_code: "51"', 'province_code: "99"'), "utf-8")
    result = sansang("agent", "check-config", str(config))
    assert result.returncode == 2
    assert "site.province_code" in result.stderr
    assert "province code '99' is not in the official list" in result.stderr


@pytest.mark.parametrize(
    "case", ["invalid-several-problems", "invalid-yaml-syntax", "invalid-empty", "invalid-list"]
)
def test_check_config_on_an_invalid_file_prints_the_exact_error(case: str) -> None:
    result = sansang("agent", "check-config", f"{case}.yaml", cwd=TESTDATA)
    expected = (TESTDATA / f"{case}.expected").read_text(encoding="utf-8")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == expected, readable_diff(expected, result.stderr)


def test_check_config_on_a_missing_file() -> None:
    result = sansang("agent", "check-config", "no-such-file.yaml", cwd=TESTDATA)
    assert result.returncode == 2
    assert result.stderr == (
        "no-such-file.yaml: 1 lỗi / 1 problem\n"
        "  no-such-file.yaml: cannot read file: No such file or directory\n"
    )


def test_version() -> None:
    result = sansang("--version")
    assert result.returncode == 0
    assert result.stdout == f"sansang {__version__}\n"


def test_probe_with_an_unknown_kind_exits_2_naming_the_known_kinds() -> None:
    result = sansang("agent", "probe", "pingg", "10.200.0.1")
    assert result.returncode == 2
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith("không có loại phép đo 'pingg' / unknown probe kind 'pingg'; ")
    assert "tcp" in first.split("known kinds: ")[1].split(", ")


def test_probe_with_a_bad_target_exits_2() -> None:
    result = sansang("agent", "probe", "tcp", "127.0.0.1")
    assert result.returncode == 2
    assert result.stderr == "tcp: '127.0.0.1' is not HOST:PORT\n"


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


def test_probe_tcp_against_a_real_listener(listening_port: int) -> None:
    result = sansang("agent", "probe", "tcp", f"127.0.0.1:{listening_port}", "--metrics")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "THÀNH CÔNG / success" in result.stdout
    assert 'sansang_probe_success{check="cli"' in result.stdout


def test_probe_tcp_against_a_closed_port_exits_1() -> None:
    with socket.socket() as s:  # bound, not listening: the connection is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        result = sansang("agent", "probe", "tcp", f"127.0.0.1:{port}")
    assert result.returncode == 1
    assert "THẤT BẠI / failure (reason=refused)" in result.stdout


def _minimal_config(tmp_path: Path, journal: str, listen: str) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(
        "site: {commune_code: '23527', name: Thử, latitude: 14.4, longitude: 107.8}\n"
        f"server: {{listen: '{listen}'}}\n"
        f"journal: {{path: '{journal}'}}\n"
        "host: {enabled: false}\n",
        encoding="utf-8",
    )
    return path


def test_agent_run_with_an_unusable_journal_says_why_and_exits_1(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the journal's folder should be", encoding="utf-8")
    config = _minimal_config(tmp_path, f"{blocker}/journal.db", f"127.0.0.1:{free_port()}")
    result = sansang("agent", "run", "--config", str(config))
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == (
        f"không mở được nhật ký / cannot open the journal {blocker}/journal.db: File exists"
    ), result.stderr


def test_agent_run_on_a_port_in_use_says_why_and_exits_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = _minimal_config(tmp_path, str(tmp_path / "j.db"), f"127.0.0.1:{port}")
        result = sansang("agent", "run", "--config", str(config))
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"không mở được cổng / cannot listen on 127.0.0.1:{port}: ")
    assert "Traceback" not in result.stderr
