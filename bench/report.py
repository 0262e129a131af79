"""Results: goals with their ratio and verdict, printed and written to ``docs/performance.md``."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

from sansang import __version__

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


@dataclass(frozen=True)
class Goal:
    """``agent / reference <= limit`` is a PASS."""

    what: str  # "RSS, peak"
    unit: str  # "MiB"
    agent: float
    reference: float
    reference_name: str  # "node_exporter + blackbox_exporter"
    limit: float = 1.0  # the highest ratio that passes
    digits: int = 1
    wrong: str = ""  # why the measurement does not stand (results the lab did not intend)

    @property
    def ratio(self) -> float:
        return self.agent / self.reference if self.reference else float("inf")

    @property
    def passed(self) -> bool:
        return not self.wrong and self.ratio <= self.limit

    @property
    def verdict(self) -> str:
        if self.wrong:
            return "MISS (wrong results)"
        return "PASS" if self.passed else "MISS"

    def fmt(self, value: float) -> str:
        return f"{value:.{self.digits}f} {self.unit}".strip()


@dataclass
class Section:
    """One benchmark's outcome: its goals, and other figures worth writing down."""

    name: str
    setup: str
    goals: list[Goal] = field(default_factory=list)
    figures: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def print(self) -> None:
        print(f"\n== {self.name} ==  ({self.setup})")
        for key, value in self.figures.items():
            print(f"   {key}: {value}")
        for g in self.goals:
            print(
                f"   {g.verdict}  {g.what}: {g.fmt(g.agent)} vs {g.reference_name} "
                f"{g.fmt(g.reference)} -> ratio {g.ratio:.2f} (goal <= {g.limit:g})"
            )
        for note in self.notes:
            print(f"   note: {note}")


def machine_facts(versions: dict[str, str]) -> dict[str, str]:
    mem = psutil.virtual_memory().total
    cpu = _cpu_model()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": f"{os.cpu_count()} × {cpu}" if cpu else f"{os.cpu_count()} cores",
        "nproc": str(len(os.sched_getaffinity(0))),
        "memory": f"{mem / 1024**3:.1f} GiB",
        "kernel": platform.release(),
        "Python": sys.version.split()[0],
        "sansang": __version__,
        **versions,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return ""
    return ""


def render(
    facts: dict[str, str],
    sections: list[Section],
    method: str,
    title: str = "Performance of the site agent",
    command: str = "`make bench` (`python -m bench`)",
    goals: str = "Goals",
    subject: str = "agent",
) -> str:
    out = [
        f"# {title}",
        "",
        f"Written by {command}; do not edit by hand, run it again.",
        "Every figure was measured in one run, beside its reference measured in the same run.",
        "",
        "## Machine",
        "",
        "| fact | value |",
        "| --- | --- |",
        *(f"| {k} | {v} |" for k, v in facts.items()),
        "",
        f"## {goals}",
        "",
        f"| benchmark | figure | {subject} | reference | ratio | goal | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in sections:
        for g in s.goals:
            out.append(
                f"| {s.name} | {g.what} | {g.fmt(g.agent)} | {g.reference_name}: "
                f"{g.fmt(g.reference)} | {g.ratio:.2f} | ≤ {g.limit:g} | **{g.verdict}** |"
            )
    for s in sections:
        out += ["", f"## {s.name}", "", s.setup, ""]
        if s.figures:
            out += ["| figure | value |", "| --- | --- |"]
            out += [f"| {k} | {v} |" for k, v in s.figures.items()]
        out += [f"\n{n}" for n in s.notes]
    out += ["", "## How it is measured", "", method.strip(), ""]
    return "\n".join(out)


def write(
    facts: dict[str, str],
    sections: list[Section],
    method: str,
    path: Path = DOC,
    **headings: str,
) -> None:
    """``headings``: ``title``, ``command``, ``goals``, ``subject`` of :func:`render`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(facts, sections, method, **headings), encoding="utf-8")
