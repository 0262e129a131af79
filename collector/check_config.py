"""``sansang collector check-config FILE``: read what ``sansang collector run`` reads before it
starts, the same way, and say in one line what it found.

A province edits its config, inventory, threshold overrides, tokens and push credentials by hand
and restarts the collector; a mistake then stops the service.  This check lets it (or a deploy
step) find the mistake first, with the same file:line:field errors, while writing nothing,
opening no database and starting nothing.
"""

from __future__ import annotations

from pathlib import Path

from collector import app
from collector.config import CollectorConfig
from collector.ingest.credentials import Credentials
from collector.ingest.pull import ssl_context
from sansang.configfile import ConfigError, Problem, line_of, parse_yaml


def check(path: Path) -> str:
    """The one-line summary of a usable config; a :class:`ConfigError` names what is not."""
    loaded = app.load(path)  # the config, inventory, catalogue, overrides and tokens
    config = loaded.config
    credentials = Credentials(config.ingest.credentials_file)  # read at start by the push routes
    _check_ca_file(path, config)  # read at start by the pull loop
    sites = loaded.inventory.sites
    pulled = sum(1 for s in sites if s.pull is not None)
    pushing = sum(1 for s in sites if s.push is not None)
    targets = loaded.catalogue.targets
    evaluated = sum(1 for t in targets if t.status == "evaluated")
    province = loaded.inventory.province
    return (
        f"{path}: hợp lệ / OK — {province.name} ({province.code}), "
        f"{len(sites)} sites ({pulled} pull, {pushing} push), "
        f"{len(targets)} targets ({evaluated} evaluated), {len(loaded.auth)} API tokens, "
        f"{len(credentials)} push credentials"
    )


def _check_ca_file(path: Path, config: CollectorConfig) -> None:
    """``pull.ca_file`` must be a CA bundle Python's TLS can load, as the pull loop loads it."""
    ca_file = config.pull.ca_file
    if ca_file is None:
        return
    try:
        ssl_context(ca_file)
    except OSError as err:  # missing, unreadable, or not PEM certificates (ssl.SSLError)
        tree = parse_yaml(path.read_text(encoding="utf-8"), str(path))
        where = ("pull", "ca_file")
        why = err.strerror or str(err)
        problem = Problem(line_of(tree, where), ".".join(where), f"cannot use {ca_file}: {why}")
        raise ConfigError(str(path), [problem]) from err
