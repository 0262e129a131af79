"""Schema migrations (Alembic, scripts in ``migrations/``), run programmatically: no alembic.ini.

``upgrade(engine)`` brings a database to the newest revision; ``check(engine)`` raises
:class:`SchemaError` naming the database's revision and the one this version of sansang needs.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from sansang.errors import SansangError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 0x5A45_5A41  # the advisory lock held while migrating a PostgreSQL database


class SchemaError(SansangError, RuntimeError):
    """The database's schema is not the one this version of sansang works with."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    """The newest revision this version of sansang knows."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None  # there is at least 0001
    return revision


def current(engine: Engine) -> str | None:
    """The database's revision; None for a database Alembic never touched (empty)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # collectors starting together migrate in turn
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        config = _config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def check(engine: Engine) -> None:
    have, need = current(engine), head()
    if have == need:
        return
    known = {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}
    shown = have or "none (empty database)"
    if have is not None and have not in known:
        raise SchemaError(
            f"cơ sở dữ liệu ở phiên bản lược đồ {have}, mới hơn phiên bản {need} mà bản sansang "
            f"này biết / the database schema is at revision {have}, newer than {need} that this "
            "sansang knows: upgrade sansang"
        )
    raise SchemaError(
        f"cơ sở dữ liệu ở phiên bản lược đồ {shown}, cần {need} / the database schema is at "
        f"revision {shown}, this sansang needs {need}: open it with migration on (the default)"
    )
