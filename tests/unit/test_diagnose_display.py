"""The progress display: plain lines for a pipe or a file (no carriage return, no escape code),
a line rewritten in place on a terminal (a real pseudo-terminal here), no colour with NO_COLOR;
and the summary naming the first failing layer, the next step and the playbook."""

from __future__ import annotations

import fcntl
import io
import os
import select
import struct
import termios

from agent.diagnose.display import Display, summary_lines
from agent.diagnose.model import Advice, CheckResult, Diagnosis

FIBRE = CheckResult(
    "wan", "quality:dns@fibre", "fibre", "fail", "timeout",
    "không phản hồi (quá thời gian chờ); mất 10/10 gói (100 %)",
    "no answer (timed out); lost 10/10 packets (100 %)",
    Advice(
        "Kiểm tra cáp quang và modem của đường fibre; gọi nhà mạng nếu đèn LOS đỏ",
        "Check the fibre and the modem of link fibre; call the provider if the LOS light is red",
        "link_loss", "kiem-tra-dau-tien-tai-xa",
    ),
)  # fmt: skip
GATEWAY = CheckResult("lan", "gateway", "Gateway 10.0.0.1", "ok", vi="nhận 3/3 phản hồi ping")
DISK = CheckResult(
    "box", "host", "Máy giám sát", "warn", "disk_full", "ổ / đã dùng 95 %", "/ is 95 % full",
    Advice("Dọn ổ /", "Free space on /", "hardware", "kiem-tra-dau-tien-tai-xa"),
)  # fmt: skip


def diagnosis(*results: CheckResult) -> Diagnosis:
    return Diagnosis(None, "", "", "discovered", 0.0, 1.0, results)


def show(display: Display) -> None:
    display.layer_started("lan", 1)
    display.check_done(GATEWAY)
    display.layer_done("lan", [GATEWAY])
    display.layer_started("wan", 1)
    display.check_done(FIBRE)
    display.layer_done("wan", [FIBRE])
    display.layer_started("printers", 0)
    display.layer_done("printers", [])


def test_piped_output_is_plain_lines() -> None:
    out = io.StringIO()
    display = Display(out)
    assert not display.live and not display.colour
    show(display)
    text = out.getvalue()
    assert "\r" not in text and "\x1b" not in text
    assert text.splitlines() == [
        "✔ Mạng nội bộ (LAN) / LAN",
        "    ✔ Gateway 10.0.0.1: nhận 3/3 phản hồi ping",
        "✘ Đường truyền (WAN) / WAN link",
        "    ✘ fibre: không phản hồi (quá thời gian chờ); mất 10/10 gói (100 %)",
        "– Máy in / Printers: không có gì để kiểm tra / nothing here",
    ]


def read_all(fd: int) -> str:
    chunks = []
    while select.select([fd], [], [], 0.5)[0]:
        data = os.read(fd, 65536)
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode("utf-8")


def on_a_terminal(environ: dict[str, str], columns: int = 0) -> str:
    controller, terminal = os.openpty()
    if columns:
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    try:
        with os.fdopen(terminal, "w", encoding="utf-8", closefd=False) as stream:
            display = Display(stream, environ=environ)
            assert display.live
            show(display)
        return read_all(controller)
    finally:
        os.close(terminal)
        os.close(controller)


def test_a_terminal_gets_a_line_rewritten_in_place_and_colour() -> None:
    text = on_a_terminal({})
    # the live line: back to the line's start, erased, the spinner, the layer and its count
    assert "\r\x1b[2K⠋ Mạng nội bộ (LAN) … 0/1" in text
    assert "\r\x1b[2K⠋ Mạng nội bộ (LAN) … 1/1 (Gateway 10.0.0.1)" in text
    assert "\x1b[31m✘\x1b[0m Đường truyền (WAN) / WAN link" in text  # red
    assert "\x1b[32m✔\x1b[0m Mạng nội bộ (LAN) / LAN" in text  # green


def test_the_live_line_never_wraps_on_a_narrow_terminal() -> None:
    text = on_a_terminal({"NO_COLOR": "1"}, columns=20)
    live = [part for part in text.split("\r\x1b[2K") if part and "\n" not in part]
    assert live and all(len(part) <= 19 for part in live)
    assert "⠋ Mạng nội bộ (LAN)" in live  # cut to the width, never past it


def test_no_color_keeps_the_live_line_without_colour() -> None:
    text = on_a_terminal({"NO_COLOR": "1"})
    assert "\r\x1b[2K" in text
    assert "\x1b[3" not in text and "\x1b[0m" not in text
    assert "✘ Đường truyền (WAN) / WAN link" in text


def test_summary_names_the_first_failing_layer_the_step_and_the_agents_playbook() -> None:
    lines = summary_lines(diagnosis(DISK, GATEWAY, FIBRE), "http://127.0.0.1:9717")
    assert lines == [
        "Lớp hỏng đầu tiên / first failing layer: Đường truyền (WAN) — fibre: "
        "không phản hồi (quá thời gian chờ); mất 10/10 gói (100 %)",
        "Việc cần làm / next step: Kiểm tra cáp quang và modem của đường fibre; gọi nhà mạng "
        "nếu đèn LOS đỏ",
        "  (Check the fibre and the modem of link fibre; call the provider if the LOS light is "
        "red)",
        "Xem / see: http://127.0.0.1:9717/playbooks/link_loss#kiem-tra-dau-tien-tai-xa",
    ]


def test_summary_without_a_config_gives_the_path_and_all_passed() -> None:
    lines = summary_lines(diagnosis(GATEWAY, FIBRE))
    assert lines[-1] == "Xem / see: /playbooks/link_loss#kiem-tra-dau-tien-tai-xa"
    assert summary_lines(diagnosis(GATEWAY)) == ["Tất cả đều tốt / all checks passed"]
    warned = summary_lines(diagnosis(GATEWAY, DISK))
    assert warned[0].startswith("Không có lớp hỏng; cần chú ý / no failure; attention: Máy trạm")
