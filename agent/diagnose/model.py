"""What ``sansang agent diagnose`` finds, as data: the layers in the order they are checked, one
:class:`CheckResult` per check, and the :class:`Diagnosis` of the whole run.

This module is the contract between the parts of the command: the checks (``plan``/``run``), the
terminal display (``display``), ``--json`` (:meth:`Diagnosis.as_json`), the handover record
(``record``) and its upload (``upload``).  It imports nothing of the agent but the reason codes,
so every part can be written and tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# The layers, bottom up: a fault low down explains failures above it (no link: no DNS, no
# one-stop system), so the first failing layer is the one to fix first.
Layer = Literal[
    "power",  # mains and UPS (power.sources)
    "box",  # the agent's own machine: disk, clock, journal, push backlog
    "lan",  # the gateway, switches, the router's LAN side and its SSH
    "wan",  # each WAN link: loss, latency, a short throughput test; the router's WAN port
    "dns",  # name resolution
    "services",  # the one-stop system, the national portal, other services; certificates
    "terminals",  # counter PCs, scanners, queue machines... by kind
    "conference",  # the video-conference endpoint: signalling port and the line's bandwidth
    "printers",  # printers through the Printer MIB
]
LAYERS: tuple[Layer, ...] = Layer.__args__  # type: ignore[attr-defined]

# Where a failure leaves the centre: a failed critical layer stops the public service.
CRITICAL_LAYERS: frozenset[Layer] = frozenset({"power", "box", "lan", "wan", "dns", "services"})

# ok: passed; warn: works, but act soon (UPS battery low, certificate expiring, disk nearly
# full, throughput under target); fail: does not work; skip: not configured here or not run
# (no UPS declared, budget used up; ``note`` says why).
Status = Literal["ok", "warn", "fail", "skip"]

# Exit codes of ``sansang agent diagnose``, by severity (2 is argparse's and a config error's).
EXIT_OK = 0  # every check passed (or was skipped)
EXIT_WARN = 1  # something needs attention soon, nothing is broken
EXIT_USAGE = 2  # bad arguments or an invalid config: nothing was checked
EXIT_FAIL = 3  # a non-critical layer failed (terminals, conference, printers)
EXIT_CRITICAL = 4  # a critical layer failed (CRITICAL_LAYERS): the centre cannot serve


@dataclass(frozen=True)
class Advice:
    """The next step: a sentence in Vietnamese (and English) and the playbook section to read
    (``sansang.playbooks.advice`` gives kind and anchor)."""

    vi: str
    en: str
    playbook: str | None = None  # kind, e.g. "link_loss"
    anchor: str | None = None  # heading anchor in that playbook, e.g. "kiem-tra-tai-cho"

    @property
    def path(self) -> str | None:
        """``/playbooks/link_loss#anchor``: the same path on the agent and the collector."""
        if self.playbook is None:
            return None
        return f"/playbooks/{self.playbook}" + (f"#{self.anchor}" if self.anchor else "")


@dataclass(frozen=True)
class CheckResult:
    layer: Layer
    id: str  # the job id of the config (``fibre``, ``quality:tinh@fibre``), or a fixed id
    name: str  # what a person calls it: "Quầy 1", "Cổng DVCQG", "Gateway 10.0.0.1"
    status: Status
    reason: str = "ok"  # sansang.reasons code of the probe, or a diagnose code (``on_battery``)
    vi: str = ""  # the result in words, Vietnamese: "mất 0/10 gói, trễ 12 ms"
    en: str = ""
    advice: Advice | None = None  # for warn and fail
    figures: dict[str, float | int | str | bool | None] = field(default_factory=dict)
    duration_seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "layer": self.layer,
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "reason": self.reason,
            "vi": self.vi,
            "en": self.en,
            "figures": dict(self.figures),
            "duration_seconds": round(self.duration_seconds, 3),
            "advice": None,
        }
        if self.advice is not None:
            out["advice"] = {
                "vi": self.advice.vi,
                "en": self.advice.en,
                "playbook": self.advice.playbook,
                "anchor": self.advice.anchor,
                "path": self.advice.path,
            }
        return out


@dataclass(frozen=True)
class Diagnosis:
    """One run of ``diagnose``.  ``site`` is the site key (``23527-main``) with a config, None
    without one; ``source`` says where the checks came from."""

    site: str | None
    site_name: str
    commune: str  # "Xã Tịnh Hòa, Quảng Ngãi (23527)", or "" without a config
    source: Literal["config", "discovered"]
    started_at: float  # unix seconds
    finished_at: float
    results: tuple[CheckResult, ...]
    host: str = ""  # the machine's host name

    def layer_status(self, layer: Layer) -> Status:
        """The worst status of the layer's checks; skip when it has none that ran."""
        found = [r.status for r in self.results if r.layer == layer]
        order: tuple[Status, ...] = ("fail", "warn", "ok")
        return next((status for status in order if status in found), "skip")

    @property
    def first_failure(self) -> CheckResult | None:
        """The first failed check of the lowest failing layer: the fault to fix first."""
        for layer in LAYERS:
            for r in self.results:
                if r.layer == layer and r.status == "fail":
                    return r
        return None

    @property
    def first_warning(self) -> CheckResult | None:
        for layer in LAYERS:
            for r in self.results:
                if r.layer == layer and r.status == "warn":
                    return r
        return None

    @property
    def exit_code(self) -> int:
        failed = self.first_failure
        if failed is not None:
            failed_layers = {r.layer for r in self.results if r.status == "fail"}
            return EXIT_CRITICAL if failed_layers & CRITICAL_LAYERS else EXIT_FAIL
        return EXIT_WARN if self.first_warning is not None else EXIT_OK

    def as_json(self) -> dict[str, Any]:
        first = self.first_failure
        return {
            "site": self.site,
            "site_name": self.site_name,
            "commune": self.commune,
            "host": self.host,
            "source": self.source,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "exit_code": self.exit_code,
            "layers": {layer: self.layer_status(layer) for layer in LAYERS},
            "first_failure": first.as_json() if first is not None else None,
            "results": [r.as_json() for r in self.results],
        }
