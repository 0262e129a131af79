"""An event's details the store holds but cannot give back: text that is not JSON, or JSON that is
not an object.

The ingest refuses such details, but the store is not trusted to hold only what the ingest
accepted (rows of an older version, a database restored from elsewhere, a hand-made fix).  The
store's reading must not stop at such a row: the events after it are other sites' too.  So the
row becomes an event whose details raise :class:`UnreadableDetailsError` (naming the event) when
read: a rule that needs them fails for its own site and target only, and the evaluation turns
that into an ``unknown`` finding with the error as its evidence; what never reads them (another
rule, another site) goes on as usual.  Never an empty mapping: a rule would judge the event as if
it had no details, and say nothing of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NoReturn

from sansang.errors import SansangError


class UnreadableDetailsError(SansangError, ValueError):
    """The details of the event ``ref`` (``SITE/JOURNAL_ID/SEQ``) cannot be read."""

    def __init__(self, ref: str, why: str) -> None:
        super().__init__(f"details of event {ref} are {why}")
        self.ref = ref


class UnreadableDetails(dict[str, Any]):
    """Stands for the details of one stored event; any read raises (see the module)."""

    __slots__ = ("ref", "why")

    def __init__(self, ref: str, why: str) -> None:
        super().__init__()
        self.ref, self.why = ref, why

    def _refuse(self) -> NoReturn:
        raise UnreadableDetailsError(self.ref, self.why)

    def __getitem__(self, key: str) -> NoReturn:
        self._refuse()

    def get(self, key: str, default: Any = None) -> NoReturn:
        self._refuse()

    def __contains__(self, key: object) -> NoReturn:
        self._refuse()

    def __iter__(self) -> Iterator[str]:
        self._refuse()

    def __len__(self) -> NoReturn:
        self._refuse()

    def keys(self) -> NoReturn:
        self._refuse()

    def values(self) -> NoReturn:
        self._refuse()

    def items(self) -> NoReturn:
        self._refuse()

    def __repr__(self) -> str:
        return f"UnreadableDetails({self.ref!r}, {self.why!r})"


def unreadable(site: str, journal_id: str, seq: int, why: str) -> UnreadableDetails:
    return UnreadableDetails(f"{site}/{journal_id}/{seq}", why)
