"""The collector at national scale: every commune (3,321 sites), 30 days of events.

Three figures per database (SQLite, PostgreSQL), measured in the same run:

- **ingest**: events validated (``EventIn``, as the push endpoint does) and stored in batches of
  1,000 (``Store.insert_events``, one transaction each), the way agents deliver them; goal ≥ 20,000
  events per second.
- **plain scan** (the reference): one ``SELECT *`` over the events table, every row fetched into
  Python through the same driver, nothing else done with it.
- **evaluation**: ``evaluate_all`` — every evaluated target for every site over the 30 days,
  streamed from the store; goal within 5 times the plain scan.

The events are synthetic but have the shapes and the rhythm of real agents (docs/events.md): a
``link_quality`` round per target and hour over the primary link, speed tests four times a day,
terminals that go down and come back, afternoon power cuts in one site of five, flapping links at
a few, and one central outage of the one-stop system seen by every site at once.  The generator
is seeded: every run stores the same events.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

DAY = 86400.0
SPAN_DAYS = 30
QUALITY_TARGETS = (("dc", "province_datacenter"), ("portal", "national_portal"))
TERMINALS = (
    ("pc1", "counter_pc"),
    ("pc2", "counter_pc"),
    ("scan1", "scanner"),
    ("print1", "printer"),
    ("queue1", "queue_machine"),
    ("hnth", "video_conference"),
)
SERVICES = (("motcua", "one_stop_system"), ("dvcqg", "national_portal"))
LINKS = (("fibre", "internet"), ("tslcd", "tslcd"), ("4g", "mobile"))


@dataclass(frozen=True)
class SiteHistory:
    key: str
    journal_id: str
    events: list[dict[str, Any]]


class _Journal:
    """Stamps events the way the agent's journal does: seq, boot id, both clocks."""

    def __init__(self, key: str, rng: random.Random) -> None:
        self.key = key
        self.journal_id = uuid.UUID(int=rng.getrandbits(128)).hex
        self.boot_id = str(uuid.UUID(int=rng.getrandbits(128)))
        self.boot_wall = 0.0
        self.events: list[dict[str, Any]] = []

    def add(
        self,
        wall: float,
        kind: str,
        subject: str,
        state: str | None = None,
        value: float | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        if not self.boot_wall:
            self.boot_wall = wall - 3600.0
        self.events.append(
            {
                "schema": 1,
                "site": self.key,
                "boot_id": self.boot_id,
                "seq": 0,  # set once sorted
                "wall_time": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(wall)),
                "wall_time_unix": wall,
                "monotonic_ns": int((wall - self.boot_wall) * 1e9),
                "kind": kind,
                "subject": subject,
                "state": state,
                "value": value,
                "details": details or {},
            }
        )

    def finish(self) -> list[dict[str, Any]]:
        self.events.sort(key=lambda e: e["wall_time_unix"])
        for seq, event in enumerate(self.events, start=1):
            event["seq"] = seq
        return self.events


def _flips(
    j: _Journal, rng: random.Random, start: float, end: float, kind: str, subject: str,
    mean_gap: float, mean_down: float, details: dict[str, Any],
) -> None:  # fmt: skip
    """Down/up pairs of a state event, the first ``up`` at the start (state known)."""
    j.add(start + rng.uniform(1, 60), kind, subject, "up", details=details)
    t = start + rng.expovariate(1 / mean_gap)
    while t < end:
        down = rng.expovariate(1 / mean_down)
        j.add(t, kind, subject, "down", details={**details, "previous": "up"})
        back = {**details, "previous": "down", "previous_duration_seconds": round(down, 3)}
        j.add(t + down, kind, subject, "up", details=back)
        t += down + rng.expovariate(1 / mean_gap)


