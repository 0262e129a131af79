"""TLS and authentication for the agent's HTTP endpoints, in the shape of Prometheus'
``web.config.file`` (exporter-toolkit), so operators reuse what they know:

    tls_server_config:
      cert_file: /etc/sansang/agent.crt
      key_file: /etc/sansang/agent.key
      client_ca_file: /etc/sansang/ca.crt      # optional: require client certificates
      min_version: TLS12
    basic_auth_users:
      prometheus: $2b$12$...                  # bcrypt hash, as in exporter-toolkit
    # sansang's addition, mirroring a scrape config's `authorization:` block:
    authorization:
      type: Bearer
      credentials_file: /etc/sansang/agent.token

Every endpoint except ``/healthz`` then requires one of the configured credentials.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ssl
from pathlib import Path
from typing import Literal

import bcrypt
from pydantic import Field, model_validator

from agent.probes.base import StrictModel
from sansang.configfile import load_model


class TlsServerConfig(StrictModel):
    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = None
    client_auth_type: Literal["NoClientCert", "RequireAndVerifyClientCert"] | None = None
    min_version: Literal["TLS12", "TLS13"] = "TLS12"


class Authorization(StrictModel):
    type: Literal["Bearer"] = "Bearer"
    credentials_file: Path


class WebConfig(StrictModel):
    tls_server_config: TlsServerConfig | None = None
    basic_auth_users: dict[str, str] = Field(default_factory=dict)
    authorization: Authorization | None = None

    @model_validator(mode="after")
    def _bcrypt_hashes(self) -> WebConfig:
        for user, hashed in self.basic_auth_users.items():
            if not hashed.startswith(("$2a$", "$2b$", "$2y$")):
                raise ValueError(f"basic_auth_users.{user}: the password must be a bcrypt hash")
        return self


def load(path: Path | str) -> WebConfig:
    return load_model(WebConfig, path)


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


class Authenticator:
    """Checks an ``Authorization`` header against the web config; no config means open."""

    def __init__(self, cfg: WebConfig) -> None:
        self._users = {u: h.encode() for u, h in cfg.basic_auth_users.items()}
        self._token: bytes | None = None
        if cfg.authorization is not None:
            self._token = cfg.authorization.credentials_file.read_text(encoding="utf-8").strip().encode()
        self._verified: set[tuple[str, bytes]] = set()  # bcrypt is slow on purpose: cache hits

    @property
    def required(self) -> bool:
        return bool(self._users) or self._token is not None

    def allows(self, header: str | None) -> bool:
        if not self.required:
            return True
        if not header:
            return False
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer" and self._token is not None:
            return hmac.compare_digest(value.strip().encode(), self._token)
        if scheme == "basic" and self._users:
            return self._basic(value.strip())
        return False

    def _basic(self, value: str) -> bool:
        try:
            user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        hashed = self._users.get(user)
        if hashed is None:
            return False
        key = (user, hashlib.sha256(password.encode()).digest())
        if key in self._verified:
            return True
        if bcrypt.checkpw(password.encode(), hashed):
            self._verified.add(key)
            return True
        return False
