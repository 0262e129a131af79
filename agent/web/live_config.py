"""The web config as the running agent uses it, re-read when its files change.

exporter-toolkit re-reads ``web.config.file`` on every request, so a rotated certificate or a
new user takes effect without a restart; operators expect the same here.  Every
:data:`RELOAD_INTERVAL` seconds the agent compares the modification time, size and inode of the
web config and of the files it names (certificate, key, client CA, token).  A change is applied
once the files have stopped changing for one interval (a certificate and its key are rarely
written at the same instant), so a reload lands 1–2 intervals after the last write:

- the certificate and key are loaded again into the *same* ``SSLContext`` the listener uses:
  new TLS handshakes present the new certificate, open connections keep theirs;
- the basic-auth users and the bearer token are swapped in one assignment;
- the ``http_server_config.headers`` apply from the next response.

A file that does not load (bad YAML, unknown field, a key that does not match the certificate)
keeps the config in use and logs one error naming the file and line, never a secret; it is
tried again when the files change again.  Switching between HTTP and HTTPS needs a restart, as
the listener is already open; a client CA that was removed stays trusted until then.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from pathlib import Path

from aiohttp import web

from agent.config import web as webconfig
from sansang.errors import SansangError

log = logging.getLogger(__name__)

RELOAD_INTERVAL = 5.0

Stamp = tuple[tuple[str, int, int, int], ...]


def _stamp(path: Path, cfg: webconfig.WebConfig) -> Stamp:
    """What identifies the current contents of the config and its files, without reading them."""
    parts = []
    for file in (path, *cfg.watched_files()):
        try:
            st = os.stat(file)
            parts.append((str(file), st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            parts.append((str(file), -1, -1, -1))
    return tuple(parts)


class LiveWebConfig:
    """TLS context, authenticator and response headers of the agent's listener, kept current."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.config = webconfig.load(path) if path is not None else webconfig.WebConfig()
        self.tls = webconfig.ssl_context(self.config)
        self.auth = webconfig.Authenticator(self.config)
        self._applied = _stamp(path, self.config) if path is not None else ()
        self._seen = self._applied
        self._refused: Stamp | None = None

    async def add_headers(self, _request: web.Request, response: web.StreamResponse) -> None:
        """aiohttp's ``on_response_prepare`` hook: every response, errors included."""
        for name, value in self.config.http_server_config.response_headers().items():
            response.headers[name] = value

    async def watch(self, interval: float = RELOAD_INTERVAL) -> None:
        """Check for changes every ``interval`` seconds until cancelled."""
        while True:
            await asyncio.sleep(interval)
            self.check()

    def check(self) -> bool:
        """Apply the files if they changed and have stayed the same since the last check;
        True when a new config is in use."""
        if self.path is None:
            return False
        stamp = _stamp(self.path, self.config)
        settled = stamp == self._seen
        self._seen = stamp
        if stamp in (self._applied, self._refused) or not settled:
            return False
        try:
            new = webconfig.load(self.path)
            self._apply(new)
        except (SansangError, OSError, ssl.SSLError) as err:
            self._refused = stamp
            log.error(
                "cấu hình web không nạp lại được, vẫn dùng cấu hình cũ / "
                "web config not reloaded, keeping the one in use: %s",
                err,
            )
            return False
        self.config = new
        self._applied = self._seen = _stamp(self.path, new)
        self._refused = None
        log.info("đã nạp lại cấu hình web / web config reloaded from %s", self.path)
        return True

    def _apply(self, new: webconfig.WebConfig) -> None:
        old_tls, tls = self.config.tls_server_config, new.tls_server_config
        if (old_tls is None) != (tls is None):
            raise SansangError(
                f"{self.path}: tls_server_config: chuyển giữa HTTP và HTTPS cần khởi động lại "
                "/ switching between HTTP and HTTPS needs a restart"
            )
        self.auth.update(new)  # raises before changing anything when the token is unreadable
        if tls is None or self.tls is None:
            return
        # load() has already loaded this pair into a scratch context: it matches and parses.
        self.tls.load_cert_chain(tls.cert_file, tls.key_file)
        self.tls.minimum_version = (
            ssl.TLSVersion.TLSv1_3 if tls.min_version == "TLS13" else ssl.TLSVersion.TLSv1_2
        )
        if tls.client_ca_file is not None:
            self.tls.load_verify_locations(tls.client_ca_file)
        if old_tls is not None and old_tls.client_ca_file not in (None, tls.client_ca_file):
            log.warning(
                "CA máy khách cũ vẫn được tin đến khi khởi động lại / the previous client CA "
                "%s stays trusted until the agent restarts",
                old_tls.client_ca_file,
            )
        required = tls.client_auth_type == "RequireAndVerifyClientCert"
        # A SERVER context: CERT_NONE means "ask no client certificate" (exporter-toolkit's
        # NoClientCert), as webconfig.ssl_context builds it at start; clients still verify us.
        self.tls.verify_mode = ssl.CERT_REQUIRED if required else ssl.CERT_NONE