def site_history(
    key: str, seed: int, start: float, *, quality_every: float, central: tuple[float, float]
) -> SiteHistory:
    rng = random.Random(f"{seed}/{key}")
    j = _Journal(key, rng)
    end = start + SPAN_DAYS * DAY
    j.add(start, "agent_started", "agent", details={"version": "bench", "pid": 1})
    mountain = rng.random() < 0.2
    for target, role in QUALITY_TARGETS:
        t = start + rng.uniform(0, quality_every)
        while t < end:
            sent = 20
            received = sent - (rng.randrange(0, 4) if rng.random() < 0.1 else 0)
            median = rng.uniform(0.008, 0.060)
            j.add(t, "link_quality", target, value=median, details={
                "link": "fibre", "link_kind": "internet", "role": role, "method": "icmp",
                "sent": sent, "received": received, "loss_ratio": (sent - received) / sent,
                "median_seconds": median, "jitter_seconds": median / 10,
                "min_seconds": median * 0.8, "max_seconds": median * 1.5})  # fmt: skip
            t += quality_every
    for link, kind in LINKS:
        mbit = {"internet": rng.uniform(40, 300), "tslcd": rng.uniform(10, 100)}.get(
            kind, rng.uniform(1, 30)
        )
        t = start + rng.uniform(0, DAY / 4)
        while t < end:
            down_bps = mbit * rng.uniform(0.7, 1.05) * 125_000
            j.add(t, "speedtest_result", "selfhosted", "ok", down_bps, {
                "kind": "selfhosted", "link": link, "link_kind": kind,
                "server": "https://speedtest.tinh.gov.vn/", "download_bps": down_bps,
                "upload_bps": down_bps / 3, "latency_seconds": 0.02, "bytes_used": 20_000_000,
                "duration_seconds": 16.0, "trigger": "schedule"})  # fmt: skip
            t += DAY / 4 * rng.uniform(0.5, 1.5) * (3 if kind != "internet" else 1)
    for terminal, kind in TERMINALS:
        _flips(j, rng, start, end, "terminal_state", terminal, 3 * DAY, 3600, {"kind": kind})
    for service, role in SERVICES:
        _flips(j, rng, start, end, "service_state", service, 10 * DAY, 900, {"role": role})
    j.add(central[0], "service_state", "motcua", "down", details={"role": "one_stop_system"})
    j.add(central[0] + central[1], "service_state", "motcua", "up", details={
        "role": "one_stop_system", "previous": "down",
        "previous_duration_seconds": central[1]})  # fmt: skip
    _flips(j, rng, start, end, "link_state", "fibre", 6 * DAY if not mountain else DAY, 1200, {})
    _power(j, rng, start, end, mountain)
    return SiteHistory(key, j.journal_id, j.finish())


def _power(j: _Journal, rng: random.Random, start: float, end: float, mountain: bool) -> None:
    day = start - start % DAY
    while day < end:
        if rng.random() < (0.5 if mountain else 0.03):
            lost = day + 6 * 3600 + rng.uniform(0, 3 * 3600)  # 13:00–16:00 Asia/Ho_Chi_Minh
            if start < lost < end:
                seconds = rng.choice((rng.uniform(5, 120), rng.uniform(600, 3 * 3600)))
                j.add(lost, "mains_state", "site", "lost", details={})
                j.add(lost + seconds, "mains_state", "site", "restored", seconds, {
                    "class": "sustained" if seconds >= 300 else "momentary",
                    "duration_clock": "monotonic"})  # fmt: skip
        day += DAY


def histories(
    keys: list[str], seed: int, start: float, *, quality_every: float
) -> Iterator[SiteHistory]:
    central_start = start + 12 * DAY + 2 * 3600  # 09:00 local on day 12
    for key in keys:
        yield site_history(
            key, seed, start, quality_every=quality_every, central=(central_start, 5400.0)
        )


# --- the run -----------------------------------------------------------------------------------


