"""``make run``: this machine's agent, the province collector (SQLite) and a simulated province.

    python -m simulate.demo [--agent-config deploy/examples/agent-local.yaml]
                                      [--workdir var/demo] [--sites 20] [--backfill-days 3]

Starts ``sansang agent run`` on the agent config and ``sansang collector run`` on a config the
simulator writes (the work directory is emptied first: each run is a fresh province), puts this
machine's agent in the inventory as a site the collector pulls (its commune is its own: the
simulated communes never include it, so the board counts each commune once), prints where to
look and a login for each role of the collector (on the terminal only: the log files never get
a token), then runs the simulation in this process (history first, then live, pushing).  The
history's incidents go into the collector's store, marked as simulated, and live the simulator
posts its alerts to the collector's webhook as Alertmanager would (:mod:`simulate.incidents`).
Ctrl-C (or SIGTERM) stops the simulation, then the agent, then the collector, and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

from agent import config as agent_config
from sansang import communes
from simulate import incidents
from simulate.cli import describe, province_title
from simulate.files import Prepared, prepare
from simulate.run import Simulation, simulate
from simulate.scenario import Scenario

log = logging.getLogger(__name__)
MARKER = ".sansang-demo"  # only a directory holding it is emptied at start
START_TIMEOUT = 60.0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="make run", description=__doc__.splitlines()[0])
    p.add_argument("--agent-config", type=Path, default=Path("deploy/examples/agent-local.yaml"))
    p.add_argument("--workdir", type=Path, default=Path("var/demo"))
    p.add_argument("--collector", default="127.0.0.1:9718", help="HOST:PORT of the collector")
    p.add_argument("--sites", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--backfill-days", type=float, default=3.0)
    p.add_argument("--evaluate-interval", default="30s")
    return p


def _fresh(workdir: Path) -> None:
    if workdir.exists():
        if not (workdir / MARKER).exists() and any(workdir.iterdir()):
            raise FileExistsError(
                f"{workdir} có tệp khác / holds other files: not emptying it; choose --workdir"
            )
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    (workdir / MARKER).write_text("make run: emptied at every start\n", encoding="utf-8")


def _this_agent_site(config_path: Path) -> tuple[dict[str, Any], str]:
    """The inventory entry of this machine's agent (the collector pulls it), and its URL."""
    cfg = agent_config.load(config_path)
    host = cfg.server.host if cfg.server.host not in ("0.0.0.0", "::", "") else "127.0.0.1"  # noqa: S104
    url = f"http://{host}:{cfg.server.port}/"
    plan = {
        "approved_on": "2025-08-15",
        "fallback": {"kind": "spare_device", "text": "Máy thử nghiệm"},
        "responder": {"name": "Người chạy thử", "phone": "0912 345 678",
                      "confirmed_on": "2025-10-01"},
    }  # fmt: skip
    site = {
        "commune_code": cfg.site.commune_code,
        "site_id": cfg.site.site_id,
        "name": cfg.site.name,
        "latitude": cfg.site.latitude,
        "longitude": cfg.site.longitude,
        "links": ["internet"],
        "pull": {"url": url},
        "terminals": [
            {"id": t.id, "name": t.name, "kind": t.kind, "address": t.address}
            for t in cfg.terminals
        ],
        "contingency": {
            r: plan for r in ("hardware", "software", "cyberattack", "link_loss", "power_loss")
        },
    }
    return site, url


