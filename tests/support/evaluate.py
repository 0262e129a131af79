"""Hand-built journals for the rule tests: a site of the example inventory, a 30-day window that
starts on a Monday at midnight in Vietnam, and a builder of StoredEvents with increasing seq."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from collector.evaluate.model import SiteInputs, Window
from collector.events import StoredEvent
from collector.inventory import model
from collector.inventory.model import Site
from collector.survey import SurveyPoint
from collector.targets import effective_thresholds, load_catalogue

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "inventory.yaml"
T0 = datetime(2026, 6, 1, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")).timestamp()  # a Monday
DAY = 86400.0
HOUR = 3600.0
WINDOW = Window(T0, T0 + 30 * DAY)
THRESHOLDS = effective_thresholds(load_catalogue())


def site(index: int = 0, **update: Any) -> Site:
    """A site of the example inventory (0: Sa Thầy, internet + TSLCD, with an HNTH endpoint;
    1: Lý Sơn, mobile only), with fields replaced."""
    found = _example().sites[index]
    return found.model_copy(update=update) if update else found


@functools.cache
def _example() -> model.Inventory:
    return model.load(EXAMPLE)


def terminal(id_: str, kind: str) -> model.Terminal:
    return model.Terminal(id=id_, kind=kind, address="10.200.0.9")  # type: ignore[arg-type]


def at(day: float, hour: float = 0.0) -> float:
    """``T0`` + days + hours (local midnight of the window's first day + ...)."""
    return T0 + day * DAY + hour * HOUR


@dataclass
class Journal:
    """Builds one site's events in the store's order."""

    site: str = "23527-main"
    seq: int = 0
    events: list[StoredEvent] = field(default_factory=list)
    before: list[StoredEvent] = field(default_factory=list)

    def make(
        self,
        t: float,
        kind: str,
        subject: str = "x",
        state: str | None = None,
        value: float | None = None,
        /,
        **details: Any,
    ) -> StoredEvent:
        self.seq += 1
        return StoredEvent(
            self.site, "j1", self.seq, "boot", t, int(t * 1e9), kind, subject, state, value, details
        )

    def add(
        self,
        t: float,
        kind: str,
        subject: str = "x",
        state: str | None = None,
        value: float | None = None,
        /,
        **details: Any,
    ) -> StoredEvent:
        e = self.make(t, kind, subject, state, value, **details)
        if t < WINDOW.start:
            self.before.append(e)
        else:
            self.events.append(e)
        return e

    def inputs(
        self, s: Site | None = None, survey: list[SurveyPoint] | None = None, **extra: Any
    ) -> SiteInputs:
        events = sorted(self.events, key=lambda x: (x.wall_time, x.seq))
        return SiteInputs(s or site(), events, list(self.before), survey or [], **extra)

    def alive(self) -> Journal:
        """A sign of life in the window (a site that sent nothing in it is unknown throughout)."""
        self.add(WINDOW.end - 60, "clock_sync_state", "system", "synchronized")
        return self

    # -- common kinds ---------------------------------------------------------------------------
    def service(
        self, t: float, state: str, subject: str = "portal", role: str = "national_portal"
    ) -> StoredEvent:
        return self.add(t, "service_state", subject, state, role=role)

    def terminal(self, t: float, subject: str, state: str, kind: str = "printer") -> StoredEvent:
        return self.add(t, "terminal_state", subject, state, kind=kind)

    def mains_lost(self, t: float) -> StoredEvent:
        return self.add(t, "mains_state", "site", "lost", source="ups-1")

    def mains_restored(self, t: float, seconds: float) -> StoredEvent:
        cls = "sustained" if seconds > 300 else "momentary"
        return self.add(
            t,
            "mains_state",
            "site",
            "restored",
            seconds,
            **{"class": cls, "started_wall_time_unix": t - seconds, "duration_clock": "monotonic"},
        )

    def outage(self, start: float, seconds: float) -> None:
        self.mains_lost(start)
        self.mains_restored(start + seconds, seconds)

    def speedtest(
        self, t: float, kind: str, down_mbps: float, up_mbps: float, state: str = "ok"
    ) -> StoredEvent:
        down, up = down_mbps * 1e6 / 8, up_mbps * 1e6 / 8  # the agent sends BYTES per second
        return self.add(
            t,
            "speedtest_result",
            "selfhosted",
            state,
            down,
            link="wan",
            link_kind=kind,
            download_bps=down,
            upload_bps=up,
        )
