"""A collector context for ingest tests: a real store, a real inventory file, push credentials.

Sites: 23527-main (Sa Thầy, pulled from ``pull_url``) and 21548-main (pushes with credential
``cred-21548``), and 23527-annex (pushes with ``cred-annex``).
"""

from __future__ import annotations

from pathlib import Path

from collector.config import CollectorConfig, IngestConfig, PullConfig
from collector.context import Collector
from collector.ingest.credentials import new_credential
from collector.inventory import model
from collector.store import Store
from collector.targets import effective_thresholds, load_catalogue

PULLED, PUSHER, OTHER_PUSHER = "23527-main", "21548-main", "23527-annex"

_PLAN = """
    contingency:
      hardware: &plan{n}
        approved_on: 2025-08-15
        fallback: {{kind: spare_device, text: Máy dự phòng tại kho xã}}
        responder: {{name: Nguyễn Văn An, phone: 0912 345 678, confirmed_on: 2025-10-01}}
      software: *plan{n}
      cyberattack: *plan{n}
      link_loss: *plan{n}
      power_loss: *plan{n}
"""


def inventory_yaml(pull_url: str, token_file: Path | None) -> str:
    token = f", token_file: '{token_file}'" if token_file else ""
    return (
        "province: {code: '51', name: Quảng Ngãi}\n"
        "sites:\n"
        "  - commune_code: '23527'\n    name: Xã Sa Thầy\n    latitude: 14.41\n"
        f"    longitude: 107.79\n    links: [internet]\n    pull: {{url: '{pull_url}'{token}}}\n"
        + _PLAN.format(n=1)
        + "  - commune_code: '21548'\n    name: Xã B\n    latitude: 15.0\n"
        "    longitude: 108.5\n    links: [mobile]\n    push: {credential_id: cred-21548}\n"
        + _PLAN.format(n=2)
        + "  - commune_code: '23527'\n    site_id: annex\n    name: Điểm phụ\n    latitude: 14.41\n"
        "    longitude: 107.79\n    links: [mobile]\n    push: {credential_id: cred-annex}\n"
        + _PLAN.format(n=3)
    )


def make_collector(
    workdir: Path,
    store: Store,
    *,
    pull_url: str = "http://127.0.0.1:9/",
    token_file: Path | None = None,
    ingest: IngestConfig | None = None,
    pull: PullConfig | None = None,
) -> tuple[Collector, dict[str, str]]:
    """The context, and the push tokens by site key."""
    inventory = workdir / "inventory.yaml"
    inventory.write_text(inventory_yaml(pull_url, token_file), encoding="utf-8")
    creds = workdir / "push-credentials.yaml"
    tokens = {
        PUSHER: new_credential(creds, "cred-21548"),
        OTHER_PUSHER: new_credential(creds, "cred-annex"),
        "unassigned": new_credential(creds, "cred-nobody"),
    }
    ingest = (ingest or IngestConfig()).model_copy(update={"credentials_file": creds})
    config = CollectorConfig(inventory=inventory, ingest=ingest, pull=pull or PullConfig())
    catalogue = load_catalogue()
    c = Collector(
        config=config,
        inventory=model.load(inventory),
        catalogue=catalogue,
        thresholds=effective_thresholds(catalogue),
        store=store,
    )
    return c, tokens
