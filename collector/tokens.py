"""API tokens of the collector (mã truy cập) and the role each one carries.

The tokens file (``tokens_file:`` in collector.yaml) holds only SHA-256 hashes, never a token::

    tokens:
      - name: so-khcn                # who holds it; shown in the audit log
        role: viewer         # viewer | security_reviewer | technician | admin | alertmanager
        sha256: 9f86d081884c7d65...   # of the token `sansang collector token new` printed once
      - name: ky-thuat-sa-thay
        role: technician
        sha256: 2c26b46b68ffc68f...
        sites: ['23527-main']        # technician: the sites it may WRITE for (reads all)
      - name: cong-an-xa-sa-thay
        role: security_reviewer
        sha256: 4e07408562bedb8b...
        communes: ['23527']          # viewer, security_reviewer: it READS only these

What ``sites`` and ``communes`` mean depends on the role:

- ``viewer`` and ``security_reviewer``: they limit what the token may read to those sites (site
  keys) and every site of those communes (5-digit commune codes: a commune's police think in
  communes, and a site added to the commune later is theirs too).  Both empty: the whole
  province, as a token without them always was.
- ``technician``: ``sites`` (required) are the sites it may write for (notes, survey points);
  it reads the whole province as before (a technician compares its sites with the others).
  ``communes`` is refused: a write names a site.
- ``admin``: neither: an admin reloads the inventory and reads the audit log, which are the
  province's.

A token is 256 random bits, so a plain SHA-256 is enough (a slow hash would buy nothing and cost
every request).  ``load`` reports every problem with file, line and field; given the inventory's
site keys it checks that each site, and each commune, is in the inventory.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from sansang.configfile import ConfigError, Location, Problem, load_model
from sansang.models import Slug, StrictModel

# alertmanager: Alertmanager's own token, for its webhook to the collector (incidents) only.
Role = Literal["viewer", "security_reviewer", "technician", "admin", "alertmanager"]
ROLES: tuple[Role, ...] = ("viewer", "security_reviewer", "technician", "admin", "alertmanager")
# The roles whose ``sites``/``communes`` limit what they read (the others' reads are the
# province's: a technician's ``sites`` are where it writes).
READ_SCOPED_ROLES: frozenset[Role] = frozenset({"viewer", "security_reviewer"})
COMMUNE_PATTERN = r"^[0-9]{5}$"  # the official commune code (mã xã), as in site keys


class TokenEntry(StrictModel):
    name: Slug = Field(description="who holds the token (shown in the audit log)")
    role: Role
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the token, lower hex")
    sites: list[str] = Field(
        default_factory=list,
        description="technician: the site keys it may write for; viewer, security_reviewer: "
        "the only sites it may read (none: the whole province)",
    )
    communes: list[Annotated[str, Field(pattern=COMMUNE_PATTERN)]] = Field(
        default_factory=list,
        description="viewer, security_reviewer: it reads only every site of these communes "
        "(5-digit codes), besides `sites`",
    )

    @model_validator(mode="after")
    def _scope_by_role(self) -> TokenEntry:
        if self.role == "technician" and not self.sites:
            raise ValueError("a technician token needs `sites: [SITE_KEY, ...]`")
        if self.role == "technician" and self.communes:
            raise ValueError("`communes` limits a viewer's or security_reviewer's reading")
        if self.role == "alertmanager" and (self.sites or self.communes):
            raise ValueError("an alertmanager token only posts alerts: no `sites` or `communes`")
        if self.role == "admin" and (self.sites or self.communes):
            raise ValueError("an admin token covers the whole province: no `sites` or `communes`")
        return self

    @property
    def read_scoped(self) -> bool:
        """Whether it reads only some sites (see the module's docstring)."""
        return self.role in READ_SCOPED_ROLES and bool(self.sites or self.communes)


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
            if known_sites is None:
                continue
            for j, key in enumerate(t.sites):
                if key not in known_sites:
                    message = f"no site '{key}' in the inventory"
                    problems.append((("tokens", i, "sites", j), message))
            codes = {commune_of(key) for key in known_sites}
            for j, code in enumerate(t.communes):
                if code not in codes:
                    message = f"no site of commune '{code}' in the inventory"
                    problems.append((("tokens", i, "communes", j), message))
        return problems

    return check


def commune_of(site_key: str) -> str:
    """``23527`` of ``23527-main``: a site key starts with its commune's code."""
    return site_key.partition("-")[0]


def load(path: Path, known_sites: Collection[str] | None = None) -> list[TokenEntry]:
    """The tokens of ``path``; ``known_sites`` (the inventory's keys) checks every token's sites
    and communes."""
    check = _cross_check(known_sites)
    return load_model(TokensFile, path, cross_check=check).tokens


def add(path: Path, name: str, role: Role, sites: list[str], communes: Sequence[str] = ()) -> str:
    """Append a new token to ``path`` (created 0600 when missing; comments and layout kept);
    return the token itself, which is stored nowhere: the caller prints it once."""
    entries = load(path) if path.exists() else []
    if any(e.name == name for e in entries):
        problem = Problem(None, "tokens", f"name '{name}' is already there")
        raise ConfigError(str(path), [problem])
    token = new_token()
    entry = TokenEntry(
        name=name, role=role, sha256=hash_token(token), sites=sites, communes=list(communes)
    )
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
    for field, values in (("sites", entry.sites), ("communes", entry.communes)):
        if values:
            item[field] = CommentedSeq(values)
            item[field].fa.set_flow_style()
    tree["tokens"].append(item)
    out = io.StringIO()
    yaml.dump(tree, out)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when it existed: names and roles are nobody else's business
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(out.getvalue())
    return token
