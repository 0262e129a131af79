"""The incident playbooks (sổ tay xử lý sự cố, ``playbooks/<kind>.md``), read where the
technicians are: the collector serves them at ``/playbooks/`` and the agent's status page at
``/playbooks/<kind>``, offline, from the files shipped inside this package.

``playbooks/`` at the top of the repository is the source; ``sansang/playbook_files`` is a
symbolic link to it, and ``pyproject.toml`` ships ``playbook_files/*.md`` as package data: a
wheel and an sdist copy the files themselves, an editable install reads them through the link.

Each playbook starts with a front matter, YAML between two ``---`` lines::

    ---
    kind: power_loss
    title: {vi: "Mất điện lưới", en: "Mains power lost"}
    causes: [power]               # reason codes (sansang.reasons) and causes it answers
    sections: {check: "kiem-tra-dau-tien-tai-xa", call: "goi-ai", escalate: "khi-nao-bao-cap-tren"}
    ---

A section's anchor is the slug of its ``##`` heading (:func:`slug`: no diacritics, lower case,
hyphens), the ``id`` the HTML gets, so ``/playbooks/power_loss#goi-ai`` stays stable as long as
the heading does (a test holds the anchors against the headings).  A bad front matter is a
:class:`~sansang.configfile.ConfigError` naming the file, the line and the field.

:func:`advice` answers the status page's question: this thing failed for this reason, which
playbook and section should the technician read?
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pydantic import Field, field_validator

from sansang.configfile import ConfigError, Problem, validate_text
from sansang.models import StrictModel
from sansang.reasons import Reason

INDEX = "README.md"  # the list of playbooks, not a playbook itself
SectionRole = Literal["meaning", "check", "call", "escalate", "meanwhile", "record"]
REQUIRED_SECTIONS: tuple[SectionRole, ...] = ("check", "escalate")
# The collector's causes of an outage (collector.findings.Cause, "unknown" aside): the kernel
# imports no component, a test holds the two lists together.
CAUSES = ("power", "link", "device", "central", "agent")
CODES = frozenset(get_args(Reason)) - {"ok"} | frozenset(CAUSES)
_KIND = re.compile(r"[a-z][a-z0-9_]*")


def _directory() -> Path:
    return Path(str(resources.files("sansang") / "playbook_files"))


def slug(heading: str) -> str:
    """``Kiểm tra đầu tiên tại xã`` → ``kiem-tra-dau-tien-tai-xa``: ASCII, so an anchor survives
    any mail client or chat app a link is pasted into."""
    text = heading.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


class Title(StrictModel):
    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class FrontMatter(StrictModel):
    kind: str = Field(description="the file's name without .md")
    title: Title
    causes: tuple[str, ...] = Field(min_length=1, description="reason codes and causes")
    sections: dict[SectionRole, str]

    @field_validator("causes")
    @classmethod
    def _known_causes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - CODES)
        if unknown:
            raise ValueError(
                f"unknown cause {', '.join(unknown)} (known: {', '.join(sorted(CODES))})"
            )
        return value

    @field_validator("sections")
    @classmethod
    def _required_sections(cls, value: dict[SectionRole, str]) -> dict[SectionRole, str]:
        missing = [role for role in REQUIRED_SECTIONS if role not in value]
        if missing:
            raise ValueError(f"missing section {', '.join(missing)}")
        return value


@dataclass(frozen=True)
class Playbook:
    kind: str
    title: Title
    causes: frozenset[str]
    sections: Mapping[SectionRole, str]  # role → anchor
    headings: Mapping[str, str]  # anchor → heading text
    markdown: str  # the body, front matter removed

    def anchor(self, role: SectionRole) -> str | None:
        return self.sections.get(role)


def split_front_matter(text: str, filename: str) -> tuple[str, str]:
    """(front matter with blank lines kept in place of the file's first lines, body)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ConfigError(filename, [Problem(1, "", "no front matter: the first line must be ---")])
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            # one blank line per line before the YAML: the problems' line numbers are the file's
            return "\n" + "".join(lines[1:i]), "".join(lines[i + 1 :])
    raise ConfigError(filename, [Problem(1, "", "the front matter has no closing ---")])


def _headings(markdown: str) -> dict[str, str]:
    return {
        slug(t.content): t.content
        for t, opening in _pairs(_MD.parse(markdown))
        if opening.tag in ("h2", "h3")
    }


def _pairs(tokens: list[Token]) -> list[tuple[Token, Token]]:
    """(inline, heading_open) of every heading."""
    return [(tokens[i + 1], tok) for i, tok in enumerate(tokens[:-1]) if tok.type == "heading_open"]


def parse(text: str, filename: str) -> Playbook:
    """One playbook file's text; a :class:`ConfigError` naming ``filename``, line and field when
    its front matter is wrong or names a section its body does not have."""
    yaml, body = split_front_matter(text, filename)
    front = validate_text(FrontMatter, yaml, filename)
    expected = Path(filename).stem
    problems: list[Problem] = []
    if front.kind != expected or not _KIND.fullmatch(front.kind):
        problems.append(Problem(_line(yaml, "kind"), "kind", f"must be {expected!r}, the name"))
    headings = _headings(body)
    for role, anchor in front.sections.items():
        if anchor not in headings:
            known = ", ".join(headings)
            message = f"no heading with the anchor {anchor!r} (anchors: {known})"
            problems.append(Problem(_line(yaml, "sections"), f"sections.{role}", message))
    if problems:
        raise ConfigError(filename, problems)
    return Playbook(
        front.kind, front.title, frozenset(front.causes), dict(front.sections), headings, body
    )


def _line(yaml: str, key: str) -> int | None:
    for number, line in enumerate(yaml.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None


@functools.cache
def load_all() -> Mapping[str, Playbook]:
    """Every playbook shipped in the package, by kind (read once per process)."""
    directory = _directory()
    found = {}
    for path in sorted(directory.glob("*.md")):
        if path.name != INDEX:
            found[path.stem] = parse(path.read_text(encoding="utf-8"), str(path))
    return found


def get(kind: str) -> Playbook | None:
    """The playbook of ``kind``; None for anything else (never a path: no traversal)."""
    return load_all().get(kind) if _KIND.fullmatch(kind) else None


def index_markdown() -> str:
    return (_directory() / INDEX).read_text(encoding="utf-8")


# --- which playbook for a failure -------------------------------------------------------------

# The playbooks that may answer a failure of each kind of thing, most specific first: the first
# whose ``causes`` hold the reason, else the last.  The things are the agent's job roles
# (agent.jobs.Role), a terminal's kind where it has its own playbook, and ``site`` for the
# collector's cause of a site's outage.
THINGS: Mapping[str, tuple[str, ...]] = {
    "service": ("certificate", "service_down"),
    "check": ("link_loss",),
    "dns": ("dns",),  # a DNS check (diagnose's DNS layer)
    "quality": ("bandwidth_low", "link_loss"),
    "link": ("link_loss",),
    "terminal": ("terminal_down",),
    "video_conference": ("conference_endpoint",),
    "router": ("link_loss", "terminal_down"),  # its WAN down: the link
    "power": ("hardware", "power_loss"),
    "security": ("cyberattack",),
    "host": ("hardware",),
    "bandwidth": ("bandwidth_low",),  # throughput under the plan's floor (agent diagnose)
    "site": ("power_loss", "link_loss", "central_outage", "site_unreachable", "terminal_down"),
}


def advice(thing: str, reason: str, role: SectionRole = "check") -> tuple[str, str] | None:
    """(kind, anchor) of the section to read when ``thing`` failed for ``reason``; None when
    nothing fits (an unknown thing, ``ok``)."""
    candidates = THINGS.get(thing)
    if not candidates or reason == "ok":
        return None
    books = load_all()
    chosen = next((k for k in candidates if reason in books[k].causes), candidates[-1])
    anchor = books[chosen].anchor(role) or books[chosen].sections["check"]
    return chosen, anchor


# --- HTML --------------------------------------------------------------------------------------

# CommonMark with tables; raw HTML in a playbook is shown as text, never passed through.
_MD = MarkdownIt("commonmark", {"html": False}).enable("table")
_LOCAL_LINK = re.compile(r"([a-z][a-z0-9_]*)\.md(#[\w-]*)?")


def to_html(markdown: str) -> str:
    """The markdown as an HTML fragment: each heading gets its anchor as ``id``, and a link to
    another playbook (``software.md``) becomes ``software``, relative to ``/playbooks/``."""
    tokens = _MD.parse(markdown)
    for inline, opening in _pairs(tokens):
        opening.attrSet("id", slug(inline.content))
    for tok in tokens:
        for child in tok.children or ():
            href = child.attrGet("href") if child.type == "link_open" else None
            match = _LOCAL_LINK.fullmatch(href) if isinstance(href, str) else None
            if match:
                child.attrSet("href", match.group(1) + (match.group(2) or ""))
    env: dict[str, Any] = {}
    return str(_MD.renderer.render(tokens, _MD.options, env))
