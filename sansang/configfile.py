"""Load a YAML file into a frozen pydantic model; report every problem with file, line and path.

pydantic reports *where in the data* a value is wrong (``terminals.3.kind``); only the YAML parser
knows *where in the file* that value is.  ruamel.yaml keeps the line of every key and item, so we
parse with it, validate the plain data with pydantic, and map each error location back to a line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from sansang.errors import SansangError

ModelT = TypeVar("ModelT", bound=BaseModel)
Location = tuple[int | str, ...]
# Checks across fields (unique ids...) that run after the model validated: (location, message).
CrossCheck = Callable[[ModelT], list[tuple[Location, str]]]
# A field holding a discriminated union → the tags valid there (`check` → the network probes).
UnionTags = Mapping[str, frozenset[str]]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file."""

    line: int | None  # 1-based; None when the file has no such place (a missing key at top level)
    path: str  # dotted field path, "" for the whole file
    message: str

    def render(self, filename: str) -> str:
        where = f"{filename}:{self.line}" if self.line else filename
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(SansangError):
    """A config file cannot be used.  ``str()`` lists every problem, one per line."""

    def __init__(self, filename: str, problems: Sequence[Problem]) -> None:
        self.filename = filename
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        head = f"{self.filename}: {count} lỗi / {count} problem{'s' if count != 1 else ''}"
        return "\n".join([head, *("  " + p.render(self.filename) for p in self.problems)])


def _plain(node: Any) -> Any:
    """ruamel's round-trip containers -> plain dicts and lists (pydantic validates these)."""
    if isinstance(node, CommentedMap):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [_plain(v) for v in node]
    return node


def _mapping_line(node: Any) -> int | None:
    """1-based line where a mapping or list starts (its first key or item)."""
    if isinstance(node, CommentedMap | CommentedSeq) and node.lc.line is not None:
        return int(node.lc.line) + 1
    return None


def line_of(tree: Any, loc: Sequence[int | str]) -> int | None:
    """Best line for an error at ``loc``: that of the deepest key or item of ``loc`` in the tree.

    When ``loc`` names something the file does not have (a missing key), the line is where the
    mapping that should hold it starts.
    """
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
            return _mapping_line(node) or line
    return line


def strip_tags(tree: Any, loc: Sequence[int | str], tags: frozenset[str]) -> Location:
    """Drop the tags that discriminated unions insert into a location (``checks.0.tcp.port``).

    A part is a tag only where the file's mapping has no such key but holds it as a value (the
    ``probe: tcp`` of that mapping), so a field that happens to share a tag's name is kept.
    """
    kept: list[int | str] = []
    node = tree
    for part in loc:
        is_tag = (
            isinstance(part, str)
            and part in tags
            and isinstance(node, CommentedMap)
            and part not in node
            and part in node.values()
        )
        if is_tag:
            continue
        kept.append(part)
        if isinstance(node, CommentedMap | CommentedSeq):
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                node = None
        else:
            node = None
    return tuple(kept)


