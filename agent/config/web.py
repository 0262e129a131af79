"""TLS and authentication for the agent's HTTP endpoints, in the shape of Prometheus'
``web.config.file`` (exporter-toolkit), so operators reuse what they know:

    tls_server_config:
      cert_file: /etc/sansang/agent.crt
      key_file: /etc/sansang/agent.key
      client_ca_file: /etc/sansang/ca.crt      # optional: require client certificates
      min_version: TLS12
    basic_auth_users:
      prometheus: $2b$12$...                  # bcrypt hash, as in exporter-toolkit
    http_server_config:
      http2: true                              # accepted; the agent serves HTTP/1.1 only
      headers:
        Strict-Transport-Security: max-age=31536000
        X-Frame-Options: deny
    # sansang's addition, mirroring a scrape config's `authorization:` block:
    authorization:
      type: Bearer
      credentials_file: /etc/sansang/agent.token

Every endpoint except ``/healthz`` then requires one of the configured credentials.  Relative
paths are relative to the web config file.  ``deploy/examples/web-config.yaml`` is a commented
example.  The running agent re-reads the file, and the files it names, when they change
(``agent.web.live_config``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import bcrypt
from pydantic import AfterValidator, Field, ValidationInfo, model_validator

from sansang.configfile import Location, load_model
from sansang.models import StrictModel

_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


def _bcrypt_hash(value: str) -> str:
    # The message never repeats the value: it may be a plain-text password.
    if not value.startswith(_BCRYPT_PREFIXES) or len(value) != 60:
        raise ValueError(
            "the password must be a bcrypt hash ($2b$..., 60 characters), never the password "
            "itself; deploy/examples/web-config.yaml shows how to make one"
        )
    return value


BcryptHash = Annotated[str, AfterValidator(_bcrypt_hash)]


def _beside_config(value: Path | None, info: ValidationInfo) -> Path | None:
    """A relative path is relative to the web config file's folder, as in exporter-toolkit."""
    base = (info.context or {}).get("base_dir")
    if value is None or value.is_absolute() or base is None:
        return value
    return Path(base) / value


ConfigPath = Annotated[Path, AfterValidator(_beside_config)]


class TlsServerConfig(StrictModel):
    cert_file: ConfigPath = Field(description="server certificate (PEM), with its chain")
    key_file: ConfigPath = Field(description="private key of the certificate (PEM)")
    client_ca_file: ConfigPath | None = Field(
        default=None, description="CA that signs client certificates (mutual TLS)"
    )
    client_auth_type: Literal["NoClientCert", "RequireAndVerifyClientCert"] | None = Field(
        default=None, description="`RequireAndVerifyClientCert` rejects clients without one"
    )
    min_version: Literal["TLS12", "TLS13"] = Field(
        default="TLS12", description="oldest TLS version accepted"
    )

    @model_validator(mode="after")
    def _ca_for_client_certs(self) -> TlsServerConfig:
        if self.client_auth_type == "RequireAndVerifyClientCert" and self.client_ca_file is None:
            raise ValueError("client_auth_type RequireAndVerifyClientCert needs client_ca_file")
        return self


class Authorization(StrictModel):
    type: Literal["Bearer"] = Field(default="Bearer", description="only `Bearer`")
    credentials_file: ConfigPath = Field(
        description="file holding the token (one line); keep it readable by the agent only"
    )


# The headers exporter-toolkit lets a web config set, with the values it accepts (none listed:
# any value).  Any other header is refused there, so it is refused here too.
SETTABLE_HEADERS: dict[str, tuple[str, ...]] = {
    "Content-Security-Policy": (),
    "X-Frame-Options": ("deny", "sameorigin"),
    "X-Content-Type-Options": ("nosniff",),
    "X-XSS-Protection": (),
    "Strict-Transport-Security": (),
}


def _settable_headers(value: dict[str, str]) -> dict[str, str]:
    by_lower = {name.lower(): name for name in SETTABLE_HEADERS}
    for name, header_value in value.items():
        canonical = by_lower.get(name.lower())
        if canonical is None:
            raise ValueError(
                f"header {name!r} cannot be set here; only {', '.join(SETTABLE_HEADERS)} "
                "(as in exporter-toolkit)"
            )
        allowed = SETTABLE_HEADERS[canonical]
        if allowed and header_value.strip() and header_value.strip().lower() not in allowed:
            raise ValueError(f"{canonical} must be one of {', '.join(allowed)}")
    return value


class HttpServerConfig(StrictModel):
    http2: bool = Field(
        default=True,
        description="accepted for exporter-toolkit files; the agent serves HTTP/1.1 only "
        "(aiohttp has no HTTP/2), whatever the value",
    )
    headers: Annotated[dict[str, str], AfterValidator(_settable_headers)] = Field(
        default_factory=dict,
        description="headers added to every response: Content-Security-Policy, "
        "X-Frame-Options (deny, sameorigin), X-Content-Type-Options (nosniff), "
        "X-XSS-Protection, Strict-Transport-Security; a blank value sets nothing",
    )

    def response_headers(self) -> dict[str, str]:
        """The headers to add, under their usual spelling; blank values are left out."""
        by_lower = {name.lower(): name for name in SETTABLE_HEADERS}
        return {by_lower[k.lower()]: v.strip() for k, v in self.headers.items() if v.strip()}


