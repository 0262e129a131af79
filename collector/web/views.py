"""JSON shapes of the API: inventory sites (filtered by role), findings, events, notes, audit.

Pure functions from the collector's objects to plain dicts; ``openapi.py`` describes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from collector.context import Collector
from collector.evaluate.model import Evidence, Finding, LiveSite, TargetRollup
from collector.events import StoredEvent
from collector.inventory.model import Site
from collector.store import AuditEntry, Note
from collector.targets import Target, ThresholdValue


def iso(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).isoformat()


def site_inventory(site: Site, *, personal: bool, admin: bool) -> dict[str, Any]:
    """The inventory entry: contingency plans (responders' names and phones, drills) only with
    ``personal``; where the pull token file lives only for ``admin``."""
    exclude: set[str] = set() if personal else {"contingency"}
    data = site.model_dump(mode="json", exclude=exclude)
    if not admin and data.get("pull"):
        data["pull"].pop("token_file", None)
    return data


def live(value: LiveSite | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "queried_at": iso(value.queried_at),
        "up": value.up,
        "mains_present": value.mains_present,
        "on_battery": value.on_battery,
        "links_up": dict(value.links_up),
        "queries": list(value.queries),
    }


# A ref that names a site: an event's ``23527-main/j-1/42``, an inventory path's
# ``23527-main:link_loss.drills``.
_REF_SITE = re.compile(r"^([0-9]{5}-[a-z0-9][a-z0-9_.-]*)[/:]")


def _evidence(e: Evidence, readable: Callable[[str], bool] | None = None) -> dict[str, Any]:
    refs = list(e.refs)
    if readable is not None:
        refs = [r for r in refs if (m := _REF_SITE.match(r)) is None or readable(m.group(1))]
    return {"kind": e.kind, "vi": e.vi, "en": e.en, "refs": refs}


def _threshold(value: ThresholdValue | None) -> ThresholdValue | None:
    return list(value) if isinstance(value, list) else value


def finding(f: Finding, readable: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """A finding; with ``readable`` (a site key: may the reader see it?) its evidence refs
    naming other sites are left out."""
    return {
        "target": f.target,
        "site": f.site,
        "status": f.status,
        "value": f.value,
        "threshold": _threshold(f.threshold),
        "unit": f.unit,
        "window": {"start": iso(f.window.start), "end": iso(f.window.end)},
        "vi": f.vi,
        "en": f.en,
        "cause": f.cause,
        "evidence": [_evidence(e, readable) for e in f.evidence],
        "details": dict(f.details),
    }


def findings_by_site(c: Collector) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in c.evaluation.findings if c.evaluation else ():
        out.setdefault(f.site, []).append(f)
    return out


def site_summary(c: Collector, site: Site, findings: Iterable[Finding]) -> dict[str, Any]:
    return {
        "key": site.key,
        "commune_code": site.commune_code,
        "commune_name": site.commune.name,
        "name": site.name,
        "latitude": site.latitude,
        "longitude": site.longitude,
        "links": list(site.links),
        "access": "pull" if site.pull is not None else "push",
        "last_received": iso(c.ingest.last_received.get(site.key)),
        "live": live(c.live.get(site.key)),
        "targets": {
            f.target: {"status": f.status, "value": f.value, "unit": f.unit} for f in findings
        },
    }


def event(e: StoredEvent) -> dict[str, Any]:
    return {
        "ref": e.ref,
        "site": e.site,
        "journal_id": e.journal_id,
        "seq": e.seq,
        "boot_id": e.boot_id,
        "wall_time": iso(e.wall_time),
        "wall_time_unix": e.wall_time,
        "kind": e.kind,
        "subject": e.subject,
        "state": e.state,
        "value": e.value,
        "details": e.details,
    }


def note(n: Note) -> dict[str, Any]:
    return {"id": n.id, "site": n.site, "at": iso(n.at), "author": n.author, "text": n.text}


def audit_entry(a: AuditEntry) -> dict[str, Any]:
    return {
        "at": iso(a.at),
        "actor": a.actor,
        "role": a.role,
        "action": a.action,
        "target": a.target,
        "details": a.details,
    }


def rollup(r: TargetRollup) -> dict[str, Any]:
    return {
        "target": r.target,
        "met": r.met,
        "not_met": r.not_met,
        "unknown": r.unknown,
        "central_outages": [dict(o) for o in r.central_outages],
    }


def target(t: Target, effective: Mapping[str, ThresholdValue], agency: Mapping[str, str]) -> Any:
    return {
        "id": t.id,
        "title": t.title.model_dump(),
        "owner": t.owner,
        "owner_title": dict(agency),
        "sources": [s.model_dump() for s in t.sources],
        "status": t.status,
        "reason": t.reason,
        "rule": t.rule,
        "window_seconds": t.window,
        "thresholds": {
            name: {
                "default": _threshold(th.default),
                "effective": _threshold(effective.get(name, th.default)),
                "why": th.why,
            }
            for name, th in t.thresholds.items()
        },
    }
