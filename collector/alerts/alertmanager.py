"""A client for Alertmanager's API v2 (``POST /api/v2/alerts``, ``GET /api/v2/alerts``).

Alertmanager identifies an alert by its label set.  A client re-sends an alert while it fires
(Alertmanager resolves it by itself at ``endsAt`` otherwise) and resolves it by sending it once
more with ``endsAt`` = now.  Every failure is an :class:`AlertmanagerError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp

from collector.httpclient import ApiClient
from sansang.errors import SansangError

PostableAlert = dict[str, Any]


class AlertmanagerError(SansangError):
    """Alertmanager refused or did not answer; ``status`` is the HTTP status when there was
    one (400: an alert it could not accept, e.g. a bad label name)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def rfc3339(unix: float) -> str:
    """``2026-05-28T03:15:42.118Z``."""
    moment = datetime.fromtimestamp(unix, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def postable(
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    starts_at: float,
    ends_at: float,
    generator_url: str = "",
) -> PostableAlert:
    """One alert as API v2 takes it."""
    alert: PostableAlert = {
        "labels": dict(labels),
        "annotations": dict(annotations),
        "startsAt": rfc3339(starts_at),
        "endsAt": rfc3339(ends_at),
    }
    if generator_url:
        alert["generatorURL"] = generator_url
    return alert


class AlertmanagerClient(ApiClient):
    """Alertmanager's API v2 (``collector.httpclient.ApiClient`` holds URL, timeout, session)."""

    async def post(self, alerts: Sequence[PostableAlert]) -> None:
        """Send alerts (firing or resolved); nothing is sent for an empty list."""
        if alerts:
            await self._request("POST", "api/v2/alerts", body=list(alerts))

    async def alerts(self, filters: Sequence[str] = ()) -> list[dict[str, Any]]:
        """The active alerts Alertmanager holds (``GET /api/v2/alerts``), optionally only
        those matching every ``filters`` matcher (``site="23527-main"``)."""
        params = [("filter", f) for f in filters]
        answer = await self._request("GET", "api/v2/alerts", params=params)
        if not isinstance(answer, list):
            raise AlertmanagerError(f"expected a list of alerts, got {type(answer).__name__}")
        return answer

    async def _request(
        self, method: str, path: str, *, body: Any = None, params: Sequence[tuple[str, str]] = ()
    ) -> Any:
        url = self.base + path
        try:
            async with self.session().request(
                method,
                url,
                json=body,
                params=params,
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as resp:
                text = await resp.text(errors="replace")
                status = resp.status
        except (TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise AlertmanagerError(f"{method} {url}: no answer within {self.timeout:g}s") from err
        except aiohttp.ClientError as err:
            raise AlertmanagerError(f"{method} {url}: {type(err).__name__}: {err}") from err
        if not 200 <= status < 300:
            raise AlertmanagerError(f"{method} {url}: HTTP {status}: {text[:300].strip()}", status)
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise AlertmanagerError(f"{method} {url}: not JSON: {text[:100]!r}", status) from err
