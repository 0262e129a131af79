"""``sansang simulate``: a simulated province pushing to a collector.

sansang simulate --sites N [--seed S] [--collector HOST:PORT] [--workdir D] [--province 51]
                 [--backfill-days D] [--speed X]

The simulator writes the collector's config, the inventory, the push credentials and two API
tokens into the work directory first; start the collector on that config
(``sansang collector run --config D/collector.yaml``) before or after: the sites' push clients
retry until it answers.  After the history, its incidents go into that config's store, marked
as simulated; live (at ``--speed 1``) the simulator posts its alerts to the collector's webhook
with the ``alertmanager`` token, as the province's Alertmanager would (:mod:`simulate.incidents`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when the command runs: `sansang` starts fast without them
    from simulate.files import Prepared
    from simulate.scenario import Scenario, SitePlan

EXIT_OK, EXIT_FAILED = 0, 1


def add_parser(top: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim = top.add_parser(
        "simulate", help="a simulated province (real agent code, simulated sources) pushing"
    )
    sim.add_argument("--sites", type=int, required=True, help="how many sites (communes)")
    sim.add_argument("--seed", type=int, default=1, help="the scenario's seed (deterministic)")
    sim.add_argument(
        "--collector",
        default="http://127.0.0.1:9718/",
        help="the collector's URL, http://HOST:PORT/ (or HOST:PORT): written into its config "
        "(where it listens) and into the agents' (where they push)",
    )
    sim.add_argument("--workdir", type=Path, default=Path("var/simulation"), help="an empty dir")
    sim.add_argument("--province", default="51", help="2-digit province code (default Quảng Ngãi)")
    sim.add_argument(
        "--backfill-days", type=float, default=3.0, help="history to simulate first, in days"
    )
    sim.add_argument(
        "--speed", type=float, default=1.0, help="live time runs this many times real time"
    )
    sim.add_argument(
        "--evaluate-interval", default="60s", help="the collector's evaluation interval"
    )


def listen_of(collector: str) -> str:
    """``http://127.0.0.1:9718/`` or ``127.0.0.1:9718`` → ``127.0.0.1:9718``."""
    text = collector.strip()
    if "://" in text:
        scheme, _, text = text.partition("://")
        if scheme != "http":
            raise ValueError(f"'{collector}': the simulated collector serves plain http://")
    host, sep, port = text.rstrip("/").rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"'{collector}' is not http://HOST:PORT/")
    return f"{host}:{port}"


def province_title(scenario: Scenario) -> str:
    """``Quảng Ngãi (51)``: the official name (sansang.communes), the code beside it."""
    from simulate.places import province_communes

    found = province_communes(scenario.province)
    name = found[0].province_name if found else scenario.province
    return f"{name} ({scenario.province})"


def describe(scenario: Scenario) -> list[str]:
    """What the scenario put in, in Vietnamese and English."""
    s = scenario.sites
    lines = [
        f"Tỉnh / province {province_title(scenario)}: {len(s)} điểm / sites (seed {scenario.seed})",
        "  Mất điện buổi chiều / afternoon power cuts: " + _names(x for x in s if x.mountain),
        "  Vùng lõm sóng / dead zones: " + _names(x for x in s if x.dead_zone),
        "  Đường truyền chập chờn / flapping links: " + _names(x for x in s if x.flapping),
        "  Chưa có thiết bị HNTH / no conference terminal (003 fn. 1): "
        + _names(x for x in s if x.no_conference),
        "  Có đường 4G dự phòng / with a 4G backup link: "
        + _names(x for x in s if any(link.role == "backup" for link in x.links)),
        "  Thiết bị hỏng / a broken device: " + _names(x for x in s if x.broken),
        "  Điểm cầu HNTH chặn SIP / endpoint with SIP blocked: "
        + _names(x for x in s if x.sip_blocked),
        "  Tác tử mất liên lạc / agent gone silent: " + _names(x for x in s if x.silent),
    ]
    if scenario.unmatched_footnote:
        lines.append("  Không khớp mã xã / unmatched: " + ", ".join(scenario.unmatched_footnote))
    return lines


def _names(sites: Iterable[SitePlan]) -> str:
    return ", ".join(f"{s.name} ({s.key})" for s in sites) or "—"


def run(args: argparse.Namespace) -> int:
    from simulate.files import prepare
    from simulate.scenario import Scenario

    try:
        scenario = Scenario.build(args.sites, args.seed, args.province)
        prepared = prepare(
            scenario,
            args.workdir,
            collector_listen=listen_of(args.collector),
            evaluate_interval=args.evaluate_interval,
            window_days=args.backfill_days,
        )
    except (ValueError, FileExistsError) as err:
        print(err, file=sys.stderr)
        return EXIT_FAILED
    # A line per simulated throughput test would bury everything else.
    logging.getLogger("agent.links.bandwidth.runs").setLevel(logging.WARNING)
    for line in describe(scenario):
        print(line, flush=True)
    print(
        "Máy thu tỉnh / collector: sansang collector run --config "
        f"{prepared.workdir.collector_config}",
        flush=True,
    )
    print(f"Mã truy cập / API tokens: {prepared.workdir.tokens_text}", flush=True)
    asyncio.run(_run(scenario, prepared, args.backfill_days, args.speed))
    return EXIT_OK


async def _run(scenario: Scenario, prepared: Prepared, days: float, speed: float) -> None:
    from simulate import incidents
    from simulate.run import Simulation, simulate

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    def live(sim: Simulation) -> None:
        b = sim.backfill
        if b is not None:
            print(
                f"Lịch sử / history: {b.days:g} ngày / days, {b.events} sự kiện / events, "
                f"{b.seconds:.1f} s ({b.events_per_second:.0f} events/s, ×{b.speedup:.0f})",
                flush=True,
            )
        print(incidents.described(sim.incidents), flush=True)
        print("Mô phỏng đang chạy / simulation is live (Ctrl-C dừng / stops)", flush=True)

    await simulate(scenario, prepared, backfill_days=days, speed=speed, stop=stop, on_live=live)
