"""Which ``ups_depleted`` events still stand once their retractions are read.

The agent journals a UPS that fell silent after a low battery as run out
(``silent_after_low_battery``) once the silence outlasts its grace; if that UPS answers again on
battery, it journals ``ups_depletion_retracted``: it had not run out.  A retraction takes back the
newest ``ups_depleted`` of the same subject before it, and a retracted depletion counts as if it
never happened: no hold-up figure, no failed power fallback, no time without power.

The agent also clears ``depleted`` on the outage's ``restored`` when the retraction came before
it; :meth:`Depletions.outage_depleted` covers a ``restored`` journalled before the retraction
(another source saw the mains back while the silent UPS still said nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from collector.evaluate.clock import started_at
from collector.events import StoredEvent

DEPLETED = "ups_depleted"
RETRACTED = "ups_depletion_retracted"


@dataclass(frozen=True)
class Depletions:
    standing: tuple[StoredEvent, ...]  # depletions nothing retracted, in the order given
    retracted: tuple[StoredEvent, ...]  # depletions a later retraction took back

    def outage_depleted(self, restored: StoredEvent) -> bool:
        """A ``mains_state restored``'s ``depleted``, unless every depletion seen inside its
        outage was retracted (a flag with no depletion seen inside stands as it is)."""
        if restored.details.get("depleted") is not True:
            return False
        began = started_at(restored)  # the agent's monotonic length, across a clock step
        start = float("-inf") if began is None else began

        def inside(e: StoredEvent) -> bool:
            return start <= e.wall_time <= restored.wall_time

        if any(inside(e) for e in self.standing):
            return True
        return not any(inside(e) for e in self.retracted)


def resolve(events: Iterable[StoredEvent]) -> Depletions:
    """Pair each retraction with the newest depletion of its subject not yet taken back.

    ``events`` in the store's order (wall time, then seq); other kinds are ignored."""
    open_by_subject: dict[str, list[StoredEvent]] = {}
    retracted: list[StoredEvent] = []
    order: list[StoredEvent] = []
    for e in events:
        if e.kind == DEPLETED:
            open_by_subject.setdefault(e.subject, []).append(e)
            order.append(e)
        elif e.kind == RETRACTED:
            pending = open_by_subject.get(e.subject)
            if pending:
                retracted.append(pending.pop())
    taken = {e.ref for e in retracted}
    return Depletions(tuple(e for e in order if e.ref not in taken), tuple(retracted))
