"""``sansang agent diagnose``: the command line (registered by agent/commands.py).

    sansang agent diagnose [--config FILE] [--json] [--out FILE.html] [--technician NAME]
                           [--done TEXT]... [--no-speedtest] [--timeout SECONDS]
                           [--gateway IP] [--dns-server IP] [--name HOST] [--portal URL]

Plain output goes to stdout: the layers as they finish, then the summary.  With ``--json`` stdout
holds the JSON only; the progress then goes to stderr when that is a terminal, else nowhere.
Exit code: ``Diagnosis.exit_code`` (0 ok, 1 warning, 3 a non-critical layer failed, 4 a critical
one); 2 for bad arguments, an invalid config (``sansang/cli.py`` prints a ConfigError) or a
handover record that could not be written.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from agent.diagnose.model import Diagnosis
    from agent.diagnose.plan import Plan

HELP = "check every layer of the site, bottom up, and name the first that fails"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from agent.diagnose.plan import DEFAULT_NAME, DEFAULT_PORTAL, DEFAULT_TIMEOUT

    parser.add_argument("--config", type=Path, help="agent config file (YAML); default: discover")
    parser.add_argument("--json", action="store_true", help="print the diagnosis as JSON only")
    parser.add_argument("--out", type=Path, help="write the handover record (biên bản), HTML")
    parser.add_argument("--technician", default="", help="the technician's name, for --out")
    parser.add_argument(
        "--done",
        action="append",
        default=[],
        metavar="TEXT",
        help="what was done on site, for --out (repeatable)",
    )
    parser.add_argument(
        "--no-speedtest",
        dest="speedtest",
        action="store_false",
        help="skip the throughput test (it uses the month's data budget)",
    )
    parser.add_argument(
        "--timeout",
        type=_positive,
        default=DEFAULT_TIMEOUT,
        help=f"seconds per check (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument("--gateway", help="the LAN gateway; default: from the routing table")
    parser.add_argument(
        "--dns-server",
        action="append",
        default=[],
        metavar="IP[:PORT]",
        help="a DNS server to ask (repeatable); default: /etc/resolv.conf",
    )
    parser.add_argument("--name", default=DEFAULT_NAME, help=f"name to resolve ({DEFAULT_NAME})")
    parser.add_argument("--portal", default=DEFAULT_PORTAL, help=f"URL to GET ({DEFAULT_PORTAL})")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 < value <= 300:
        raise argparse.ArgumentTypeError("give seconds between 0 and 300")
    return value


def main(args: argparse.Namespace) -> int:
    from agent.diagnose.model import EXIT_USAGE

    if args.out is not None and not args.technician.strip():
        print(
            "diagnose: --out cần --technician TÊN / --out needs --technician NAME", file=sys.stderr
        )
        return EXIT_USAGE
    try:
        plan = _plan(args)
    except (ValueError, OSError) as err:
        print(f"diagnose: {err}", file=sys.stderr)
        return EXIT_USAGE
    out: TextIO = sys.stdout
    progress_stream: TextIO | None = out
    if args.json:
        progress_stream = sys.stderr if sys.stderr.isatty() else None
    diagnosis = asyncio.run(
        _run(plan, progress_stream, verbose=getattr(args, "log_level", "") == "debug")
    )
    if args.json:
        print(json.dumps(diagnosis.as_json(), ensure_ascii=False, indent=2), file=out)
    else:
        from agent.diagnose.display import summary_lines

        print("", file=out)
        for line in summary_lines(diagnosis, plan.playbook_base):
            print(line, file=out)
    if args.out is not None and not _record(args, diagnosis, sys.stderr if args.json else out):
        return EXIT_USAGE  # asked for a record and got none: not a silent success
    return diagnosis.exit_code


def _plan(args: argparse.Namespace) -> Plan:
    from agent.diagnose import plan

    options = plan.Options(
        timeout=args.timeout,
        speedtest=args.speedtest,
        gateway=args.gateway,
        dns_servers=tuple(args.dns_server),
        name=args.name,
        portal=args.portal,
    )
    if args.config is None:
        return plan.discovered(options)
    from agent import config

    return plan.from_config(config.load(args.config), options)  # a ConfigError: exit 2


async def _run(plan: Plan, stream: TextIO | None, *, verbose: bool) -> Diagnosis:
    from agent.diagnose.display import Display
    from agent.diagnose.run import diagnose

    display = Display(stream) if stream is not None else None
    # Log lines (the probes', the libraries') would break the live line, and every failure is a
    # result anyway: only --log-level debug lets them through.
    quiet = [logging.getLogger(), logging.getLogger("agent")]
    levels = [logger.level for logger in quiet]
    if not verbose:
        for logger in quiet:
            logger.setLevel(logging.CRITICAL)
    spinner = asyncio.create_task(display.animate()) if display is not None else None
    try:
        return await diagnose(plan, display)
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)
        if spinner is not None:
            spinner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await spinner


def _record(args: argparse.Namespace, diagnosis: Diagnosis, stream: TextIO) -> bool:
    """Write the handover record; False (said on stderr) when it could not be written."""
    from agent.diagnose import record

    try:
        digest = record.write(args.out, diagnosis, args.technician, list(args.done))
    except (OSError, ValueError) as err:  # HandoverError is a ValueError
        print(f"không ghi được biên bản / cannot write the record: {err}", file=sys.stderr)
        return False
    shown = digest.replace("sha256:", "sha256 ", 1)
    print(f"Biên bản bàn giao / handover record: {args.out} ({shown})", file=stream)
    return True
