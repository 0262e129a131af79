"""``sansang collector report`` in a subprocess, beside a collector's config and store: the file
written and kept with its hash, a copy at --out, and errors naming the month and the format."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from collector.inventory import model
from collector.periods import Month
from collector.store import Store
from collector.targets import load_catalogue
from tests.support import webdata
from tests.support.report import month_findings

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = ROOT / "deploy" / "examples" / "inventory.yaml"
SANSANG = Path(sys.executable).with_name("sansang")  # the installed command


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SANSANG), "collector", "report", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_cli_writes_keeps_and_copies_a_report(tmp_path: Path) -> None:
    config = tmp_path / "collector.yaml"
    config.write_text(
        f"inventory: {INVENTORY}\ndatabase: sqlite:///collector.db\n", encoding="utf-8"
    )
    inventory = model.load(INVENTORY)
    store = Store.open(f"sqlite:///{tmp_path / 'collector.db'}")
    evaluation = webdata.evaluation(inventory, load_catalogue())
    store.save_month(month_findings(evaluation, Month(2026, 11), closed=True))
    store.close()

    out = tmp_path / "copy.csv"
    done = _cli("--month", "2026-11", "--format", "csv", "--out", str(out), "--config",
                str(config), cwd=ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    kept = list((tmp_path / "reports" / "2026-11").glob("chi-tieu-trung-uong-2026-11-*.csv"))
    assert len(kept) == 1 and kept[0].read_bytes() == out.read_bytes()
    assert hashlib.sha256(out.read_bytes()).hexdigest() in done.stdout
    store = Store.open(f"sqlite:///{tmp_path / 'collector.db'}")
    try:
        assert [r.format for r in store.reports("2026-11")] == ["csv"]
        assert store.audit_log()[0].actor.startswith("cli:")
    finally:
        store.close()

    missing = _cli("--month", "2026-10", "--format", "pdf", "--config", str(config), cwd=ROOT)
    assert missing.returncode == 2 and "10/2026" in missing.stderr and "2026-10" in missing.stderr
    bad = _cli("--month", "2026-13", "--format", "pdf", "--config", str(config), cwd=ROOT)
    assert bad.returncode == 2 and "2026-13" in bad.stderr
    fmt = _cli("--month", "2026-11", "--format", "odt", "--config", str(config), cwd=ROOT)
    assert fmt.returncode == 2 and "odt" in fmt.stderr
