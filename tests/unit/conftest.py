"""Fixtures the unit tests share: a real collector store on SQLite in the test's own folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.store import Store
from tests.support.store import opened_store


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'collector.db'}"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    yield from opened_store(store_url)
