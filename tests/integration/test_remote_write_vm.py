"""Scale-out (docs/scale-out.md): a real Prometheus sends what it scrapes from
real agents to a real VictoriaMetrics with ``deploy/prometheus/remote-write.yml``.

Two agents (``running_agent``, loopback) with a typical site's shape — 5 checks, 4 services,
12 terminals, all on 127.0.0.1 — are pull sites of the example inventory; the Debian Prometheus
scrapes them through the file_sd file ``collector.file_sd`` writes, evaluates
``deploy/prometheus/sansang.rules.yml`` and remote-writes with the queue settings of
``remote-write.yml`` (only its URL points at the test's VictoriaMetrics).  The Debian
VictoriaMetrics single-node (``-search.latencyOffset=0s``, ``/internal/force_flush`` before each
query) must then hold the same ``sansang_*`` series with the same site labels as Prometheus, and
the recording rules' output.  Printed (``pytest -s``): series per agent, and the lag from a
scrape's timestamp to the sample being queryable in VictoriaMetrics (bounded by the queue's
``batch_send_deadline``).

The second test runs the central alerting of the scale-out path: Debian's ``vmalert`` evaluating
the same rules file against VictoriaMetrics (``for:`` shortened as in tests/e2e), with a real
Alertmanager: an agent stopped reaches the webhook as ``SansangSiteUnreachable`` for its site.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from collector import file_sd
from collector.inventory import model
from tests.integration.amlab import Alertmanager, WebhookRecorder, skip_without_am
from tests.integration.promlab import Tsdb, province_prometheus, tsdb_missing
from tests.integration.test_alertmanager_inhibit import deployed_config
from tests.support import wait_until, yaml_writer
from tests.support.agent import AgentProcess, running_agent
from tests.support.env import stop_process
from tests.support.net import free_port, http_get

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "sansang.rules.yml"
REMOTE_WRITE = ROOT / "deploy" / "prometheus" / "remote-write.yml"
EXAMPLE = ROOT / "deploy" / "examples" / "inventory.yaml"
# The example inventory's two sites, both made pull sites here.
SITES = {"23527-main": ("23527", 14.4132, 107.7930), "21548-main": ("21548", 15.38, 109.118)}
BATCH_SEND_DEADLINE = 5.0  # seconds, remote-write.yml's queue_config

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(tsdb_missing("prometheus") is not None, reason="needs prometheus"),
    pytest.mark.skipif(tsdb_missing("victoria-metrics") is not None, reason="needs VM"),
]
skip_without_vmalert = pytest.mark.skipif(
    shutil.which("vmalert") is None, reason="vmalert not found: apt-get install -y victoria-metrics"
)


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def site_config(key: str, workdir: Path) -> dict[str, Any]:
    """An agent shaped like a typical site (deploy/examples/agent.yaml), every target on
    loopback: the agent's own port answers, ``closed`` does not."""
    code, lat, lon = SITES[key]
    port, closed = free_port(), free_port()
    me = f"http://127.0.0.1:{port}/healthz"
    checks: list[tuple[str, dict[str, Any]]] = [("gateway", {"probe": "icmp", "host": "127.0.0.1"})]
    checks += [(f"tcp-{i}", {"probe": "tcp", "host": "127.0.0.1", "port": port}) for i in (1, 2)]
    checks += [("web", {"probe": "http", "url": me}), ("down", {"probe": "http", "url": f"{me}x"})]
    services = [
        {
            "id": f"svc-{i}",
            "name": f"Dịch vụ {i}",
            "role": "other",
            "check": {"probe": "http", "url": me},
        }
        for i in range(4)
    ]
    terminals = [
        {
            "id": f"term-{i}",
            "name": f"Thiết bị {i}",
            "kind": "other",
            "address": "127.0.0.1",
            "check": {"method": "tcp", "port": port if i % 3 else closed},
        }
        for i in range(12)
    ]
    return {
        "site": {"commune_code": code, "name": f"Xã {code}", "latitude": lat, "longitude": lon},
        "server": {"listen": f"127.0.0.1:{port}"},
        "journal": {"path": str(workdir / "journal.db")},
        "probes": {"interval": "1s", "timeout": "1s", "start_spread": 0},
        "checks": [{"id": i, "name": i, "check": c} for i, c in checks],
        "services": services,
        "terminals": terminals,
    }


