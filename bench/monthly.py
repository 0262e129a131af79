"""The monthly report at national scale: one calendar month of every commune (3,321 sites).

``python -m bench.monthly`` stores November 2026 of every commune (the national benchmark's
events, ``bench/national.py``) in SQLite, keeps the month's findings (``evaluate_month`` then
``Store.save_month``, as the collector's month keeper does), then, in a fresh process so its
memory is its own, writes the report the way ``sansang collector report`` does: the month's kept
findings read back, the report's content built, and every format written (docx, xlsx, pdf, and
the central export's CSV and JSON).

Figures, measured in the same run:

- **plain scan of the month** (the reference): one ``SELECT *`` of the month's events, every
  row fetched into Python through the same driver, nothing else done with it;
- **report**: read the kept month + build + write all five files; goal ≤ 60 s;
- **memory**: the report process's peak RSS; goal < 1 GiB;
- **keeping the month**: ``evaluate_month`` + ``save_month`` (done once per month by the
  collector, not per report), printed beside them.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import national

REPORT_GOAL_SECONDS = 60.0
MEMORY_GOAL_MIB = 1024.0
MONTH = "2026-11"  # 30 days: the national benchmark's span


def plain_month_scan(url: str, start: float, end: float) -> tuple[int, float]:
    """One ``SELECT *`` of the month's events, every row fetched into Python: the reference."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            t0 = time.perf_counter()
            rows = 0
            query = sa.text("SELECT * FROM events WHERE wall_time >= :a AND wall_time < :b")
            result = conn.execution_options(yield_per=10_000).execute(query, {"a": start, "b": end})
            for _row in result:
                rows += 1
            return rows, time.perf_counter() - t0
    finally:
        engine.dispose()


def keep_month(url: str, inventory: Any) -> tuple[int, float]:
    from collector.evaluate.months import evaluate_month
    from collector.periods import Month
    from collector.store import Store
    from collector.targets import effective_thresholds, load_catalogue

    month = Month.parse(MONTH)
    catalogue = load_catalogue()
    store = Store.open(url)
    try:
        t0 = time.perf_counter()
        kept = evaluate_month(
            store, inventory, catalogue, effective_thresholds(catalogue), month, month.end + 86400
        )
        store.save_month(kept)
        return len(kept.findings), time.perf_counter() - t0
    finally:
        store.close()


def write_reports(url: str, sites: int, out: Path) -> dict[str, Any]:
    """In its own process: read the kept month, build the report, write every format."""
    from collector import report
    from collector.periods import Month
    from collector.report import central, content
    from collector.store import Store
    from collector.targets import load_catalogue

    month = Month.parse(MONTH)
    catalogue = load_catalogue()
    inventory = national.inventory_for(national_keys(sites))
    store = Store.open(url)
    timings: dict[str, float] = {}
    sizes: dict[str, int] = {}
    peaks: dict[str, float] = {}  # the process's peak RSS after each stage, MiB

    def peak(stage: str) -> None:
        peaks[stage] = peak_rss_mib()

    peak("start")
    try:
        t0 = time.perf_counter()
        kept = store.month(month)
        previous = store.month(month.previous())
        assert kept is not None, f"no findings kept for {month}"
        timings["read"] = time.perf_counter() - t0
        peak("read")
        t = time.perf_counter()
        built = content.build(kept, previous, inventory, catalogue, [], time.time())
        timings["build"] = time.perf_counter() - t
        peak("build")
        for fmt in report.FORMATS:
            t = time.perf_counter()
            buffer = io.BytesIO()
            report.write(built, fmt, buffer)
            (out / f"report-{month}.{fmt}").write_bytes(buffer.getvalue())
            timings[fmt] = time.perf_counter() - t
            sizes[fmt] = len(buffer.getvalue())
            del buffer
            peak(fmt)
        mapping = central.load_mapping(None)
        for fmt in ("csv", "json"):
            t = time.perf_counter()
            data = central.export(built, fmt, mapping)  # type: ignore[arg-type]
            (out / f"central-{month}.{fmt}").write_bytes(data)
            timings[fmt] = time.perf_counter() - t
            sizes[fmt] = len(data)
        timings["total"] = time.perf_counter() - t0
    finally:
        store.close()
    peak_mib = peak_rss_mib()
    return {
        "timings": timings,
        "sizes": sizes,
        "peak_mib": peak_mib,
        "peaks": peaks,
        "rows": len(built.sites),
    }


