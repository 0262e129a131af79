"""Network namespaces for the integration tests: the pieces every lab is built from.

- :func:`ip` runs ``ip ARGS`` and raises with ip's own message;
- :func:`namespace` is a fresh namespace with ``lo`` up, deleted on the way out whatever happened;
- :func:`veth_neighbour` is a host in its own namespace on a veth link from the default
  namespace, in a /29 chosen by the test process id (so parallel runs never share addresses);
- :func:`stop_process` (from ``tests.support``, re-exported) ends a process the test started
  (processes inside a namespace keep it alive after ``ip netns del``, so stop them before leaving
  :func:`namespace`).

Nothing here needs pytest: only ``ip`` (iproute2), root and the standard library.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from tests.support.env import stop_process

__all__ = ["ip", "namespace", "stop_process", "veth_neighbour"]

_numbers = itertools.count(1)  # a fresh name each time: a deleted namespace lingers a moment


def ip(*args: str, stdin: str | None = None) -> None:
    """Run ``ip ARGS`` (``stdin`` feeds ``-batch -``); a failure raises with ip's own message."""
    done = subprocess.run(["ip", *args], input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")


def in_netns(netns: str, *cmd: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` inside ``netns`` and return what it did (it does not raise on failure)."""
    return subprocess.run(
        ["ip", "netns", "exec", netns, *cmd],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def write_sysctl(netns: str, name: str, value: str) -> None:
    """Write a per-namespace sysctl from inside the namespace (no ``sysctl`` binary needed)."""
    path = "/proc/sys/" + name.replace(".", "/")
    done = in_netns(netns, sys.executable, "-c", f"open({path!r}, 'w').write({value!r})")
    if done.returncode != 0:
        raise RuntimeError(f"{name}={value} in {netns}: {done.stderr.strip()}")


def link_exists(dev: str, netns: str | None = None) -> bool:
    where = ["-n", netns] if netns else []
    shown = subprocess.run(["ip", *where, "link", "show", "dev", dev], capture_output=True)
    return shown.returncode == 0


def add_namespace(name: str) -> str:
    """``ip netns add NAME`` with ``lo`` up; on a failure after the add it deletes it again."""
    ip("netns", "add", name)
    try:
        ip("-n", name, "link", "set", "lo", "up")
    except RuntimeError:
        delete_namespace(name)
        raise
    return name


def delete_namespace(name: str) -> None:
    """``ip netns del NAME`` (its veths go with it); only a namespace still listed is an error."""
    try:
        ip("netns", "del", name)
    except RuntimeError:
        if name in _listed():
            raise


def _listed() -> set[str]:
    shown = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    return {line.split()[0] for line in shown.stdout.splitlines() if line.strip()}


@contextmanager
def namespace(name: str) -> Iterator[str]:
    """A namespace with ``lo`` up for the ``with`` block; yields its name."""
    add_namespace(name)
    try:
        yield name
    finally:
        delete_namespace(name)


@dataclass(frozen=True)
class Neighbour:
    """The far end of a veth link from the default namespace."""

    netns: str
    local: str  # the default namespace's end of the link
    address: str  # owned by the neighbour: answers ARP and, unless told not to, pings
    unowned: str  # on the same link, owned by nobody: ARP fails


@contextmanager
def veth_neighbour(
    tag: str,
    subnet: str,
    *,
    forwarding: bool | None = None,
    routes: Sequence[str] = (),
) -> Iterator[Neighbour]:
    """A host in its own namespace ``ss<tag><pid>n<k>`` on a veth link from this (default)
    namespace, in the /29 of ``subnet`` (three octets, e.g. ``10.200.251``) this process owns:
    one neighbour per subnet at a time.

    ``forwarding`` sets the neighbour's ``net.ipv4.ip_forward``; ``routes`` are prefixes the
    default namespace sends through the neighbour (they go with the veth).
    """
    pid, number = os.getpid(), next(_numbers)
    veth = f"v{pid}n{number}"  # at most 15 characters: the tag goes in the namespace's name
    first = 8 * (pid % 32)
    local, address, unowned = (f"{subnet}.{first + n}" for n in (1, 2, 3))
    with namespace(f"ss{tag}{pid}n{number}") as netns:
        try:
            ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", netns)
            ip("addr", "add", f"{local}/29", "dev", veth)
            ip("link", "set", veth, "up")
            ip("-n", netns, "addr", "add", f"{address}/29", "dev", "eth0")
            ip("-n", netns, "link", "set", "eth0", "up")
            if forwarding is not None:
                write_sysctl(netns, "net.ipv4.ip_forward", "1" if forwarding else "0")
            for prefix in routes:
                ip("route", "add", prefix, "via", address)
            yield Neighbour(netns, local, address, unowned)
        finally:
            if link_exists(veth):  # deleting one end removes both and the routes, at once
                ip("link", "del", veth)
