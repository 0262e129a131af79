"""NUT's network protocol (upsd, TCP 3493), the replies only: pure, no I/O.

The protocol is line based ("Network protocol information" in NUT's developer guide,
docs/net-protocol.txt): each reply line is a list of words, a word with spaces is in double
quotes, and a backslash makes the next character literal (``\\"``, ``\\\\``, ``\\#``).  upsd
and its client library split lines with NUT's own ``parseconf`` state machine; ``split_words``
follows it so a line means here what it means to ``upsc``:

- any run of spaces, tabs (any C ``isspace`` character) separates words;
- ``"..."`` is one word, possibly empty, and may hold spaces; ``\\x`` inside or outside quotes
  is ``x``;
- an unquoted ``#`` starts a comment, an unquoted ``=`` is a word of its own;
- control characters are dropped (parseconf drops them: CVE-2012-2944).

Where parseconf is lenient and the result would be a guess, this module is strict: a quote that
is never closed, a backslash at the end of a line, a line break inside a line or a line longer
than ``MAX_LINE`` raise ``NutProtocolError``.  Malformed input never raises anything else.

An ``ERR`` reply is data (``Err``), not an exception here: the client turns it into ``NutError``.

``read_dummy_ups_file`` reads the ``name: value`` files of NUT's dummy-ups driver and device
dump library (nut-ddl) the way dummy-ups does.

``reading_from_vars`` maps NUT variables onto a ``PowerReading``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from agent.power.reading import PowerReading, parse_status
from sansang.errors import SansangError

# The longest reply line accepted.  upsd's own lines stay far below (a value is at most a few
# hundred bytes); the client's reader enforces the same limit before a line is even decoded.
MAX_LINE = 8192

# The error codes net-protocol.txt documents.  Any other code is kept as it is (``Err.known``
# tells them apart): a newer upsd may add codes, and an unknown one is still an error reply.
KNOWN_ERRORS: frozenset[str] = frozenset(
    {
        "ACCESS-DENIED",
        "UNKNOWN-UPS",
        "VAR-NOT-SUPPORTED",
        "CMD-NOT-SUPPORTED",
        "INVALID-ARGUMENT",
        "INSTCMD-FAILED",
        "SET-FAILED",
        "READONLY",
        "TOO-LONG",
        "FEATURE-NOT-SUPPORTED",
        "FEATURE-NOT-CONFIGURED",
        "ALREADY-SSL-MODE",
        "DRIVER-NOT-CONNECTED",
        "DATA-STALE",
        "ALREADY-LOGGED-IN",
        "INVALID-PASSWORD",
        "ALREADY-SET-PASSWORD",
        "INVALID-USERNAME",
        "ALREADY-SET-USERNAME",
        "USERNAME-REQUIRED",
        "PASSWORD-REQUIRED",
        "UNKNOWN-COMMAND",
        "INVALID-VALUE",
    }
)

_SEPARATORS = " \t\r\v\f"  # C isspace() without the newline


class NutProtocolError(SansangError):
    """upsd (or whatever answered) sent something that is not NUT's protocol."""


def _shown(text: str, limit: int = 60) -> str:
    """A piece of a bad line for an error message: escaped, cut short."""
    cut = text[:limit]
    return repr(cut) + ("…" if len(text) > limit else "")


def split_words(line: str) -> list[str]:
    """The words of one line, as NUT's parseconf splits them (see the module docstring).
    A trailing ``\\n`` (or ``\\r\\n``) is allowed."""
    if line.endswith("\n"):
        line = line[:-1]
    if len(line) > MAX_LINE:
        raise NutProtocolError(f"line of {len(line)} characters, over the {MAX_LINE} limit")
    if "\n" in line:
        raise NutProtocolError(f"line break inside a line: {_shown(line)}")
    words: list[str] = []
    word: list[str] = []
    in_word = quoted = escaped = False
    for ch in line:
        if ord(ch) < 0x20 and ch not in _SEPARATORS:
            continue  # parseconf drops control characters
        if escaped:
            word.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
            in_word = True
        elif quoted:
            if ch == '"':
                words.append("".join(word))
                word, in_word, quoted = [], False, False
            else:
                word.append(ch)
        elif ch in _SEPARATORS or ch in "#=":
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
            if ch == "=":
                words.append("=")
            elif ch == "#":
                break
        elif ch == '"' and not in_word:
            quoted = True
        else:
            word.append(ch)
            in_word = True
    if escaped:
        raise NutProtocolError(f"line ends with a lone backslash: {_shown(line)}")
    if quoted:
        raise NutProtocolError(f"quoted word never closed: {_shown(line)}")
    if in_word:
        words.append("".join(word))
    return words


