"""The router check's command profiles, kept as data in ``router_profiles.yaml`` (shipped in the
package) and validated here: a router family's fixed read-only commands and the reader of each.

Commands are data so that a technician can read, in one short file, every command the agent
will ever send to a router; a new family is a new entry plus, when its output is new, a reader
in :mod:`agent.probes._router_parse`.  A broken profile file is a packaging bug: it is reported
with file, line and field (``sansang.configfile``) the first time a profile is asked for.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, RootModel, field_validator, model_validator

from agent.probes._router_parse import READERS
from sansang.configfile import load_model
from sansang.models import StrictModel

PROFILES_FILE = Path(__file__).with_name("router_profiles.yaml")


def _one_line(value: str) -> str:
    if not value.strip() or any(c in value for c in "\r\n\0"):
        raise ValueError("a command is one non-empty line")
    return value.strip()


class ProfileCommand(StrictModel):
    """One fixed command and how its output is read."""

    command: str = Field(description="the command line, sent as it is")
    read: str = Field(description="the reader of its output (agent/probes/_router_parse.py)")
    subject: str | None = Field(
        default=None, description="the interface a named reader reports (`ubus_interface`)"
    )
    optional: bool = Field(
        default=False, description="may fail on some devices of the family (ubus on plain Linux)"
    )

    @field_validator("command")
    @classmethod
    def _command_line(cls, value: str) -> str:
        return _one_line(value)

    @field_validator("read")
    @classmethod
    def _known_reader(cls, value: str) -> str:
        if value not in READERS:
            raise ValueError(f"unknown reader '{value}'; one of: {', '.join(sorted(READERS))}")
        return value


class Profile(StrictModel):
    """A router family: its default WAN interface, setup commands and read commands."""

    description: str = Field(min_length=1)
    wan_interface: str = Field(min_length=1)
    setup: tuple[str, ...] = ()
    commands: tuple[ProfileCommand, ...] = Field(min_length=1)

    @field_validator("setup")
    @classmethod
    def _setup_lines(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_one_line(c) for c in value)

    @model_validator(mode="after")
    def _something_required(self) -> Profile:
        if all(c.optional for c in self.commands):
            raise ValueError("at least one command must not be optional")
        return self

    def sent(self) -> tuple[str, ...]:
        """Every command line this profile sends, in order."""
        return (*self.setup, *(c.command for c in self.commands))


class Profiles(RootModel[dict[str, Profile]]):
    """The file: profile name → profile."""


@cache
def profiles(path: Path = PROFILES_FILE) -> dict[str, Profile]:
    """The profiles of ``path`` (the shipped file by default), read once."""
    return dict(load_model(Profiles, path).root)
