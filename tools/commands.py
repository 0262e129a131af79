"""The small tools that are not the agent: ``sansang survey`` (a dead-zone survey from a laptop)
and ``sansang speedtest-server`` (the province's throughput-test endpoint).

sansang survey --lat LAT --lon LON --label TEXT --endpoint URL [--out FILE] [--iperf3 HOST]
sansang speedtest-server --listen HOST:PORT
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
COMMANDS = ("survey", "speedtest-server")


def add_parser(top: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _survey_parser(top)
    server = top.add_parser(
        "speedtest-server", help="serve the Speedtest-Mini-compatible endpoint (the province's)"
    )
    server.add_argument("--listen", default="0.0.0.0:8080", help="HOST:PORT")


def run(args: argparse.Namespace) -> int:
    if args.component == "survey":
        return asyncio.run(_survey(args))
    if args.component == "speedtest-server":
        return _speedtest_server(args.listen)
    return EXIT_FAILED


def _survey_parser(top: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    survey = top.add_parser(
        "survey", help="dead-zone survey: measure here and append the result to a file"
    )
    survey.add_argument("--lat", required=True, type=float, help="latitude (degrees)")
    survey.add_argument("--lon", required=True, type=float, help="longitude (degrees)")
    survey.add_argument("--label", required=True, help='the place, e.g. "Thôn 3"')
    survey.add_argument(
        "--endpoint", required=True, help="the province's speed-test endpoint, http(s)://HOST:PORT/"
    )
    survey.add_argument(
        "--out",
        type=Path,
        default=Path("sansang-survey.jsonl"),
        help="JSON-lines file to append to",
    )
    survey.add_argument("--iperf3", metavar="HOST[:PORT]", help="also measure with iperf3 there")
    survey.add_argument("--duration", type=float, default=8.0, help="seconds per direction")
    survey.add_argument("--max-mib", type=int, default=100, help="data one backend may use (MiB)")
    survey.add_argument("--count", type=int, default=20, help="TCP connects for latency and loss")


def _config_problem(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_CONFIG


async def _survey(args: argparse.Namespace) -> int:
    from agent.links.bandwidth import text
    from tools import survey

    try:
        where = survey.place(args.label, args.lat, args.lon)
        survey.endpoint_address(args.endpoint)
        if args.iperf3:
            survey.iperf3_address(args.iperf3)
    except ValueError as err:
        return _config_problem(str(err))
    if args.count < 2 or args.duration <= 0 or args.max_mib < 1:
        return _config_problem(
            "--count ≥ 2, --duration > 0, --max-mib ≥ 1 (giá trị không hợp lệ / invalid value)"
        )
    options = survey.SurveyOptions(
        args.endpoint, args.iperf3, args.duration, args.max_mib * 1024 * 1024, args.count
    )
    print(f"Đang đo / measuring at {where.label}…", flush=True)
    record = await survey.survey(where, options)
    failed = survey.measurement_failure(record)
    if failed is not None:
        return _survey_failed(args.out, record, *failed)
    try:
        survey.append_record(args.out, record)
    except OSError as err:
        print(f"không ghi được / cannot write {args.out}: {err}", file=sys.stderr)
        return EXIT_FAILED
    print("\n".join(text.survey_lines(record, str(args.out))))
    return EXIT_OK


def _survey_failed(out: Path, record: dict[str, Any], reason: str, detail: str) -> int:
    """The measurement failed because of the endpoint: said with its reason, kept in a file of
    its own beside the coverage file (``….errors.jsonl``, never uploaded), exit 1."""
    from agent.links.bandwidth import text
    from tools import survey

    errors = out.with_name(out.stem + ".errors.jsonl")
    shown = "tên máy chủ không tồn tại / no such host name" if reason == "no_such_name" else ""
    print(
        f"ĐO KHÔNG ĐƯỢC / measurement failed at {record['label']}: "
        f"{shown or text.cause(reason, '')} ({detail})\n"
        f"  Kiểm tra --endpoint / check --endpoint: {record['endpoint']}\n"
        f"  Không ghi là vùng lõm / not recorded as a dead zone in {out}",
        file=sys.stderr,
    )
    failure = {**record, "kind": "dead_zone_survey_error", "reason": reason, "detail": detail}
    try:
        survey.append_record(errors, failure)
    except OSError as err:
        print(f"không ghi được / cannot write {errors}: {err}", file=sys.stderr)
        return EXIT_FAILED
    print(f"  Lỗi đã ghi vào / error appended to: {errors}", file=sys.stderr)
    return EXIT_FAILED


def _speedtest_server(listen: str) -> int:
    from tools import speedtest_endpoint as endpoint

    try:
        host, port = endpoint.parse_listen(listen)
    except ValueError as err:
        return _config_problem(f"--listen: {err}")
    print(f"Máy chủ đo băng thông / speed-test endpoint: http://{listen}/", flush=True)
    try:
        asyncio.run(endpoint.serve(host, port))
    except OSError as err:
        print(f"không mở được cổng / cannot listen on {listen}: {err}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_OK
    return EXIT_OK
