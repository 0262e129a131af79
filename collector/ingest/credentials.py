"""Push credentials: ``credential_id: sha256-hex`` of each site's push token, in a YAML file.

The token is random (256 bits, ``secrets.token_urlsafe(32)``), shown once when made
(``sansang collector credential new ID``) and never stored: the file holds its SHA-256, so a
copy of the file lets nobody push.  The inventory says which site uses which credential
(``push: {credential_id: ...}``).  The file is re-read when its content changes: a new site's
credential works without restarting the collector, and a revoked one stops working within
``RECHECK_SECONDS``, whatever the file's timestamps say.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from pydantic import Field, RootModel
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import SingleQuotedScalarString

from sansang.configfile import ConfigError, Problem, load_model, validate_text
from sansang.models import Slug

log = logging.getLogger(__name__)
DEFAULT_FILE = Path("push-credentials.yaml")
RECHECK_SECONDS = 1.0  # the file's bytes are read again at most this often (on a lookup)
Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class CredentialsFile(RootModel[dict[Slug, Sha256Hex]]):
    """The file: credential id → SHA-256 (64 lowercase hex digits) of its token."""


def token_hash(token: str) -> str:
    """SHA-256 of the token's bytes.  An HTTP header that is not UTF-8 reaches us with its bytes
    as surrogate escapes: they are hashed as sent (it matches nothing) instead of failing."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def load(path: Path) -> dict[str, str]:
    """credential id → hash; a :class:`ConfigError` names file, line and field of each problem.
    An empty file is no credential."""
    if path.exists() and not path.read_text(encoding="utf-8").strip():
        return {}
    return dict(load_model(CredentialsFile, path).root)


def parse(data: bytes, filename: str) -> dict[str, str]:
    """:func:`load` of bytes already read (the very bytes whose hash was taken)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(filename, [Problem(None, "", f"not UTF-8: {err.reason}")]) from None
    if not text.strip():
        return {}
    return dict(validate_text(CredentialsFile, text, filename).root)


class Credentials:
    """The credentials file, re-read when its content changes.

    A lookup reads the file's bytes again when ``recheck_seconds`` have passed since it last did,
    and parses them only when their SHA-256 differs from the last.  Content, not the modification
    time and size: a rotation that keeps both (a copy with ``cp -p``, an editor or a restore that
    sets the old mtime, a clock stepped back) must still revoke the old token.  Reading and
    hashing a file of 1,000 credentials (79 kB) costs about 60 µs, once a second at most; on
    every lookup it would double the lookup's own cost (70 µs: the constant-time comparisons)."""

    def __init__(
        self,
        path: Path | None,
        *,
        recheck_seconds: float = RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.recheck_seconds = recheck_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._checked: float | None = None  # when the bytes were last read (``clock``)
        self._digest: bytes | None = None  # SHA-256 of the bytes last parsed
        self._hashes: dict[str, bytes] = {}
        self._refresh()

    def _refresh(self) -> None:
        if self.path is None:
            return
        now = self._clock()
        with self._lock:
            if self._checked is not None and now - self._checked < self.recheck_seconds:
                return
            self._checked = now
            try:
                data = self.path.read_bytes()
            except OSError as err:
                problem = Problem(None, "", err.strerror or "cannot read the file")
                raise ConfigError(str(self.path), [problem]) from None
            digest = hashlib.sha256(data).digest()
            if digest == self._digest:
                return
            self._digest = digest  # a broken edit is reported once, not at every lookup
            self._hashes = {k: v.encode() for k, v in parse(data, str(self.path)).items()}

    def lookup(self, token: str) -> str | None:
        """The credential id whose hash is the token's, or None.  Every stored hash is compared
        in constant time, so the answer's timing says nothing about which ones came close."""
        try:
            self._refresh()
        except ConfigError as err:  # a broken edit keeps the credentials last read
            log.warning("push credentials not reloaded: %s", err)
        digest = token_hash(token).encode()
        found: str | None = None
        for cred_id, stored in self._hashes.items():
            if hmac.compare_digest(digest, stored):
                found = cred_id
        return found

    def __len__(self) -> int:
        return len(self._hashes)


_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


def new_credential(path: Path, cred_id: str) -> str:
    """Make a token for ``cred_id``, store its hash in ``path`` (added, or replacing the old one;
    other entries and comments kept) and return the token: the only time it is seen."""
    if not _ID.match(cred_id):
        raise ValueError(
            f"'{cred_id}' is not a valid credential id (lowercase letters, digits, '-', '_', '.')"
        )
    if path.exists():
        load(path)  # refuse to rewrite a file that is not valid
    token = secrets.token_urlsafe(32)
    yaml = YAML(typ="rt")
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    tree = yaml.load(text) if text.strip() else None
    if tree is None:
        from ruamel.yaml.comments import CommentedMap

        tree = CommentedMap()
    tree[cred_id] = SingleQuotedScalarString(token_hash(token))  # quoted: never a number
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        yaml.dump(tree, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    return token
