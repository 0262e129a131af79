"""Shared pytest configuration."""

from __future__ import annotations

import pytest

from tests.support.env import have_root


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Network namespaces need root; CI runs as root, so these run there.
    if have_root():
        return
    skip = pytest.mark.skip(reason="needs root to create network namespaces")
    for item in items:
        if "netns" in item.keywords:
            item.add_marker(skip)
