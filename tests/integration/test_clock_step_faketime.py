"""A wall-clock step on a real agent's machine changes no duration and no finding.

Two real agents watch one UPS (NUT's upsd with dummy-ups) and one "province data centre" (a TCP
port on loopback), each under libfaketime (``LD_PRELOAD``) with its wall clock read from a file
the test rewrites while it runs; ``FAKETIME_DONT_FAKE_MONOTONIC=1`` leaves CLOCK_BOOTTIME real.
The mains and the data centre are cut together, one agent's wall clock is stepped an hour
ahead and the other's an hour back in the middle of the outage, then both come back.  The
agents push to the collector's real ingest and SQLite store.

The same scenario without a step is the same journal with the step taken out of the wall times
(and no ``clock_step``), pushed for a twin site; the collector's evaluation of each agent must
equal its twin's: the outage's length is the agent's monotonic one, not the wall clock's 60 min
more or less.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from collector import config as collector_config
from collector.evaluate.model import Finding, Window
from collector.evaluate.run import evaluate_all
from collector.events import StoredEvent
from collector.inventory import model
from collector.store import Store
from collector.targets import effective_thresholds, load_catalogue
from tests.integration.nutlab import NutLab, skip_without_nut
from tests.support import event_json, wait_until
from tests.support.agent import AgentProcess, running_agent
from tests.support.collector import site
from tests.support.env import REPO, stop_process
from tests.support.ingest_server import write_config
from tests.support.net import free_port, http_get

LIBFAKETIME = next(iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"))), None)
pytestmark = [
    pytest.mark.integration,
    skip_without_nut,
    pytest.mark.skipif(
        LIBFAKETIME is None, reason="libfaketime not found: apt-get install -y libfaketime"
    ),
]

HOUR = 3600.0
BEFORE_STEP = 15.0  # seconds of the outage before the clocks step: the boot's longest stretch
OUTAGE = 21.0  # seconds from the cut to the return
STEPS = {"ahead": HOUR, "behind": -HOUR}  # site id -> the step of its agent's wall clock


class FakeClock:
    """The wall-clock offset of one process under libfaketime, in a file it reads at every call
    (``FAKETIME_NO_CACHE``); the file is replaced whole, never read half-written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.set(0.0)

    def set(self, offset: float) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(f"{offset:+.0f}\n", encoding="ascii")
        os.replace(tmp, self.path)

    def env(self) -> dict[str, str]:
        assert LIBFAKETIME is not None
        return {
            "LD_PRELOAD": str(LIBFAKETIME),
            "FAKETIME_TIMESTAMP_FILE": str(self.path),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",  # CLOCK_MONOTONIC and CLOCK_BOOTTIME stay real
        }


