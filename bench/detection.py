"""Detection latency end to end: from a mains cut or a link cut at a site to the webhook.

``python -m bench.detection`` (as root: the site is a network namespace) runs the stack of
:mod:`tests.e2e.stack` — NUT upsd + dummy-ups, the agent in the site's namespace, the Debian
Prometheus with the deployed rules, the collector, the Debian Alertmanager with the deployed
routes — and cuts, ``--runs`` times each (default 10):

- **mains**: the UPS goes on battery (dummy-ups file rewritten); timed to the arrival at the
  webhook of the collector's ``SansangPowerLost`` and of Prometheus' ``SansangOnBattery``, and
  on the way to the agent's ``/metrics`` showing it and to Prometheus having scraped it;
- **link**: the site's uplink goes down in its namespace; timed to the arrival of each source's
  ``SansangSiteUnreachable``, and on the way to Prometheus' ``up`` turning 0.

Between two runs the cause is undone and the stack settles (every alert of the site resolved).
Each path's median and maximum are printed beside the sum of its configured intervals (the
limit; :data:`tests.e2e.stack.LIMITS`) with the ratio max / limit, and beside the same sum with
the deployed defaults (what a province would see).  Written to ``docs/performance-stack.md``.
The test stack shortens every ``for:`` by 30 and polls every second; the ratio, not the seconds,
is what carries over.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import report
from tests.e2e.stack import (
    BUDGET,
    LIMITS,
    PRODUCTION_LIMITS,
    SITE,
    Province,
    arrivals,
    province_stack,
)

DOC = report.DOC.with_name("performance-stack.md")
POLL = 0.05  # seconds between two looks at every stage of a run


@dataclass
class Path_:
    """One path from the event to a webhook (or a stage on the way): its latencies."""

    name: str
    limit: float | None  # sum of the configured intervals; None for a stage
    production: float | None = None
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def worst(self) -> float:
        return max(self.seconds)


Stage = Callable[[Province, float], bool]


def _webhook(alertname: str, prometheus: bool) -> Stage:
    def seen(p: Province, after: float) -> bool:
        hits = arrivals(
            p.hook, status="firing", alertname=alertname, after=after, prometheus=prometheus
        )
        return bool(hits)

    return seen


def _arrival(p: Province, alertname: str, prometheus: bool, after: float) -> float:
    hits = arrivals(
        p.hook, status="firing", alertname=alertname, after=after, prometheus=prometheus
    )
    return min(a.at for a in hits) - after


def _agent_on_battery(p: Province, _after: float) -> bool:
    return p.agent.sample("sansang_power_on_battery", source="ups-1") == 1.0


def _prom_has(expr: str) -> Stage:
    return lambda p, _after: bool(p.query(expr))


MAINS_STAGES: dict[str, Stage] = {
    "agent's /metrics on battery": _agent_on_battery,
    "Prometheus has it": _prom_has(f'sansang_power_on_battery{{site="{SITE}"}} == 1'),
}
LINK_STAGES: dict[str, Stage] = {
    "Prometheus' up = 0": _prom_has(f'up{{site="{SITE}"}} == 0'),
}
MAINS_WEBHOOK = {
    "mains cut, collector (SansangPowerLost)": ("SansangPowerLost", False),
    "mains cut, Prometheus (SansangOnBattery)": ("SansangOnBattery", True),
}
LINK_WEBHOOK = {
    "link cut, collector (SansangSiteUnreachable)": ("SansangSiteUnreachable", False),
    "link cut, Prometheus (SansangSiteUnreachable)": ("SansangSiteUnreachable", True),
}


def one_run(
    p: Province,
    cut: Callable[[], None],
    stages: dict[str, Stage],
    webhook: dict[str, tuple[str, bool]],
) -> dict[str, float]:
    """Cut, then look every :data:`POLL` s until every stage and webhook path is seen; the
    webhook paths are timed by the recorder's arrival stamps, the stages by the look."""
    start = time.monotonic()
    cut()
    seen: dict[str, float] = {}
    deadline = start + BUDGET
    while time.monotonic() < deadline:
        for name, stage in stages.items():
            if name not in seen and stage(p, start):
                seen[name] = time.monotonic() - start
        for name, (alertname, prometheus) in webhook.items():
            if name not in seen and _webhook(alertname, prometheus)(p, start):
                seen[name] = _arrival(p, alertname, prometheus, start)
        if len(seen) == len(stages) + len(webhook):
            return seen
        time.sleep(POLL)
    missing = sorted(set(stages) | set(webhook) - set(seen))
    raise TimeoutError(f"not seen within {BUDGET:g} s: {', '.join(missing)}")


