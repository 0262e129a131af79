"""A collector store opened for a test and closed after it, on the test's ``store_url`` (SQLite
in the unit tests' conftest, a fresh PostgreSQL database in test_store_postgres.py)."""

from __future__ import annotations

from collections.abc import Iterator

from collector.store import Store


def opened_store(url: str) -> Iterator[Store]:
    """The body of a ``store`` fixture: ``yield from opened_store(store_url)``."""
    s = Store.open(url)
    try:
        yield s
    finally:
        s.close()
