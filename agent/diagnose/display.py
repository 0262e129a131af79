"""What the technician sees while ``diagnose`` runs, and the summary after it.

On a terminal (``stream.isatty()``) each layer has one live line, rewritten in place (``\\r`` and
"erase line") with a spinner and a counter, ``⠹ Mạng nội bộ (LAN) … 1/3``, then the layer's mark
(✔ ⚠ ✘ –) and one line per check.  Anywhere else (a pipe, a file, a CI log) only plain lines:
no ``\\r``, no escape code, the same layer and check lines.  Colour only on a terminal and never
with ``NO_COLOR`` set (no-color.org).

Hand-written rather than ``rich``: the agent must stay light on a commune's small box (its memory
footprint is measured against node_exporter and blackbox_exporter in ``make bench``).
``python -X importtime -c "import rich.progress"`` measured 41-61 ms cumulative here (rich 15.0,
three runs); this module costs 1.7 ms of its own (asyncio, which the agent loads anyway, aside)
and needs a dozen lines of what rich would bring.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping
from typing import TextIO

from agent.diagnose.model import Advice, CheckResult, Diagnosis, Layer, Status

LAYER_NAMES: dict[Layer, tuple[str, str]] = {
    "power": ("Nguồn điện", "Power"),
    "box": ("Máy trạm sansang", "The sansang box"),
    "lan": ("Mạng nội bộ (LAN)", "LAN"),
    "wan": ("Đường truyền (WAN)", "WAN link"),
    "dns": ("Phân giải tên (DNS)", "DNS"),
    "services": ("Hệ thống dịch vụ", "Services"),
    "terminals": ("Thiết bị đầu cuối", "Terminals"),
    "conference": ("Điểm cầu HNTH", "Video conference"),
    "printers": ("Máy in", "Printers"),
}
MARKS: dict[Status, str] = {"ok": "✔", "warn": "⚠", "fail": "✘", "skip": "–"}
_COLOURS: dict[Status, str] = {"ok": "32", "warn": "33", "fail": "31", "skip": "2"}
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_TICK_SECONDS = 0.1


def colour_allowed(environ: Mapping[str, str] | None = None) -> bool:
    """False when ``NO_COLOR`` is set to anything but an empty string (no-color.org)."""
    env = os.environ if environ is None else environ
    return not env.get("NO_COLOR")


def _worst(results: list[CheckResult]) -> Status:
    found = {r.status for r in results}
    order: tuple[Status, ...] = ("fail", "warn", "ok")
    return next((s for s in order if s in found), "skip")


class Display:
    """The run's progress on ``stream``; live when it is a terminal."""

    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool | None = None,
        colour: bool | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.stream = stream
        self.live = stream.isatty() if live is None else live
        self.colour = self.live and colour_allowed(environ) if colour is None else colour
        self._layer: Layer | None = None
        self._total = 0
        self._done = 0
        self._frame = 0
        self._last: str = ""

    # --- the Progress protocol of agent.diagnose.run ---------------------------------------------

    def layer_started(self, layer: Layer, total: int) -> None:
        self._layer, self._total, self._done, self._last = layer, total, 0, ""
        self._draw()

    def check_done(self, result: CheckResult) -> None:
        self._done += 1
        self._last = result.name
        self._draw()

    def layer_done(self, layer: Layer, results: list[CheckResult]) -> None:
        self._clear()
        self._layer = None
        status = _worst(results)
        vi, en = LAYER_NAMES[layer]
        if not results:
            self._line(f"{self._mark('skip')} {vi} / {en}: không có gì để kiểm tra / nothing here")
            return
        self._line(f"{self._mark(status)} {vi} / {en}")
        for r in results:
            text = r.vi or r.en
            self._line(f"    {self._mark(r.status)} {r.name}: {text}")

    # --- the live line ---------------------------------------------------------------------------

    async def animate(self) -> None:
        """Turn the spinner until cancelled (only on a terminal; a pipe gets no frames)."""
        if not self.live:
            return
        while True:
            await asyncio.sleep(_TICK_SECONDS)
            self._frame += 1
            self._draw()

    def _draw(self) -> None:
        if not self.live or self._layer is None:
            return
        vi, _en = LAYER_NAMES[self._layer]
        spin = _SPINNER[self._frame % len(_SPINNER)]
        text = f"{spin} {vi} … {self._done}/{self._total}"
        if self._last:
            text += f" ({self._last})"
        width = 80
        with contextlib.suppress(OSError, ValueError, AttributeError):
            width = os.get_terminal_size(self.stream.fileno()).columns or width  # 0: not set
        text = text[: max(10, width - 1)]  # never wrap: \r only returns to the line's start
        self.stream.write(f"\r\x1b[2K{text}")
        self.stream.flush()

    def _clear(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[2K")

    def _mark(self, status: Status) -> str:
        mark = MARKS[status]
        return f"\x1b[{_COLOURS[status]}m{mark}\x1b[0m" if self.colour else mark

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


def summary_lines(diagnosis: Diagnosis, playbook_base: str | None = None) -> list[str]:
    """The end of the report: the first failing layer, what to do, where to read; or that all
    passed (with the first warning, if any)."""
    lines: list[str] = []
    failed = diagnosis.first_failure
    if failed is None:
        warned = diagnosis.first_warning
        if warned is None:
            return ["Tất cả đều tốt / all checks passed"]
        vi, _en = LAYER_NAMES[warned.layer]
        lines.append(
            f"Không có lớp hỏng; cần chú ý / no failure; attention: {vi} — "
            f"{warned.name}: {warned.vi}"
        )
        return lines + _advice_lines(warned.advice, playbook_base)
    vi, _en = LAYER_NAMES[failed.layer]
    lines.append(f"Lớp hỏng đầu tiên / first failing layer: {vi} — {failed.name}: {failed.vi}")
    return lines + _advice_lines(failed.advice, playbook_base)


def _advice_lines(advice: Advice | None, playbook_base: str | None) -> list[str]:
    if advice is None:
        return []
    lines = [f"Việc cần làm / next step: {advice.vi}", f"  ({advice.en})"]
    path = advice.path
    if path is not None:
        where = f"{playbook_base.rstrip('/')}{path}" if playbook_base else path
        lines.append(f"Xem / see: {where}")
    return lines
