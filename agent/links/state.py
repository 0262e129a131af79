"""From quality rounds to link events: a WAN link (đường truyền) up or down, and a backup link
seen working.

Pure bookkeeping like ``agent/power/tracker.py``: no I/O, times passed in, fed every round of
every quality job (``SiteState.record``).  What it decides:

- **Link state.** A link is up as soon as the last round of some target over it got a reply, and
  down when every target measured over it lost every request of its last round.  Before every
  target has had a round, a link nobody answered over is still unknown (no event, no
  ``sansang_link_up``): the targets' first rounds are spread over an interval, and one silent
  target alone does not make a link down.  Every change is a ``link_state`` event, the first
  known state included (like ``check_state``), with ``previous`` and its duration by the
  monotonic clock after that.
- **Backup evidence.** A round over a link with ``role: backup`` that got a reply is the evidence
  that the link-loss fallback works: a ``backup_link_working`` event, at most once per
  ``evidence_every`` (24 h) per link and kind of evidence, by the monotonic clock.  The speed
  tests can report their evidence through :meth:`LinkTracker.backup_evidence` with their own
  kind (``speedtest``).  The day restarts with the agent process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sansang.events import Change

EVIDENCE_EVERY = 24 * 3600.0


@dataclass
class LinkStatus:
    """What the tracker remembers of one link."""

    targets: dict[str, bool | None]  # target id -> did its last round get a reply (None: no round)
    backup: bool = False
    state: str | None = None  # "up" / "down"; None: unknown
    since_mono_ns: int = 0
    evidence_at: dict[str, int] = field(default_factory=dict)  # kind -> monotonic ns

    @property
    def up(self) -> bool | None:
        return None if self.state is None else self.state == "up"


class LinkTracker:
    def __init__(
        self,
        targets: dict[str, list[str]],
        backups: set[str],
        evidence_every: float = EVIDENCE_EVERY,
    ) -> None:
        """``targets``: link id -> the targets measured over it; ``backups``: links with
        ``role: backup``."""
        self.links: dict[str, LinkStatus] = {
            link: LinkStatus(dict.fromkeys(ids), backup=link in backups)
            for link, ids in targets.items()
        }
        self.evidence_every = evidence_every

    def round(self, link: str, target: str, replied: bool, mono_ns: int) -> list[Change]:
        """One quality round of ``target`` over ``link`` ended; ``replied``: some request got a
        reply.  Returns the events it makes."""
        status = self.links[link]
        status.targets[target] = replied
        changes = self._state(link, status, mono_ns)
        if replied and status.backup:
            changes += self.backup_evidence(link, "quality_round", {"target": target}, mono_ns)
        return changes

    def backup_evidence(
        self, link: str, evidence: str, details: dict[str, Any], mono_ns: int
    ) -> list[Change]:
        """A backup link carried traffic (``evidence``: ``quality_round``, ``speedtest``): one
        event unless the same link and kind gave one within ``evidence_every``."""
        status = self.links.get(link)
        if status is None or not status.backup:
            return []
        last = status.evidence_at.get(evidence)
        if last is not None and mono_ns - last < self.evidence_every * 1e9:
            return []
        status.evidence_at[evidence] = mono_ns
        return [Change("backup_link_working", link, None, {"evidence": evidence, **details})]

    def _state(self, link: str, status: LinkStatus, mono_ns: int) -> list[Change]:
        rounds = status.targets.values()
        if any(rounds):
            new = "up"
        elif all(r is False for r in rounds):
            new = "down"
        else:
            return []  # nobody answered yet, but not every target has had its round
        if new == status.state:
            return []
        details: dict[str, Any] = {}
        if status.state is not None:
            details["previous"] = status.state
            details["previous_duration_seconds"] = round((mono_ns - status.since_mono_ns) / 1e9, 3)
        status.state, status.since_mono_ns = new, mono_ns
        return [Change("link_state", link, new, details)]
