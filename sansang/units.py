"""Value types shared by every config file: durations written the way Prometheus writes them."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(ms|s|m|h|d))+$")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_SCALE = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(value: Any) -> float:
    """``"30s"``, ``"1m30s"``, ``"500ms"``, ``"6h"`` or a number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration like '30s', '5m' or '6h' is expected")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and _DURATION.match(value.strip()):
        seconds = sum(float(n) * _SCALE[u] for n, u in _PART.findall(value.strip()))
    else:
        raise ValueError(f"'{value}' is not a duration; write it like '30s', '5m' or '6h'")
    if seconds <= 0:
        raise ValueError("a duration must be greater than zero")
    return seconds


Seconds = Annotated[float, BeforeValidator(parse_duration), Field(description="duration")]


def check_listen(value: Any) -> str:
    """``HOST:PORT`` (``[::]:9717`` for IPv6) to serve on; a clear error otherwise."""
    text = str(value)
    _host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"'{text}' is not HOST:PORT")
    return text


def listen_host(listen: str, default: str) -> str:
    return listen.rpartition(":")[0].strip("[]") or default


def listen_port(listen: str) -> int:
    return int(listen.rpartition(":")[2])


ListenAddress = Annotated[str, AfterValidator(check_listen)]