def write_file_sd(workdir: Path, agents: dict[str, AgentProcess]) -> Path:
    """The example inventory with both sites as pull sites at the agents' addresses."""
    doc: dict[str, Any] = load_yaml(EXAMPLE)
    doc["sites"] = doc["sites"][:2]
    for site, key in zip(doc["sites"], SITES, strict=True):
        site.pop("push", None)
        site["pull"] = {"url": agents[key].base_url + "/"}
    path = workdir / "inventory.yaml"
    path.write_text(yaml_writer.dump(doc), encoding="utf-8")
    inv = model.load(path)
    assert [s.key for s in inv.sites] == list(SITES)
    out = workdir / "file_sd"
    file_sd.write(inv, out)
    return out


def remote_write(vm: Tsdb) -> list[dict[str, Any]]:
    """deploy/prometheus/remote-write.yml with the test's VictoriaMetrics as the URL."""
    blocks: list[dict[str, Any]] = load_yaml(REMOTE_WRITE)["remote_write"]
    for block in blocks:
        assert block["url"].endswith("/api/v1/write"), block["url"]
        block["url"] = vm.url + "api/v1/write"
    return blocks


@dataclass
class Lab:
    agents: dict[str, AgentProcess]
    prometheus: Tsdb
    vm: Tsdb
    workdir: Path


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    with ExitStack() as stack:
        agents = {}
        for key in SITES:
            (tmp_path / key).mkdir()
            agents[key] = stack.enter_context(
                running_agent(site_config(key, tmp_path / key), tmp_path / key)
            )
        (tmp_path / "vm").mkdir()
        (tmp_path / "prom").mkdir()
        vm = Tsdb("victoria-metrics", tmp_path / "vm", {"scrape_configs": []}).start()
        stack.callback(vm.stop)
        config = province_prometheus(
            RULES, write_file_sd(tmp_path / "prom", agents), remote_write=remote_write(vm)
        )
        prom = Tsdb("prometheus", tmp_path / "prom", config).start()
        stack.callback(prom.stop)
        yield Lab(agents, prom, vm, tmp_path)


def query(tsdb: Tsdb, expr: str) -> list[dict[str, Any]]:
    tsdb.flush()
    body = http_get(tsdb.url + "api/v1/query?query=" + urllib.parse.quote(expr), timeout=5.0)
    result: list[dict[str, Any]] = json.loads(body)["data"]["result"]
    return result


def series(tsdb: Tsdb, expr: str) -> set[frozenset[tuple[str, str]]]:
    return {frozenset(r["metric"].items()) for r in query(tsdb, expr)}


SANSANG = '{__name__=~"sansang_.+", job="sansang-agents"}'


def settled_series(lab: Lab) -> set[frozenset[tuple[str, str]]]:
    """Prometheus' sansang_* series once both agents have run every probe (the set stops
    growing between two scrapes)."""
    last: list[set[frozenset[tuple[str, str]]]] = [set()]

    def stable() -> bool:
        now = series(lab.prometheus, SANSANG)
        sites = {dict(s).get("site") for s in now}
        done = now == last[0] and sites == set(SITES)
        last[0] = now
        return done

    # Looks 1.5 s apart (a scrape comes between two), bounded by the deadline.
    wait_until(stable, 60, "both agents' series in Prometheus, stable over a scrape", 1.5)
    return last[0]


def lag_once(lab: Lab, after: float) -> tuple[float, float]:
    """(seconds, stamp): from the timestamp of a scrape newer than ``after`` — taken as soon
    as Prometheus holds it, so not already sent with an earlier batch — to that sample being
    queryable in VictoriaMetrics."""
    expr = 'up{site="23527-main"}[10s]'  # raw samples with their scrape timestamps

    def newest() -> float | None:
        (row,) = query(lab.prometheus, expr)
        stamp = float(row["values"][-1][0])
        return stamp if stamp > after else None

    stamp = wait_until(newest, 10, "a new scrape in Prometheus", interval=0.02)

    def arrived() -> bool:
        rows = query(lab.vm, expr)
        return any(abs(float(t) - stamp) < 0.001 for r in rows for t, _ in r["values"])

    wait_until(arrived, 30, "the scrape in VictoriaMetrics", interval=0.02)
    return time.time() - stamp, stamp


