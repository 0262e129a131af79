"""Roles, tokens files and browser sessions of the collector (collector/web/auth.py, tokens.py);
the real process's behaviour is tests/integration/test_collector_api.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector import tokens
from collector.tokens import TokenEntry, hash_token
from collector.web.auth import Auth, Principal, _local_path, allowed
from sansang import cli
from sansang.configfile import ConfigError

TECH = Principal("kt", "technician", frozenset({"23527-main"}))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("viewer", {"read"}),
        ("security_reviewer", {"read", "read_personal", "read_audit"}),
        ("technician", {"read"}),
        ("admin", {"read", "read_personal", "read_audit", "write_notes", "admin"}),
    ],
)
def test_what_each_role_may_do(role: str, expected: set[str]) -> None:
    p = Principal("x", role, frozenset())  # type: ignore[arg-type]
    perms = ("read", "read_personal", "read_audit", "write_notes", "admin")
    assert {perm for perm in perms if allowed(p, perm, "23527-main")} == expected  # type: ignore[arg-type]


def test_a_technician_writes_only_for_its_sites() -> None:
    assert allowed(TECH, "write_notes", "23527-main")
    assert not allowed(TECH, "write_notes", "21548-main")
    assert not allowed(TECH, "write_notes")
    assert allowed(TECH, "read", "21548-main")


def _entry(name: str = "ops", role: str = "admin", token: str = "t0k3n") -> TokenEntry:
    return TokenEntry(name=name, role=role, sha256=hash_token(token))  # type: ignore[arg-type]


def test_bearer_token_is_matched_by_its_hash_only() -> None:
    auth = Auth([_entry()])
    assert auth.from_token("t0k3n") == Principal("ops", "admin", frozenset(), "bearer")
    assert auth.from_token("t0k3n ") is not None  # trailing whitespace of a header
    assert auth.from_token("t0k3") is None
    assert auth.from_token(hash_token("t0k3n")) is None  # the hash is not the token


def test_session_cookie_round_trip_tamper_expiry_and_revocation() -> None:
    auth = Auth([_entry()])
    principal = auth.from_token("t0k3n")
    assert principal is not None
    value = auth.session_value(principal, now=1000.0)
    assert "t0k3n" not in value and hash_token("t0k3n") not in value
    assert auth.from_session(value, now=1001.0) == Principal("ops", "admin", frozenset(), "session")
    name, expires, sig = value.split(".")
    assert auth.from_session(f"{name}.{int(expires) + 9999}.{sig}", now=1001.0) is None
    assert auth.from_session(f"{name}.{expires}.{'0' * len(sig)}", now=1001.0) is None
    assert auth.from_session(value, now=float(expires) + 1) is None
    assert auth.from_session("garbage", now=1001.0) is None
    assert auth.from_session("!!.x.y", now=1001.0) is None
    # Another process (another key) does not accept it; a replaced token ends the session.
    assert Auth([_entry()]).from_session(value, now=1001.0) is None
    auth.replace([_entry(token="new-token")])
    assert auth.from_session(value, now=1001.0) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/sites/23527-main?lang=en", "/sites/23527-main?lang=en"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_login_redirects_only_to_local_paths(raw: str | None, expected: str) -> None:
    assert _local_path(raw) == expected


def test_tokens_file_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text(
        "tokens:\n"
        "  - name: a\n"
        "    role: viewer\n"
        f"    sha256: {'a' * 64}\n"
        "  - name: b\n"
        "    role: technician\n"
        f"    sha256: {'b' * 64}\n"
        "    sites: ['23527-main', '99999-x']\n"
        "  - name: c\n"
        "    role: superuser\n"
        "    sha256: NOT-HEX\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        tokens.load(path, {"23527-main"})
    text = err.value.render()
    assert f"{path}:10: tokens.2.role:" in text
    assert f"{path}:11: tokens.2.sha256:" in text
    path.write_text(path.read_text().split("  - name: c")[0], encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        tokens.load(path, {"23527-main"})
    assert f"{path}:8: tokens.1.sites.1: no site '99999-x' in the inventory" in err.value.render()


def test_token_new_prints_the_token_once_and_stores_its_hash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tokens.yaml"
    path.write_text("# Tokens of Quảng Ngãi: kept by the province\ntokens: []\n", encoding="utf-8")
    argv = ["collector", "token", "new", "--file", str(path)]
    assert cli.main([*argv, "--name", "so-khcn", "--role", "viewer"]) == 0
    first = capsys.readouterr().out.strip()
    assert cli.main([*argv, "--name", "kt", "--role", "technician", "--sites", "23527-main"]) == 0
    second = capsys.readouterr().out.strip()
    text = path.read_text(encoding="utf-8")
    assert first not in text and second not in text
    assert text.startswith("# Tokens of Quảng Ngãi: kept by the province\n")
    assert (path.stat().st_mode & 0o777) == 0o600
    entries = tokens.load(path)
    assert [(e.name, e.role, e.sites) for e in entries] == [
        ("so-khcn", "viewer", []),
        ("kt", "technician", ["23527-main"]),
    ]
    assert Auth(entries).from_token(second) == Principal(
        "kt", "technician", frozenset({"23527-main"})
    )
    # The same name twice, a technician without sites, a viewer with sites: refused, exit 2.
    assert cli.main([*argv, "--name", "kt", "--role", "admin"]) == 2
    assert "already there" in capsys.readouterr().err
    assert cli.main([*argv, "--name", "t2", "--role", "technician"]) == 2
    assert cli.main([*argv, "--name", "v2", "--role", "viewer", "--sites", "23527-main"]) == 2
    assert cli.main([*argv, "--name", "t3", "--role", "technician", "--sites", "bad key"]) == 2
    assert len(tokens.load(path)) == 2


def test_token_new_creates_a_private_tokens_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "tokens.yaml"
    path.parent.mkdir()
    token = tokens.add(path, "ops", "admin", [])
    assert (path.stat().st_mode & 0o777) == 0o600
    assert [e.sha256 for e in tokens.load(path)] == [hash_token(token)]
    assert path.read_text(encoding="utf-8").startswith("# sansang collector API tokens")
