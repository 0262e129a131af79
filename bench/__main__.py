"""Run every benchmark, print the ratios and verdicts, write ``docs/performance.md``.

``python -m bench`` (as root: it creates network namespaces); ``--help`` for a shorter run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from agent.probes import PROBES
from bench import bandwidth, footprint, latency, loss, power, report, site, sweep
from bench.exporters import BLACKBOX_EXPORTER, NODE_EXPORTER, start_references
from bench.netlab import NetLab

SITE_LIVE, SITE_SILENT = 180, 20
SITE_SETUP = (
    f"{SITE_LIVE + SITE_SILENT} terminals ({SITE_LIVE} answering, {SITE_SILENT} silent), "
    "method `tcp`, the agent's default schedule (interval 30 s, timeout 5 s, start_spread 1); "
    "agent in its own network namespace"
)

METHOD = """
- **Network.** The run creates two network namespaces: the agent's, and the terminals'. Answering
  terminals are addresses of 10.200.201.0/24, all local to the terminals' namespace (one TCP
  listener on 0.0.0.0 answers them all; the kernel answers ICMP echo). Silent terminals are
  addresses of 10.200.202.0/24, routed to the terminals' namespace, which owns none of them and
  does not forward (`net.ipv4.ip_forward=0`): the kernel drops those packets without an ICMP error
  and without an ARP failure, so a silent terminal costs the agent its full timeout, like a
  switched-off device. The agent serves on a veth address; the exporters on 127.0.0.1 of the root
  namespace (a veth hop adds microseconds, the scrapes take milliseconds).
- **Footprint.** After every terminal has a first result, a 60 s window: psutil samples each
  process's RSS every second and counts its CPU time (user + system) over the window; the agent,
  node_exporter and blackbox_exporter are each scraped every 15 s with Prometheus' headers. The
  exporters are idle apart from those scrapes (blackbox_exporter runs no probe). The memory goal
  compares peaks.
- **Latency.** 20 warm-up scrapes, then 200 sequential scrapes of the agent and of node_exporter,
  interleaved, each over a kept-alive connection with Prometheus' `Accept` and
  `Accept-Encoding: gzip` headers, timed from the request to the last byte of the body.
- **Sweep.** 500 terminals (250 answering, 250 silent), `start_spread: 0`, a one-hour interval so
  that only the first round happens. The round starts at the first probe's start and ends at the
  wall time of the last of the 500 first `terminal_state` events in the journal (stamped when
  committed, `synchronous=FULL`), all read back from the agent (`/metrics`, `/api/v1/events`).
- **Noise.** CPU time and latencies move with whatever else the 2-core machine runs; the load
  average at the start of the run is in the Machine table.
"""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _check_environment(only: str) -> None:
    if os.geteuid() != 0:
        raise SystemExit("bench: needs root (network namespaces, NUT's upsd)")
    if only in ("power", "loss"):
        return
    if only == "bandwidth":
        missing = [t for t in ("ip", "tc", "iperf3") if shutil.which(t) is None]
        if missing:
            raise SystemExit(f"bench: missing {', '.join(missing)}: run scripts/bootstrap.sh test")
        return
    missing = [t for t in ("ip", NODE_EXPORTER, BLACKBOX_EXPORTER) if shutil.which(t) is None]
    if missing:
        raise SystemExit(f"bench: missing {', '.join(missing)}: run scripts/bootstrap.sh bench")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--window", type=float, default=footprint.WINDOW, help="footprint, s")
    parser.add_argument("--scrapes", type=int, default=latency.SCRAPES, help="latency scrapes")
    parser.add_argument("--no-write", action="store_true", help="do not write the doc")
    parser.add_argument(
        "--only",
        choices=("power", "loss", "bandwidth"),
        help="run one benchmark (implies --no-write)",
    )
    args = parser.parse_args(argv)
    _check_environment(args.only)
    if args.only:
        one = {"power": power.run, "loss": loss.run, "bandwidth": bandwidth.run}[args.only]
        with tempfile.TemporaryDirectory(prefix="sansang-bench-") as workdir:
            section = one(Path(workdir))
        section.print()
        return 0 if all(g.passed for g in section.goals) else 1
    signal.signal(signal.SIGTERM, _interrupt)
    load = "load average at the start (1/5/15 min)", " / ".join(f"{x:.2f}" for x in os.getloadavg())
    sections: list[report.Section] = []
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sansang-bench-")))
        lab = stack.enter_context(NetLab())
        node, blackbox = start_references(stack, workdir)
        print(f"node_exporter {node.version}, blackbox_exporter {blackbox.version}")
        cfg = site.config(workdir / "site", lab, live=SITE_LIVE, silent=SITE_SILENT, interval="30s")
        with site.agent(cfg, workdir / "site", lab) as agent:
            site.wait_all_results(agent, SITE_LIVE + SITE_SILENT, timeout=60)
            sections.append(footprint.measure(agent, node, blackbox, SITE_SETUP, args.window))
            sections[-1].print()
            sections.append(latency.measure(agent, node, SITE_SETUP, args.scrapes))
            sections[-1].print()
        for method in ("tcp", "icmp"):
            if method not in PROBES:
                print(f"\n(sweep with {method}: no '{method}' probe in this build, skipped)")
                continue
            sections.append(sweep.run(lab, workdir / f"sweep-{method}", method))
            sections[-1].print()
        sections.append(power.run(workdir / "power"))
        sections[-1].print()
        sections.append(loss.run(workdir / "loss"))
        sections[-1].print()
        sections.append(bandwidth.run(workdir / "bandwidth"))
        sections[-1].print()
        versions = {
            "node_exporter": node.version,
            "blackbox_exporter": blackbox.version,
            load[0]: load[1],
        }
    missed = [g.what for s in sections for g in s.goals if not g.passed]
    print(f"\n{len(missed)} goal(s) missed" + (f": {', '.join(missed)}" if missed else ""))
    if not args.no_write:
        report.write(report.machine_facts(versions), sections, METHOD)
        print(f"written to {report.DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
