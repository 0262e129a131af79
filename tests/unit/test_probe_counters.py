"""Counters a stateless probe reports as per-run increments become running totals per check."""

from __future__ import annotations

from agent.jobs import Job
from agent.probes import PROBES
from agent.probes.base import Outcome, Sample
from agent.state import SiteState


def _job(job_id: str) -> Job:
    kind = PROBES["icmp"]
    return Job(job_id, "check", kind, kind.from_target("10.0.0.1"), 30.0, 5.0)


def _run(sent: int, received: int, rtt: float | None = None) -> Outcome:
    samples = [
        Sample("sansang_icmp_packets_sent_total", sent, increment=True),
        Sample("sansang_icmp_packets_received_total", received, increment=True),
    ]
    if rtt is not None:
        samples.append(Sample("sansang_icmp_rtt_seconds", rtt))
    return Outcome(received > 0, "ok" if received else "timeout", samples=samples)


def _values(state: SiteState, job_id: str) -> dict[str, float]:
    outcome = state.records[job_id].outcome
    assert outcome is not None
    assert not any(s.increment for s in outcome.samples)
    return {s.name: s.value for s in outcome.samples}


def test_increments_add_up_per_check_and_gauges_stay_per_run() -> None:
    gateway, printer = _job("gateway"), _job("printer")
    state = SiteState([gateway, printer], lambda _when: True)
    state.record(gateway, _run(3, 3, 0.002), 0.1, 1000.0, 1)
    state.record(printer, _run(3, 0), 5.0, 1000.0, 1)
    state.record(gateway, _run(3, 2, 0.004), 0.1, 1030.0, 2)
    assert _values(state, "gateway") == {
        "sansang_icmp_packets_sent_total": 6,
        "sansang_icmp_packets_received_total": 5,
        "sansang_icmp_rtt_seconds": 0.004,
    }
    assert _values(state, "printer") == {
        "sansang_icmp_packets_sent_total": 3,
        "sansang_icmp_packets_received_total": 0,
    }


def test_a_run_without_counts_keeps_the_totals_exposed() -> None:
    job = _job("gateway")
    state = SiteState([job], lambda _when: True)
    state.record(job, _run(3, 3, 0.001), 0.1, 1000.0, 1)
    state.record(job, Outcome.down("timeout", "cancelled by the runner"), 6.0, 1030.0, 2)
    assert _values(state, "gateway") == {
        "sansang_icmp_packets_sent_total": 3,
        "sansang_icmp_packets_received_total": 3,
    }


def test_outcomes_without_increments_pass_through_unchanged() -> None:
    job = _job("gateway")
    state = SiteState([job], lambda _when: True)
    outcome = Outcome(True, samples=[Sample("sansang_tcp_connect_duration_seconds", 0.01)])
    state.record(job, outcome, 0.1, 1000.0, 1)
    assert state.records["gateway"].outcome is outcome
