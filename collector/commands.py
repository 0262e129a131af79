"""``sansang collector ...``: the collector's subcommands (registered by sansang/cli.py).

sansang collector run --config collector.yaml
sansang collector check-config collector.yaml
sansang collector check-inventory FILE
sansang collector import-inventory FILE.xlsx|FILE.csv --out inventory.yaml [--province CODE]
                                   [--drills DRILLS.csv] [--systems SYSTEMS.csv]
                                   [--certificates CERTIFICATES.csv] [--skip-bad]
sansang collector import-survey FILE.jsonl --config collector.yaml [--site KEY] [--skip-bad]
sansang collector evaluate-month --month YYYY-MM --config collector.yaml
sansang collector token new --name NAME --role ROLE [--sites KEY,...] [--communes CODE,...]
    (--file F | --config F)
sansang collector credential new ID [--file push-credentials.yaml]
sansang collector file-sd --inventory inventory.yaml --out DIR [--site-label site]
sansang collector ansible-inventory --inventory inventory.yaml [--list | --host KEY]
sansang collector report --month YYYY-MM --format xlsx|docx|pdf|csv|json [--out PATH]
                         [--config collector.yaml]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path

EXIT_OK, EXIT_PARTIAL, EXIT_INVALID = 0, 1, 2


def add_parser(top: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    collector = top.add_parser("collector", help="the province collector")
    sub = collector.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the collector")
    run.add_argument("--config", required=True, type=Path, help="collector config file (YAML)")
    check_config = sub.add_parser(
        "check-config", help="validate a config file and the files it names, and exit"
    )
    check_config.add_argument("file", type=Path)
    check = sub.add_parser("check-inventory", help="validate an inventory file and exit")
    check.add_argument("file", type=Path)
    imp = sub.add_parser(
        "import-inventory", help="turn a site list (.xlsx or .csv, one row per site) into YAML"
    )
    imp.add_argument("file", type=Path, help="the spreadsheet (.xlsx) or .csv (UTF-8)")
    imp.add_argument("--out", required=True, type=Path, help="inventory YAML to write")
    imp.add_argument("--province", help="2-digit province code; default: that of the communes")
    imp.add_argument(
        "--drills",
        type=Path,
        help="drills the province held for many communes, one row per drill (.csv or .xlsx); "
        "a workbook's sheet named 'Diễn tập' is read without it",
    )
    imp.add_argument(
        "--systems",
        type=Path,
        help="the information systems and their security level, one row per system (.csv or "
        ".xlsx); a workbook's sheet named 'Hệ thống' is read without it",
    )
    imp.add_argument(
        "--certificates",
        type=Path,
        help="the officials' signature certificates, one row per certificate (.csv or .xlsx); "
        "a workbook's sheet named 'Chứng thư số' is read without it",
    )
    imp.add_argument(
        "--skip-bad",
        action="store_true",
        help="write the good rows even when some are bad (the bad ones are still listed; exit 1)",
    )
    _survey_parser(sub)
    month = sub.add_parser(
        "evaluate-month",
        help="(re-)evaluate one calendar month from the stored events and keep its findings",
    )
    month.add_argument("--month", required=True, help="the month, YYYY-MM (e.g. 2026-11)")
    month.add_argument("--config", required=True, type=Path, help="collector config file (YAML)")
    _file_sd_parser(sub)
    _token_parser(sub)
    _credential_parser(sub)
    _ansible_parser(sub)
    _report_parser(sub)


def _report_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rep = sub.add_parser(
        "report",
        help="viết báo cáo tháng hoặc tệp số liệu gửi Trung ương từ kết quả đã lưu / write a "
        "month's report (docx, pdf, xlsx) or central export (csv, json) from the stored findings",
    )
    rep.add_argument("--month", required=True, help="tháng / the month, YYYY-MM (e.g. 2026-11)")
    rep.add_argument(
        "--format",
        required=True,
        choices=("xlsx", "docx", "pdf", "csv", "json"),
        help="định dạng / format: báo cáo / report (docx, pdf, xlsx), số liệu Trung ương / "
        "central export (csv, json)",
    )
    rep.add_argument(
        "--out", type=Path, help="chép thêm ra tệp này / also copy it to this file ('-': stdout)"
    )
    rep.add_argument(
        "--config",
        type=Path,
        default=Path("/etc/sansang/collector.yaml"),
        help="collector config file (YAML); default /etc/sansang/collector.yaml",
    )


def _ansible_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ans = sub.add_parser(
        "ansible-inventory", help="print the inventory's sites as an Ansible inventory (JSON)"
    )
    ans.add_argument("--inventory", required=True, type=Path, help="the inventory (YAML)")
    which = ans.add_mutually_exclusive_group()
    which.add_argument("--list", action="store_true", help="every host (the default)")
    which.add_argument("--host", help="the variables of one host (site key)")


def _survey_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    survey = sub.add_parser(
        "import-survey",
        help="store coverage survey points (the JSON lines `sansang survey` writes)",
    )
    survey.add_argument("file", type=Path, help="the survey file (.jsonl, one record a line)")
    survey.add_argument("--config", required=True, type=Path, help="collector config file (YAML)")
    survey.add_argument("--site", help="site key the points were taken for (e.g. 23527-main)")
    survey.add_argument(
        "--skip-bad",
        action="store_true",
        help="store the good records even when some are bad (the bad ones are listed; exit 1)",
    )


def _file_sd_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sd = sub.add_parser(
        "file-sd", help="write Prometheus file_sd targets for the inventory's pull sites"
    )
    sd.add_argument("--inventory", required=True, type=Path, help="the inventory (YAML)")
    sd.add_argument("--out", required=True, type=Path, help="directory of the file_sd file")
    sd.add_argument("--site-label", default="site", help="target label of the site key")


def _token_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from collector.tokens import ROLES

    token = sub.add_parser("token", help="API tokens (mã truy cập)")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    new = token_sub.add_parser(
        "new", help="make a token: print it once, append its SHA-256 to the tokens file"
    )
    new.add_argument("--name", required=True, help="who holds it (shown in the audit log)")
    new.add_argument("--role", required=True, choices=ROLES)
    new.add_argument(
        "--sites",
        default="",
        help="technician: the site keys it writes for (required); viewer, security_reviewer: "
        "the only sites it reads (none: the whole province); comma-separated",
    )
    new.add_argument(
        "--communes",
        default="",
        help="viewer, security_reviewer: it reads only every site of these communes (5-digit "
        "codes, comma-separated), e.g. a commune's police",
    )
    where = new.add_mutually_exclusive_group(required=True)
    where.add_argument("--file", type=Path, help="the tokens file (YAML)")
    where.add_argument("--config", type=Path, help="collector.yaml: its tokens_file, sites checked")


def _credential_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cred = sub.add_parser("credential", help="push credentials of sites behind NAT or 4G")
    cred_sub = cred.add_subparsers(dest="action", required=True)
    new = cred_sub.add_parser(
        "new", help="make a site's push token: printed once, its hash stored in the file"
    )
    new.add_argument("id", help="credential id, as in the inventory's push.credential_id")
    new.add_argument(
        "--file", type=Path, default=Path("push-credentials.yaml"), help="the credentials file"
    )


def run(args: argparse.Namespace) -> int:
    """Run the subcommand; a ConfigError escapes to the caller (it prints it and exits 2)."""
    if args.command == "run":
        return _run(args.config)
    if args.command == "token":
        return _token_new(args)
    if args.command == "check-config":
        return _check_config(args.file)
    if args.command == "check-inventory":
        return _check(args.file)
    if args.command == "import-inventory":
        return _import(args)
    if args.command == "evaluate-month":
        return _evaluate_month(args.month, args.config)
    if args.command == "import-survey":
        return _import_survey(args.file, args.config, args.site, args.skip_bad)
    if args.command == "file-sd":
        return _file_sd(args.inventory, args.out, args.site_label)
    if args.command == "ansible-inventory":
        return _ansible_inventory(args.inventory, args.host)
    if args.command == "credential" and args.action == "new":
        return _new_credential(args.id, args.file)
    if args.command == "report":
        from collector.report import cli as report_cli

        return report_cli.run(args.config, args.month, args.format, args.out)
    return EXIT_INVALID


def _new_credential(cred_id: str, path: Path) -> int:
    from collector.ingest import credentials

    try:
        token = credentials.new_credential(path, cred_id)
    except ValueError as err:
        print(err, file=sys.stderr)
        return EXIT_INVALID
    except OSError as err:
        print(f"không ghi được / cannot write {path}: {err.strerror}", file=sys.stderr)
        return EXIT_INVALID
    print(
        f"# Mã đẩy của / push token of '{cred_id}' (chỉ hiện một lần / shown only once;\n"
        f"# đặt vào tệp token của trạm / put it in the site agent's push token file):",
        file=sys.stderr,
    )
    print(token)
    print(f"# đã lưu mã băm vào / hash stored in {path}", file=sys.stderr)
    return EXIT_OK


def _ansible_inventory(inventory: Path, host: str | None) -> int:
    import json

    from collector import ansible_inventory
    from collector.inventory import model

    built = ansible_inventory.build(model.load(inventory))
    out = built if host is None else built["_meta"]["hostvars"].get(host, {})
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return EXIT_OK


def _file_sd(inventory: Path, out: Path, site_label: str) -> int:
    from collector import file_sd
    from collector.inventory import model

    inv = model.load(inventory)
    try:
        path, sd = file_sd.write(inv, out, site_label)
    except OSError as err:
        print(f"không ghi được / cannot write {out}: {err.strerror}", file=sys.stderr)
        return EXIT_INVALID
    for site in sd.skipped:
        print(
            f"bỏ qua / skipped {site.key}: điểm chỉ đẩy (sau NAT/4G), Prometheus không lấy số "
            "liệu trực tiếp được / push-only site (behind NAT or 4G), Prometheus cannot scrape it",
            file=sys.stderr,
        )
    print(f"{path}: đã ghi / wrote {len(sd.groups)} targets, bỏ qua / skipped {len(sd.skipped)}")
    return EXIT_OK


def _check_config(path: Path) -> int:
    from collector import check_config

    print(check_config.check(path))
    return EXIT_OK


def _check(path: Path) -> int:
    from collector.inventory import model

    inv = model.load(path)
    terminals = sum(len(s.terminals) for s in inv.sites)
    print(
        f"{path}: hợp lệ / OK — {inv.province.name} ({inv.province.code}), "
        f"{len(inv.sites)} sites, {terminals} terminals, {len(inv.systems)} systems"
    )
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from collector.inventory import importer

    path: Path = args.file
    out: Path = args.out
    try:
        result = importer.import_sites(
            path,
            province=args.province,
            skip_bad=args.skip_bad,
            drills=args.drills,
            systems=args.systems,
            certificates=args.certificates,
        )
    except importer.SheetError as err:
        print(err, file=sys.stderr)
        return EXIT_INVALID
    for problem in result.problems:
        print(problem.render(str(path)), file=sys.stderr)
    bad = result.bad_rows
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
    counted = [
        (result.good_drills, "drills"),
        (result.good_systems, "systems"),
        (result.good_certificates, "certificates"),
    ]
    others = "".join(f", {n} {what}" for n, what in counted if n)
    print(f"{out}: đã ghi / wrote {result.good_rows} sites{others}{skipped}")
    return EXIT_PARTIAL if bad else EXIT_OK


def _import_survey(path: Path, config_path: Path, site: str | None, skip_bad: bool) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from collector import config
    from collector.ingest import survey
    from collector.inventory import model
    from collector.store import SchemaError, Store

    cfg = config.load(config_path)
    known = {s.key for s in model.load(cfg.inventory).sites}
    if site is not None and site not in known:
        print(f"--site: không có điểm / no such site '{site}'", file=sys.stderr)
        return EXIT_INVALID
    try:
        parsed = survey.read_file(path, site=site, known_sites=known)
    except (OSError, UnicodeDecodeError) as err:
        print(f"không đọc được / cannot read {path}: {err}", file=sys.stderr)
        return EXIT_INVALID
    for problem in parsed.problems:
        print(problem.render(str(path)), file=sys.stderr)
    bad = parsed.bad
    if bad and not skip_bad:
        print(
            f"{path}: {bad} dòng lỗi, chưa lưu gì / {bad} bad lines, nothing stored",
            file=sys.stderr,
        )
        return EXIT_INVALID
    try:
        store = Store.open(cfg.database)
    except (SchemaError, SQLAlchemyError) as err:
        print(f"cơ sở dữ liệu / database: {err}", file=sys.stderr)
        return EXIT_INVALID
    try:
        added = store.add_survey_points(parsed.points)
    except SQLAlchemyError as err:
        print(f"không lưu được / cannot store: {err}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        store.close()
    again = len(parsed.points) - added
    skipped = f", bỏ qua / skipped {bad} bad lines" if bad else ""
    print(
        f"{path}: đã lưu / stored {added} điểm khảo sát / survey points, "
        f"{again} đã có / already there{skipped}"
    )
    return EXIT_PARTIAL if bad else EXIT_OK


def _evaluate_month(text: str, config_path: Path) -> int:
    import time

    from sqlalchemy.exc import SQLAlchemyError

    from collector import app
    from collector.evaluate.months import evaluate_month
    from collector.periods import Month
    from collector.store import SchemaError, Store
    from sansang.i18n import number

    try:
        month = Month.parse(text)
    except ValueError as err:
        print(f"--month: {err}", file=sys.stderr)
        return EXIT_INVALID
    now = time.time()
    if now <= month.start:
        print(f"--month: tháng {month.label} chưa bắt đầu / {month} has not begun", file=sys.stderr)
        return EXIT_INVALID
    loaded = app.load(config_path)
    try:
        store = Store.open(loaded.config.database)
    except (SchemaError, SQLAlchemyError) as err:
        print(f"cơ sở dữ liệu / database: {err}", file=sys.stderr)
        return EXIT_INVALID
    try:
        from collector.inventory import overlay

        effective = overlay.apply(loaded.inventory, store.readiness_edits()).inventory
        kept = evaluate_month(store, effective, loaded.catalogue, loaded.thresholds, month, now)
        store.save_month(kept)
    except SQLAlchemyError as err:
        print(f"không lưu được / cannot store: {err}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        store.close()
    counts = {s: sum(f.status == s for f in kept.findings) for s in ("met", "not_met", "unknown")}
    n = {k: number(v, 0, "vi") for k, v in counts.items()}
    state = "đã chốt" if kept.closed else "tháng chưa kết thúc, tính đến nay"
    print(
        f"Tháng {month.label}: đã đánh giá và lưu {number(len(kept.findings), 0, 'vi')} kết quả "
        f"của {number(len(loaded.inventory.sites), 0, 'vi')} điểm ({n['met']} đạt, "
        f"{n['not_met']} chưa đạt, {n['unknown']} chưa rõ; {len(kept.province_findings)} kết quả "
        f"cấp tỉnh), {state}."
    )
    return EXIT_OK


def _run(path: Path) -> int:
    from collector import app
    from sansang.errors import StartupError

    loaded = app.load(path)

    def ready(c: object, base: str) -> None:
        print("sansang collector đang chạy / is running:", flush=True)
        print(f"  Bảng tỉnh / province board: {base}/", flush=True)
        print(f"  API: {base}/api/v1/openapi.json", flush=True)
        print(f"  Prometheus /metrics: {base}/metrics", flush=True)

    try:
        ok = asyncio.run(app.run_collector(loaded, on_ready=ready))
    except StartupError as err:
        print(err, file=sys.stderr)
        return EXIT_PARTIAL
    return EXIT_OK if ok else EXIT_PARTIAL


def _scope_problem(role: str, sites: list[str], codes: list[str]) -> str:
    """What is wrong with ``--sites``/``--communes`` for ``role`` (collector.tokens), or ""."""
    if role == "technician" and not sites:
        return "--sites: bắt buộc cho technician / required for a technician (where it writes)"
    if role == "technician" and codes:
        return (
            "--communes: chỉ cho viewer, security_reviewer / for viewer and security_reviewer "
            "only (a technician writes for --sites)"
        )
    if role == "admin" and (sites or codes):
        return (
            "--sites, --communes: không dùng cho admin (quản trị cả tỉnh) / not for admin (an "
            "admin covers the whole province)"
        )
    return ""


def _token_new(args: argparse.Namespace) -> int:
    from collector import tokens
    from collector.events import SITE_KEY_PATTERN

    sites = [s.strip() for s in args.sites.split(",") if s.strip()]
    codes = [s.strip() for s in args.communes.split(",") if s.strip()]
    if args.config is not None:
        from collector import config
        from collector.inventory import model

        cfg = config.load(args.config)
        if cfg.tokens_file is None:
            print(
                f"{args.config}: chưa khai báo tokens_file / no tokens_file configured",
                file=sys.stderr,
            )
            return EXIT_INVALID
        path, known = cfg.tokens_file, {s.key for s in model.load(cfg.inventory).sites}
    else:
        path, known = args.file, None
    bad = [s for s in sites if (known is not None and s not in known)]
    bad += [s for s in sites if not re.match(SITE_KEY_PATTERN, s)]
    if bad:
        listed = ", ".join(sorted(set(bad)))
        print(f"không có điểm / no such site: {listed}", file=sys.stderr)
        return EXIT_INVALID
    known_codes = {tokens.commune_of(k) for k in known} if known is not None else None
    bad = [c for c in codes if not re.match(tokens.COMMUNE_PATTERN, c)]
    bad += [c for c in codes if known_codes is not None and c not in known_codes]
    if bad:
        listed = ", ".join(sorted(set(bad)))
        print(f"không có xã nào trong danh mục / no such commune: {listed}", file=sys.stderr)
        return EXIT_INVALID
    problem = _scope_problem(args.role, sites, codes)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_INVALID
    token = tokens.add(path, args.name, args.role, sites, codes)
    print(
        f"Mã truy cập của {args.name} ({args.role}) — chỉ hiện một lần / shown once; "
        f"đã ghi SHA-256 vào / SHA-256 written to {path}:",
        file=sys.stderr,
    )
    print(token, flush=True)
    return EXIT_OK
