"""Roles, tokens files and browser sessions of the collector (collector/web/auth.py, tokens.py);
the real process's behaviour is tests/integration/test_collector_api.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector import tokens
from collector.tokens import TokenEntry, hash_token
from collector.web.auth import (
    Auth,
    Principal,
    _local_path,
    allowed,
    may_read_site,
    read_scope,
    readable_sites,
)
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
    assert cli.main([*argv, "--name", "a2", "--role", "admin", "--sites", "23527-main"]) == 2
    assert cli.main([*argv, "--name", "t3", "--role", "technician", "--sites", "bad key"]) == 2
    assert cli.main([*argv, "--name", "t4", "--role", "technician", "--communes", "23527"]) == 2
    assert cli.main([*argv, "--name", "v3", "--role", "viewer", "--communes", "2352"]) == 2
    assert len(tokens.load(path)) == 2
    # A commune's police: a security reviewer reading one commune only.
    args = ["--name", "ca-sa-thay", "--role", "security_reviewer", "--communes", "23527"]
    assert cli.main([*argv, *args]) == 0
    third = capsys.readouterr().out.strip()
    entries = tokens.load(path)
    assert (entries[-1].role, entries[-1].communes) == ("security_reviewer", ["23527"])
    assert "communes: ['23527']" in path.read_text(encoding="utf-8")
    police = Auth(entries).from_token(third)
    assert police is not None and police.scoped and police.communes == {"23527"}


def test_token_new_creates_a_private_tokens_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "tokens.yaml"
    path.parent.mkdir()
    token = tokens.add(path, "ops", "admin", [])
    assert (path.stat().st_mode & 0o777) == 0o600
    assert [e.sha256 for e in tokens.load(path)] == [hash_token(token)]
    assert path.read_text(encoding="utf-8").startswith("# sansang collector API tokens")


# --- tokens scoped to some sites for reading -----------------------------------------------------

POLICE = Principal("ca-xa", "security_reviewer", communes=frozenset({"23527"}))
ONE_SITE = Principal("so-khcn-1", "viewer", frozenset({"21548-main"}))
PROVINCE = Principal("so-khcn", "viewer")


@pytest.mark.parametrize(
    ("principal", "readable"),
    [
        (PROVINCE, {"23527-main", "23527-cho", "21548-main", "99999-x"}),
        (POLICE, {"23527-main", "23527-cho"}),  # every site of the commune
        (ONE_SITE, {"21548-main"}),
        (TECH, {"23527-main", "23527-cho", "21548-main", "99999-x"}),  # writes one, reads all
        (Principal("ops", "admin"), {"23527-main", "23527-cho", "21548-main", "99999-x"}),
    ],
)
def test_what_a_token_may_read(principal: Principal, readable: set[str]) -> None:
    keys = ["23527-main", "21548-main", "23527-cho", "99999-x"]
    assert set(readable_sites(principal, keys)) == readable
    assert readable_sites(principal, keys) == [k for k in keys if k in readable]  # order kept
    for key in keys:
        assert may_read_site(principal, key) == (key in readable)
        assert allowed(principal, "read", key) == (key in readable)
    assert allowed(principal, "read")  # the province-level reads (targets, months, ...)
    scope = read_scope(principal, keys)
    assert scope == (None if not principal.scoped else frozenset(readable))


def test_a_scoped_security_reviewer_keeps_its_role_but_only_its_sites() -> None:
    assert POLICE.scoped and ONE_SITE.scoped
    assert not TECH.scoped and not PROVINCE.scoped
    assert allowed(POLICE, "read_personal") and allowed(POLICE, "read_personal", "23527-main")
    assert not allowed(POLICE, "read_personal", "21548-main")
    assert not allowed(POLICE, "write_notes", "23527-main")
    # A key that merely starts with the code is not the commune's: the code is the whole part
    # before the dash.
    assert not may_read_site(POLICE, "235270-main")
    assert not may_read_site(POLICE, "2352-main")


def _tokens_file(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "tokens.yaml"
    body = "".join(
        f"  - name: t{i}\n    role: {role}\n    sha256: {'abcdef'[i] * 64}\n{extra}"
        for i, (role, extra) in enumerate(e.split("|", 1) for e in entries)
    )
    path.write_text("tokens:\n" + body, encoding="utf-8")
    return path


def test_sites_and_communes_for_viewers_and_security_reviewers(tmp_path: Path) -> None:
    path = _tokens_file(
        tmp_path,
        "viewer|    sites: ['21548-main']\n",
        "security_reviewer|    communes: ['23527']\n",
        "viewer|",
    )
    entries = tokens.load(path, {"23527-main", "23527-cho", "21548-main"})
    assert [(e.sites, e.communes, e.read_scoped) for e in entries] == [
        (["21548-main"], [], True),
        ([], ["23527"], True),
        ([], [], False),
    ]


def test_unknown_sites_and_communes_are_errors_with_file_line_and_field(tmp_path: Path) -> None:
    path = _tokens_file(
        tmp_path,
        "viewer|    sites: ['21548-main', '99999-x']\n",
        "security_reviewer|    communes: ['23527', '11111']\n",
    )
    with pytest.raises(ConfigError) as err:
        tokens.load(path, {"23527-main", "21548-main"})
    text = err.value.render()
    assert f"{path}:5: tokens.0.sites.1: no site '99999-x' in the inventory" in text
    assert f"{path}:9: tokens.1.communes.1: no site of commune '11111' in the inventory" in text
    assert tokens.load(path) != []  # without the inventory only the form is checked


@pytest.mark.parametrize(
    ("entry", "field", "message"),
    [
        ("admin|    sites: ['23527-main']\n", "tokens.0", "admin token covers the whole province"),
        ("technician|    sites: ['23527-main']\n    communes: ['23527']\n", "tokens.0",
         "`communes` limits a viewer's or security_reviewer's reading"),
        ("viewer|    communes: ['2352']\n", "tokens.0.communes.0", "should match pattern"),
        ("technician|", "tokens.0", "a technician token needs `sites"),
    ],
)  # fmt: skip
def test_a_scope_the_role_cannot_have_is_an_error(
    tmp_path: Path, entry: str, field: str, message: str
) -> None:
    path = _tokens_file(tmp_path, entry)
    with pytest.raises(ConfigError) as err:
        tokens.load(path, {"23527-main"})
    text = err.value.render()
    assert f"{path}:" in text and f" {field}: " in text and message in text, text