def _start(cmd: list[str], log_path: Path) -> subprocess.Popen[bytes]:
    """A child in its own session: Ctrl-C reaches only this launcher, which stops it in order."""
    with log_path.open("ab") as out:
        # Our own `sansang` (beside this interpreter), no shell.
        return subprocess.Popen(  # noqa: S603
            cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "healthz", timeout=1.0) as resp:  # noqa: S310 (loopback)
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _wait_healthy(name: str, url: str, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"{name} đã dừng / exited ({proc.returncode}):\n{tail}")
        if _healthy(url):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{name} không trả lời / did not answer at {url} in {START_TIMEOUT:g} s")


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _urls(
    scenario: Scenario, prepared: Prepared, this_site: dict[str, Any], agent_url: str, out: IO[str]
) -> None:
    base = prepared.collector_url
    token = prepared.viewer_token
    here = communes.lookup(str(this_site["commune_code"]))
    here_name = here.name if here is not None else this_site["commune_code"]
    lines = [
        "sansang đang chạy / is running:",
        f"  Tỉnh / province: {province_title(scenario)}: {len(scenario.sites)} xã mô phỏng / "
        f"simulated communes và máy này / and this machine ({here_name})",
        f"  Bảng tỉnh / province board: {base}  (đăng nhập bằng mã xem / log in with the "
        f"viewer token: {token})",
        "  Đăng nhập / logins (mã truy cập / tokens):",
        *(f"    {x.vi} / {x.en}: {x.token}" for x in prepared.logins),
        f"  Sổ sự cố / incidents: {base}incidents (lịch sử mô phỏng / a simulated history; "
        "Alertmanager mô phỏng gửi cảnh báo mới / a simulated Alertmanager posts the live ones)",
        f"  API: curl -H 'Authorization: Bearer {token}' {base}api/v1/findings",
        f"  Tác tử máy này / this machine's agent: {agent_url}",
        f"  Mô phỏng / simulation: {prepared.workdir.root} (mã / tokens: "
        f"{prepared.workdir.tokens_text})",
        "  Ctrl-C: dừng tất cả / stops everything",
    ]
    for line in lines:
        print(line, file=out, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("simulate").setLevel(logging.INFO)
    try:
        _fresh(args.workdir)
        this_site, agent_url = _this_agent_site(args.agent_config)
        scenario = Scenario.build(args.sites, args.seed, avoid={this_site["commune_code"]})
        prepared = prepare(
            scenario,
            args.workdir,
            collector_listen=args.collector,
            evaluate_interval=args.evaluate_interval,
            window_days=args.backfill_days,
            extra_sites=[this_site],
        )
    except (ValueError, FileExistsError) as err:
        print(err, file=sys.stderr)
        return 1
    for line in describe(scenario):
        print(line, flush=True)
    bin_dir = Path(sys.executable).parent
    sansang = str(bin_dir / "sansang")
    collector = agent = None
    try:
        wd = prepared.workdir.root
        collector_log, agent_log = wd / "collector.log", wd / "agent.log"
        collector = _start(
            [sansang, "collector", "run", "--config", str(prepared.workdir.collector_config)],
            collector_log,
        )
        agent = _start([sansang, "agent", "run", "--config", str(args.agent_config)], agent_log)
        _wait_healthy("máy thu tỉnh / collector", prepared.collector_url, collector, collector_log)
        _wait_healthy("tác tử / agent", agent_url, agent, agent_log)
        _urls(scenario, prepared, this_site, agent_url, sys.stdout)
        asyncio.run(_simulate(scenario, prepared, args.backfill_days))
    except RuntimeError as err:
        print(err, file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C before the simulation took over the signal
        print("Đang dừng / stopping…", flush=True)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not orphan them
        _stop(agent)
        _stop(collector)
    print("Đã dừng / stopped.", flush=True)
    return 0


async def _simulate(scenario: Scenario, prepared: Prepared, days: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    print(f"Đang dựng {days:g} ngày lịch sử / building {days:g} days of history…", flush=True)

    def live(sim: Simulation) -> None:
        b = sim.backfill
        if b is not None:
            print(
                f"Lịch sử xong / history done: {b.events} sự kiện / events in {b.seconds:.0f} s; "
                "đang gửi về máy thu tỉnh / pushing to the collector",
                flush=True,
            )
        print(incidents.described(sim.incidents), flush=True)

    def pushed(sim: Simulation) -> None:
        print(
            f"Máy thu tỉnh đã nhận hết lịch sử / the collector has the history "
            f"({sim.pushed_seconds:.0f} s); bảng tỉnh cập nhật sau lần đánh giá tới / the board "
            "shows it after the next evaluation",
            flush=True,
        )

    await simulate(
        scenario, prepared, backfill_days=days, stop=stop, on_live=live, on_pushed=pushed
    )


if __name__ == "__main__":
    sys.exit(main())
