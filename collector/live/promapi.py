"""A small client for the Prometheus HTTP query API (``/api/v1/query``, ``/api/v1/query_range``).

Only the documented API is used, nothing vendor-specific, so the same code reads Prometheus,
VictoriaMetrics, Thanos and Mimir.  Every failure (HTTP error, ``status: error`` with its
``errorType``, timeout, connection refused, a body that is not the API's JSON) is one exception
type, :class:`PromError`, whose ``kind`` says which.

    async with PromClient("http://127.0.0.1:9090/", timeout=10) as prom:
        vector = await prom.vector("max by (site) (up)")
        matrix = await prom.query_range("up", start, end, step=15)
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp

from collector.httpclient import ApiClient
from sansang.errors import SansangError

ErrorKind = Literal["http", "api", "timeout", "connection", "malformed"]
Labels = Mapping[str, str]


class PromError(SansangError):
    """A query failed.  ``kind``: ``http`` (a status other than 2xx without the API's error
    JSON), ``api`` (``status: error``; ``error_type`` is the server's ``errorType``, e.g.
    ``bad_data``), ``timeout``, ``connection`` or ``malformed`` (not the API's JSON)."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        query: str = "",
        status: int | None = None,
        error_type: str | None = None,
    ) -> None:
        where = f" (query {query!r})" if query else ""
        super().__init__(f"{kind}: {message}{where}")
        self.kind = kind
        self.query = query
        self.status = status
        self.error_type = error_type


@dataclass(frozen=True)
class Sample:
    """One series of an instant vector: its labels and one value at ``timestamp``."""

    labels: Labels
    value: float
    timestamp: float


@dataclass(frozen=True)
class Series:
    """One series of a range query: ``(timestamp, value)`` points, oldest first."""

    labels: Labels
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Vector:
    samples: tuple[Sample, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Matrix:
    series: tuple[Series, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scalar:
    value: float
    timestamp: float
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class String:
    value: str
    timestamp: float
    warnings: tuple[str, ...] = ()


QueryResult = Vector | Matrix | Scalar | String


class PromClient(ApiClient):
    """Queries one server.  Pass a ``session`` to share one; otherwise the client owns its own
    (closed by :meth:`close` or ``async with``)."""

    async def query(self, promql: str, at: float | None = None) -> QueryResult:
        """An instant query (``at``: Unix seconds; default the server's now)."""
        params = {"query": promql}
        if at is not None:
            params["time"] = _num(at)
        return await self._get("api/v1/query", params, promql)

    async def vector(self, promql: str, at: float | None = None) -> Vector:
        """An instant query that must give a vector (``PromError`` ``malformed`` if not)."""
        result = await self.query(promql, at)
        if not isinstance(result, Vector):
            raise PromError("malformed", f"expected a vector, got {_name(result)}", query=promql)
        return result

    async def scalar(self, promql: str, at: float | None = None) -> float:
        """A query that gives one number: a scalar, or a vector of one series without labels
        (VictoriaMetrics answers scalar expressions such as ``1 + 1`` that way)."""
        result = await self.query(promql, at)
        if isinstance(result, Scalar):
            return result.value
        if isinstance(result, Vector) and len(result.samples) == 1 and not result.samples[0].labels:
            return result.samples[0].value
        raise PromError("malformed", f"expected one number, got {_name(result)}", query=promql)

    async def query_range(self, promql: str, start: float, end: float, step: float) -> Matrix:
        """A range query from ``start`` to ``end`` (Unix seconds), one point per ``step`` s."""
        params = {"query": promql, "start": _num(start), "end": _num(end), "step": _num(step)}
        result = await self._get("api/v1/query_range", params, promql)
        if not isinstance(result, Matrix):
            raise PromError("malformed", f"expected a matrix, got {_name(result)}", query=promql)
        return result

    async def _get(self, path: str, params: Mapping[str, str], promql: str) -> QueryResult:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with self.session().get(
                self.base + path, params=params, headers=self._headers, timeout=timeout
            ) as resp:
                status = resp.status
                body = await resp.read()
        except (TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise PromError("timeout", f"no answer within {self.timeout:g}s", query=promql) from err
        except aiohttp.ClientError as err:
            raise PromError("connection", f"{type(err).__name__}: {err}", query=promql) from err
        return parse_response(status, body, promql)


def parse_response(status: int, body: bytes, promql: str = "") -> QueryResult:
    """The result of one API answer, or :class:`PromError`."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        doc = None
    if not isinstance(doc, dict) or doc.get("status") not in ("success", "error"):
        text = body[:200].decode("utf-8", "replace").strip()
        if not 200 <= status < 300:
            raise PromError("http", f"HTTP {status}: {text}", query=promql, status=status)
        raise PromError("malformed", f"not the query API's JSON: {text!r}", query=promql)
    if doc["status"] == "error":
        error_type = str(doc.get("errorType", "")) or None
        message = str(doc.get("error", "")) or f"HTTP {status}"
        raise PromError("api", message, query=promql, status=status, error_type=error_type)
    try:
        return _result(doc["data"], tuple(str(w) for w in doc.get("warnings") or ()))
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise PromError("malformed", f"unexpected data: {err!r}", query=promql) from err


def _result(data: Mapping[str, Any], warnings: tuple[str, ...]) -> QueryResult:
    kind, result = data["resultType"], data["result"]
    if kind == "vector":
        samples = (_sample(item) for item in result)
        return Vector(tuple(samples), warnings)
    if kind == "matrix":
        series = (
            Series(_labels(item["metric"]), tuple(_point(p) for p in item["values"]))
            for item in result
        )
        return Matrix(tuple(series), warnings)
    if kind == "scalar":
        t, v = _point(result)
        return Scalar(v, t, warnings)
    if kind == "string":
        return String(str(result[1]), float(result[0]), warnings)
    raise ValueError(f"unknown resultType {kind!r}")


def _sample(item: Mapping[str, Any]) -> Sample:
    t, v = _point(item["value"])
    return Sample(_labels(item["metric"]), v, t)


def _labels(metric: Mapping[str, Any]) -> dict[str, str]:
    if not isinstance(metric, Mapping):
        raise TypeError("metric is not an object")
    return {str(k): str(v) for k, v in metric.items()}


def _point(pair: Any) -> tuple[float, float]:
    """``[1700000000.123, "1"]``; values are strings (``"NaN"``, ``"+Inf"`` included)."""
    t, v = pair
    return float(t), float(v)


def _num(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    return repr(float(value))


def _name(result: QueryResult) -> str:
    return type(result).__name__.lower()
