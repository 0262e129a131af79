"""Loss, latency and jitter over one link, smokeping-style: one run is one round of echo requests.

A round sends ``count`` requests ``spacing`` apart without waiting for the replies (like fping and
the icmp probe), each waiting up to ``reply_timeout``; a reply later than that is lost.  By
method: ``icmp`` echo (the shared sockets of ``icmp_pinger``, one per binding), ``tcp`` (a
completed handshake is the reply, its time the round trip; a refused or silent port is a loss),
``http`` (a HEAD request on a fresh connection, certificate verification on; any response is the
reply, timed to its headers).  ICMP is the honest measure of packet loss: a lost TCP SYN or reply
is retransmitted by the kernel after a second, so over TCP and HTTP a lost packet mostly shows as
a slow reply, and only a round trip slower than ``reply_timeout`` counts as lost.

The link: ``interface`` binds every socket of the round to it (``SO_BINDTODEVICE``; the site needs
a route over it, e.g. a default route of higher metric), ``source_address`` binds to a local
address (its routing, or a policy rule, picks the link).  A request the kernel refuses to send (the
link is down) counts as sent and lost, so a dead link reads as 100 % loss, not as no data.

What a round gives (``agent/state.py`` adds up the increments into running totals):

- ``sansang_link_echo_requests_sent_total`` / ``..._replies_received_total``: increments;
- ``sansang_link_rtt_seconds``: the histogram of the replies' round-trip times, as increments of
  the cumulative bucket counts (an ``le`` label) and of the sum (the row without ``le``), the
  row shape of ``sansang.exposition.Family``;
- gauges of the round: median, jitter (mean absolute difference of consecutive round-trip times
  in send order, lost requests skipped), loss ratio;
- a ``link_quality`` measurement, journalled every round (``docs/events.md``).

The job (``agent/jobs.py``) adds the ``target`` and ``link`` labels; the spec names them only for
the journal.  Success is "some request got a reply": the link tracker (``agent/links/state.py``)
reads it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import math
import socket
import statistics
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
from pydantic import Field, model_validator
from yarl import URL

from agent.probes._icmp_pinger import Answer, Binding, Pinger, bind, raw_allowed
from agent.probes._tls import client_context
from agent.probes.base import Measurement, Outcome, ProbeContext, ProbeKind, ProbeSpec, Sample
from sansang.metrics import bucket_label
from sansang.reasons import Reason, describe, reason_for_os_error

_RTT = "sansang_link_rtt_seconds"
# Round-trip times over a WAN: a LAN gateway (~1 ms), fibre to the province (5-25 ms), 4G
# (30-100 ms), a congested or satellite path (0.5-2.5 s); beyond 5 s only +Inf.  Here, with the
# probe that counts them; the metric catalogue (``agent/metrics/catalogue.py``) reads them.
RTT_BUCKETS: tuple[float, ...] = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
)  # fmt: skip
_BOUNDS = (*RTT_BUCKETS, math.inf)
_LE = tuple(bucket_label(bound) for bound in _BOUNDS)


class QualitySpec(ProbeSpec):
    """One round of echo requests to a target over a link (built from `quality.targets`)."""

    probe: Literal["quality"] = Field(default="quality", description="`quality`")
    target: str = Field(default="cli", description="the quality target id (journal subject)")
    role: str = Field(default="other", description="the target's role (journal details)")
    link: str = Field(default="default", description="the link id (journal details)")
    link_kind: str | None = Field(default=None, description="the link's kind (journal details)")
    method: Literal["icmp", "tcp", "http"] = "icmp"
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    url: str | None = None
    count: int = Field(default=20, ge=1, le=10_000)
    spacing: float = Field(default=0.5, ge=0, le=60)
    reply_timeout: float = Field(default=2.0, gt=0, le=60)
    interface: str | None = None
    source_address: str | None = None

    @model_validator(mode="after")
    def _target(self) -> QualitySpec:
        needs = {"icmp": ("host",), "tcp": ("host", "port"), "http": ("url",)}[self.method]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"method '{self.method}' needs {', '.join(missing)}")
        return self

    @property
    def binding(self) -> Binding:
        return Binding(self.interface, self.source_address)

    @property
    def where(self) -> str:
        return self.url or f"{self.host}" + (f":{self.port}" if self.port else "")


# --- the statistics of a round ---------------------------------------------------------------


@dataclass(frozen=True)
class RoundStats:
    sent: int
    received: int
    loss_ratio: float
    median: float | None
    jitter: float | None  # None with fewer than two replies
    minimum: float | None
    maximum: float | None


def round_stats(rtts: Sequence[float | None]) -> RoundStats:
    """The figures of a round from its round-trip times in send order (None: lost)."""
    got = [r for r in rtts if r is not None]
    sent = len(rtts)
    jitter = (
        statistics.fmean(abs(b - a) for a, b in itertools.pairwise(got)) if len(got) >= 2 else None
    )
    return RoundStats(
        sent=sent,
        received=len(got),
        loss_ratio=(sent - len(got)) / sent if sent else 1.0,
        median=statistics.median(got) if got else None,
        jitter=jitter,
        minimum=min(got) if got else None,
        maximum=max(got) if got else None,
    )


def histogram_increments(rtts: Sequence[float | None]) -> list[Sample]:
    """This round's share of the RTT histogram: cumulative bucket counts, ``+Inf`` last, then
    the sum; always every bucket, so the series' rows keep their order from the first round."""
    got = sorted(r for r in rtts if r is not None)
    samples = [
        Sample(_RTT, sum(1 for r in got if r <= bound), {"le": le}, increment=True)
        for bound, le in zip(_BOUNDS, _LE, strict=True)
    ]
    samples.append(Sample(_RTT, math.fsum(got), increment=True))
    return samples


