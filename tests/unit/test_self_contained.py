"""The repository stands on its own: no file names a path outside it (the sibling ``shared``
directory the project was planned in), and no sentence leans on a tracker's issue number, which
means nothing to a reader of the code."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Built from pieces so that this file does not name what it looks for.
OUTSIDE = re.compile(re.escape("../" + "shared"))
ISSUE_NUMBER = re.compile(r"\bissues?\s*#?\s*\d", re.IGNORECASE)


def _files() -> list[Path]:
    """Tracked files and new ones not ignored, as git sees the working tree."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    return [REPO / name.decode() for name in listed if name]


def _text(path: Path) -> str | None:
    """The file's text, or None for a binary file or one gone from the working tree."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return None
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _hits(pattern: re.Pattern[str]) -> list[str]:
    hits = []
    for path in _files():
        text = _text(path)
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line):
                hits.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:100]}")
    return hits


def test_no_file_names_a_path_outside_the_repository() -> None:
    hits = _hits(OUTSIDE)
    assert not hits, "paths outside the repository:\n" + "\n".join(hits)


def test_no_file_cites_an_issue_number() -> None:
    hits = _hits(ISSUE_NUMBER)
    assert not hits, "say what the sentence means, not its issue number:\n" + "\n".join(hits)


def test_the_patterns_catch_what_they_should() -> None:
    assert OUTSIDE.search("see ../" + "shared/design.md")
    numbered = ("issue " + "12", "Issue #" + "12", "(ISSUE " + "6, item 2)", "issues " + "5")
    for phrase in numbered:
        assert ISSUE_NUMBER.search(phrase), phrase
    for phrase in ("an issue's number", "#0 Mất đường truyền", "tissue 5"):
        assert not ISSUE_NUMBER.search(phrase), phrase
