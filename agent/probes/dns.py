"""DNS resolution with dnspython's asyncio resolver.

With ``server`` set, the query goes to that server only (``IP``, ``IP:PORT`` or ``[IPv6]:PORT``).
Without it, the resolver is configured from ``/etc/resolv.conf`` on each run, so the check asks
the same DNS servers as the machine does.  ``loop.getaddrinfo`` is deliberately not used: it
also answers from ``/etc/hosts`` and cannot tell "no such name" from "no record of this type",
and this probe measures DNS itself.  Names are absolute (no search domains).

For ``PTR`` the name may be an IP address; it is turned into its ``in-addr.arpa`` name.
The whole lookup, retries included, is bounded by the check's timeout (dnspython's lifetime).
"""

from __future__ import annotations

import ipaddress
import time
from typing import Literal

import dns.asyncresolver
import dns.exception
import dns.resolver
import dns.reversename
from pydantic import Field, field_validator

from agent.probes.base import Outcome, ProbeContext, ProbeKind, ProbeSpec, Sample
from sansang.reasons import describe

RecordType = Literal["A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "PTR"]
RECORD_TYPES: tuple[str, ...] = RecordType.__args__  # type: ignore[attr-defined]


class DnsSpec(ProbeSpec):
    """Resolve a name (by default with the system's DNS servers)."""

    probe: Literal["dns"] = Field(default="dns", description="`dns`")
    name: str = Field(min_length=1, description="name to resolve (an IP address for PTR)")
    record_type: RecordType = Field(
        default="A", description="A, AAAA, CNAME, MX, TXT, NS, SOA or PTR"
    )
    server: str | None = Field(
        default=None,
        description="DNS server to ask, `IP`, `IP:PORT` or `[IPv6]:PORT`; "
        "default: the system's (/etc/resolv.conf)",
    )

    @field_validator("server")
    @classmethod
    def _server_address(cls, value: str | None) -> str | None:
        if value is not None:
            split_server(value)
        return value

    def address_and_port(self) -> tuple[str, int] | None:
        return split_server(self.server) if self.server else None


def split_server(text: str) -> tuple[str, int]:
    """``IP``, ``IP:PORT``, ``[IPv6]`` or ``[IPv6]:PORT`` -> (address, port)."""
    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"'{text}' is not IP or IP:PORT")
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        raise ValueError(f"'{text}': the DNS server must be an IP address, not '{host}'") from None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"'{text}': '{port}' is not a port number")
    return address, int(port)


async def run(spec: DnsSpec, ctx: ProbeContext) -> Outcome:
    try:
        resolver = _resolver(spec)
    except dns.resolver.NoResolverConfiguration as err:
        return Outcome.down("error", f"no DNS server configured: {describe(err)}")
    qname = _query_name(spec)
    where = ", ".join(f"{ns}" for ns in resolver.nameservers)
    ctx.logger.debug("%s %s via %s (port %d)", spec.record_type, qname, where, resolver.port)
    started = time.perf_counter()
    try:
        answer = await resolver.resolve(qname, spec.record_type, lifetime=ctx.timeout)
    except dns.resolver.NXDOMAIN:
        return Outcome.down("name_not_resolved", f"{qname}: no such name (NXDOMAIN)")
    except dns.resolver.NoAnswer:
        return Outcome.down("no_answer", f"{qname} has no {spec.record_type} record")
    except dns.exception.Timeout:
        return Outcome.down("timeout", f"no answer from {where} within {ctx.timeout:g}s")
    except dns.resolver.NoNameservers as err:  # every server failed: REFUSED, SERVFAIL, ...
        return Outcome.down("protocol_error", _no_nameservers(err))
    except dns.exception.DNSException as err:
        return Outcome.down("error", describe(err))
    elapsed = time.perf_counter() - started
    records = answer.rrset.to_text().splitlines() if answer.rrset is not None else []
    ctx.logger.debug("answer in %.1f ms: %s", elapsed * 1000, records)
    return Outcome(
        True,
        samples=[
            Sample("sansang_dns_lookup_duration_seconds", elapsed),
            Sample("sansang_dns_answer_records", len(records)),
        ],
    )


def _resolver(spec: DnsSpec) -> dns.asyncresolver.Resolver:
    server = spec.address_and_port()
    if server is None:
        return dns.asyncresolver.Resolver()  # reads /etc/resolv.conf
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [server[0]]
    resolver.port = server[1]
    return resolver


def _query_name(spec: DnsSpec) -> str:
    if spec.record_type == "PTR":
        try:
            return str(dns.reversename.from_address(spec.name))
        except (ValueError, dns.exception.SyntaxError):
            pass
    return spec.name


def _no_nameservers(err: dns.resolver.NoNameservers) -> str:
    errors = err.kwargs.get("errors") or []
    said = sorted({str(e[3]) for e in errors if len(e) > 3})
    return f"the DNS server answered {', '.join(said)}" if said else describe(err)


def from_target(target: str) -> DnsSpec:
    """``[TYPE:]NAME[@SERVER]``: ``portal.example.vn``, ``MX:example.vn``,
    ``site.example@10.0.0.53``, ``AAAA:site.example@[fd00::53]:5353``."""
    target = target.strip()
    record_type = "A"
    head, sep, rest = target.partition(":")
    if sep and "@" not in head:
        if head.upper() not in RECORD_TYPES:
            raise ValueError(f"'{head}' is not a record type ({', '.join(RECORD_TYPES)})")
        record_type, target = head.upper(), rest
    name, _, server = target.partition("@")
    return DnsSpec.model_validate(
        {"name": name, "record_type": record_type, "server": server or None}
    )


KIND = ProbeKind("dns", DnsSpec, run, from_target, "DNS resolution: answer and lookup time")
