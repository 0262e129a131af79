"""API tokens of the collector (mã truy cập) and the role each one carries.

The tokens file (``tokens_file:`` in collector.yaml) holds only SHA-256 hashes, never a token::

    tokens:
      - name: so-khcn                # who holds it; shown in the audit log
        role: viewer                 # viewer | security_reviewer | technician | admin
        sha256: 9f86d081884c7d65...   # of the token `sansang collector token new` printed once
      - name: ky-thuat-sa-thay
        role: technician
        sha256: 2c26b46b68ffc68f...
        sites: ['23527-main']        # technician only: the sites it may write for

A token is 256 random bits, so a plain SHA-256 is enough (a slow hash would buy nothing and cost
every request).  ``load`` reports every problem with file, line and field.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from sansang.configfile import ConfigError, Location, Problem, load_model
from sansang.models import Slug, StrictModel

Role = Literal["viewer", "security_reviewer", "technician", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "security_reviewer", "technician", "admin")


class TokenEntry(StrictModel):
    name: Slug = Field(description="who holds the token (shown in the audit log)")
    role: Role
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the token, lower hex")
    sites: list[str] = Field(
        default_factory=list, description="technician only: the site keys it may write for"
    )

    @model_validator(mode="after")
    def _sites_for_technicians(self) -> TokenEntry:
        if self.role == "technician" and not self.sites:
            raise ValueError("a technician token needs `sites: [SITE_KEY, ...]`")
        if self.role != "technician" and self.sites:
            raise ValueError(f"`sites` is for technician tokens only, not {self.role}")
        return self


class TokensFile(StrictModel):
    tokens: list[TokenEntry] = Field(default_factory=list)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def _cross_check(
    known_sites: Collection[str] | None,
) -> Callable[[TokensFile], list[tuple[Location, str]]]:
    def check(tf: TokensFile) -> list[tuple[Location, str]]:
        problems: list[tuple[Location, str]] = []
        names: set[str] = set()
        hashes: set[str] = set()
        for i, t in enumerate(tf.tokens):
            if t.name in names:
                problems.append((("tokens", i, "name"), f"name '{t.name}' is listed twice"))
            if t.sha256 in hashes:
                problems.append((("tokens", i, "sha256"), "the same token is listed twice"))
            names.add(t.name)
            hashes.add(t.sha256)
            for j, key in enumerate(t.sites):
                if known_sites is not None and key not in known_sites:
                    message = f"no site '{key}' in the inventory"
                    problems.append((("tokens", i, "sites", j), message))
        return problems

    return check


def load(path: Path, known_sites: Collection[str] | None = None) -> list[TokenEntry]:
    """The tokens of ``path``; ``known_sites`` (the inventory's keys) checks technicians' sites."""
    check = _cross_check(known_sites)
    return load_model(TokensFile, path, cross_check=check).tokens


def add(path: Path, name: str, role: Role, sites: list[str]) -> str:
    """Append a new token to ``path`` (created 0600 when missing; comments and layout kept);
    return the token itself, which is stored nowhere: the caller prints it once."""
    entries = load(path) if path.exists() else []
    if any(e.name == name for e in entries):
        problem = Problem(None, "tokens", f"name '{name}' is already there")
        raise ConfigError(str(path), [problem])
    token = new_token()
    entry = TokenEntry(name=name, role=role, sha256=hash_token(token), sites=sites)
    yaml = YAML()  # round trip: the province's comments stay
    yaml.indent(mapping=2, sequence=4, offset=2)
    tree = yaml.load(path.read_text(encoding="utf-8")) if path.exists() else None
    if not isinstance(tree, CommentedMap):
        tree = CommentedMap()
        tree.yaml_set_start_comment(
            "sansang collector API tokens (SHA-256 only): `sansang collector token new`"
        )
    if not isinstance(tree.get("tokens"), list):
        tree["tokens"] = CommentedSeq()
    item = CommentedMap(name=entry.name, role=entry.role, sha256=entry.sha256)
    if entry.sites:
        item["sites"] = CommentedSeq(entry.sites)
        item["sites"].fa.set_flow_style()
    tree["tokens"].append(item)
    out = io.StringIO()
    yaml.dump(tree, out)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when it existed: names and roles are nobody else's business
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(out.getvalue())
    return token
