"""Every exception the project defines derives from SansangError and is drawn in its docstring's
tree, with its module and any second base, so the tree stays the true list."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from types import ModuleType

from sansang.errors import SansangError, StartupError

PACKAGES = ("sansang", "agent", "collector", "simulate", "tools")
# "ConfigError (sansang.configfile)   ... also a ValueError: ..."
DRAWN = re.compile(r"(\w+) \(([\w.]+)\)([^\n]*)")


def _modules() -> Iterator[ModuleType]:
    for name in PACKAGES:
        package = importlib.import_module(name)
        yield package
        for info in pkgutil.walk_packages(package.__path__, f"{name}."):
            yield importlib.import_module(info.name)


def _classes_in(owner: object, module: str) -> Iterator[type]:
    for value in vars(owner).values():
        if inspect.isclass(value) and value.__module__ == module and value is not owner:
            yield value
            yield from _classes_in(value, module)


def _exceptions() -> dict[tuple[str, str], type[BaseException]]:
    found: dict[tuple[str, str], type[BaseException]] = {}
    for module in _modules():
        for cls in _classes_in(module, module.__name__):
            if issubclass(cls, BaseException) and cls is not SansangError:
                found[(cls.__qualname__, cls.__module__)] = cls
    return found


def _drawn() -> dict[tuple[str, str], str]:
    """(name, module) of each class in the tree -> the rest of its line."""
    doc = SansangError.__doc__ or ""
    return {(m.group(1), m.group(2)): m.group(3) for m in DRAWN.finditer(doc)}


def test_the_walk_finds_the_known_exceptions() -> None:
    found = _exceptions()
    assert ("ConfigError", "sansang.configfile") in found
    assert ("StartupError", "sansang.errors") in found
    assert ("CellError", "collector.inventory.columns") in found
    assert len(found) >= 17


def test_every_exception_derives_from_sansang_error() -> None:
    stray = [
        f"{m}.{n}" for (n, m), cls in _exceptions().items() if not issubclass(cls, SansangError)
    ]
    assert not stray, f"not derived from sansang.errors.SansangError: {sorted(stray)}"


def test_the_tree_in_the_docstring_is_every_exception_and_only_them() -> None:
    found, drawn = set(_exceptions()), set(_drawn())
    missing = sorted(f"{n} ({m})" for n, m in found - drawn)
    gone = sorted(f"{n} ({m})" for n, m in drawn - found)
    assert not missing, f"add to the tree in SansangError's docstring: {missing}"
    assert not gone, f"the tree in SansangError's docstring names classes that are gone: {gone}"


def test_the_tree_names_each_second_base() -> None:
    drawn = _drawn()
    for key, cls in _exceptions().items():
        others = [b.__name__ for b in cls.__bases__ if not issubclass(b, SansangError)]
        for base in others:
            assert f"also a {base}" in drawn[key], f"{key[0]}: say 'also a {base}' in the tree"


def test_one_startup_error_for_both_components() -> None:
    from agent import app as agent_app
    from collector import app as collector_app

    assert agent_app.StartupError is StartupError  # type: ignore[attr-defined]
    assert collector_app.StartupError is StartupError  # type: ignore[attr-defined]
