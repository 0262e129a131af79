"""``sansang collector ...``: the collector's subcommands (registered by sansang/cli.py).

sansang collector check-inventory FILE
sansang collector import-inventory FILE.xlsx|FILE.csv --out inventory.yaml [--province CODE]
                                   [--skip-bad]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_PARTIAL, EXIT_INVALID = 0, 1, 2


def add_parser(top: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    collector = top.add_parser("collector", help="the province collector")
    sub = collector.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check-inventory", help="validate an inventory file and exit")
    check.add_argument("file", type=Path)
    imp = sub.add_parser(
        "import-inventory", help="turn a site list (.xlsx or .csv, one row per site) into YAML"
    )
    imp.add_argument("file", type=Path, help="the spreadsheet (.xlsx) or .csv (UTF-8)")
    imp.add_argument("--out", required=True, type=Path, help="inventory YAML to write")
    imp.add_argument("--province", help="2-digit province code; default: that of the communes")
    imp.add_argument(
        "--skip-bad",
        action="store_true",
        help="write the good rows even when some are bad (the bad ones are still listed; exit 1)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the subcommand; a ConfigError escapes to the caller (it prints it and exits 2)."""
    if args.command == "check-inventory":
        return _check(args.file)
    if args.command == "import-inventory":
        return _import(args.file, args.out, args.province, args.skip_bad)
    return EXIT_INVALID


def _check(path: Path) -> int:
    from collector.inventory import model

    inv = model.load(path)
    terminals = sum(len(s.terminals) for s in inv.sites)
    print(
        f"{path}: hợp lệ / OK — {inv.province.name} ({inv.province.code}), "
        f"{len(inv.sites)} sites, {terminals} terminals, {len(inv.systems)} systems"
    )
    return EXIT_OK


def _import(path: Path, out: Path, province: str | None, skip_bad: bool) -> int:
    from collector.inventory import importer

    try:
        result = importer.import_sites(path, province=province, skip_bad=skip_bad)
    except importer.SheetError as err:
        print(err, file=sys.stderr)
        return EXIT_INVALID
    for problem in result.problems:
        print(problem.render(str(path)), file=sys.stderr)
    bad = len({p.row for p in result.problems})
    if result.yaml_text is None:
        print(
            f"{path}: {bad} dòng lỗi, chưa ghi gì / {bad} bad rows, nothing written",
            file=sys.stderr,
        )
        return EXIT_INVALID
    try:
        out.write_text(result.yaml_text, encoding="utf-8")
    except OSError as err:
        print(f"không ghi được / cannot write {out}: {err.strerror}", file=sys.stderr)
        return EXIT_INVALID
    skipped = f", bỏ qua / skipped {bad} bad rows" if bad else ""
    print(f"{out}: đã ghi / wrote {result.good_rows} sites{skipped}")
    return EXIT_PARTIAL if bad else EXIT_OK
