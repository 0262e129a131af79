"""``sansang agent ...``: the agent's subcommands (registered by sansang/cli.py).

sansang agent run --config FILE
sansang agent check-config FILE
sansang agent probe KIND TARGET [--debug] [--timeout SECONDS]
sansang agent speedtest --config FILE [--backend ID] [--link ID] [--ignore-budget]
sansang agent diagnose [--config FILE] [--json] [--out FILE.html] ... (agent/diagnose/cli.py)
sansang agent upload-record FILE.html --collector URL --token-file FILE [--ca-file FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import io
import logging
import sys
import textwrap
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.config import AgentConfig
    from agent.probes.base import ProbeKind
    from sansang.configfile import Location

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def add_parser(top: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from agent.probes import PROBES

    agent = top.add_parser("agent", help="the site agent")
    sub = agent.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the agent")
    run.add_argument("--config", required=True, type=Path, help="agent config file (YAML)")
    check = sub.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("file", type=Path)
    probe = sub.add_parser(
        "probe",
        help="run one probe now and print its result in words (and metrics with --metrics)",
        epilog=probe_kinds_help(PROBES),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    probe.add_argument("kind", help="probe kind (below)")
    probe.add_argument("target", help="what to probe, in the kind's syntax (below)")
    probe.add_argument("--debug", action="store_true", help="print the probe's debug log")
    probe.add_argument(
        "--metrics", action="store_true", help="also print the run's metrics (Prometheus text)"
    )
    probe.add_argument("--timeout", type=float, default=5.0)
    speed = sub.add_parser("speedtest", help="run a throughput test now and journal it")
    speed.add_argument("--config", required=True, type=Path, help="agent config file (YAML)")
    speed.add_argument("--backend", help="only this backend (id in speedtest.backends)")
    speed.add_argument("--link", help="only over this link (id in links, or 'default')")
    speed.add_argument(
        "--ignore-budget", action="store_true", help="run even when the month's budget is used up"
    )
    from agent.diagnose import cli as diagnose_cli

    diagnose_cli.add_arguments(sub.add_parser("diagnose", help=diagnose_cli.HELP))
    upload = sub.add_parser(
        "upload-record",
        help="send a handover record (diagnose --out FILE.html) to the province collector",
    )
    from agent.diagnose import upload as upload_record

    upload_record.add_arguments(upload)


# Where the agent runs a kind's checks from, by category: said under every kind in the help,
# and instead of a target for a kind whose checks cannot be run from one (a security check
# needs the machine's pinned host key and a key file, which only the config holds).
_RUN_FROM: dict[str, str] = {
    "power": "in the agent: a `source:` of power.sources",
    "quality": "in the agent: the rounds of quality.targets",
    "terminal": "in the agent: built from a terminal of terminals",
    "security": "in the agent only: security.hosts (SSH with a pinned host key and a key file)",
    "host": "in the agent: the host section",
}
_NOT_FROM_TARGET = frozenset({"security"})


def probe_kinds_help(probes: Mapping[str, ProbeKind[Any]]) -> str:
    """Every registered kind with its summary and the target syntax of its ``from_target``
    docstring, so the help cannot fall behind the registry."""
    out = ["probe kinds / các loại phép đo:"]
    for name in sorted(probes):
        kind = probes[name]
        out.append(f"  {name}: {kind.summary}")
        where = _RUN_FROM.get(kind.category)
        if kind.category in _NOT_FROM_TARGET:
            out += textwrap.wrap(
                f"not from a target: runs {where}, started by `sansang agent run --config FILE`",
                80, initial_indent="      ", subsequent_indent="        ",
            )  # fmt: skip
            continue
        doc = inspect.cleandoc(kind.from_target.__doc__ or "").replace("``", "")
        out += textwrap.wrap(
            "target: " + " ".join(doc.split()), 80, initial_indent="      ",
            subsequent_indent="        ",
        )  # fmt: skip
        if where is not None:
            out.append(f"      ({where})")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    if args.command == "check-config":
        return _check_config(args.file)
    if args.command == "run":
        return _run_agent(args.config)
    if args.command == "probe":
        return asyncio.run(_probe(args.kind, args.target, args.timeout, args.debug, args.metrics))
    if args.command == "speedtest":
        return asyncio.run(_speedtest(args.config, args.backend, args.link, args.ignore_budget))
    if args.command == "diagnose":
        from agent.diagnose import cli as diagnose_cli

        return diagnose_cli.main(args)
    if args.command == "upload-record":
        from agent.diagnose import upload as upload_record

        return upload_record.main(args)
    return EXIT_FAILED


def _check_config(path: Path) -> int:
    from agent import config
    from agent.config import files
    from sansang.configfile import load_model

    def every_problem(cfg: config.AgentConfig) -> list[tuple[Location, str]]:
        return config.cross_check(cfg) + files.problems(cfg)

    cfg = load_model(
        config.AgentConfig, path, union_tags=config.PROBE_TAGS, cross_check=every_problem
    )
    if cfg.server.web_config_file is not None:
        from agent.config import web as webconfig

        webconfig.load(cfg.server.web_config_file)
    _warn_province(path, cfg)
    n = len(cfg.checks) + len(cfg.services) + len(cfg.terminals)
    print(
        f"{path}: hợp lệ / OK — {cfg.site.name} ({cfg.site.commune.name}, "
        f"{cfg.site.commune.province_name}, {cfg.site.commune_code}), "
        f"{len(cfg.checks)} checks, {len(cfg.services)} services, {len(cfg.terminals)} terminals "
        f"({n} jobs besides the host probe)"
    )
    return EXIT_OK


def _warn_province(path: Path, cfg: AgentConfig) -> None:
    """A commune code of another province than ``site.province_code``: on stderr, with the
    file and line, and the config still loads (the code itself is official)."""
    from sansang.configfile import line_of, parse_yaml

    warning = cfg.site.province_warning()
    if warning is None:
        return
    line = line_of(
        parse_yaml(path.read_text(encoding="utf-8"), str(path)), ("site", "commune_code")
    )
    where = f"{path}:{line}" if line is not None else str(path)
    print(f"{where}: site.commune_code: cảnh báo / warning: {warning}", file=sys.stderr)


def _run_agent(path: Path) -> int:
    from agent import app, config
    from sansang.errors import StartupError

    cfg = config.load(path)
    _warn_province(path, cfg)

    def ready(running: app.RunningAgent) -> None:
        print("sansang agent đang chạy / is running:", flush=True)
        labels = ("Trang tình trạng / status page", "Prometheus /metrics", "Nhật ký / journal API")
        for label, url in zip(labels, running.urls, strict=True):
            print(f"  {label}: {url}", flush=True)
        print(f"  Nhật ký lưu tại / journal file: {cfg.journal.path}", flush=True)

    try:
        asyncio.run(app.run_agent(cfg, on_ready=ready))
    except StartupError as err:
        print(err, file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


async def _probe(
    kind_name: str, target: str, timeout: float, debug: bool, metrics: bool = False
) -> int:
    from agent import probe_text
    from agent.jobs import Job, Role
    from agent.metrics.exporter import AgentCollector
    from agent.probes import PROBES
    from agent.runner import Runner
    from agent.state import SiteState
    from agent.web.power import condition
    from sansang.exposition import render
    from sansang.i18n import REASONS, pick

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
    for line in probe_text.lines(kind_name, outcome, time.time()):
        print(line)
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
    if metrics:
        print("\nMetrics:")
        print(render(AgentCollector(None, state, None).families()).decode(), end="")
    return EXIT_OK if outcome.success else EXIT_FAILED


def _config_problem(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_CONFIG


async def _speedtest(
    path: Path, backend_id: str | None, link_id: str | None, ignore_budget: bool
) -> int:
    from agent import config
    from agent.journal.store import Journal
    from agent.links.bandwidth import text
    from agent.links.bandwidth.budget import MIB, Budget
    from agent.links.bandwidth.runs import DEFAULT_LINK, SpeedtestRunner

    cfg = config.load(path)
    st = cfg.speedtest
    backends = [b.id for b in st.backends]
    if not backends:
        return _config_problem(
            f"{path}: chưa khai báo speedtest.backends / no speedtest.backends configured"
        )
    if backend_id is not None and backend_id not in backends:
        return _config_problem(
            f"không có backend '{backend_id}' / no backend '{backend_id}'; "
            f"có / known: {', '.join(backends)}"
        )
    links = [DEFAULT_LINK, *(link.id for link in cfg.links)]
    if link_id is not None and link_id not in links:
        return _config_problem(
            f"không có đường truyền '{link_id}' / no link '{link_id}'; "
            f"có / known: {', '.join(links)}"
        )
    try:
        journal = Journal.from_config(cfg.journal)
    except OSError as err:
        print(f"không mở được nhật ký / cannot open the journal: {err}", file=sys.stderr)
        return EXIT_FAILED
    try:
        budget = Budget(journal, st.monthly_budget_mib * MIB, cfg.site.service_hours.timezone)
        tester = SpeedtestRunner(st, cfg.links, journal, budget)
        outcomes = await tester.run(
            tester.plan(backend_id, link_id),
            "cli",
            ignore_budget=ignore_budget,
            on_wait=lambda: print(
                "Đang chờ phép đo khác kết thúc / waiting for another test to finish…", flush=True
            ),
        )
        for outcome in outcomes:
            print("\n".join(text.outcome_lines(outcome)))
        print(text.budget_line(budget.used(), budget.monthly_bytes))
        print(f"Đã ghi nhật ký / journalled in: {cfg.journal.path}")
    finally:
        journal.close()
    return EXIT_OK if all(o.result is not None for o in outcomes) else EXIT_FAILED
