"""The files an agent config names, checked by ``sansang agent check-config``.

A config that validates can still name a password, key or token file that is not there (a
typo, a file not copied yet); the agent then fails at the first poll, not at the check a
technician runs before starting it.  Every ``Path`` field of the validated model is found by
walking it, so a field added later is checked without being listed here; only the paths the
agent writes or that are directories the kernel provides are left out.

Not in ``agent.config.load``: the agent re-reads these files at each use (a password file that
appears later needs no restart), so a missing one is a failed check, not a refused start.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

from sansang.configfile import Location

# Paths that are not read as files: the journal is created by the agent; battery's `sysfs` is
# the kernel's power_supply directory.
_NOT_INPUT_FILES = frozenset({("journal", "path"), ("sysfs",)})


def referenced(model: BaseModel, where: Location = ()) -> list[tuple[Location, Path]]:
    """Every ``Path`` value in ``model``, with its location in the file."""
    found: list[tuple[Location, Path]] = []
    for name in type(model).model_fields:
        _walk(getattr(model, name), (*where, name), found)
    return found


def _walk(value: object, where: Location, found: list[tuple[Location, Path]]) -> None:
    if isinstance(value, Path):
        if not any(where[-len(tail) :] == tail for tail in _NOT_INPUT_FILES):
            found.append((where, value))
    elif isinstance(value, BaseModel):
        found += referenced(value, where)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _walk(item, (*where, i), found)
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(item, (*where, str(key)), found)


def problems(model: BaseModel) -> list[tuple[Location, str]]:
    """A cross-check for :func:`sansang.configfile.load_model`: each named file that does not
    exist, is not a file, or that this user may not read."""
    out: list[tuple[Location, str]] = []
    for where, path in referenced(model):
        if not path.exists():
            out.append((where, f"file {path} does not exist"))
        elif not path.is_file():
            out.append((where, f"{path} is not a file"))
        elif not os.access(path, os.R_OK):
            out.append((where, f"cannot read {path}: permission denied"))
    return out