class DataCentre:
    """A TCP port on loopback that answers (listening, accepting in a thread) or refuses."""

    def __init__(self) -> None:
        self.port = free_port()
        self._sock: socket.socket | None = None

    def open(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(1024)  # the probes connect and hang up: the backlog holds them
        self._sock = sock

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


@dataclass
class Site:
    """One agent under libfaketime and the key of its steady twin."""

    key: str
    twin: str
    step: float
    clock: FakeClock
    agent: AgentProcess

    def events(self) -> list[dict[str, Any]]:
        return self.agent.events()

    def newest_seq(self) -> int:
        return max(int(e["seq"]) for e in self.events())

    def has(self, kind: str, state: str | None, after: int) -> bool:
        return any(
            e["kind"] == kind and (state is None or e["state"] == state)
            for e in self.events()
            if e["seq"] > after
        )

    def wait(
        self, kind: str, state: str | None = None, *, after: int = 0, timeout: float = 6
    ) -> None:
        """Until the agent has journalled a ``kind`` (in ``state``) after seq ``after``."""
        wait_until(lambda: self.has(kind, state, after), timeout, f"{self.key}: {kind} {state}")


def agent_config(
    workdir: Path, site_id: str, lab: NutLab, centre: DataCentre, push: str
) -> dict[str, Any]:
    token = workdir / "push-token"
    token.write_text(f"token-{site_id}\n", encoding="utf-8")
    return {
        "site": {
            "commune_code": "23527",
            "site_id": site_id,
            "name": f"Xã Sa Thầy ({site_id})",
            "latitude": 14.4,
            "longitude": 107.8,
        },
        "server": {"listen": f"127.0.0.1:{free_port()}"},
        "journal": {"path": str(workdir / "journal.db")},
        "host": {"enabled": False},
        "probes": {"interval": "1s", "timeout": "500ms", "start_spread": 0},
        "services": [
            {
                "id": "dc",
                "name": "Trung tâm dữ liệu tỉnh (thử nghiệm)",
                "role": "province_datacenter",
                "check": {"probe": "tcp", "host": "127.0.0.1", "port": centre.port},
            }
        ],
        "power": {
            "interval": "1s",
            "timeout": "1s",
            "sources": [{"id": "ups-1", "name": "UPS", "source": {"probe": "nut", **lab.spec()}}],
        },
        "push": {
            "url": push,
            "token_file": str(token),
            "interval": "200ms",
            "backoff_min": "50ms",
            "backoff_max": "1s",
        },
    }


@contextmanager
def ingest(workdir: Path) -> Iterator[tuple[Path, str]]:
    """The collector's real push ingest and SQLite store in a process of its own: its config
    file and URL.  Sites: each agent's and its steady twin's."""
    listen = f"127.0.0.1:{free_port()}"
    sites = [site("23527", sid) for name in STEPS for sid in (name, f"{name}-steady")]
    tokens = {f"23527-{s['site_id']}": f"token-{s['site_id']}" for s in sites}
    config = write_config(workdir, sites, tokens, listen=listen)
    with (workdir / "ingest.log").open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.ingest_server", "--config", str(config)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://{listen}/"
        wait_until(lambda: http_get(url + "healthz", timeout=1) == b"ok\n", 20, "the ingest")
        yield config, url
    finally:
        stop_process(proc)


def stored(store: Store, key: str) -> list[StoredEvent]:
    """The site's events in the store, in the order the agent journalled them."""
    now = time.time()
    return sorted(store.iter_events(now - 3 * HOUR, now + 3 * HOUR, sites=[key]), key=_seq)


def _seq(e: StoredEvent) -> int:
    return e.seq


def pushed(store: Store, key: str, newest: int) -> bool:
    events = stored(store, key)
    return bool(events) and events[-1].seq >= newest


def steady_twin(events: list[StoredEvent]) -> list[StoredEvent]:
    """The journal a steady clock would have written: every wall time on the clock of the first
    event (its offset against the monotonic clock), no ``clock_step``."""
    first = events[0]
    base = first.wall_time - first.monotonic_ns / 1e9

    def steady(e: StoredEvent) -> StoredEvent:
        drift = e.wall_time - e.monotonic_ns / 1e9 - base
        return replace(e, wall_time=e.wall_time - drift) if abs(drift) > 1 else e

    return [steady(e) for e in events if e.kind != "clock_step"]


def push(url: str, key: str, token: str, events: list[StoredEvent]) -> None:
    body = {
        "schema": 1,
        "site": key,
        "journal_id": f"{events[0].journal_id}-steady",
        "events": [event_json(e, key) for e in events],
    }
    request = urllib.request.Request(
        url + "api/v1/ingest",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 200, reply.read()


def _words(text: str) -> str:
    """A sentence with its figures left out: the figures are compared as numbers."""
    return re.sub(r"\d+(?:[.,]\d+)*", "#", text)


def figures(f: Finding) -> tuple[Any, ...]:
    """What a finding says (its evidence without the refs, which name the site's events).

    The agent measures a step as the wall clock's jump less the monotonic clock's, a few tens of
    milliseconds off on a loaded machine (32 ms seen), so a duration may differ from its twin's by
    that much, never by the step's hour: half a second and 1e-4 of a ratio tell them apart."""
    details: dict[str, Any] = {}
    for name, value in f.details.items():
        details[name] = pytest.approx(value, abs=0.5) if isinstance(value, float) else value
    value = pytest.approx(f.value, abs=1e-4) if f.value is not None else None
    sentences = [_words(s) for s in (f.vi, f.en)]
    evidence = [(_words(e.vi), _words(e.en)) for e in f.evidence]
    return f.status, value, *sentences, f.cause, details, evidence


def thresholds_with(overrides: Mapping[str, Mapping[str, float]]) -> Any:
    th = {target: dict(values) for target, values in effective_thresholds(load_catalogue()).items()}
    for target, values in overrides.items():
        th[target].update(values)
    return th


def test_a_wall_clock_step_changes_no_duration_and_no_finding(tmp_path: Path) -> None:
    centre = DataCentre()
    centre.open()
    with ExitStack() as stack:
        stack.callback(centre.close)
        lab = stack.enter_context(NutLab(tmp_path / "nut", poll_interval=1))
        (tmp_path / "collector").mkdir()
        config_path, url = stack.enter_context(ingest(tmp_path / "collector"))
        sites = [start_site(stack, tmp_path, name, step, lab, centre, url) for name, step in
                 STEPS.items()]  # fmt: skip
        outage_with_steps(lab, centre, sites)
        config = collector_config.load(config_path)
        store = stack.enter_context(_closing(Store.open(config.database)))
        for s in sites:
            newest = s.newest_seq()
            wait_until(partial(pushed, store, s.key, newest), 10, f"{s.key}: every event pushed")
            events = stored(store, s.key)
            _check_journal(s, events)
            push(url, s.twin, f"token-{s.twin.removeprefix('23527-')}", steady_twin(events))
        now = time.time()
        window = Window(now - 2 * HOUR, now + 2 * HOUR)
        # Unknown time is not what this test is about; 30 minutes without mains is a dead zone,
        # so the hour a wall clock would add to the outage is not met.  Every site here loses
        # the data centre at once, which would be a central outage: none is looked for.
        thresholds = thresholds_with(
            {
                "INF-PWR": {"max_unknown_ratio": 1.0, "max_outage_minutes": 30},
                "INF-LINK": {"max_unknown_ratio": 1.0, "central_outage_share": 1.01},
            }
        )
        inventory = model.load(config.inventory)
        evaluation = evaluate_all(store, inventory, load_catalogue(), thresholds, window)

    by_site: dict[str, dict[str, Finding]] = {}
    for f in evaluation.findings:
        by_site.setdefault(f.site, {})[f.target] = f
    for s in sites:
        found, twin = by_site[s.key], by_site[s.twin]
        power, link = found["INF-PWR"], found["INF-LINK"]
        print(
            f"\n{s.key} (wall clock {s.step:+.0f} s): INF-PWR {power.status}, "
            f"{power.details['outage_minutes']} min without mains, INF-LINK "
            f"{link.details['down_seconds']} s down; steady twin: "
            f"{twin['INF-PWR'].details['outage_minutes']} min, "
            f"{twin['INF-LINK'].details['down_seconds']} s"
        )
        assert power.status == "met" and power.details["momentary"] == 1
        assert power.details["outage_minutes"] == pytest.approx(OUTAGE / 60, abs=0.1)
        assert float(link.details["down_seconds"] or 0) == pytest.approx(OUTAGE, abs=3)
        for target in sorted(twin):
            assert figures(found[target]) == figures(twin[target]), f"{s.key} {target}"


def start_site(
    stack: ExitStack,
    tmp_path: Path,
    name: str,
    step: float,
    lab: NutLab,
    centre: DataCentre,
    url: str,
) -> Site:
    """An agent under libfaketime (its clock not stepped yet) that has seen the UPS and the
    data centre up."""
    workdir = tmp_path / name
    workdir.mkdir()
    clock = FakeClock(workdir / "faketime.rc")
    config = agent_config(workdir, name, lab, centre, url)
    agent = stack.enter_context(running_agent(config, workdir, env=clock.env()))
    s = Site(f"23527-{name}", f"23527-{name}-steady", step, clock, agent)
    s.wait("service_state", "up", timeout=10)
    s.wait("power_source_state", "up", timeout=10)
    return s


def outage_with_steps(lab: NutLab, centre: DataCentre, sites: list[Site]) -> None:
    """Mains and the data centre lost together for OUTAGE seconds; each agent's wall clock
    steps BEFORE_STEP seconds in; both come back; each agent has journalled it all."""
    last = {s.key: s.newest_seq() for s in sites}
    cut = time.monotonic()
    lab.set_status("OB DISCHRG", charge=90, runtime=1200)
    centre.close()
    for s in sites:
        s.wait("mains_state", "lost")
        s.wait("service_state", "down", after=last[s.key])
    time.sleep(max(0.0, cut + BEFORE_STEP - time.monotonic()))  # the scenario's own length
    for s in sites:
        s.clock.set(s.step)
    time.sleep(max(0.0, cut + OUTAGE - time.monotonic()))
    lab.set_status("OL CHRG", charge=91)
    centre.open()
    for s in sites:
        s.wait("mains_state", "restored")
        s.wait("service_state", "up", after=last[s.key])
        s.wait("clock_step", timeout=12)  # the agent looks every 10 s


def _check_journal(s: Site, events: list[StoredEvent]) -> None:
    """libfaketime really stepped the agent's wall clock and not its monotonic clock: the
    journal says so, and the stretch before the step is the boot's longest (so the steady twin's
    calendar is the collector's)."""
    (step,) = [e for e in events if e.kind == "clock_step"]
    assert step.value == pytest.approx(s.step, abs=2)
    lost, restored = [e for e in events if e.kind == "mains_state"]
    assert restored.value is not None
    assert restored.value == pytest.approx(OUTAGE, abs=3)
    by_wall = restored.wall_time - lost.wall_time
    assert by_wall == pytest.approx(restored.value + s.step, abs=2)  # what the collector saw
    first_after = min(e.monotonic_ns for e in events if abs(_offset(e) - _offset(events[0])) > 1)
    before = first_after - events[0].monotonic_ns
    after = events[-1].monotonic_ns - first_after
    assert before > after, "the stretch before the step is the longest"


def _offset(e: StoredEvent) -> float:
    return e.wall_time - e.monotonic_ns / 1e9


@contextmanager
def _closing(store: Store) -> Iterator[Store]:
    try:
        yield store
    finally:
        store.close()
