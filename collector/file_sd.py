"""Prometheus file_sd targets (mục tiêu thu thập) from the inventory.

Every ``pull:`` site is one target group: ``host:port`` of its URL, with the target labels
``site`` (the site key, ``23527-main``: the collector's ``prometheus.site_label``),
``commune_code``, ``commune`` (official name), ``province``, ``province_code``, and the meta
labels ``__scheme__`` and ``__metrics_path__`` from the URL.  Push-only sites sit behind NAT or
4G: Prometheus cannot scrape them, so they are left out and listed in :attr:`FileSd.skipped`.

The file is written to a temporary file in the same directory and renamed over the old one, so
Prometheus (which re-reads the file when it changes) never sees half of it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from collector.inventory.model import Inventory, Site

FILE_NAME = "sansang-agents.json"
DEFAULT_PORT = {"http": 80, "https": 443}


@dataclass(frozen=True)
class FileSd:
    groups: list[dict[str, Any]]
    skipped: list[Site]  # push-only: cannot be scraped

    def text(self) -> str:
        return json.dumps(self.groups, ensure_ascii=False, indent=2) + "\n"


def target_group(site: Site, inv: Inventory, site_label: str = "site") -> dict[str, Any]:
    """The file_sd group of one pull site."""
    assert site.pull is not None
    url = urlsplit(site.pull.url)
    host = url.hostname or ""
    port = url.port or DEFAULT_PORT[url.scheme]
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    base = url.path if url.path.endswith("/") else url.path + "/"
    labels = {
        site_label: site.key,
        "commune_code": site.commune_code,
        "commune": site.commune.name,
        "province": inv.province.name,
        "province_code": inv.province.code,
        "__scheme__": url.scheme,
        "__metrics_path__": base + "metrics",
    }
    return {"targets": [target], "labels": labels}


def build(inv: Inventory, site_label: str = "site") -> FileSd:
    groups = [target_group(s, inv, site_label) for s in inv.sites if s.pull is not None]
    return FileSd(groups, [s for s in inv.sites if s.pull is None])


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (never half a file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(inv: Inventory, out_dir: Path, site_label: str = "site") -> tuple[Path, FileSd]:
    """Write :data:`FILE_NAME` into ``out_dir`` (created when missing)."""
    sd = build(inv, site_label)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE_NAME
    write_atomic(path, sd.text())
    return path, sd