def families(found: set[frozenset[tuple[str, str]]]) -> dict[str, int]:
    """Series per metric name for one site, most first."""
    names = [dict(s)["__name__"] for s in found if dict(s)["site"] == "23527-main"]
    return dict(sorted(((n, names.count(n)) for n in set(names)), key=lambda kv: -kv[1]))


def test_victoria_metrics_gets_the_same_series_and_the_recordings(lab: Lab) -> None:
    in_prom = settled_series(lab)
    per_agent = {key: sum(1 for s in in_prom if dict(s)["site"] == key) for key in SITES}
    all_series = {
        key: len(query(lab.prometheus, f'{{site="{key}", job="sansang-agents"}}')) for key in SITES
    }
    print(f"\nsansang_* series per agent: {per_agent}; all series incl. up/scrape_*: {all_series}")
    print(f"per metric, one agent: {families(in_prom)}")
    assert all(n > 50 for n in per_agent.values()), per_agent

    # The same series with the same labels (site, commune_code, commune, province, ...).
    wait_until(lambda: series(lab.vm, SANSANG) >= in_prom, 30, "every series in VM")
    in_vm = series(lab.vm, SANSANG)
    assert in_vm == in_prom, in_vm ^ in_prom
    labels = {
        k: v for k, v in dict(next(iter(in_vm))).items() if k in ("province", "province_code")
    }
    assert labels == {"province": "Quảng Ngãi", "province_code": "51"}

    # The recording rules' output arrives too.
    recorded = wait_until(
        lambda: len(series(lab.vm, "site:up:avg_over_time_1h")) == 2 or None,
        30,
        "site:up:avg_over_time_1h of both sites in VM",
    )
    assert recorded
    assert {dict(s)["site"] for s in series(lab.vm, "site:up:avg_over_time_1h")} == set(SITES)
    assert series(lab.vm, "site:up:avg_over_time_1h") == series(
        lab.prometheus, "site:up:avg_over_time_1h"
    )

    lags, stamp = [], 0.0
    for _ in range(10):
        lag, stamp = lag_once(lab, stamp)
        lags.append(lag)
    print(
        f"remote_write lag, scrape to queryable in VM over {len(lags)} samples: "
        f"median {statistics.median(lags):.2f} s, max {max(lags):.2f} s "
        f"(batch_send_deadline {BATCH_SEND_DEADLINE:.0f} s)"
    )
    assert max(lags) < BATCH_SEND_DEADLINE + 10


# --- central alerting: vmalert with the same rules ---------------------------------------------


@skip_without_am
@skip_without_vmalert
def test_vmalert_with_the_rules_reaches_alertmanager(lab: Lab) -> None:
    from tests.e2e.stack import rules_copy

    with WebhookRecorder() as hook:
        (lab.workdir / "am").mkdir()
        am = Alertmanager(lab.workdir / "am", deployed_config(hook.url)).start()
        rules = rules_copy(lab.workdir / "sansang.rules.yml")
        port = free_port()
        log = lab.workdir / "vmalert.log"
        command = [
            "vmalert",
            f"-rule={rules}",
            f"-datasource.url={lab.vm.url}",
            f"-remoteWrite.url={lab.vm.url}",
            f"-notifier.url={am.url}",
            "-evaluationInterval=1s",
            f"-httpListenAddr=127.0.0.1:{port}",
        ]
        with log.open("wb") as out:
            proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_until(
                lambda: proc.poll() is None and http_get(f"http://127.0.0.1:{port}/health"),
                30,
                f"vmalert to serve (log: {log})",
            )
            wait_until(lambda: query(lab.vm, 'up{site="21548-main"} == 1'), 30, "site up in VM")
            lab.agents["21548-main"].stop()
            started = time.monotonic()
            ((_, alert),) = wait_until(
                lambda: hook.alerts(status="firing", alertname="SansangSiteUnreachable"),
                60,
                f"SansangSiteUnreachable from vmalert (log: {log})",
            )
            print(f"\nvmalert: agent stopped to webhook in {time.monotonic() - started:.1f} s")
            assert alert["labels"]["site"] == "21548-main"
            assert alert["labels"]["agency"]
            assert "vmalert" in alert["generatorURL"] or str(port) in alert["generatorURL"]
        finally:
            stop_process(proc, timeout=10)
            am.stop()