def inventory_for(keys: list[str]) -> Any:
    """Every site with six terminals and a plan per risk (validated like a province's file;
    one inventory for the nation: the evaluator does not care which province a site is in)."""
    from collector.inventory.model import RISKS, Inventory

    plan = {
        "approved_on": "2025-10-01",
        "fallback": {"kind": "restore_procedure", "text": "bench"},
        "responder": {"name": "Bench", "phone": "0912 345 678", "confirmed_on": "2025-10-01"},
    }
    sites = []
    for i, key in enumerate(keys):
        code, site_id = key.split("-", 1)
        sites.append(
            {
                "commune_code": code,
                "site_id": site_id,
                "name": f"Site {code}",
                "latitude": 8.6 + (i % 150) * 0.1,
                "longitude": 102.2 + (i // 150) * 0.4,
                "links": ["internet", "tslcd", "mobile"],
                "push": {"credential_id": f"c{code}"},
                "terminals": [
                    {"id": t, "kind": kind, "address": f"10.0.{i % 250}.{n + 10}"}
                    for n, (t, kind) in enumerate(TERMINALS)
                ],
                "contingency": dict.fromkeys(RISKS, plan),
            }
        )
    return Inventory.model_validate(
        {"province": {"code": "51", "name": "Quảng Ngãi"}, "sites": sites}
    )


HTTP_AGENTS = 8  # agents pushing at the same time


def http_ingest(
    url: str, keys: list[str], seed: int, start: float, quality_every: float, workdir: Any
) -> tuple[int, float, int]:
    """Events per second through a real ``sansang collector run`` (``POST /api/v1/ingest``,
    batches of 1,000 as the agent's push client sends them, ``HTTP_AGENTS`` at a time).  The
    bodies are encoded before the clock starts: the agent's cost is not the collector's."""
    import asyncio
    import json

    import aiohttp

    from collector.inventory.model import official_province_name
    from sansang import communes
    from tests.support.collector import running_collector, site

    # One province's sites (an inventory holds one province): the one with the most communes.
    province_of = {k: str(getattr(communes.lookup(k[:5]), "province_code", "")) for k in keys}
    province = Counter(province_of.values()).most_common(1)[0][0]
    chosen = [k for k in keys if province_of[k] == province]
    tokens = {key: f"bench-token-{key}" for key in chosen}
    inventory = {
        "province": {"code": province, "name": official_province_name(province)},
        "sites": [site(k.split("-")[0], push=k) for k in chosen],
    }
    bodies: list[tuple[str, bytes]] = []
    for history in histories(chosen, seed, start, quality_every=quality_every):
        for i in range(0, len(history.events), 1000):
            batch = history.events[i : i + 1000]
            payload = {"schema": 1, "site": history.key, "journal_id": history.journal_id}
            body = json.dumps({**payload, "events": batch}).encode()
            bodies.append((history.key, body))
    events = sum(body.count(b'"seq"') for _key, body in bodies)
    config = {"database": url, "evaluate": {"interval": "1h"}}
    with running_collector(config, inventory, workdir, credentials=tokens) as collector:
        endpoint = collector.base_url + "/api/v1/ingest"

        async def agent(queue: list[tuple[str, bytes]], session: aiohttp.ClientSession) -> None:
            while queue:
                key, body = queue.pop()
                headers = {"Authorization": f"Bearer {tokens[key]}",
                           "Content-Type": "application/json"}  # fmt: skip
                async with session.post(endpoint, data=body, headers=headers) as reply:
                    if reply.status != 200:
                        raise RuntimeError(f"{reply.status}: {await reply.text()}")

        async def push_all() -> float:
            queue = list(reversed(bodies))  # each site's batches in order, sites one by one
            async with aiohttp.ClientSession() as session:
                t0 = time.perf_counter()
                await asyncio.gather(*(agent(queue, session) for _ in range(HTTP_AGENTS)))
                return time.perf_counter() - t0

        seconds = asyncio.run(push_all())
    from collector.store import Store

    store = Store.open(url)
    try:
        stored = store.count_events()
    finally:
        store.close()
    if stored != events:  # every 200 must mean stored
        raise RuntimeError(f"pushed {events} events, the collector stored {stored}")
    return events, seconds, len(chosen)


@dataclass
class Figures:
    backend: str
    events: int
    ingest_seconds: float
    scan_seconds: float
    scan_rows: int
    evaluate_seconds: float
    findings: int
    http_events: int = 0
    http_seconds: float = 0.0
    http_sites: int = 0

    @property
    def ingest_rate(self) -> float:
        return self.events / self.ingest_seconds

    @property
    def evaluation_ratio(self) -> float:
        return self.evaluate_seconds / self.scan_seconds


def ingest(
    store: Any, keys: list[str], seed: int, start: float, quality_every: float
) -> tuple[int, float]:
    """Validate and store every site's history in batches of 1,000; the generator's own time is
    not counted."""
    from collector.events import EventIn

    total, spent = 0, 0.0
    for history in histories(keys, seed, start, quality_every=quality_every):
        events = history.events
        for i in range(0, len(events), 1000):
            batch = events[i : i + 1000]
            t0 = time.perf_counter()
            valid = [EventIn.model_validate(e) for e in batch]
            result = store.insert_events(history.key, history.journal_id, valid, time.time())
            spent += time.perf_counter() - t0
            total += result.accepted
    return total, spent


def plain_scan(url: str) -> tuple[int, float]:
    """One ``SELECT *`` of the events table, every row fetched into Python: the reference."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            t0 = time.perf_counter()
            rows = 0
            result = conn.execution_options(yield_per=10_000).execute(
                sa.text("SELECT * FROM events")
            )
            for _row in result:
                rows += 1
            return rows, time.perf_counter() - t0
    finally:
        engine.dispose()


def evaluate(store: Any, inventory: Any, start: float) -> tuple[int, float]:
    from collector.evaluate.model import Window
    from collector.evaluate.run import evaluate_all
    from collector.targets import effective_thresholds, load_catalogue

    catalogue = load_catalogue()
    thresholds = effective_thresholds(catalogue)
    t0 = time.perf_counter()
    evaluation = evaluate_all(
        store, inventory, catalogue, thresholds, Window(start, start + SPAN_DAYS * DAY)
    )
    return len(evaluation.findings), time.perf_counter() - t0


def run_backend(
    backend: str,
    url: str,
    keys: list[str],
    seed: int,
    start: float,
    quality_every: float,
    inventory: Any,
    http_url: str,
    workdir: Any,
) -> Figures:
    from collector.store import Store

    print(f"  {backend}: pushing one province's sites through HTTP …", flush=True)
    http_events, http_seconds, http_sites = http_ingest(
        http_url, keys, seed, start, quality_every, workdir
    )

    store = Store.open(url)
    try:
        print(f"  {backend}: ingesting {len(keys)} sites …", flush=True)
        events, ingest_seconds = ingest(store, keys, seed, start, quality_every)
        print(f"  {backend}: {events:,} events in {ingest_seconds:.1f} s; plain scan …", flush=True)
        rows, scan_seconds = plain_scan(url)
        print(f"  {backend}: scan {rows:,} rows in {scan_seconds:.1f} s; evaluating …", flush=True)
        findings, evaluate_seconds = evaluate(store, inventory, start)
    finally:
        store.close()
    return Figures(
        backend, events, ingest_seconds, scan_seconds, rows, evaluate_seconds, findings,
        http_events, http_seconds, http_sites,
    )  # fmt: skip


def section(figures: list[Figures], sites: int) -> Any:
    from bench.report import Goal, Section

    s = Section(
        "Collector at national scale",
        f"{sites:,} sites (every commune of the official list), {SPAN_DAYS} days of events each",
    )
    for f in figures:
        # Higher is better for a rate: the goal compares the time per event with 50 µs.
        per_event = Goal(
            f"ingest time per event, {f.backend}",
            "µs",
            1e6 / f.ingest_rate,
            1e6 / 20_000,
            "20,000 events/s",
        )
        vs_scan = Goal(
            f"evaluation vs plain scan, {f.backend}",
            "s",
            f.evaluate_seconds,
            f.scan_seconds,
            "one plain scan of the events table",
            limit=5.0,
        )
        s.goals += [per_event, vs_scan]
        if f.http_events:
            rate = f.http_events / f.http_seconds
            s.goals.append(
                Goal(
                    f"push ingest over HTTP, time per event, {f.backend}",
                    "µs",
                    1e6 / rate,
                    1e6 / 20_000,
                    "20,000 events/s",
                )
            )
            s.figures[f"{f.backend}: push over HTTP"] = (
                f"{f.http_events:,} events of {f.http_sites} sites in "
                f"{f.http_seconds:.1f} s, "
                f"{rate:,.0f} events/s ({HTTP_AGENTS} agents at once, batches of 1,000, "
                "a real `sansang collector run`)"
            )
        s.figures[f"{f.backend}: events stored"] = f"{f.events:,}"
        s.figures[f"{f.backend}: ingest"] = (
            f"{f.ingest_seconds:.1f} s, {f.ingest_rate:,.0f} events/s (batches of 1,000)"
        )
        s.figures[f"{f.backend}: plain scan"] = f"{f.scan_rows:,} rows in {f.scan_seconds:.1f} s"
        s.figures[f"{f.backend}: evaluation"] = (
            f"{f.findings:,} findings in {f.evaluate_seconds:.1f} s "
            f"({f.evaluation_ratio:.2f} × the scan)"
        )
    return s


METHOD = """
- **Data.** `bench/national.py` generates, with a fixed seed, 30 days of events for every commune
  of the official list (one site each): the agent's event shapes (docs/events.md), a
  `link_quality` round per target (data centre, national portal) and hour, speed tests over three
  links, six terminals and two services that go down and come back, afternoon power cuts at one
  site in five, and one central outage of the one-stop system at every site at once.
- **Ingest.** Each site's events in order, batches of 1,000: each event validated with `EventIn`
  (as `POST /api/v1/ingest` does) and the batch stored by `Store.insert_events` in one
  transaction. The clock runs only during validation and storing, not while generating.
- **Push over HTTP.** The histories of one province's sites (Hồ Chí Minh City, 168 communes)
  through a real `sansang collector run` on 127.0.0.1 (its own empty database of the same
  kind): `POST /api/v1/ingest` with each site's
  bearer token, batches of 1,000, eight agents at once, bodies encoded before the clock starts.
  This is the whole path: token check, JSON parsing, validation, one transaction per batch.
- **Plain scan (the reference).** `SELECT * FROM events` through the same driver, every row
  fetched into Python (SQLAlchemy, `yield_per` 10,000), nothing else done with it.
- **Evaluation.** `collector.evaluate.run.evaluate_all` over the 30 days: every evaluated target
  of the catalogue for every site, streamed from the store.
- **Databases.** SQLite in WAL mode in a temporary directory; PostgreSQL 15 started by the run
  (`tests/integration/pglab.py`) on 127.0.0.1, default settings.
"""


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile
    from contextlib import ExitStack
    from pathlib import Path

    from bench import report
    from sansang import communes

    parser = argparse.ArgumentParser(prog="python -m bench.national", description=__doc__)
    parser.add_argument("--sites", type=int, default=0, help="first N communes (default: all)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--quality-every", type=float, default=3600.0, help="seconds")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--no-write", action="store_true", help="do not write the doc")
    args = parser.parse_args(argv)
    keys = [f"{code}-main" for code in communes.all_codes()]
    if args.sites:
        keys = keys[: args.sites]
    start = float(int(time.time() // DAY) * DAY - SPAN_DAYS * DAY) - 7 * 3600  # local midnight
    inventory = inventory_for(keys)
    figures: list[Figures] = []
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sansang-nat-")))
        for backend in args.backends.split(","):
            if backend == "sqlite":
                url = f"sqlite:///{workdir / 'national.db'}"
                http_url = f"sqlite:///{workdir / 'http.db'}"
            else:
                from tests.integration.pglab import new_database, postgres

                url = stack.enter_context(postgres({}))  # its defaults: fsync on
                http_url = new_database(url, "sansang_http")
            (workdir / backend).mkdir()
            figures.append(
                run_backend(
                    backend,
                    url,
                    keys,
                    args.seed,
                    start,
                    args.quality_every,
                    inventory,
                    http_url,
                    workdir / backend,
                )
            )
    result = section(figures, len(keys))
    result.print()
    if not args.no_write:
        doc = report.DOC.with_name("performance-collector.md")
        headings = {
            "title": "Performance of the collector",
            "command": "`python -m bench.national`",
            "subject": "collector",
        }
        report.write(report.machine_facts({}), [result], METHOD, doc, **headings)
        print(f"written to {doc}")
    return 0 if all(g.passed for g in result.goals) else 1


if __name__ == "__main__":
    raise SystemExit(main())