# --- one round -------------------------------------------------------------------------------

# What went wrong with a request that got no reply, when something said so (an ICMP error, a
# refused connection, a link that is down): the last one becomes the outcome's reason.
_Errors = list[tuple[Reason, str]]
# One request: sent at the call, returns its round-trip time or None (lost, or not sent: the
# error goes to the list).
_Request = Callable[[_Errors], Coroutine[Any, Any, float | None]]


async def run(spec: QualitySpec, ctx: ProbeContext) -> Outcome:
    errors: _Errors = []
    try:
        request, close = await _method(spec)
    except TimeoutError:
        return Outcome.down("timeout", f"resolving {spec.where} took too long")
    except socket.gaierror as err:
        return Outcome.down("name_not_resolved", f"{spec.where}: {describe(err)}")
    except PermissionError as err:
        return Outcome.down(
            "permission_denied", f"{spec.method} over {_via(spec)}: {describe(err)}"
        )
    except OSError as err:
        return Outcome.down("error", f"{spec.method} over {_via(spec)}: {describe(err)}")
    try:
        rtts = await _round(spec, request, errors)
    finally:
        await close()
    return _outcome(spec, ctx, rtts, errors)


async def _round(spec: QualitySpec, request: _Request, errors: _Errors) -> list[float | None]:
    """``count`` requests ``spacing`` apart, all in flight at once; their RTTs in send order."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks: list[asyncio.Task[float | None]] = []
    try:
        for n in range(spec.count):
            # Due times from the round's start: a slow send does not stretch the round.
            await asyncio.sleep(max(0.0, start + n * spec.spacing - loop.time()))
            tasks.append(asyncio.create_task(request(errors)))
        return list(await asyncio.gather(*tasks))
    finally:
        for task in tasks:
            task.cancel()


async def _method(spec: QualitySpec) -> tuple[_Request, Callable[[], Any]]:
    if spec.method == "icmp":
        return await _icmp(spec)
    if spec.method == "tcp":
        return await _tcp(spec)
    return _http(spec)


async def _icmp(spec: QualitySpec) -> tuple[_Request, Callable[[], Any]]:
    assert spec.host is not None
    async with asyncio.timeout(spec.reply_timeout):
        family, address = await _resolve(spec.host)
    pinger = Pinger.shared(family, raw_allowed(), spec.binding)

    async def request(errors: _Errors) -> float | None:
        try:
            answer = await pinger.send(address)
        except OSError as err:  # the link is down, no route, a firewall rule
            errors.append((reason_for_os_error(err), describe(err)))
            return None
        try:
            result: Answer = await asyncio.wait_for(answer, spec.reply_timeout)
        except TimeoutError:
            return None
        if result.rtt is None:
            errors.append(("unreachable", result.error))
        return result.rtt

    async def close() -> None:
        pinger.release()

    return request, close


async def _resolve(host: str) -> tuple[int, str]:
    """(family, address) of a host: itself when it is an address, else its first IPv4 address
    (IPv6 when it has none)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_DGRAM)
        infos.sort(key=lambda info: info[0] != socket.AF_INET)
        return infos[0][0], str(infos[0][4][0])
    return (socket.AF_INET6 if ip.version == 6 else socket.AF_INET), str(ip)


async def _tcp(spec: QualitySpec) -> tuple[_Request, Callable[[], Any]]:
    assert spec.host is not None and spec.port is not None
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(spec.reply_timeout):
        infos = await loop.getaddrinfo(spec.host, spec.port, type=socket.SOCK_STREAM)
    family, kind, proto, _, address = infos[0]

    async def request(errors: _Errors) -> float | None:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            bind(sock, spec.binding)
            started = time.perf_counter()
            async with asyncio.timeout(spec.reply_timeout):
                await loop.sock_connect(sock, address)
            return time.perf_counter() - started
        except TimeoutError:
            return None
        except OSError as err:
            errors.append((reason_for_os_error(err), describe(err)))
            return None
        finally:
            sock.close()

    async def close() -> None:
        return None

    return request, close


