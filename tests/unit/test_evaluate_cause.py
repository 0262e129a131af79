"""The likely cause of a loss: what the journal shows went first."""

from __future__ import annotations

from collector.evaluate.cause import likely_cause
from tests.support.evaluate import Journal, at


def test_mains_lost_before_the_link_is_power_not_link() -> None:
    j = Journal()
    j.mains_lost(at(1, 10))
    j.add(at(1, 10.3), "link_state", "tslcd", "down")
    loss = j.service(at(1, 10.35), "down")
    assert likely_cause(j.events, loss.wall_time) == "power"


def test_the_link_down_first_is_link() -> None:
    j = Journal()
    j.outage(at(1, 2), 60)  # restored long before: not this loss
    j.add(at(1, 10), "link_state", "tslcd", "down")
    loss = j.service(at(1, 10.05), "down")
    assert likely_cause(j.events, loss.wall_time) == "link"


def test_a_quality_round_that_lost_everything_is_link() -> None:
    j = Journal()
    j.add(at(1, 10), "link_quality", "dc", None, None, loss_ratio=1.0, received=0)
    assert likely_cause(j.events, at(1, 10.05)) == "link"


def test_nothing_before_is_the_device_alone() -> None:
    j = Journal()
    j.add(at(1, 8), "link_state", "tslcd", "down")  # hours before: outside the lookback
    j.add(at(1, 8.5), "link_state", "tslcd", "up")
    loss = j.terminal(at(1, 10), "printer-1", "down")
    assert likely_cause(j.events, loss.wall_time) == "device"


def test_a_restore_after_the_loss_that_started_before_it_is_power() -> None:
    """The host went down with the mains: the `lost` was never journalled, the `restored` after
    reboot tells when the outage started."""
    j = Journal()
    j.add(at(1, 12), "agent_started", "agent")
    j.mains_restored(at(1, 12.1), 3 * 3600)
    assert likely_cause(j.events, at(1, 10)) == "power"


def test_an_agent_stop_is_agent_and_a_central_outage_comes_first() -> None:
    j = Journal()
    j.add(at(1, 10), "agent_stopped", "agent")
    assert likely_cause(j.events, at(1, 10.1)) == "agent"
    central = [(at(1, 9), at(1, 11))]
    assert likely_cause(j.events, at(1, 10.1), central=central) == "central"


def test_no_events_is_unknown() -> None:
    assert likely_cause([], at(1)) == "unknown"


def test_a_ups_that_ran_out_is_power_unless_the_agent_took_it_back() -> None:
    j = Journal()
    j.add(at(1, 10), "ups_depleted", "ups-1", "depleted", 900.0, how="silent_after_low_battery")
    loss = j.service(at(1, 10.05), "down")
    assert likely_cause(j.events, loss.wall_time) == "power"
    # The UPS answered again on battery after the loss: it had not run out.
    j.add(at(1, 10.1), "ups_depletion_retracted", "ups-1", None, None)
    assert likely_cause(j.events, loss.wall_time) == "device"
