"""What the collector's HTTP API clients share (Prometheus' query API, Alertmanager's API v2):
a base URL, a timeout, extra headers, and an aiohttp session that is either shared (passed in)
or owned (made on first use, closed by :meth:`close` or ``async with``)."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Self

import aiohttp


class ApiClient:
    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        session: aiohttp.ClientSession | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base = url.rstrip("/") + "/"
        self.timeout = timeout
        self._session = session
        self._own_session = session is None
        self._headers = dict(headers or {})

    def session(self) -> aiohttp.ClientSession:
        """The shared session, or this client's own (never proxies from the environment)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False)
        return self._session

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None
