"""The province's throughput endpoint (điểm đo băng thông): Speedtest-Mini-compatible HTTP, the
four URLs speedtest-cli 2.1.3 (and the agent's ``selfhosted`` backend) talk to.

- ``GET /``: a page naming the upload extension (``upload_extension: "php"``);
- ``GET /speedtest/latency.txt``: ``test=test``;
- ``GET /speedtest/random{N}x{N}.jpg``: about 2·N² random bytes, N from 350 to 4000 (the sizes
  speedtest-cli asks for), streamed from one random buffer made at start, never per request;
- ``POST /speedtest/upload.php``: reads the body and answers ``size=N`` (bytes received).

speedtest-cli declares 65,536 bytes for an upload chunk and sends 65,529: waiting for the
declared length would stall each such chunk for the whole idle timeout.  Once the body is that
close to its declared end (``SHORT_SLACK``), the read waits only ``SHORT_WAIT`` for more.

``sansang speedtest-server --listen HOST:PORT`` (or ``python -m tools.speedtest_endpoint``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import signal

from aiohttp import web

log = logging.getLogger(__name__)

MIN_SIDE, MAX_SIDE = 350, 4000  # speedtest-cli's download sizes (random350x350 .. 4000x4000)
BLOCK = 1 << 20  # the random buffer every download is cut from (1 MiB, incompressible)
SHORT_SLACK = 1024  # bytes short of the declared length at which a short wait ends the read
SHORT_WAIT = 0.25  # seconds: speedtest-cli sends 7 bytes fewer than it declares, then waits
IDLE_WAIT = 30.0  # seconds without any body byte before an upload is given up
INDEX = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>sansang speedtest</title></head>
<body><p>Điểm đo băng thông sansang / sansang throughput endpoint (Speedtest Mini).</p>
<script>var config = { upload_extension: "php" };</script></body></html>
"""
_RANDOM = re.compile(r"random(\d{3,4})x(\d{3,4})\.jpg")
_NO_CACHE = {"Cache-Control": "no-cache, no-store"}


def download_size(side: int) -> int:
    """Bytes of ``random{side}x{side}.jpg``: 2·N², what speedtest.net's JPEGs weigh."""
    return 2 * side * side


def build_app(block: bytes | None = None) -> web.Application:
    """The endpoint's aiohttp application; ``block`` is the random buffer (default: fresh)."""
    data = memoryview(block if block is not None else os.urandom(BLOCK))
    app = web.Application()

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=INDEX, content_type="text/html", charset="utf-8")

    async def latency(request: web.Request) -> web.Response:
        return web.Response(text="test=test", content_type="text/plain", headers=_NO_CACHE)

    async def random_jpg(request: web.Request) -> web.StreamResponse:
        match = _RANDOM.fullmatch(request.match_info["name"])
        if match is None or match[1] != match[2] or not MIN_SIDE <= int(match[1]) <= MAX_SIDE:
            raise web.HTTPNotFound(text="404: not a speedtest size (random350x350 .. 4000)\n")
        size = download_size(int(match[1]))
        response = web.StreamResponse(
            headers={"Content-Type": "image/jpeg", "Content-Length": str(size), **_NO_CACHE}
        )
        await response.prepare(request)
        sent = 0
        while sent < size:
            chunk = data[: min(len(data), size - sent)]
            await response.write(chunk)
            sent += len(chunk)
        await response.write_eof()
        return response

    async def upload(request: web.Request) -> web.Response:
        received = await read_upload(request)
        response = web.Response(text=f"size={received}", content_type="text/plain")
        response.force_close()  # the body may end short of its declared length: no keep-alive
        return response

    app.router.add_get("/", index)
    app.router.add_get("/speedtest/latency.txt", latency)
    app.router.add_get("/speedtest/{name}", random_jpg)
    app.router.add_post("/speedtest/upload.php", upload)
    return app


async def read_upload(request: web.Request) -> int:
    """Bytes of the request body, reading until its declared end, its real end, a short wait
    once it is within ``SHORT_SLACK`` of the declared end, or ``IDLE_WAIT`` of silence."""
    declared = request.content_length
    received = 0
    while True:
        near_end = declared is not None and declared - received <= SHORT_SLACK
        try:
            chunk = await asyncio.wait_for(
                request.content.readany(), SHORT_WAIT if near_end else IDLE_WAIT
            )
        except TimeoutError:
            return received
        except ConnectionError:  # the client gave up mid-chunk (its time was up)
            return received
        if not chunk:
            return received
        received += len(chunk)
        if declared is not None and received >= declared:
            return received


async def serve(host: str, port: int) -> None:
    """Serve the endpoint until cancelled, SIGTERM or SIGINT (a clean stop, exit status 0)."""
    runner = web.AppRunner(build_app(), access_log=None)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await web.TCPSite(runner, host, port).start()
        log.info("speedtest endpoint on http://%s:%d/", host, port)
        await stop.wait()
    finally:
        await runner.cleanup()


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[V6]:PORT`` for IPv6) → (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"'{text}' is not HOST:PORT")
    return host.strip("[]") or "0.0.0.0", int(port)  # noqa: S104 (an explicit ":PORT")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.speedtest_endpoint")
    parser.add_argument("--listen", default="127.0.0.1:8080", help="HOST:PORT")
    args = parser.parse_args(argv)
    host, port = parse_listen(args.listen)
    logging.basicConfig(level=logging.INFO)
    asyncio.run(serve(host, port))


if __name__ == "__main__":
    main()
