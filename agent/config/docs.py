"""Generate ``docs/configuration.md`` from the config models (tài liệu cấu hình).

    python -m agent.config.docs > docs/configuration.md      (what `make docs` runs)

Every field of every model reachable from :class:`agent.config.AgentConfig` is listed with its
type, default and description, one section per model; each probe kind that can be a check has its
own section.  The error format is shown with a real error, and the example file is included, so
the page cannot drift from the code (a test fails when the committed page is stale).
"""

from __future__ import annotations

import inspect
import sys
import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from agent import config
from agent.config.web import WebConfig
from sansang.configfile import ConfigError, parse_yaml, validate_text
from sansang.service_hours import CalendarOverride, ServiceHours, public_holidays
from sansang.units import parse_duration

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "agent.yaml"
MODEL = type[BaseModel]


@dataclass
class Section:
    """A model and the places in the file where it is written."""

    model: MODEL
    paths: list[str] = field(default_factory=list)


def models_in(annotation: Any) -> Iterator[MODEL]:
    """Model classes inside an annotation: ``list[Terminal]``, ``Optional[...]``, unions."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from models_in(arg)


def _child_path(path: str, name: str, annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    child = f"{path}.{name}" if path else name
    return f"{child}[]" if origin in (list, tuple) else child


def sections(root: MODEL) -> list[Section]:
    """Every model reachable from ``root``, depth first in field order, with its paths."""
    found: dict[MODEL, Section] = {}

    def visit(model: MODEL, path: str) -> None:
        known = model in found
        found.setdefault(model, Section(model)).paths.append(path or "(top level)")
        if known:
            return
        for name, info in model.model_fields.items():
            for child in models_in(info.annotation):
                visit(child, _child_path(path, name, info.annotation))

    visit(root, "")
    return list(found.values())


def _is_duration(metadata: Sequence[Any]) -> bool:
    return any(getattr(m, "func", None) is parse_duration for m in metadata)


_SCALARS: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    Path: "path",
    date: "date (`YYYY-MM-DD`)",
    type(None): "null",
}


def type_text(annotation: Any, metadata: Sequence[Any] = ()) -> str:
    """A reader's name for a type: ``duration``, ``list of string``, ``one of `a`, `b` ``."""
    if _is_duration(metadata):
        return "duration"
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_text(args[0], list(annotation.__metadata__))
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_text(a) for a in args)
    if origin in (list, tuple):
        return f"list of {type_text(args[0])}"
    if origin is dict:
        keys = type_text(args[0]).removeprefix("one of ")
        return f"mapping of {keys} to {type_text(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return _SCALARS.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _bounds(metadata: Sequence[Any]) -> str:
    """Constraints a reader must respect: ``(≥ 1, ≤ 65535)``, ``(not empty)``."""
    parts = []
    for m in metadata:
        if isinstance(m, Ge):
            parts.append(f"≥ {m.ge}")
        elif isinstance(m, Gt):
            parts.append(f"> {m.gt}")
        elif isinstance(m, Le):
            parts.append(f"≤ {m.le}")
        elif isinstance(m, Lt):
            parts.append(f"< {m.lt}")
        elif isinstance(m, MinLen) and m.min_length == 1:
            parts.append("not empty")
    return f" ({', '.join(parts)})" if parts else ""


def format_duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds * 1000:g}ms"


def _value_text(value: Any, inner: bool = False) -> str:
    """A default as it would be written in YAML (strings quoted inside lists and mappings)."""
    if isinstance(value, str) and (inner or not value):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, BaseModel):
        return "(its own defaults)"
    if isinstance(value, dict):
        items = ", ".join(f"{k}: {_value_text(v, True)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value_text(v, True) for v in value) + "]"
    return str(value)


def default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    value = info.get_default(call_default_factory=True, validated_data={})
    if isinstance(value, float) and _is_duration(_duration_metadata(info)):
        return f"`{format_duration(value)}`"
    text = _value_text(value)
    return text if text.startswith("(") else f"`{text}`"


def _duration_metadata(info: FieldInfo) -> list[Any]:
    """Metadata where a duration validator may sit: the field's, or inside ``Seconds | None``."""
    found = list(info.metadata)
    for arg in typing.get_args(info.annotation):
        found += list(getattr(arg, "__metadata__", ()))
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def field_row(name: str, info: FieldInfo) -> str:
    kind = type_text(info.annotation, list(info.metadata)) + _bounds(info.metadata)
    cells = [f"`{name}`", kind, default_text(info), info.description or ""]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def model_doc(model: MODEL) -> str:
    doc = model.__dict__.get("__doc__")
    return inspect.cleandoc(doc) if doc else ""


