"""`sansang` as a technician on site uses it: the probe help from the registry, a probe's result
in words (metrics only on request), output into a pipe that closes early, and check-config
reading the files a config names.  Real subprocesses of the installed script."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.probe_text import words
from agent.probes import PROBES
from agent.probes.base import Outcome, Sample
from tests.unit.test_cli import SANSANG, example_with_its_files, sansang


def test_probe_help_lists_every_registered_kind_with_its_summary_and_target() -> None:
    result = sansang("agent", "probe", "--help")
    assert result.returncode == 0, result.stderr
    help_text = " ".join(result.stdout.split())  # argparse wraps: compare words
    for name, kind in PROBES.items():
        assert f"{name}: {' '.join(kind.summary.split())}" in help_text, name
    assert "target: HOST:PORT or [IPv6]:PORT; prefix tls:// for a TLS handshake." in help_text
    assert "target: UPS@HOST[:PORT] as upsc writes it" in help_text
    security = help_text.split("security: ")[1].split(" snmp_ups: ")[0]
    assert "not from a target" in security and "security.hosts" in security
    assert "target:" not in security.replace("not from a target:", "")  # no syntax to give
    assert "(in the agent: a `source:` of power.sources)" in help_text


def test_quality_in_words_vietnamese_and_english() -> None:
    outcome = Outcome(
        True,
        samples=[
            Sample("sansang_link_echo_requests_sent_total", 10, increment=True),
            Sample("sansang_link_echo_replies_received_total", 8, increment=True),
            Sample("sansang_link_loss_ratio", 0.2),
            Sample("sansang_link_rtt_median_seconds", 0.035),
            Sample("sansang_link_jitter_seconds", 0.004),
        ],
    )
    assert words("quality", outcome, 0, "vi") == (
        "mất 2/10 gói (20 %), trễ trung vị 35 ms, dao động 4 ms"
    )
    assert words("quality", outcome, 0, "en") == (
        "lost 2/10 packets (20 %), median latency 35 ms, jitter 4 ms"
    )
    lan = Outcome(True, samples=[Sample("sansang_tcp_connect_duration_seconds", 0.00042)])
    assert words("tcp", lan, 0, "vi") == "kết nối TCP sau 0,4 ms"


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


def test_probe_prints_words_first_and_metrics_only_with_the_flag(listening_port: int) -> None:
    target = f"tcp://127.0.0.1:{listening_port}"
    plain = sansang("agent", "probe", "quality", target)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    lines = plain.stdout.splitlines()
    assert lines[0] == f"Probe quality {target}: THÀNH CÔNG / success (reason=ok)"
    assert lines[1].startswith("  Kết quả: mất 0/5 gói (0 %), trễ trung vị ")
    assert lines[2].startswith("  Result: lost 0/5 packets (0 %), median latency ")
    assert "sansang_" not in plain.stdout and "Metrics:" not in plain.stdout
    full = sansang("agent", "probe", "quality", target, "--metrics")
    assert "\nMetrics:\n" in full.stdout
    assert 'sansang_link_echo_requests_sent_total{target="cli",link="default"} 5' in full.stdout


def _into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    """Run with stdout a pipe whose reading end is already closed (``| head`` that is done):
    the child's first write meets EPIPE, however fast it is."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [str(SANSANG), *args], stdout=write, stderr=subprocess.PIPE, text=True,
            timeout=60, check=False,
        )  # fmt: skip
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [
        ("agent", "probe", "--help"),
        ("agent", "probe", "host", "-", "--metrics"),
        ("agent", "check-config", "{config}"),
        ("collector", "--help"),
    ],
)
def test_a_reader_that_went_away_ends_the_command_quietly(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    config = str(example_with_its_files(tmp_path))
    done = _into_a_closed_pipe(*(a.format(config=config) for a in args))
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.stderr == ""
    assert done.returncode in (0, 1)


def test_check_config_names_each_missing_file_with_line_and_field(tmp_path: Path) -> None:
    config = example_with_its_files(tmp_path)
    (tmp_path / "nut-password").unlink()
    (tmp_path / "ssh" / "id_ed25519").unlink()
    text = config.read_text(encoding="utf-8").splitlines()
    nut_line = next(i for i, line in enumerate(text, 1) if "password_file:" in line)
    key_lines = [i for i, line in enumerate(text, 1) if "key_file: " in line and "ssh" in line]
    result = sansang("agent", "check-config", str(config))
    assert result.returncode == 2, result.stdout
    assert result.stdout == ""
    said = result.stderr.splitlines()
    count = 1 + len(key_lines)  # the NUT password file, and the key every SSH check names
    assert said[0] == f"{config}: {count} lỗi / {count} problems", said
    assert (
        f"  {config}:{nut_line}: power.sources.0.source.password_file: "
        f"file {tmp_path}/nut-password does not exist"
    ) in said
    missing_key = f"file {tmp_path}/ssh/id_ed25519 does not exist"
    for line in key_lines:  # a router's `ssh:` and each of `security.hosts`, with its field
        (found,) = [x for x in said if x.startswith(f"  {config}:{line}: ")]
        assert found.endswith(f"key_file: {missing_key}"), found
    assert any(".ssh.key_file: " in x for x in said) and any("security.hosts.1." in x for x in said)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_check_config_names_an_unreadable_file(tmp_path: Path) -> None:
    config = example_with_its_files(tmp_path)
    (tmp_path / "push-token").chmod(0)
    result = sansang("agent", "check-config", str(config))
    assert result.returncode == 2
    assert f"push.token_file: cannot read {tmp_path}/push-token: permission denied" in (
        result.stderr
    )
