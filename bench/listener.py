"""The live terminals' TCP service: accept on 0.0.0.0:PORT and close (run inside the hosts netns).

Run as a script by :mod:`bench.netlab`; prints ``ready`` once it listens and stops on SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sys


async def _serve(port: int) -> None:
    async def close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(close, "0.0.0.0", port, backlog=1024)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1])))
