"""Load a YAML file into a frozen pydantic model; report every problem with file, line and path.

pydantic reports *where in the data* a value is wrong (``terminals.3.kind``); only the YAML parser
knows *where in the file* that value is.  ruamel.yaml keeps the line of every key and item, so we
parse with it, validate the plain data with pydantic, and map each error location back to a line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

ModelT = TypeVar("ModelT", bound=BaseModel)
Location = tuple[int | str, ...]
# Checks across fields (unique ids...) that run after the model validated: (location, message).
CrossCheck = Callable[[ModelT], list[tuple[Location, str]]]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file."""

    line: int | None  # 1-based; None when the file has no such place (a missing key at top level)
    path: str  # dotted field path, "" for the whole file
    message: str

    def render(self, filename: str) -> str:
        where = f"{filename}:{self.line}" if self.line else filename
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(Exception):
    """A config file cannot be used.  ``str()`` lists every problem, one per line."""

    def __init__(self, filename: str, problems: Sequence[Problem]) -> None:
        self.filename = filename
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        head = f"{self.filename}: {count} problem{'s' if count != 1 else ''}"
        return "\n".join([head, *("  " + p.render(self.filename) for p in self.problems)])


def _plain(node: Any) -> Any:
    """ruamel's round-trip containers -> plain dicts and lists (pydantic validates these)."""
    if isinstance(node, CommentedMap):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [_plain(v) for v in node]
    return node


def line_of(tree: Any, loc: Sequence[int | str]) -> int | None:
    """Best line for an error at ``loc``: the deepest key or item of ``loc`` found in the tree."""
    line: int | None = None
    node = tree
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            if line is None and isinstance(node, CommentedMap | CommentedSeq):
                line = node.lc.line + 1
            break
    return line


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field (not allowed here; check the spelling)"
    if kind == "missing":
        return "required field is missing"
    msg = str(error["msg"])
    # pydantic prefixes messages raised by our own validators; the prefix tells a reader nothing.
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    return msg


def _path(loc: Sequence[int | str]) -> str:
    # Discriminated unions put the tag in the location ("checks.0.tcp.port"); drop it.
    return ".".join(str(p) for p in loc)


def problems_from(err: ValidationError, tree: Any, tags: frozenset[str]) -> list[Problem]:
    problems = []
    for e in err.errors():
        loc = [p for p in e["loc"] if not (isinstance(p, str) and p in tags)]
        problems.append(Problem(line_of(tree, loc), _path(loc), _message(dict(e))))
    problems.sort(key=lambda p: (p.line or 0, p.path))
    return problems


def parse_yaml(text: str, filename: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(filename, [Problem(line, "", f"not valid YAML: {err.problem}")]) from err


def load_model(
    model: type[ModelT],
    path: Path | str,
    *,
    context: dict[str, Any] | None = None,
    union_tags: frozenset[str] = frozenset(),
    cross_check: CrossCheck[ModelT] | None = None,
) -> ModelT:
    """Read ``path`` and validate it as ``model``; raise :class:`ConfigError` naming every problem.

    ``union_tags`` are discriminator values that pydantic inserts into error locations; they are
    removed so the reported path matches the file.
    """
    filename = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(filename, [Problem(None, "", f"cannot read file: {err.strerror}")]) from err
    return validate_text(
        model, text, filename, context=context, union_tags=union_tags, cross_check=cross_check
    )


def validate_text(
    model: type[ModelT],
    text: str,
    filename: str,
    *,
    context: dict[str, Any] | None = None,
    union_tags: frozenset[str] = frozenset(),
    cross_check: CrossCheck[ModelT] | None = None,
) -> ModelT:
    tree = parse_yaml(text, filename)
    if tree is None:
        tree = CommentedMap()
    if not isinstance(tree, CommentedMap):
        raise ConfigError(filename, [Problem(1, "", "the file must be a YAML mapping (key: value)")])
    try:
        result = model.model_validate(_plain(tree), context=context)
    except ValidationError as err:
        raise ConfigError(filename, problems_from(err, tree, union_tags)) from err
    if cross_check is not None:
        found = [Problem(line_of(tree, loc), _path(loc), msg) for loc, msg in cross_check(result)]
        if found:
            raise ConfigError(filename, found)
    return result
