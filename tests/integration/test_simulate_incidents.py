"""The simulated province's incident log reaches a real collector process started on the config
the simulator wrote: the history's incidents, imported into its store and marked as simulated,
are on its API and judged by SEC-EARLY; live, the simulated Alertmanager's notifications are
taken by the collector's webhook with the token the simulator wrote (the silent site's reminder
changes nothing: the imported incident is the same alert)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from simulate.files import prepare
from simulate.incidents import MARK, SIMULATED
from simulate.run import Simulation, simulate
from simulate.scenario import Scenario
from tests.support import wait_until_async
from tests.support.collector import CollectorProcess, running_collector
from tests.support.net import free_port

pytestmark = pytest.mark.integration

SITES, SEED, DAYS = 8, 1, 0.25


async def _get(c: CollectorProcess, path: str, token: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    status, _, body = await asyncio.to_thread(c.request, "GET", path, headers=headers)
    assert status == 200, body
    return json.loads(body)


async def test_the_simulated_incident_log_reaches_the_collector(tmp_path: Path) -> None:
    scenario = Scenario.build(SITES, SEED)
    listen = f"127.0.0.1:{free_port()}"
    prepared = prepare(
        scenario, tmp_path / "sim", collector_listen=listen, evaluate_interval="1s",
        window_days=DAYS,
    )  # fmt: skip
    config = YAML(typ="safe", pure=True).load(prepared.workdir.collector_config.read_text())
    police = prepared.login("security_reviewer").token
    root = prepared.workdir.root
    with running_collector(config, prepared.workdir.inventory, root) as c:
        stop = asyncio.Event()
        live: list[Simulation] = []
        task = asyncio.create_task(
            simulate(scenario, prepared, backfill_days=DAYS, stop=stop, on_live=live.append)
        )
        try:

            async def posted() -> Any:  # a Simulation once it posted, else None
                if task.done():
                    task.result()
                sim = live[0] if live else None
                return sim if sim and sim.alertmanager and sim.alertmanager.posted else None

            sim: Simulation = await wait_until_async(
                posted, 120, "the simulated Alertmanager's first post"
            )
            body = await _get(c, "/api/v1/incidents", police)

            async def judged() -> Any:  # the findings once every one is known, else None
                found = await _get(c, "/api/v1/findings?target=SEC-EARLY", police)
                rows: list[dict[str, Any]] = found["findings"]
                known = len(rows) == SITES and all(f["status"] != "unknown" for f in rows)
                return rows if known else None

            early: list[dict[str, Any]] = await wait_until_async(
                judged, 60, "SEC-EARLY judged at every site"
            )
        finally:
            stop.set()
            await task
    assert sim.incidents is not None
    incidents = body["incidents"]
    assert len(incidents) == len(sim.incidents.records)  # the reminder opened nothing
    assert all(i["opened_by"] == SIMULATED and i["summary"].endswith(MARK) for i in incidents)
    [silent] = [s.key for s in scenario.sites if s.silent]
    unreachable = [i for i in incidents if i["kind"] == "site_unreachable"]
    assert [i["site"] for i in unreachable] == [silent] and unreachable[0]["restored_at"] is None
    by_site = {f["site"]: f for f in early}
    assert by_site[silent]["status"] == "not_met", by_site[silent]
    assert "phát hiện sau 30 phút" in by_site[silent]["vi"], by_site[silent]
    assert sum(f["status"] == "met" for f in early) >= SITES // 2, early