def peak_rss_mib() -> float:
    """This process's peak RSS (``VmHWM``): not ``getrusage``'s ``ru_maxrss``, which on Linux
    keeps the peak of the process before ``exec`` (here the parent, which forked while holding
    the generated month: 961 MiB reported for a report that never passed 160 MiB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def national_keys(sites: int) -> list[str]:
    from sansang import communes

    keys = [f"{code}-main" for code in communes.all_codes()]
    return keys[:sites] if sites else keys


def section(scan_rows: int, scan_s: float, kept: int, keep_s: float, got: dict[str, Any]) -> Any:
    from bench.report import Goal, Section

    t = got["timings"]
    s = Section(
        "Monthly report at national scale",
        f"{got['rows']:,} communes, {MONTH}, SQLite; the report in its own process",
    )
    s.goals.append(
        Goal(
            "report (read kept month + build + docx, xlsx, pdf, csv, json)",
            "s",
            t["total"],
            REPORT_GOAL_SECONDS,
            "goal",
        )
    )
    s.goals.append(
        Goal("report process, peak RSS", "MiB", got["peak_mib"], MEMORY_GOAL_MIB, "1 GiB", 0.99)
    )
    s.figures["plain scan of the month"] = f"{scan_rows:,} events in {scan_s:.1f} s"
    s.figures["report vs plain scan"] = f"{t['total'] / scan_s:.2f} ×" if scan_s else "—"
    s.figures["keeping the month (evaluate_month + save_month)"] = (
        f"{kept:,} findings in {keep_s:.1f} s ({keep_s / scan_s:.2f} × the scan)"
    )
    s.figures["report stages"] = ", ".join(f"{k} {v:.1f} s" for k, v in t.items() if k != "total")
    s.figures["peak RSS after each stage"] = ", ".join(
        f"{k} {v:,.0f} MiB" for k, v in got["peaks"].items()
    )
    s.figures["file sizes"] = ", ".join(f"{k} {v / 1024:,.0f} KiB" for k, v in got["sizes"].items())
    return s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.monthly", description=__doc__)
    parser.add_argument("--sites", type=int, default=0, help="first N communes (default: all)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--report-only", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="do not write the doc")
    args = parser.parse_args(argv)
    if args.report_only:
        print(json.dumps(write_reports(args.report_only, args.sites, args.out)))
        return 0

    from collector.periods import Month
    from collector.store import Store

    month = Month.parse(MONTH)
    keys = national_keys(args.sites)
    inventory = national.inventory_for(keys)
    with tempfile.TemporaryDirectory(prefix="sansang-month-") as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'month.db'}"
        store = Store.open(url)
        try:
            print(f"  ingesting {len(keys):,} sites, {MONTH} …", flush=True)
            events, _ = national.ingest(store, keys, args.seed, month.start, 3600.0)
        finally:
            store.close()
        print(f"  {events:,} events; plain scan of the month …", flush=True)
        scan_rows, scan_s = plain_month_scan(url, month.start, month.end)
        print(f"  scan {scan_rows:,} rows in {scan_s:.1f} s; keeping the month …", flush=True)
        kept, keep_s = keep_month(url, inventory)
        print(f"  {kept:,} findings kept in {keep_s:.1f} s; writing the report …", flush=True)
        command = [sys.executable, "-m", "bench.monthly", "--report-only", url, "--out", tmp]
        if args.sites:
            command += ["--sites", str(args.sites)]
        done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
        got = json.loads(done.stdout.strip().splitlines()[-1])
    result = section(scan_rows, scan_s, kept, keep_s, got)
    result.print()
    if not args.no_write:
        from bench import report

        doc = report.DOC.with_name("performance-report.md")
        headings = {
            "title": "Performance of the monthly report",
            "command": "`python -m bench.monthly`",
            "subject": "collector",
        }
        report.write(report.machine_facts({}), [result], __doc__ or "", doc, **headings)
        print(f"written to {doc}")
    return 0 if all(g.passed for g in result.goals) else 1


if __name__ == "__main__":
    raise SystemExit(main())
