"""A province pass's ``finish`` without the sites whose data makes it fail.

``finish`` sees every site's view at once (OPS-247 and INF-LINK: a loss half the province shares
is a central outage), so one site's bad data would make its target unknown for the whole
province.  When it fails, :func:`finish_isolating` looks for the site to blame: the shortest
first part of the views that still fails ends with it (a bisection: a few more finishes of at
most all the views, not one per site); the pass is finished again without it, and so on, up to
:data:`MAX_CULPRITS` sites.  It gives up when the pass fails with no site at all (the rule
itself, or the survey points), or with too many: the target is then unknown everywhere.
The central outages are then found among the other sites only: a site whose data cannot be
read has no say in them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

V = TypeVar("V")
R = TypeVar("R")

MAX_CULPRITS = 16


@dataclass
class Outcome(Generic[R]):
    result: R | None  # None: the pass failed as a whole (``error``)
    culprits: list[tuple[int, Exception]] = field(default_factory=list)  # view index, error
    error: Exception | None = None

    @property
    def left_out(self) -> set[int]:
        return {index for index, _err in self.culprits}


def finish_isolating(finish: Callable[[list[V]], R], views: Sequence[V]) -> Outcome[R]:
    """``finish(views)``, or of all views but the ones that make it fail (see the module)."""
    kept = list(range(len(views)))
    outcome: Outcome[R] = Outcome(None)
    while True:
        try:
            outcome.result = finish([views[i] for i in kept])
            return outcome
        except Exception as err:  # the caller turns it into unknown findings
            failed = err
        if len(outcome.culprits) >= MAX_CULPRITS or (
            not outcome.culprits and _fails(finish, views, []) is not None
        ):
            outcome.error = failed
            return outcome
        at, error = _shortest_failing(finish, views, kept, failed)
        outcome.culprits.append((kept[at - 1], error))
        del kept[at - 1]


def _fails(finish: Callable[[list[V]], R], views: Sequence[V], kept: list[int]) -> Exception | None:
    try:
        finish([views[i] for i in kept])
    except Exception as err:  # the caller turns it into unknown findings
        return err
    return None


def _shortest_failing(
    finish: Callable[[list[V]], R], views: Sequence[V], kept: list[int], failed: Exception
) -> tuple[int, Exception]:
    """The least ``n`` such that the first ``n`` kept views fail (the ``n``-th is to blame),
    and their error; the first none pass, all of them fail with ``failed``."""
    passes, fails, error = 0, len(kept), failed
    while fails - passes > 1:
        middle = (passes + fails) // 2
        found = _fails(finish, views, kept[:middle])
        if found is None:
            passes = middle
        else:
            fails, error = middle, found
    return fails, error
