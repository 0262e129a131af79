"""An agent stopped for a day and started again reports the states it sees anew, the same as
before it stopped: every rule that makes the gap unknown must take those reports as known again
(a state equal to the one before the gap is still news after it), or the rest of the window would
stay unknown until the next change of state."""

from __future__ import annotations

from collector.evaluate.rules.service_availability import service_availability
from collector.evaluate.rules.terminal_availability import terminal_hours
from tests.support.evaluate import DAY, THRESHOLDS, WINDOW, Journal, at, site, terminal


def restarted(j: Journal) -> Journal:
    """Stopped on day 2 at 00:00, started on day 3 at 00:00."""
    j.add(at(2), "agent_stopped", "agent", None)
    j.add(at(3), "agent_started", "agent", None)
    return j.alive()


def test_the_one_stop_system_is_known_again_after_the_agent_restarts() -> None:
    j = Journal()
    for subject, role in (("mot-cua", "one_stop_system"), ("dvcqg", "national_portal")):
        j.service(at(-1), "up", subject, role)
        j.service(at(1), "down", subject, role)
        j.service(at(1, 1), "up", subject, role)  # in the window, before the gap
        j.service(at(3, 0.01), "up", subject, role)  # the same state, reported anew
    f = service_availability(restarted(j).inputs(), THRESHOLDS["OPS-247"], WINDOW)
    unknown = f.details["one_stop_system:unknown_seconds"]
    assert isinstance(unknown, float) and unknown < 1.1 * DAY, f.vi


def test_a_terminal_is_known_again_after_the_agent_restarts() -> None:
    j = Journal()
    j.terminal(at(-1), "printer-1", "up", "printer")
    j.terminal(at(1, 8), "printer-1", "down", "printer")
    j.terminal(at(1, 9), "printer-1", "up", "printer")  # in the window, before the gap
    j.terminal(at(3, 0.01), "printer-1", "up", "printer")
    s = site(terminals=[terminal("printer-1", "printer")])
    counted = terminal_hours(restarted(j).inputs(s), WINDOW)["printer-1"].counted
    assert 0 < counted.unknown < 0.1 * counted.total  # the day stopped, not the rest
