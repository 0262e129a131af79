"""A stand-in for speedtest.net on 127.0.0.1, reached as speedtest-cli's HTTP proxy.

speedtest-cli builds its opener with urllib's ``ProxyHandler()``: with ``http_proxy`` set to this
server, its requests for ``http://www.speedtest.net/...`` come here (the name is never resolved
by the client) and get whatever the test chose: the config speedtest.net serves, a 403, garbage.
Every request is recorded in ``requests``, so a test can check that it really came here.

``CONFIG_XML`` carries the values speedtest.net's ``speedtest-config.php`` serves (download
testlength 10 s, 4 per size; upload ratio 5, at most 50 chunks, 2 threads, testlength 10 s).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONFIG_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<settings>
<client ip="10.0.0.1" lat="10.8231" lon="106.6297" isp="Lab" isprating="3.7" rating="0"
 ispdlavg="0" ispulavg="0" loggedin="0" country="VN"/>
<server-config threadcount="4" ignoreids="1,2,3" notonmap="" forcepingid=""
 preferredserverid=""/>
<download testlength="10" initialtest="250K" mintestsize="250K" threadsperurl="4"/>
<upload testlength="10" ratio="5" initialtest="0" mintestsize="32K" threads="2"
 maxchunksize="512K" maxchunkcount="50" threadsperurl="4"/>
</settings>
"""


def servers_xml(url: str, server_id: int = 4242) -> bytes:
    """A server list with one server whose upload URL is ``url``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><settings><servers>'
        f'<server url="{url}" lat="10.8" lon="106.6" name="Lab" country="Vietnam" cc="VN" '
        f'sponsor="sansang" id="{server_id}" host="lab:8080"/>'
        "</servers></settings>"
    ).encode()


@dataclass
class FakeSpeedtestNet:
    """What to answer: (status, body) for the config and for the server lists."""

    config: tuple[int, bytes] = (200, CONFIG_XML)
    servers: tuple[int, bytes] = (403, b"Forbidden")
    requests: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def fake_speedtestnet(fake: FakeSpeedtestNet) -> Iterator[FakeSpeedtestNet]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.requests.append(self.path)
            status, body = fake.config if "speedtest-config" in self.path else fake.servers
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
