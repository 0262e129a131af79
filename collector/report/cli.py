"""``sansang collector report --month YYYY-MM --format F [--out PATH] [--config collector.yaml]``.

Runs beside the collector with its config and writes straight from the store (no running
collector is needed, no token): the month's findings the collector kept, the same writer, the
same reports folder, the same row in the reports table and entry in the audit log (actor
``cli:<user>``) as a report written from the web or by the schedule.  Exit 0 when written; 2 when
the month, the format or the config is wrong, or no findings are kept for the month.
"""

from __future__ import annotations

import getpass
import shutil
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def run(config_path: Path, month_text: str, fmt: str, out: Path | None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from collector import config as config_mod
    from collector.evaluate.rules import THRESHOLDS_READ
    from collector.inventory import model, overlay
    from collector.periods import Month
    from collector.report import archive, central
    from collector.store import SchemaError, Store
    from collector.targets import load_catalogue

    try:
        month = Month.parse(month_text)
    except ValueError:
        print(
            f"--month: '{month_text}' không phải tháng dạng YYYY-MM / is not a month written "
            "YYYY-MM (e.g. 2026-11)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    now = time.time()
    if now <= month.start:
        print(f"--month: tháng {month.label} chưa bắt đầu / {month} has not begun", file=sys.stderr)
        return EXIT_INVALID
    cfg = config_mod.load(config_path)  # a ConfigError names file:line: the caller prints it
    inventory = model.load(cfg.inventory)
    catalogue = load_catalogue(rules=THRESHOLDS_READ)
    mapping = central.load_mapping(cfg.reports.central_mapping) if fmt in ("csv", "json") else None
    try:
        store = Store.open(cfg.database)
    except (SchemaError, SQLAlchemyError) as err:
        print(f"cơ sở dữ liệu / database: {err}", file=sys.stderr)
        return EXIT_INVALID
    # As the running collector reads it: the YAML with the records edited in the web UI.
    inventory = overlay.apply(inventory, store.readiness_edits()).inventory
    try:
        written = archive.write_report(
            store,
            inventory,
            catalogue,
            month,
            fmt,
            now,
            by=f"cli:{getpass.getuser()}",
            role="cli",
            directory=archive.reports_dir(cfg),
            mapping=mapping,
            certificate_days=cfg.alertmanager.certificate_warning_days,
        )
    except archive.NoFindings as err:
        print(f"{err} ({fmt})", file=sys.stderr)
        return EXIT_INVALID
    except OSError as err:
        print(
            f"không ghi được báo cáo tháng {month.label} ({fmt}) / cannot write the report of "
            f"{month} ({fmt}): {err}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    finally:
        store.close()
    record = written.record
    if out is not None:
        try:
            if str(out) == "-":
                sys.stdout.buffer.write(Path(record.path).read_bytes())
                sys.stdout.flush()
            else:
                shutil.copyfile(record.path, out)
        except OSError as err:
            print(f"không ghi được / cannot write {out}: {err.strerror}", file=sys.stderr)
            return EXIT_FAILED
    print(
        f"đã viết báo cáo tháng {month.label} / wrote the report of {month} ({fmt}): "
        f"{record.path}\nsha256 {record.sha256}, {record.size} bytes",
        file=sys.stderr if out is not None and str(out) == "-" else sys.stdout,
    )
    return EXIT_OK