def section_text(section: Section, level: str = "###") -> str:
    model = section.model
    where = ", ".join(f"`{p}`" for p in section.paths)
    lines = [f'<a id="{model.__name__.lower()}"></a>', f"{level} {model.__name__}", ""]
    if model_doc(model):
        lines += [model_doc(model), ""]
    lines += [f"Written at: {where}", ""]
    lines += ["| Field | Type | Default | Description |", "|---|---|---|---|"]
    lines += [field_row(name, info) for name, info in model.model_fields.items()]
    return "\n".join(lines) + "\n"


_INTRO = """\
# Configuration of the site agent / Cấu hình tác tử tại điểm một cửa

<!-- Generated by `python -m agent.config.docs` from the models in agent/config/__init__.py,
sansang/service_hours.py and agent/probes/; do not edit: run `make docs`. -->

The agent reads one YAML file, given as `sansang agent run --config FILE`.
Check a file without running anything: `sansang agent check-config FILE` (exit 0 when valid,
2 with the error below when not).  A complete example is at the end of this page and in
`deploy/examples/agent.yaml`.

Rules that hold everywhere:

- An unknown key is an error, never ignored: a misspelt field cannot silently take its default.
- Durations are written as in Prometheus: `500ms`, `30s`, `5m`, `6h`, `90d`, `1m30s`, or a
  number of seconds.
- `id`s (lower-case letters, digits, `_.-`) are unique across `checks`, `services` and
  `terminals`: each is the `check` label of its series and the subject of its events.
- The commune code is the official 5-digit code, quoted so a leading zero is kept (`"02020"`).
"""

_ERROR_EXAMPLE = """\
site:
  commune_code: "2352"
  name: "Bộ phận một cửa"
  latitude: 14.4167
  longitude: 107.7833
  service_hours:
    weekly:
      mon: ["07:30-11:30", "17:00-07:30"]
probes:
  interval: 5 minutes
checks:
  - id: gateway
    check: {probe: ping, host: 10.51.20.1}
terminals:
  - id: printer-1
    kind: printer
    address: 10.51.20.31
    check: {method: tcp}
"""


def error_example() -> str:
    """The message ``check-config`` prints for ``_ERROR_EXAMPLE`` (computed, never copied)."""
    try:
        validate_text(
            config.AgentConfig,
            _ERROR_EXAMPLE,
            "agent.yaml",
            union_tags=config.PROBE_TAGS,
            cross_check=config.cross_check,
        )
    except ConfigError as err:
        return err.render()
    raise AssertionError("the error example of docs/configuration.md is a valid config")


def _errors_part() -> str:
    return f"""\
## Errors / Lỗi cấu hình

Every problem in the file is reported at once, sorted by line, one per line:
`FILE:LINE: FIELD.PATH: MESSAGE`.  List items are numbered from 0 (`terminals.2` is the third
terminal).  A missing field is reported at the line where its mapping starts.  For this file:

```yaml
{_ERROR_EXAMPLE}```

the agent refuses to start and prints:

```
{error_example()}
```
"""


_CALENDAR_EXAMPLE = """\
province: {code: '51', name: Quảng Ngãi}
calendar:                         # the province's calendar; absent: the defaults of ServiceHours
  timezone: Asia/Ho_Chi_Minh
  weekly:
    mon: ["07:30-11:30", "13:30-17:00"]
    tue: ["07:30-11:30", "13:30-17:00"]
    wed: ["07:30-11:30", "13:30-17:00"]
    thu: ["07:30-11:30", "13:30-17:00"]
    fri: ["07:30-11:30", "13:30-17:00"]
    sat: ["07:30-11:30"]
  public_holidays: true           # the default: Tết, Giỗ Tổ Hùng Vương, 30/4, 1/5, 2/9...
  holidays: [2026-12-31]          # e.g. a day off the province announces (nghỉ bù)
  open_days: [2026-12-26]         # and the Saturday worked for it (làm bù): Monday's hours
sites:
  - commune_code: '21548'         # Đặc khu Lý Sơn: its own week and a local festival
    # ... the site's other fields ...
    calendar:
      weekly:
        mon: ["07:00-11:00", "13:30-17:00"]
        tue: ["07:00-11:00", "13:30-17:00"]
        wed: ["07:00-11:00", "13:30-17:00"]
        thu: ["07:00-11:00", "13:30-17:00"]
        fri: ["07:00-11:00", "13:30-17:00"]
      holidays: [2026-05-20]      # closed besides the province's days
      open_days:                  # open although the province's calendar says closed
        - {date: 2026-05-23, hours: ["07:00-11:00"]}
"""


