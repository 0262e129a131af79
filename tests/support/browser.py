"""A real headless Chromium driven over the DevTools protocol, for the web UI's tests.

The command-line ``--screenshot`` cannot log in (it has no way to carry a session cookie), so the
tests drive Chromium the way a person does: open ``/login``, type the token, submit, then open
the page, read its DOM and take a screenshot.  Every request the page makes is recorded
(``page.requests``): a page that loads anything from outside the collector fails its test.

Chromium runs with flags that keep it to the test (no network of its own, no first-run
work, a fresh profile), every host name but 127.0.0.1 made unresolvable, and its
DevTools endpoint on loopback only.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import itertools
import json
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from PIL import Image

from tests.support import wait_until_async

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--force-color-profile=srgb",  # colours in the screenshot are the page's, byte for byte
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]
_LISTENING = re.compile(r"DevTools listening on (ws://127\.0\.0\.1:\d+/\S+)")


def have_chromium() -> bool:
    return shutil.which("chromium") is not None


class CdpError(Exception):
    pass


class Browser:
    """One Chromium process and its DevTools connection."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._listeners: list[tuple[str | None, str, asyncio.Queue[dict[str, Any]]]] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self._ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(msg.data)
            if "id" in data:
                future = self._pending.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
                continue
            for session, method, queue in self._listeners:
                if method == data.get("method") and session == data.get("sessionId"):
                    queue.put_nowait(data.get("params", {}))

    async def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        ident = next(self._ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        await self._ws.send_str(json.dumps(message))
        reply = await asyncio.wait_for(future, 60)
        if "error" in reply:
            raise CdpError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def listen(self, method: str, session: str | None) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._listeners.append((session, method, queue))
        return queue

    async def new_page(self) -> Page:
        target = await self.send("Target.createTarget", {"url": "about:blank"})
        attached = await self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        page = Page(self, attached["sessionId"])
        await page.start()
        return page

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class Page:
    """A tab: navigate, evaluate, screenshot; ``requests`` lists every URL it asked for."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session
        self.requests: list[str] = []
        self._loads = browser.listen("Page.loadEventFired", session)
        self._sent = browser.listen("Network.requestWillBeSent", session)

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.browser.send(method, params, self.session)

    async def start(self) -> None:
        await self.send("Page.enable")
        await self.send("Network.enable")
        await self.send("Runtime.enable")

    def _drain_requests(self) -> None:
        while not self._sent.empty():
            self.requests.append(self._sent.get_nowait()["request"]["url"])

    async def goto(self, url: str, timeout: float = 30) -> None:
        while not self._loads.empty():
            self._loads.get_nowait()
        reply = await self.send("Page.navigate", {"url": url})
        if reply.get("errorText"):
            raise CdpError(f"{url}: {reply['errorText']}")
        await asyncio.wait_for(self._loads.get(), timeout)
        self._drain_requests()

    async def evaluate(self, expression: str) -> Any:
        reply = await self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in reply:
            raise CdpError(f"{expression[:80]}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 30) -> Any:
        """Poll a JavaScript condition until it is truthy (a page loading after a submit); a
        CdpError is "not yet" (the page may be between two documents)."""
        value = await wait_until_async(lambda: self.evaluate(expression), timeout, expression)
        self._drain_requests()
        return value

    async def login(self, base_url: str, token: str, next_path: str = "/") -> None:
        """As a person does: the login form, the token typed in, submitted."""
        await self.goto(f"{base_url}/login?next={next_path}")
        await self.evaluate(
            f"document.getElementById('token').value = {json.dumps(token)};"
            "document.querySelector('form[action=\"/login\"]').submit();"
        )
        await self.wait_for(
            f"location.pathname === {json.dumps(next_path)} && document.readyState === 'complete'"
        )

    async def dom(self) -> str:
        value = await self.evaluate("document.documentElement.outerHTML")
        return str(value)

    async def viewport(self, width: int, height: int) -> None:
        """The window's size in CSS pixels, as a screen of that size shows the page."""
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    async def screenshot(self, width: int = 1400, height: int = 1000) -> bytes:
        await self.viewport(width, height)
        shot = await self.send("Page.captureScreenshot", {"format": "png"})
        return base64.b64decode(shot["data"])

    async def emulate_media(self, media: str) -> None:
        """``print`` lays the page out with its print stylesheet; ``""`` goes back to screen."""
        await self.send("Emulation.setEmulatedMedia", {"media": media})

    async def print_pdf(self) -> bytes:
        """The page printed as Chromium prints it, the page size from the page's ``@page``."""
        reply = await self.send(
            "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
        )
        return base64.b64decode(reply["data"])


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless Chromium, stopped (and its profile removed) on the way out."""
    with tempfile.TemporaryDirectory(prefix="sansang-chromium-") as profile:
        proc = await asyncio.create_subprocess_exec(
            "chromium",
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        drain: asyncio.Task[None] | None = None
        try:
            url = await asyncio.wait_for(_devtools_url(proc), 60)
            # Keep reading stderr so that Chromium never blocks on a full pipe.
            drain = asyncio.create_task(_drain(proc))
            async with aiohttp.ClientSession() as http:
                ws = await http.ws_connect(url, max_msg_size=0)
                browser = Browser(ws)
                try:
                    yield browser
                finally:
                    await browser.close()
                    await ws.close()
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 15)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
            if drain is not None:
                await drain


async def _devtools_url(proc: asyncio.subprocess.Process) -> str:
    assert proc.stderr is not None
    seen = []
    while True:
        line = (await proc.stderr.readline()).decode(errors="replace")
        if not line:
            raise AssertionError("chromium ended before DevTools listened:\n" + "".join(seen))
        seen.append(line)
        found = _LISTENING.search(line)
        if found:
            return found.group(1)


async def _drain(proc: asyncio.subprocess.Process) -> None:
    assert proc.stderr is not None
    while await proc.stderr.read(65536):
        pass


def colour_counts(png: bytes) -> Counter[str]:
    """How many pixels of each colour, as ``#rrggbb``."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    return Counter({"#{:02x}{:02x}{:02x}".format(*rgb): n for n, rgb in colours})