def _choices(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


# Errors whose message reads better with the value the file has: "less than or equal to 90".
_SHOW_INPUT = frozenset(
    {
        "literal_error",
        "less_than",
        "less_than_equal",
        "greater_than",
        "greater_than_equal",
        "string_pattern_mismatch",
        "string_type",
        "int_type",
        "float_type",
        "bool_type",
        "int_parsing",
        "float_parsing",
        "bool_parsing",
        "date_from_datetime_parsing",
        "date_parsing",
    }
)
_CONTAINER_TYPES = {
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "dict_type": "a mapping (key: value)",
    "list_type": "a list (items starting with '- ')",
}


def _message(error: dict[str, Any], tags: frozenset[str]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field (not allowed here; check the spelling)"
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_not_found":
        return f"required field is missing; one of: {_choices(tags)}"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        field = str(ctx.get("discriminator", "")).strip("'")
        return f"unknown {field} kind '{ctx.get('tag')}'; one of: {_choices(tags)}"
    if kind in _CONTAINER_TYPES:
        return f"expected {_CONTAINER_TYPES[kind]}, found {_describe(error.get('input'))}"
    msg = str(error["msg"])
    # pydantic prefixes messages raised by our own validators; the prefix tells a reader nothing.
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    if kind in _SHOW_INPUT:
        msg = f"{msg} (found {error.get('input')!r})"
    return msg


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _path(loc: Sequence[int | str]) -> str:
    return ".".join(str(p) for p in loc)


def _problem(error: dict[str, Any], tree: Any, union_tags: UnionTags) -> Problem:
    loc = strip_tags(tree, error["loc"], frozenset().union(*union_tags.values()))
    field_name = next((p for p in reversed(error["loc"]) if isinstance(p, str)), "")
    tags = union_tags.get(field_name) or frozenset().union(*union_tags.values())
    message = _message(error, tags)
    if loc and loc[-1] == "[key]":  # a mapping key that is not allowed ("mOn" in `weekly`)
        loc = loc[:-1]
        message = f"not a valid key: {message}"
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        field = str(error.get("ctx", {}).get("discriminator", "")).strip("'")
        loc = (*loc, field)
    return Problem(line_of(tree, loc), _path(loc), message)


def _sorted(problems: Sequence[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line or 0, p.path))


def problems_from(err: ValidationError, tree: Any, union_tags: UnionTags) -> list[Problem]:
    return _sorted([_problem(dict(e), tree, union_tags) for e in err.errors()])


def parse_yaml(text: str, filename: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except MarkedYAMLError as err:
        raise ConfigError(filename, [_yaml_problem(err)]) from err
    except ValueError as err:  # a well-formed scalar with an impossible value: 2025-02-30
        raise ConfigError(filename, [Problem(None, "", f"not valid YAML: {err}")]) from err


def _yaml_problem(err: MarkedYAMLError) -> Problem:
    mark = err.problem_mark or err.context_mark
    line = mark.line + 1 if mark is not None else None
    message = f"not valid YAML: {err.problem}"
    context = err.context_mark
    if err.context and context is not None and context.line + 1 != line:
        message += f" ({err.context} that starts on line {context.line + 1})"
    return Problem(line, "", message)


def load_model(
    model: type[ModelT],
    path: Path | str,
    *,
    context: dict[str, Any] | None = None,
    union_tags: UnionTags | None = None,
    cross_check: CrossCheck[ModelT] | None = None,
) -> ModelT:
    """Read ``path`` and validate it as ``model``; raise :class:`ConfigError` naming every problem.

    ``union_tags`` maps each field holding a discriminated union to its tags (``check`` → the
    network probe kinds): pydantic inserts the tags into error locations, they are removed so the
    reported path matches the file, and an unknown or missing tag is reported with the list of
    the tags valid in that field.
    """
    filename = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(
            filename, [Problem(None, "", f"cannot read file: {err.strerror}")]
        ) from err
    return validate_text(
        model, text, filename, context=context, union_tags=union_tags, cross_check=cross_check
    )


def validate_text(
    model: type[ModelT],
    text: str,
    filename: str,
    *,
    context: dict[str, Any] | None = None,
    union_tags: UnionTags | None = None,
    cross_check: CrossCheck[ModelT] | None = None,
) -> ModelT:
    tree = parse_yaml(text, filename)
    if tree is None:
        tree = CommentedMap()
    if not isinstance(tree, CommentedMap):
        found = _describe(_plain(tree))
        message = f"the file must be a YAML mapping (key: value), found {found}"
        raise ConfigError(filename, [Problem(_mapping_line(tree) or 1, "", message)])
    try:
        result = model.model_validate(_plain(tree), context=context)
    except ValidationError as err:
        raise ConfigError(filename, problems_from(err, tree, union_tags or {})) from err
    if cross_check is not None:
        crossed = [Problem(line_of(tree, loc), _path(loc), msg) for loc, msg in cross_check(result)]
        if crossed:
            raise ConfigError(filename, _sorted(crossed))
    return result