def _calendar_example_is_valid() -> None:
    """The example of the inventory's calendar is checked with the kernel's models."""
    tree = parse_yaml(_CALENDAR_EXAMPLE, "inventory.yaml")
    ServiceHours.model_validate(dict(tree["calendar"]))
    CalendarOverride.model_validate(dict(tree["sites"][0]["calendar"]))


def _holiday_rows(years: Sequence[int]) -> str:
    rows = ["| Ngày / date | Thứ / weekday | Tên / name |", "|---|---|---|"]
    names = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
    for year in years:
        for day, name in public_holidays(year).items():
            rows.append(f"| {day.strftime('%d/%m/%Y')} | {names[day.weekday()]} | {name} |")
    return "\n".join(rows)


def _calendar_part() -> str:
    _calendar_example_is_valid()
    override = section_text(Section(CalendarOverride, ["sites[].calendar"]))
    return f"""\
## Service calendars in the province's inventory / Lịch làm việc trong danh mục của tỉnh

The collector counts a terminal (INF-EQUIP), the HNTH endpoint (INF-HNTH) and continuity of
service only inside each site's service hours.  The inventory holds them as the agent does
(`site.service_hours`, [ServiceHours](#servicehours)): `calendar` at the top of the inventory
is the province's, with the same fields; a site's own `calendar`
([CalendarOverride](#calendaroverride)) changes it for that site: its `weekly` replaces the
province's, its `holidays` and `open_days` are added (a site's open day wins over a province's
closed day and the other way round).  A
spreadsheet import fills a site's `holidays` and `open_days` from the columns `Ngày nghỉ riêng`
(`closed_days`) and `Ngày làm bù` (`open_days`), dates `dd/mm/yyyy` separated by `;`.

A day is read in this order: a day of `open_days` is open (its `hours`, or the hours of its `like`
weekday, Monday's by default); a day of `holidays` is closed; with `public_holidays` (the
default), a public holiday is closed, and so are the Saturday and Sunday joined to one (the
break: Tết Bính Ngọ from Saturday 14/02 to Sunday 22/02/2026), and a make-up working day the
government announced (làm bù: Saturday 22/08/2026) has Monday's hours; any other day has the
hours of its weekday in `weekly`.  The agent reads its `site.service_hours` the same way.

```yaml
{_CALENDAR_EXAMPLE}```

{override}
The public holidays `public_holidays: true` gives (the `holidays` library, country VN, as
installed; years ahead of the government's notices follow the Labour Code's rule, and a province
adds what is announced later with `holidays` and `open_days`):

{_holiday_rows((2026, 2027))}
"""


def render() -> str:
    parts = [_INTRO, "## The agent config file\n"]
    parts += [section_text(s) for s in sections(config.AgentConfig)]
    parts.append(
        "## The web config file\n\n"
        "The file named by `server.web_config_file`: TLS and authentication in the shape of "
        "Prometheus' `web.config.file` (exporter-toolkit), `http_server_config` included.\n\n"
        "The running agent re-reads it, and the certificate, key, client CA and token files it "
        "names, when they change: it looks every 5 s and applies a change once the files have "
        "stayed the same for one look (5–10 s after the last write), without a restart. New TLS "
        "connections then get the new certificate; users, token and headers are swapped at once. "
        "A file that does not load keeps the config in use and logs one error with file and line. "
        "Switching between HTTP and HTTPS needs a restart, and a client CA that was removed stays "
        "trusted until then. `http_server_config.http2` is accepted but has no effect: the agent "
        "serves HTTP/1.1 only (aiohttp has no HTTP/2 server). exporter-toolkit's `rate_limit` and "
        "its other TLS settings (`cert`/`key` inline, `max_version`, `cipher_suites`, "
        "`curve_preferences`, `client_allowed_sans`) are not supported yet and are refused as "
        "unknown fields.\n"
    )
    parts += [section_text(s) for s in sections(WebConfig)]
    parts.append(_calendar_part())
    parts.append(_errors_part())
    example = EXAMPLE.read_text(encoding="utf-8")
    parts.append(f"## Example / Ví dụ (`deploy/examples/agent.yaml`)\n\n```yaml\n{example}```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(render())