class WebConfig(StrictModel):
    tls_server_config: TlsServerConfig | None = Field(
        default=None, description="serve HTTPS instead of HTTP"
    )
    basic_auth_users: dict[str, BcryptHash] = Field(
        default_factory=dict,
        description="user name to bcrypt hash of the password (`htpasswd -nBC 12 USER`)",
    )
    http_server_config: HttpServerConfig = Field(
        default_factory=HttpServerConfig,
        description="exporter-toolkit's HTTP settings: response headers, `http2`",
    )
    authorization: Authorization | None = Field(
        default=None, description="accept `Authorization: Bearer TOKEN` (the collector's pull)"
    )

    def watched_files(self) -> list[Path]:
        """The files this config names; a change to any of them is a change to the config."""
        tls = self.tls_server_config
        files = [tls.cert_file, tls.key_file, tls.client_ca_file] if tls is not None else []
        if self.authorization is not None:
            files.append(self.authorization.credentials_file)
        return [f for f in files if f is not None]


def load(path: Path | str) -> WebConfig:
    """Read and check a web config file, including the files it names (certificate, key,
    token): every problem is reported with file and line, before the agent starts serving."""
    base_dir = Path(path).parent
    return load_model(WebConfig, path, context={"base_dir": base_dir}, cross_check=_check_files)


def _check_files(cfg: WebConfig) -> list[tuple[Location, str]]:
    problems: list[tuple[Location, str]] = []
    tls = cfg.tls_server_config
    if tls is not None:
        for name in ("cert_file", "key_file", "client_ca_file"):
            file = getattr(tls, name)
            if file is not None and (reason := _unreadable(file)):
                problems.append((("tls_server_config", name), reason))
        if not problems:
            try:
                ssl_context(cfg)
            except (ssl.SSLError, ValueError) as err:
                problems.append(
                    (("tls_server_config", "cert_file"), f"cannot use certificate and key: {err}")
                )
    if cfg.authorization is not None:
        file = cfg.authorization.credentials_file
        loc: Location = ("authorization", "credentials_file")
        if reason := _unreadable(file):
            problems.append((loc, reason))
        elif not file.read_text(encoding="utf-8").strip():
            problems.append((loc, f"{file} is empty"))
    return problems


def _unreadable(file: Path) -> str:
    try:
        with file.open("rb"):
            return ""
    except OSError as err:
        return f"cannot read {file}: {err.strerror}"


def ssl_context(cfg: WebConfig) -> ssl.SSLContext | None:
    tls = cfg.tls_server_config
    if tls is None:
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = (
        ssl.TLSVersion.TLSv1_3 if tls.min_version == "TLS13" else ssl.TLSVersion.TLSv1_2
    )
    ctx.load_cert_chain(tls.cert_file, tls.key_file)
    if tls.client_ca_file is not None:
        ctx.load_verify_locations(tls.client_ca_file)
        if tls.client_auth_type == "RequireAndVerifyClientCert":
            ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


@dataclass(frozen=True)
class _Credentials:
    users: dict[str, bytes]
    decoy: bytes  # unknown users are checked against a real hash: timing tells nobody who exists
    token: bytes | None
    verified: set[tuple[str, bytes]]  # bcrypt is slow on purpose: cache hits


def _credentials(cfg: WebConfig) -> _Credentials:
    users = {u: h.encode() for u, h in cfg.basic_auth_users.items()}
    token: bytes | None = None
    if cfg.authorization is not None:
        token = cfg.authorization.credentials_file.read_text(encoding="utf-8").strip().encode()
    return _Credentials(users, next(iter(users.values()), b""), token, set())


class Authenticator:
    """Checks an ``Authorization`` header against the web config; no config means open.

    :meth:`update` swaps every credential in one assignment, so a request is checked against
    the old set or the new one, never a mix (checks run in worker threads)."""

    def __init__(self, cfg: WebConfig) -> None:
        self._creds = _credentials(cfg)

    def update(self, cfg: WebConfig) -> None:
        """Use ``cfg``'s credentials from now on; raises ``OSError`` (and changes nothing) when
        the token file cannot be read."""
        self._creds = _credentials(cfg)

    @property
    def required(self) -> bool:
        creds = self._creds
        return bool(creds.users) or creds.token is not None

    async def allows_async(self, header: str | None) -> bool:
        """:meth:`allows` off the event loop: a bcrypt check takes ~0.2 s of CPU, and probes
        must keep their schedule while someone tries passwords."""
        if not self.required:
            return True
        return await asyncio.to_thread(self.allows, header)

    def allows(self, header: str | None) -> bool:
        creds = self._creds  # one snapshot for the whole check
        if not (creds.users or creds.token is not None):
            return True
        if not header:
            return False
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer" and creds.token is not None:
            return hmac.compare_digest(value.strip().encode(), creds.token)
        if scheme == "basic" and creds.users:
            return _basic(creds, value.strip())
        return False


def _basic(creds: _Credentials, value: str) -> bool:
    try:
        user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    hashed = creds.users.get(user)
    key = (user, hashlib.sha256(password.encode()).digest())
    if hashed is not None and key in creds.verified:
        return True
    try:
        matches = bcrypt.checkpw(password.encode(), hashed or creds.decoy)
    except ValueError:  # bcrypt refuses passwords longer than 72 bytes
        return False
    if matches and hashed is not None:
        creds.verified.add(key)
        return True
    return False
