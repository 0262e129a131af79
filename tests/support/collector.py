"""A real collector for tests: ``running_collector(...)`` runs ``sansang collector run`` in a
subprocess on a free port and waits for ``/healthz``.

    with running_collector({"evaluate": {"interval": "2s"}}, inventory_of(site("23527")),
                           tmp_path, credentials={"sa-thay": "secret-push-token"}) as c:
        status, body = c.get_json("/api/v1/sites", as_="viewer")

Tokens: by default one per role, named after it (``viewer``, ``security_reviewer``,
``technician`` for the inventory's first site, ``admin``); ``c.tokens[name]`` is the token
itself, ``as_=name`` sends it as ``Authorization: Bearer``.  ``credentials`` are the push
credentials (credential id → token), written hashed to the file ``ingest.credentials_file``
names.  The inventory's sites must never point at outside names (``pull.url`` on loopback or
in a test's namespace): the collector really pulls.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import signal
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support import wait_until, yaml_writer
from tests.support.env import SANSANG, stop_process
from tests.support.net import free_port, http_get

Json = Any


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _plan(name: str) -> dict[str, Any]:
    return {
        "approved_on": "2025-08-15",
        "fallback": {"kind": "spare_device", "text": "Máy dự phòng tại kho xã"},
        "drills": [{"held_on": "2025-10-02", "result": "passed"}],
        "responder": {"name": name, "phone": "0912 345 678", "confirmed_on": "2025-10-01"},
    }


def site(
    commune_code: str,
    site_id: str = "main",
    *,
    name: str | None = None,
    push: str | None = None,
    pull: str | None = None,
    latitude: float = 14.4132,
    longitude: float = 107.7930,
    **extra: Any,
) -> dict[str, Any]:
    """One inventory site, push (``push=credential_id``, the default ``{code}-{id}``) or pull
    (``pull=URL`` of an agent on loopback); contingency plans with a named responder."""
    entry: dict[str, Any] = {
        "commune_code": commune_code,
        "site_id": site_id,
        "name": name or f"Bộ phận một cửa {commune_code}",
        "latitude": latitude,
        "longitude": longitude,
        "links": ["internet"],
        "contingency": {
            risk: _plan("Nguyễn Văn An")
            for risk in ("hardware", "software", "cyberattack", "link_loss", "power_loss")
        },
    }
    if pull is not None:
        entry["pull"] = {"url": pull}
    else:
        entry["push"] = {"credential_id": push or f"{commune_code}-{site_id}"}
    entry.update(extra)
    return entry


def inventory_of(*sites: dict[str, Any], province: tuple[str, str] = ("51", "Quảng Ngãi")) -> Json:
    """An inventory of these sites (default: Sa Thầy and Lý Sơn, both push)."""
    code, name = province
    chosen = list(sites) or [site("23527"), site("21548", latitude=15.38, longitude=109.118)]
    return {"province": {"code": code, "name": name}, "sites": chosen}


def default_tokens(inventory: Json | Path) -> list[dict[str, Any]]:
    if isinstance(inventory, Path):
        from ruamel.yaml import YAML

        inventory = YAML(typ="safe", pure=True).load(inventory.read_text(encoding="utf-8"))
    first = inventory["sites"][0] if isinstance(inventory, dict) and inventory["sites"] else None
    tokens: list[dict[str, Any]] = [
        {"name": "viewer", "role": "viewer"},
        {"name": "security_reviewer", "role": "security_reviewer"},
        {"name": "admin", "role": "admin"},
    ]
    if first is not None:
        key = f"{first['commune_code']}-{first.get('site_id', 'main')}"
        tokens.append({"name": "technician", "role": "technician", "sites": [key]})
    return tokens


class CollectorProcess:
    """A real ``sansang collector run`` in a subprocess."""

    def __init__(
        self,
        config: dict[str, Any],
        inventory: Json | Path,
        workdir: Path,
        *,
        tokens: Sequence[Mapping[str, Any]] | None = None,
        credentials: Mapping[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.config = copy.deepcopy(config)
        self.config_path = workdir / "collector.yaml"
        self.log_path = workdir / "collector.log"
        self.proc: subprocess.Popen[bytes] | None = None
        if isinstance(inventory, Path):
            self.inventory_path = inventory
        else:
            self.inventory_path = workdir / "inventory.yaml"
            self.inventory_path.write_text(yaml_writer.dump(inventory), encoding="utf-8")
        self.config.setdefault("inventory", str(self.inventory_path))
        self.config.setdefault("listen", f"127.0.0.1:{free_port()}")
        self.config.setdefault("database", f"sqlite:///{workdir / 'collector.db'}")
        self.tokens: dict[str, str] = {}
        if "tokens_file" not in self.config:
            chosen = default_tokens(inventory) if tokens is None else tokens
            self.config["tokens_file"] = str(self._write_tokens(chosen))
        self.credentials = dict(credentials or {})
        if credentials is not None:
            path = workdir / "credentials.yaml"
            hashed = {cid: _sha256(tok) for cid, tok in credentials.items()}
            path.write_text(yaml_writer.dump(hashed), encoding="utf-8")
            self.config.setdefault("ingest", {})["credentials_file"] = str(path)
        self.base_url = f"http://{self.config['listen']}"

    def _write_tokens(self, tokens: Sequence[Mapping[str, Any]]) -> Path:
        entries = []
        for t in tokens:
            token = t.get("token") or secrets.token_urlsafe(32)
            self.tokens[t["name"]] = token
            entry = {"name": t["name"], "role": t["role"], "sha256": _sha256(token)}
            for scope in ("sites", "communes"):
                if t.get(scope):
                    entry[scope] = list(t[scope])
            entries.append(entry)
        path = self.workdir / "tokens.yaml"
        path.write_text(yaml_writer.dump({"tokens": entries}), encoding="utf-8")
        return path

    def start(self, timeout: float = 30.0) -> CollectorProcess:
        self.config_path.write_text(yaml_writer.dump(self.config), encoding="utf-8")
        cmd = [str(SANSANG), "collector", "run", "--config", str(self.config_path)]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir
            )
        wait_until(self._healthy, timeout, f"collector at {self.base_url} to serve")
        return self

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"collector exited with {self.proc.returncode}:\n{self.log()}")
        return http_get(self.base_url + "/healthz", timeout=1.0) == b"ok\n"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    # --- HTTP ------------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        as_: str | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of one request; ``as_`` names the token to send."""
        sent = dict(headers or {})
        if as_ is not None:
            sent["Authorization"] = f"Bearer {self.tokens[as_]}"
        req = urllib.request.Request(self.base_url + path, data=body, headers=sent, method=method)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(req, timeout=timeout) as resp:
                return resp.status, dict(resp.headers.items()), resp.read()
        except urllib.error.HTTPError as err:
            with err:
                return err.code, dict(err.headers.items()), err.read()

    def get_json(self, path: str, *, as_: str | None = "admin") -> tuple[int, Json]:
        status, _, body = self.request("GET", path, as_=as_)
        return status, json.loads(body) if body else None

    def post_json(self, path: str, payload: Json, *, as_: str | None = "admin") -> tuple[int, Json]:
        data = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        status, _, body = self.request("POST", path, as_=as_, body=data, headers=headers)
        return status, json.loads(body) if body else None

    def metrics(self, as_: str = "viewer") -> str:
        status, _, body = self.request("GET", "/metrics", as_=as_)
        assert status == 200, body
        return body.decode()

    # --- stopping --------------------------------------------------------------------------------
    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait; the exit status."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=15)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@contextmanager
def running_collector(
    config: dict[str, Any],
    inventory: Json | Path,
    workdir: Path,
    *,
    tokens: Sequence[Mapping[str, Any]] | None = None,
    credentials: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> Iterator[CollectorProcess]:
    """A started collector (``/healthz`` answers), stopped on the way out."""
    proc = CollectorProcess(config, inventory, workdir, tokens=tokens, credentials=credentials)
    proc.start(timeout)
    try:
        yield proc
    finally:
        proc.stop()