def quote(word: str) -> str:
    """``word`` as one quoted protocol word (parseconf's ``pconf_encode``: ``\\``, ``"`` and ``#``
    escaped).  A control character cannot be sent (upsd would drop it, and a line break would
    end the command), so it is refused; the message never repeats the word (it may be a
    password)."""
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in word):
        raise NutProtocolError("a word sent to upsd cannot hold a control character")
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("#", "\\#")
    return f'"{escaped}"'


# ---- replies -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ok:
    """``OK``, ``OK STARTTLS``, ``OK Goodbye``: ``detail`` is the rest of the line."""

    detail: tuple[str, ...] = ()


@dataclass(frozen=True)
class Err:
    """``ERR CODE [extra...]``."""

    code: str
    extra: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return self.code in KNOWN_ERRORS


@dataclass(frozen=True)
class Begin:
    """``BEGIN LIST <query...>``."""

    query: tuple[str, ...]


@dataclass(frozen=True)
class End:
    """``END LIST <query...>``."""

    query: tuple[str, ...]


@dataclass(frozen=True)
class UpsEntry:
    """``UPS <name> "<description>"`` (LIST UPS)."""

    name: str
    description: str


@dataclass(frozen=True)
class VarEntry:
    """``VAR <ups> <name> "<value>"`` (LIST VAR and GET VAR)."""

    ups: str
    name: str
    value: str


Reply = Ok | Err | Begin | End | UpsEntry | VarEntry


def parse_reply(line: str) -> Reply:
    """One reply line → a typed reply.  Anything else raises ``NutProtocolError``."""
    words = split_words(line)
    if not words:
        raise NutProtocolError("empty reply line")
    head, rest = words[0], words[1:]
    if head == "OK":
        return Ok(tuple(rest))
    if head == "ERR":
        if not rest or not rest[0]:
            raise NutProtocolError(f"ERR without an error code: {_shown(line)}")
        return Err(rest[0], tuple(rest[1:]))
    if head in ("BEGIN", "END"):
        if len(rest) < 2 or rest[0] != "LIST":
            raise NutProtocolError(f"expected '{head} LIST <query>': {_shown(line)}")
        return Begin(tuple(rest[1:])) if head == "BEGIN" else End(tuple(rest[1:]))
    if head == "UPS":
        if len(rest) != 2 or not rest[0]:
            raise NutProtocolError(f"expected 'UPS <name> \"<description>\"': {_shown(line)}")
        return UpsEntry(rest[0], rest[1])
    if head == "VAR":
        if len(rest) != 3 or not rest[0] or not rest[1]:
            raise NutProtocolError(f"expected 'VAR <ups> <name> \"<value>\"': {_shown(line)}")
        return VarEntry(rest[0], rest[1], rest[2])
    raise NutProtocolError(f"not a NUT reply: {_shown(line)}")


