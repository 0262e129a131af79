"""The link tracker (``agent/links/state.py``): link up/down from the rounds of every target over
it, and the backup-link evidence at most once a day; then its wiring in ``SiteState``."""

from __future__ import annotations

from typing import Any

from agent.config import AgentConfig
from agent.jobs import build_jobs
from agent.links.state import LinkTracker
from agent.probes.base import Measurement, Outcome
from agent.state import SiteState
from sansang.events import Change

S = 1_000_000_000  # ns per second
DAY = 86400 * S


def _kinds(changes: list[Change]) -> list[tuple[str, str, str | None]]:
    return [(c.kind, c.subject, c.state) for c in changes]


def test_a_link_is_unknown_until_every_target_lost_or_one_replied() -> None:
    t = LinkTracker({"fibre": ["gw", "dns"]}, backups=set())
    assert t.round("fibre", "gw", False, 1 * S) == []  # dns has not had a round yet
    assert t.links["fibre"].up is None
    assert _kinds(t.round("fibre", "dns", False, 2 * S)) == [("link_state", "fibre", "down")]
    assert t.links["fibre"].up is False


def test_one_target_replying_is_enough_for_up_and_the_change_carries_the_previous() -> None:
    t = LinkTracker({"fibre": ["gw", "dns"]}, backups=set())
    [first] = t.round("fibre", "gw", True, 1 * S)
    assert (first.state, first.details) == ("up", {})  # the first known state: no previous
    assert t.round("fibre", "dns", False, 2 * S) == []  # gw still answered its last round
    assert t.round("fibre", "gw", True, 3 * S) == []
    [down] = t.round("fibre", "gw", False, 11 * S)
    assert down.state == "down"
    assert down.details == {"previous": "up", "previous_duration_seconds": 10.0}
    [up] = t.round("fibre", "dns", True, 15 * S)
    assert (up.state, up.details["previous_duration_seconds"]) == ("up", 4.0)


def test_links_are_independent() -> None:
    t = LinkTracker({"fibre": ["gw"], "4g": ["gw"]}, backups={"4g"})
    t.round("fibre", "gw", True, S)
    assert _kinds(t.round("4g", "gw", False, S)) == [("link_state", "4g", "down")]
    assert t.links["fibre"].up is True


def test_backup_evidence_once_a_day_per_link_and_kind() -> None:
    t = LinkTracker({"fibre": ["gw"], "4g": ["gw", "dns"]}, backups={"4g"})
    assert "backup_link_working" not in [c.kind for c in t.round("fibre", "gw", True, S)]
    changes = t.round("4g", "gw", True, 2 * S)
    assert _kinds(changes) == [("link_state", "4g", "up"), ("backup_link_working", "4g", None)]
    assert changes[1].details == {"evidence": "quality_round", "target": "gw"}
    assert t.round("4g", "dns", True, 3 * S) == []  # the same day
    assert t.round("4g", "gw", False, 4 * S) == []  # dns still up; a lost round is no evidence
    # another kind of evidence has its own day
    [speed] = t.backup_evidence("4g", "speedtest", {"backend": "province"}, 5 * S)
    assert speed.details == {"evidence": "speedtest", "backend": "province"}
    assert t.backup_evidence("fibre", "speedtest", {}, 5 * S) == []  # not a backup link
    assert t.round("4g", "gw", True, 2 * S + DAY - 1) == []
    [again] = t.round("4g", "gw", True, 2 * S + DAY)
    assert again.kind == "backup_link_working"


def _config(**quality: Any) -> AgentConfig:
    return AgentConfig.model_validate(
        {
            "site": {"commune_code": "23527", "name": "x", "latitude": 14.4, "longitude": 107.8},
            "links": [
                {"id": "fibre", "kind": "internet", "interface": "wan0"},
                {"id": "4g", "kind": "mobile", "role": "backup", "source_address": "10.0.0.2"},
            ],
            "quality": {
                "count": 10,
                "spacing": "0.1s",
                "timeout": "1s",
                "targets": [
                    {
                        "id": "province",
                        "role": "province_datacenter",
                        "check": {"method": "tcp", "host": "10.1.1.1", "port": 443},
                        "links": ["fibre", "4g"],
                    },
                    {"id": "gw", "role": "gateway", "check": {"host": "10.0.0.1"}},
                ],
                **quality,
            },
        }
    )


def test_jobs_one_per_target_and_link() -> None:
    jobs = [j for j in build_jobs(_config()) if j.role == "quality"]
    assert [j.id for j in jobs] == [
        "quality:province@fibre",
        "quality:province@4g",
        "quality:gw@default",
    ]
    fibre, backup, gw = jobs
    assert fibre.timeout == 10 * 0.1 + 1 + 1
    assert fibre.interval == 300.0
    assert fibre.attributes == {
        "target": "province",
        "link": "fibre",
        "role": "province_datacenter",
        "method": "tcp",
        "link_role": "primary",
    }
    assert (fibre.spec.interface, fibre.spec.source_address) == ("wan0", None)
    assert (backup.spec.interface, backup.spec.source_address) == (None, "10.0.0.2")
    assert backup.attributes["link_role"] == "backup"
    assert (gw.spec.method, gw.spec.host, gw.attributes["link"]) == ("icmp", "10.0.0.1", "default")


def test_site_state_journals_the_round_then_the_link_events() -> None:
    config = _config()
    jobs = build_jobs(config)
    state = SiteState(jobs, lambda _: True, links=config.links)
    backup = next(j for j in jobs if j.id == "quality:province@4g")
    figures = Measurement("link_quality", "province", 0.02, {"link": "4g", "sent": 10})
    outcome = Outcome(True, measurements=[figures])
    changes = state.record(backup, outcome, 1.0, 1.7e9, 5 * S)
    assert _kinds(changes) == [
        ("link_quality", "province", None),
        ("link_state", "4g", "up"),
        ("backup_link_working", "4g", None),
    ]
    assert changes[0].value == 0.02 and changes[0].details == {"link": "4g", "sent": 10}
    assert set(state.links.links) == {"fibre", "4g", "default"}
