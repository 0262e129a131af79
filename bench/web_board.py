"""The province board at national scale: 3,321 sites × 7 targets rendered (``/``).

    .venv/bin/python -m bench.web_board

Prints the time of the first render after an evaluation (every cell formatted), of the next ones
(the formatted rows are kept until the next evaluation), of a filtered and sorted view, and of the
map alone, with the page's size.  The board reads the evaluation in memory: no database query.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from collector.targets import load_catalogue
from collector.web import board, mapsvg, ui
from sansang import communes
from tests.support import webdata


def _timed(what: Callable[[], object], runs: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = what()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    catalogue = load_catalogue()
    codes = sorted(communes._index())
    inv = webdata.inventory(codes)
    evaluation = webdata.evaluation(inv, catalogue)
    cells = len(inv.sites) * len(board.columns(catalogue))
    start = time.perf_counter()
    html = ui.render_board(inv, catalogue, evaluation, "vi", {})
    first = time.perf_counter() - start
    again, _ = _timed(lambda: ui.render_board(inv, catalogue, evaluation, "vi", {}))
    query = {"target": "INF-PWR", "status": "not_met", "sort": "worst"}
    filtered, _ = _timed(lambda: ui.render_board(inv, catalogue, evaluation, "vi", query))
    rows = board.board_rows(inv, catalogue, evaluation, "vi")
    drawn, _ = _timed(lambda: mapsvg.draw(ui._places(rows, inv, "vi")))
    print(f"board: {len(inv.sites)} sites × {cells // len(inv.sites)} targets = {cells} cells")
    print(f"  first render after an evaluation  {first * 1000:7.0f} ms  ({len(html) / 1e6:.1f} MB)")
    print(f"  next renders (median of 5)        {again * 1000:7.0f} ms")
    print(f"  ?target=INF-PWR&status=not_met    {filtered * 1000:7.0f} ms")
    print(f"  map layout (3,321 dots)           {drawn * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
