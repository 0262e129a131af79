"""The architecture holds: the collector runs without the agent, the kernel without either, and
the import contracts of pyproject.toml ([tool.importlinter]) are kept.

lint-imports reads the imports written in the code; the first two tests look at what a fresh
interpreter really loads, so a lazy or importlib import that crosses a boundary is caught too.
Each runs in a subprocess: this test process has long since imported everything.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import sansang

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = ("agent", "collector", "simulate", "tools", "dashboards")


def _loaded_top_packages(code: str) -> set[str]:
    """The top-level packages of every module loaded after ``code`` ran in a fresh interpreter."""
    report = "import json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    out = subprocess.run(
        [sys.executable, "-c", code + "\n" + report],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_the_collector_and_its_web_app_load_no_agent_module(tmp_path: Path) -> None:
    code = f"""
from pathlib import Path

import collector.alerts, collector.app, collector.commands, collector.evaluate.run
import collector.ingest.pull, collector.live, collector.web
from collector.config import CollectorConfig
from collector.context import Collector
from collector.inventory import model as inventory_model
from collector.store import Store
from collector.targets import effective_thresholds, load_catalogue
from collector.web import build_app

config = CollectorConfig(inventory=Path("deploy/examples/inventory.yaml"))
catalogue = load_catalogue()
store = Store.open("sqlite:///" + {str(tmp_path / "collector.db")!r})
c = Collector(
    config,
    inventory_model.load(config.inventory),
    catalogue,
    effective_thresholds(catalogue),
    store,
)
build_app(c)
store.close()
"""
    loaded = _loaded_top_packages(code)
    assert "collector" in loaded
    assert loaded.isdisjoint({"agent", "simulate", "tools", "dashboards"}), loaded


def test_the_collector_command_loads_no_agent_module() -> None:
    """``sansang collector ...`` builds only the collector's subcommands; ``sansang agent ...``
    only the agent's (the dispatcher loads the component the command line names)."""
    code = "from sansang import cli\ncli._parser(cli._chosen(['collector', 'run']))"
    assert _loaded_top_packages(code).isdisjoint({"agent", "simulate", "tools"})
    code = "from sansang import cli\ncli._parser(cli._chosen(['agent', 'probe', 'tcp', 'x:1']))"
    loaded = _loaded_top_packages(code)
    assert "agent" in loaded and loaded.isdisjoint({"collector", "simulate", "tools"}), loaded


def test_the_kernel_loads_no_component() -> None:
    modules = sorted(f"sansang.{m.name}" for m in pkgutil.iter_modules(sansang.__path__))
    assert "sansang.cli" in modules and "sansang.reasons" in modules
    loaded = _loaded_top_packages("import " + ", ".join(modules))
    assert loaded.isdisjoint(COMPONENTS), loaded


def test_the_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