@dataclass
class ListReader:
    """The lines of one ``LIST`` reply, fed one at a time.

    ``feed`` returns True once the list is complete: after ``END LIST <query>``, or after an
    ``ERR`` in place of ``BEGIN LIST`` (then ``error`` holds it).  A line out of place raises
    ``NutProtocolError``."""

    query: tuple[str, ...]  # ("UPS",) or ("VAR", ups)
    entries: list[UpsEntry | VarEntry] = field(default_factory=list)
    error: Err | None = None
    _begun: bool = False
    _done: bool = False

    def feed(self, line: str) -> bool:
        if self._done:
            raise NutProtocolError("a line after the end of the list")
        reply = parse_reply(line)
        if not self._begun:
            return self._first(reply, line)
        if isinstance(reply, End):
            if reply.query != self.query:
                raise NutProtocolError(f"list {self._name()} ended as {_shown(line)}")
            self._done = True
            return True
        entry = self._entry(reply)
        if entry is None:
            raise NutProtocolError(f"unexpected line inside list {self._name()}: {_shown(line)}")
        self.entries.append(entry)
        return False

    def _first(self, reply: Reply, line: str) -> bool:
        if isinstance(reply, Err):
            self.error, self._done = reply, True
            return True
        if not isinstance(reply, Begin) or reply.query != self.query:
            raise NutProtocolError(f"expected 'BEGIN LIST {self._name()}', got {_shown(line)}")
        self._begun = True
        return False

    def _entry(self, reply: Reply) -> UpsEntry | VarEntry | None:
        """The reply when it is an entry of this list, else None."""
        if self.query == ("UPS",) and isinstance(reply, UpsEntry):
            return reply
        if self.query[0] == "VAR" and isinstance(reply, VarEntry):
            return reply if self.query[1:] == (reply.ups,) else None
        return None

    def _name(self) -> str:
        return " ".join(self.query)

    def variables(self) -> dict[str, str]:
        """LIST VAR's variables (a repeated name: the last one wins)."""
        return {e.name: e.value for e in self.entries if isinstance(e, VarEntry)}

    def devices(self) -> dict[str, str]:
        """LIST UPS's UPS names and their descriptions, in upsd's order."""
        return {e.name: e.description for e in self.entries if isinstance(e, UpsEntry)}


# ---- dummy-ups / nut-ddl files --------------------------------------------------------------


def read_dummy_ups_file(text: str) -> dict[str, str]:
    """The variables dummy-ups publishes from a ``.dev`` file (``name: value`` lines).

    Like dummy-ups: the words of each line are split by parseconf (``#`` starts a comment), the
    name is the first word up to its ``:``, the value is the other words joined by one space,
    ``TIMER`` lines (``.seq`` files) and ``driver.*`` variables are skipped.  A name without a
    value reads as ``""``.  Raises ``NutProtocolError`` on a quote left open."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        words = split_words(line)
        if not words or words[0].startswith("TIMER"):
            continue
        name = words[0].split(":", 1)[0]
        if not name or name.startswith("driver."):
            continue
        found[name] = " ".join(words[1:])
    return found


# ---- variables → reading ---------------------------------------------------------------------

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def number(text: str | None) -> float | None:
    """A NUT number ("decimal, english-based, no exponent": net-protocol.txt) → float; blanks
    around it are fine; anything else (junk, ``1,200``, ``nan``, a negative "not available"
    marker like ``-1``) → None."""
    if text is None:
        return None
    text = text.strip()
    if not _DECIMAL.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) and value >= 0 else None


def _text(variables: Mapping[str, str], *names: str) -> str:
    """The first of ``names`` that holds something other than blanks, stripped."""
    for name in names:
        value = variables.get(name, "").strip()
        if value:
            return value
    return ""


def _percent(text: str | None) -> float | None:
    value = number(text)
    return None if value is None else value / 100.0


def reading_from_vars(variables: Mapping[str, str]) -> PowerReading:
    """NUT variables (``upsc`` names) → a ``PowerReading``.  Never raises: a value that is not a
    number reads as None (unknown), an unknown status flag is kept."""
    return PowerReading(
        flags=parse_status(variables.get("ups.status", "")),
        battery_charge_ratio=_percent(variables.get("battery.charge")),
        battery_runtime_seconds=number(variables.get("battery.runtime")),
        input_voltage_volts=number(variables.get("input.voltage")),
        load_ratio=_percent(variables.get("ups.load")),
        manufacturer=_text(variables, "ups.mfr", "device.mfr"),
        model=_text(variables, "ups.model", "device.model"),
        serial=_text(variables, "ups.serial", "device.serial"),
        alarm=_text(variables, "ups.alarm"),
        raw=dict(variables),
    )