def measure(p: Province, runs: int, say: Callable[[str], None]) -> list[Path_]:
    paths = {
        name: Path_(name, LIMITS[name], PRODUCTION_LIMITS[name])
        for name in (*MAINS_WEBHOOK, *LINK_WEBHOOK)
    }
    for name in (*MAINS_STAGES, *LINK_STAGES):
        paths[name] = Path_(name, None)
    for kind, cut, undo, stages, webhook in (
        ("mains", p.cut_mains, p.restore_mains, MAINS_STAGES, MAINS_WEBHOOK),
        ("link", p.cut_link, p.restore_link, LINK_STAGES, LINK_WEBHOOK),
    ):
        for k in range(1, runs + 1):
            p.wait_settled(timeout=90)
            seen = one_run(p, cut, stages, webhook)
            undo()
            for name, seconds in seen.items():
                paths[name].seconds.append(seconds)
            shown = ", ".join(f"{name} {s:.2f}" for name, s in seen.items())
            say(f"{kind} run {k}/{runs}: {shown}")
    return list(paths.values())


def table(paths: list[Path_]) -> str:
    lines = [
        "| path (event → arrival) | runs | median | max | limit (sum of intervals) | max / limit "
        "| limit with the deployed defaults |",
        "|---|---|---|---|---|---|---|",
    ]
    for path in paths:
        if path.limit is None:
            lines.append(
                f"| ↳ stage: {path.name} | {len(path.seconds)} | {path.median:.2f} s "
                f"| {path.worst:.2f} s | | | |"
            )
            continue
        ratio = path.worst / path.limit
        verdict = "PASS" if ratio <= 1.0 and path.worst < BUDGET else "FAIL"
        lines.append(
            f"| {path.name} | {len(path.seconds)} | {path.median:.2f} s | {path.worst:.2f} s "
            f"| {path.limit:g} s | {ratio:.2f} {verdict} | {path.production:g} s |"
        )
    return "\n".join(lines)


def _markdown(text: str) -> str:
    """The module docstring's reST roles and literals as Markdown."""
    return re.sub(r":(?:mod|data|func):", "", text).replace("``", "`")


def write_doc(paths: list[Path_], runs: int, seconds: float) -> None:
    facts = report.machine_facts({"load average": f"{os.getloadavg()[0]:.2f}"})
    machine = "\n".join(f"- {k}: {v}" for k, v in facts.items())
    text = f"""# Detection latency of the province stack

Measured by `python -m bench.detection` (also run by `make bench`): {runs} runs of each cut,
{seconds:.0f} s in all.

{machine}

{_markdown(__doc__.split(chr(10), 2)[2].strip() if __doc__ else "")}

Sums of the configured intervals (the test stack: scrape, scrape timeout, evaluation, pull,
refresh, alert check, `group_wait` and `group_interval` 1 s; `for:` divided by 30):

- mains cut, Prometheus: dummy-ups re-read 1 + agent power poll 1 + scrape 1 + evaluation 1 +
  `for:` 2 + `group_wait` 1;
- mains cut, collector: dummy-ups 1 + agent poll 1 + pull 1 + alert check 1 + `group_wait` 1;
- link cut, Prometheus: failed scrape (interval 1 + timeout 1) + evaluation 1 + `for:` 10 +
  `group_wait` or `group_interval` 1 (the two sources' `SansangSiteUnreachable` share one
  Alertmanager group: the second waits for the group's next flush);
- link cut, collector: failed scrape 2 + `unreachable_after` 10 + refresh 1 + alert check 1 +
  `group_wait` or `group_interval` 1.

Stages (↳) are timed by looking every {POLL * 1000:.0f} ms; arrivals by the webhook's own
clock. A PASS is a maximum within the sum of the intervals (and within the issue's 60 s).

{table(paths)}
"""
    DOC.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.detection", description=__doc__)
    parser.add_argument("--runs", type=int, default=10, help="cuts of each kind (default 10)")
    parser.add_argument("--no-write", action="store_true", help="do not write the doc")
    args = parser.parse_args(argv)

    def say(text: str) -> None:
        print(text, flush=True)

    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="sansang-detection-") as tmp,
        province_stack(Path(tmp)) as p,
    ):
        paths = measure(p, args.runs, say)
    seconds = time.monotonic() - started
    print()
    print(table(paths))
    if not args.no_write:
        write_doc(paths, args.runs, seconds)
        print(f"\nwritten: {DOC}")
    failed = [p for p in paths if p.limit is not None and p.worst > p.limit]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
