"""A real PostgreSQL server for tests and benchmarks, in a temp dir, on 127.0.0.1.

    from tests.integration.pglab import postgres, skip_without_postgres

    @skip_without_postgres
    def test_something():
        with postgres() as url:       # "postgresql+psycopg://sansang@127.0.0.1:PORT/sansang"
            store = Store.open(url)

Debian's PostgreSQL (``apt-get install -y postgresql``: /usr/lib/postgresql/N/bin).  initdb
refuses to run as root, so as root the cluster belongs to the ``postgres`` user (``runuser``);
the directory is a fresh one under the system temp dir (pytest's tmp_path is not reachable by
that user).  Trust authentication on 127.0.0.1 and a socket in the lab's directory only: nothing
else can reach it.  ``pg_ctl -m fast stop`` in teardown, the postmaster killed by PID if that
fails, the directory removed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import wait_until
from tests.support.net import free_port

USER = "sansang"
DATABASE = "sansang"
# For tests: durability does not matter, speed does.  Benchmarks pass settings={} (the defaults).
FAST: Mapping[str, str] = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin with initdb, or None."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


def _uid(name: str) -> int | None:
    import pwd

    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


def postgres_missing() -> str | None:
    if bin_dir() is None:
        return "PostgreSQL not found under /usr/lib/postgresql: apt-get install -y postgresql"
    if os.geteuid() == 0 and _uid("postgres") is None:
        return "running as root needs the 'postgres' user (apt-get install -y postgresql)"
    return None


skip_without_postgres = pytest.mark.skipif(
    postgres_missing() is not None, reason=str(postgres_missing())
)


class PgLab:
    def __init__(self, settings: Mapping[str, str] = FAST) -> None:
        bindir = bin_dir()
        assert bindir is not None, postgres_missing()
        self.bin = bindir
        self.settings = dict(settings)
        self.root = Path(tempfile.mkdtemp(prefix="sansang-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        self.started = False

    def _run(self, *cmd: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bin / cmd[0]), *cmd[1:]]
        if self.as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)

    def start(self) -> str:
        if self.as_postgres:
            uid = _uid("postgres")
            assert uid is not None
            os.chown(self.root, uid, -1)
        init = self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        assert init.returncode == 0, f"initdb failed:\n{init.stdout}\n{init.stderr}"
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-c port={self.port}",
            f"-c unix_socket_directories={self.root}",
            *(f"-c {k}={v}" for k, v in self.settings.items()),
        ]
        start = self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "-o",
            " ".join(options),
            "start",
        )
        self.started = True
        assert start.returncode == 0, f"pg_ctl start failed:\n{start.stderr}\n{self.server_log()}"
        wait_until(self._create_database, 30, f"PostgreSQL on 127.0.0.1:{self.port} to accept")
        return self.url

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _create_database(self) -> bool:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=USER,
            dbname="postgres",
            autocommit=True,
            connect_timeout=2,
        ) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
            ).fetchone()
            if not exists:
                conn.execute(f"CREATE DATABASE {DATABASE}")
        return True

    def server_log(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        try:
            if self.started:
                done = self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
                if done.returncode != 0:
                    self._kill_postmaster()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        pidfile = self.data / "postmaster.pid"
        try:
            pid = int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return


@contextmanager
def postgres(settings: Mapping[str, str] = FAST) -> Iterator[str]:
    """A running PostgreSQL with an empty database; yields its SQLAlchemy URL."""
    lab = PgLab(settings)
    try:
        yield lab.start()
    finally:
        lab.stop()


def new_database(url: str, name: str) -> str:
    """A fresh empty database on the server of ``url``; returns its URL."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    with psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed.set(database=name).render_as_string(hide_password=False)
