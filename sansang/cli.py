"""The one command-line program, ``sansang``.

sansang agent run --config FILE
sansang agent check-config FILE
sansang agent probe KIND TARGET [--debug] [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sansang import __version__
from sansang.configfile import ConfigError

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sansang",
        description="sansang (sẵn sàng): readiness monitoring for commune one-stop centres",
    )
    parser.add_argument("--version", action="version", version=f"sansang {__version__}")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    top = parser.add_subparsers(dest="component", required=True)

    agent = top.add_parser("agent", help="the site agent")
    sub = agent.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the agent")
    run.add_argument("--config", required=True, type=Path, help="agent config file (YAML)")
    check = sub.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("file", type=Path)
    probe = sub.add_parser("probe", help="run one probe now and print its result and metrics")
    probe.add_argument("kind", help="probe kind (tcp, icmp, http, dns, host)")
    probe.add_argument("target", help="what to probe, e.g. 10.0.0.1:445, https://host/, -")
    probe.add_argument("--debug", action="store_true", help="print the probe's debug log")
    probe.add_argument("--timeout", type=float, default=5.0)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.component == "agent":
            if args.command == "check-config":
                return _check_config(args.file)
            if args.command == "run":
                return _run_agent(args.config)
            if args.command == "probe":
                return asyncio.run(_probe(args.kind, args.target, args.timeout, args.debug))
    except ConfigError as err:
        print(err.render(), file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_FAILED


def _check_config(path: Path) -> int:
    from agent import config

    cfg = config.load(path)
    if cfg.server.web_config_file is not None:
        from agent import webconfig

        webconfig.load(cfg.server.web_config_file)
    n = len(cfg.checks) + len(cfg.services) + len(cfg.terminals)
    print(
        f"{path}: hợp lệ / OK — {cfg.site.name} ({cfg.site.commune.name}, "
        f"{cfg.site.commune.province_name}, {cfg.site.commune_code}), "
        f"{len(cfg.checks)} checks, {len(cfg.services)} services, {len(cfg.terminals)} terminals "
        f"({n} jobs besides the host probe)"
    )
    return EXIT_OK


def _run_agent(path: Path) -> int:
    from agent import app, config

    cfg = config.load(path)

    def ready(running: app.RunningAgent) -> None:
        print("sansang agent đang chạy / is running:", flush=True)
        labels = ("Trang tình trạng / status page", "Prometheus /metrics", "Nhật ký / journal API")
        for label, url in zip(labels, running.urls, strict=True):
            print(f"  {label}: {url}", flush=True)
        print(f"  Nhật ký lưu tại / journal file: {cfg.journal.path}", flush=True)

    try:
        asyncio.run(app.run_agent(cfg, on_ready=ready))
    except app.StartupError as err:
        print(err, file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


async def _probe(kind_name: str, target: str, timeout: float, debug: bool) -> int:
    from agent.exporter import AgentCollector
    from agent.exposition import render
    from agent.i18n import REASONS, pick
    from agent.jobs import Job, Role
    from agent.power.page import condition
    from agent.probes import PROBES
    from agent.runner import Runner
    from agent.state import SiteState

    kind = PROBES.get(kind_name)
    if kind is None:
        known = ", ".join(sorted(PROBES))
        print(
            f"không có loại phép đo '{kind_name}' / unknown probe kind '{kind_name}'; "
            f"các loại / known kinds: {known}",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        spec = kind.from_target(target)
    except ValueError as err:
        print(f"{kind_name}: {err}", file=sys.stderr)
        return EXIT_CONFIG
    logs = io.StringIO()
    handler = logging.StreamHandler(logs)
    handler.setFormatter(
        logging.Formatter("%(relativeCreated)7.1fms %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    console = root.handlers[:]  # the probe's log is printed below, in order, not to stderr
    for h in console:
        root.removeHandler(h)
    root.addHandler(handler)
    if debug:
        root.setLevel(logging.DEBUG)
    role: Role = (
        "host" if kind.category == "host" else "power" if kind.category == "power" else "check"
    )
    job = Job("cli", role, kind, spec, timeout, timeout)
    state = SiteState([job], lambda _when: True)

    async def ignore(_changes: object) -> None:
        return None

    outcome = await Runner([job], state, ignore).run_once(job)
    root.removeHandler(handler)
    for h in console:
        root.addHandler(h)
    verdict = "THÀNH CÔNG / success" if outcome.success else "THẤT BẠI / failure"
    print(f"Probe {kind_name} {target}: {verdict} (reason={outcome.reason})")
    if not outcome.success:
        print(f"  Nguyên nhân: {pick(REASONS, outcome.reason, 'vi')}")
        print(f"  Cause: {pick(REASONS, outcome.reason, 'en')}")
    if outcome.detail:
        print(f"  detail: {outcome.detail}")
    if outcome.reading is not None:
        reading = outcome.reading
        print(f"  Nguồn điện: {condition(reading, 'vi')} / Power: {condition(reading, 'en')}")
        if debug:
            print("\nVariables:")
            for name, value in sorted(reading.raw.items()):
                print(f"  {name}: {value}")
    if debug:
        print("\nLogs:")
        print(logs.getvalue() or "  (none)")
    print("\nMetrics:")
    print(render(AgentCollector(None, state, None).families()).decode(), end="")
    return EXIT_OK if outcome.success else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
