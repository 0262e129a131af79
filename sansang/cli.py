"""The one command-line program, ``sansang``: a dispatcher only.

sansang agent run|check-config|probe|speedtest ...        (agent/commands.py)
sansang collector run|check-config|token|... ...          (collector/commands.py)
sansang simulate --sites N ...                            (simulate/cli.py)
sansang survey ... / sansang speedtest-server ...         (tools/commands.py)

Each component registers its own subcommands (``add_parser(top)``) and runs them
(``run(args) -> exit code``).  The shared kernel imports neither the agent nor the collector, so
the components are named here as modules and loaded with importlib (the shape of an entry point,
without depending on installed metadata), and only the one the command line names is loaded.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Protocol, cast

from sansang import __version__
from sansang.configfile import ConfigError

EXIT_FAILED, EXIT_CONFIG = 1, 2

# Top-level command -> the module that registers and runs it, and its line in ``sansang --help``.
COMPONENTS: dict[str, tuple[str, str]] = {
    "agent": ("agent.commands", "the site agent"),
    "survey": ("tools.commands", "dead-zone survey: measure here and append the result to a file"),
    "speedtest-server": (
        "tools.commands",
        "serve the Speedtest-Mini-compatible endpoint (the province's)",
    ),
    "collector": ("collector.commands", "the province collector"),
    "simulate": ("simulate.cli", "simulate a province's sites against a collector"),
}


class Component(Protocol):
    def add_parser(self, top: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _component(name: str) -> Component:
    return cast(Component, importlib.import_module(COMPONENTS[name][0]))


def _chosen(argv: Sequence[str]) -> str | None:
    """The component the command line names (its first word that is one), if any."""
    return next((word for word in argv if word in COMPONENTS), None)


def _parser(chosen: str | None) -> argparse.ArgumentParser:
    """Only the chosen component is loaded (``sansang collector run`` loads no agent module);
    the others are listed by name and help line."""
    parser = argparse.ArgumentParser(
        prog="sansang",
        description="sansang (sẵn sàng): readiness monitoring for commune one-stop centres",
    )
    parser.add_argument("--version", action="version", version=f"sansang {__version__}")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    top = parser.add_subparsers(dest="component", required=True)
    if chosen is not None:
        _component(chosen).add_parser(top)
    for name, (_module, help_line) in COMPONENTS.items():
        if name not in top.choices:
            top.add_parser(name, help=help_line)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; a reader that went away (``sansang ... | head``) ends it quietly.

    Python ignores SIGPIPE, so a write to a closed pipe raises BrokenPipeError wherever the
    command prints; it is caught once here for every subcommand.  stdout then points at
    /dev/null, or the interpreter's last flush at exit would raise it again."""
    try:
        code = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    return code


def _main(argv: Sequence[str] | None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    args = _parser(_chosen(words)).parse_args(words)
    logging.basicConfig(
        level=getattr(logging, args.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Alembic announces its plugins at every start; its "Running upgrade" lines stay.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    try:
        return _component(args.component).run(args)
    except ConfigError as err:
        print(err.render(), file=sys.stderr)
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