def _http(spec: QualitySpec) -> tuple[_Request, Callable[[], Any]]:
    assert spec.url is not None
    url = URL(spec.url)

    def socket_factory(info: tuple[Any, ...]) -> socket.socket:
        family, kind, proto, _, _ = info
        sock = socket.socket(family, kind, proto)
        try:
            bind(sock, spec.binding)
        except OSError:
            sock.close()
            raise
        return sock

    connector = aiohttp.TCPConnector(
        ssl=client_context(None, add_to_system=True) if url.scheme == "https" else False,
        force_close=True,  # every request opens its own connection: the same cost each time
        ttl_dns_cache=60,  # a host name is resolved once a round, not in every request's time
        socket_factory=socket_factory,
    )
    session = aiohttp.ClientSession(connector=connector, trust_env=False, auto_decompress=False)
    timeout = aiohttp.ClientTimeout(total=spec.reply_timeout)

    async def request(errors: _Errors) -> float | None:
        started = time.perf_counter()
        try:
            async with session.head(url, allow_redirects=False, timeout=timeout):
                return time.perf_counter() - started
        except TimeoutError:
            return None
        except aiohttp.ClientConnectorError as err:
            errors.append((reason_for_os_error(err.os_error), describe(err)))
            return None
        except (aiohttp.ClientError, OSError) as err:
            errors.append(("error", describe(err)))
            return None

    return request, session.close


def _via(spec: QualitySpec) -> str:
    if spec.interface or spec.source_address:
        return " ".join(filter(None, (spec.interface, spec.source_address)))
    return "the default route"


def _outcome(
    spec: QualitySpec, ctx: ProbeContext, rtts: list[float | None], errors: _Errors
) -> Outcome:
    stats = round_stats(rtts)
    ctx.logger.debug(
        "%s %s over %s: %d sent, %d received, rtts %s",
        spec.method, spec.where, _via(spec), stats.sent, stats.received,
        ["-" if r is None else f"{r * 1000:.3f}ms" for r in rtts],
    )  # fmt: skip
    samples = [
        Sample("sansang_link_echo_requests_sent_total", stats.sent, increment=True),
        Sample("sansang_link_echo_replies_received_total", stats.received, increment=True),
        *histogram_increments(rtts),
        Sample("sansang_link_loss_ratio", stats.loss_ratio),
    ]
    if stats.median is not None:
        samples.append(Sample("sansang_link_rtt_median_seconds", stats.median))
    if stats.jitter is not None:
        samples.append(Sample("sansang_link_jitter_seconds", stats.jitter))
    measurement = Measurement("link_quality", spec.target, stats.median, _details(spec, stats))
    if stats.received:
        return Outcome(True, samples=samples, measurements=[measurement])
    if errors:
        reason, text = errors[-1]
        detail = f"no reply to {stats.sent} requests over {_via(spec)}: {text}"
        return Outcome(False, reason, detail, samples, measurements=[measurement])
    detail = f"no reply to {stats.sent} requests within {spec.reply_timeout:g}s each"
    return Outcome(False, "timeout", detail, samples, measurements=[measurement])


def _details(spec: QualitySpec, stats: RoundStats) -> dict[str, str | float | int | bool | None]:
    return {
        "link": spec.link,
        "link_kind": spec.link_kind,
        "role": spec.role,
        "method": spec.method,
        "sent": stats.sent,
        "received": stats.received,
        "loss_ratio": round(stats.loss_ratio, 6),
        "median_seconds": stats.median,
        "jitter_seconds": stats.jitter,
        "min_seconds": stats.minimum,
        "max_seconds": stats.maximum,
    }


def from_target(target: str) -> QualitySpec:
    """``icmp://HOST``, ``tcp://HOST:PORT`` or an ``http(s)://`` URL; a bare HOST is icmp.  A
    CLI round is short: 5 requests 0.2 s apart."""
    target = target.strip()
    quick: dict[str, Any] = {"count": 5, "spacing": 0.2, "reply_timeout": 1.0}
    if target.startswith(("http://", "https://")):
        return QualitySpec.model_validate({**quick, "method": "http", "url": target})
    if target.startswith("tcp://"):
        host, sep, port = target.removeprefix("tcp://").rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"'{target}' is not tcp://HOST:PORT")
        return QualitySpec.model_validate(
            {**quick, "method": "tcp", "host": host.strip("[]"), "port": int(port)}
        )
    host = target.removeprefix("icmp://").strip("[]")
    return QualitySpec.model_validate({**quick, "method": "icmp", "host": host})


KIND = ProbeKind(
    "quality",
    QualitySpec,
    run,
    from_target,
    "a round of echo requests (icmp, tcp, http): loss, latency, jitter",
    category="quality",
)
