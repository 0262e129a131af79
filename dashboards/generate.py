"""Write every dashboard's JSON into ``dashboards/json/`` (``python -m dashboards.generate``).

The JSON is committed; tests/unit/test_dashboards.py fails when it differs from what this writes.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.cog.encoder import JSONEncoder

from dashboards import (
    agent_health,
    bandwidth,
    incident_readiness,
    power,
    province_overview,
    site_detail,
)

OUT = Path(__file__).resolve().parent / "json"

DASHBOARDS: dict[str, Callable[[], db.Dashboard]] = {
    "province-overview": province_overview.build,
    "site-detail": site_detail.build,
    "power": power.build,
    "bandwidth": bandwidth.build,
    "incident-readiness": incident_readiness.build,
    "agent-health": agent_health.build,
}


def render(build: Callable[[], db.Dashboard]) -> str:
    """The dashboard as stable, pretty JSON (keys sorted, Vietnamese kept as is)."""
    model = json.loads(json.dumps(build().build(), cls=JSONEncoder))
    for number, panel in enumerate(model["panels"], start=1):
        panel["id"] = number  # the SDK leaves 0; Grafana links and alerts need unique ids
    return json.dumps(model, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def rendered() -> dict[str, str]:
    """File name -> JSON text of every dashboard."""
    return {f"{name}.json": render(build) for name, build in DASHBOARDS.items()}


def stale() -> list[str]:
    """Files of ``json/`` that differ from what the generator writes now (or are extra)."""
    expected = rendered()
    found = {p.name: p.read_text(encoding="utf-8") for p in OUT.glob("*.json")}
    names = sorted(expected.keys() | found.keys())
    return [n for n in names if expected.get(n) != found.get(n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="only report stale files (exit 1 when any)"
    )
    args = parser.parse_args(argv)
    if args.check:
        names = stale()
        for name in names:
            print(f"dashboards/json/{name} is stale: run 'python -m dashboards.generate'")
        return 1 if names else 0
    OUT.mkdir(exist_ok=True)
    for name, text in rendered().items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(OUT / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
