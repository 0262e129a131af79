"""Ansible's inventory (danh sách máy cho Ansible) from the province's inventory.

``sansang collector ansible-inventory --inventory inventory.yaml`` prints the JSON an Ansible
inventory script prints (``--list``): every site is a host named by its key (``23527-main``) in
the group ``sansang_agents`` and in ``sansang_pull`` or ``sansang_push``; ``_meta.hostvars``
carries what the ``sansang_agent`` role (deploy/ansible) needs to write the site's agent.yaml.

The inventory has no management address: a pull site's ``ansible_host`` is the host of its pull
URL (the province reaches the agent there, so it reaches SSH there too); a push site sits behind
NAT or 4G, so the operator gives its ``ansible_host`` (VPN address, jump host) in host_vars.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from collector.inventory.model import Inventory, Site

GROUP = "sansang_agents"
DEFAULT_PORT = {"http": 80, "https": 443}


def agent_links(site: Site) -> list[dict[str, str]]:
    """The agent's ``links:`` from the site's link kinds: ``id`` = kind; a mobile link beside
    another one is the backup (the usual 4G router), every other link primary."""
    links = []
    for kind in site.links:
        role = "backup" if kind == "mobile" and len(site.links) > 1 else "primary"
        links.append({"id": kind, "kind": kind, "role": role})
    return links


def host_vars(site: Site, inv: Inventory) -> dict[str, Any]:
    """The role's variables for one site (``sansang_agent_*``), plus ``ansible_host``."""
    hv: dict[str, Any] = {
        "sansang_agent_commune_code": site.commune_code,
        "sansang_agent_site_id": site.site_id,
        "sansang_agent_site_name": site.name,
        "sansang_agent_latitude": site.latitude,
        "sansang_agent_longitude": site.longitude,
        "sansang_agent_province": inv.province.name,
        "sansang_agent_links": agent_links(site),
        "sansang_agent_terminals": [
            {k: v for k, v in t.model_dump(mode="json").items() if v != ""} for t in site.terminals
        ],
        "sansang_agent_ingest": "pull" if site.pull is not None else "push",
    }
    if site.pull is not None:
        url = urlsplit(site.pull.url)
        hv["ansible_host"] = url.hostname
        hv["sansang_agent_listen"] = f"0.0.0.0:{url.port or DEFAULT_PORT[url.scheme]}"
        hv["sansang_agent_tls"] = url.scheme == "https"
    if site.push is not None:
        hv["sansang_agent_push_credential_id"] = site.push.credential_id
    return hv


def build(inv: Inventory) -> dict[str, Any]:
    """The ``--list`` answer of an inventory script, hosts sorted by key."""
    sites = sorted(inv.sites, key=lambda s: s.key)
    pull = [s.key for s in sites if s.pull is not None]
    push = [s.key for s in sites if s.push is not None]
    return {
        "all": {"children": [GROUP]},
        GROUP: {"children": ["sansang_pull", "sansang_push"]},
        "sansang_pull": {"hosts": pull},
        "sansang_push": {"hosts": push},
        "_meta": {"hostvars": {s.key: host_vars(s, inv) for s in sites}},
    }
