"""The simulator (mô phỏng): a province of sites run through the real agent code.

``sansang simulate --sites N`` builds a real :class:`agent.config.AgentConfig` per site, the real
jobs (``agent.jobs.build_jobs``), state (``agent.state.SiteState`` with its power and link
trackers), runner, journal (one SQLite file per site), throughput-test runner and push client
(``agent.journal.push.PushClient``) — and swaps only the *sources*: each job's probe is
replaced by one that asks the scenario (:mod:`simulate.scenario`) what the target would say at that
moment.  Everything after the probe is the agent's own code, so what reaches the collector has
the agent's shapes.

It is a package of its own, beside the agent and the collector, because it drives both: it is a
tool of the province (demonstrations, training, the collector's tests and ``make run``) and
writes the collector's inventory, push credentials and tokens with the collector's own
functions.
"""
