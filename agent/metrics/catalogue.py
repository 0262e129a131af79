"""The one metric catalogue: every family the agent may emit, with type, unit, help and labels.

The exporter builds families only from here, ``docs/metrics.md`` is generated from here
(``python -m agent.metrics.catalogue``), and a test fails when a probe emits a name that is
missing here or that breaks Prometheus' naming rules.  No series carries the site: the site is one
``sansang_site_info`` series, and Prometheus target labels.
"""

from __future__ import annotations

import sys

from agent.probes.quality import RTT_BUCKETS
from sansang.metrics import MetricDef, MetricType, bucket_labels
from sansang.standard_metrics import BUILD_INFO, STANDARD_NAMES


def _m(
    name: str,
    type_: MetricType,
    unit: str,
    help_: str,
    *labels: str,
    source: str,
    buckets: tuple[float, ...] = (),
) -> MetricDef:
    return MetricDef(name, type_, unit, help_, tuple(labels), source, buckets)


# A few lines per entry read as a table; ruff format would give every argument its own line.
# fmt: off
CATALOGUE: tuple[MetricDef, ...] = (
    # --- the site and the agent itself ---------------------------------------------------------
    _m("sansang_site_info", "info", "", "The site this agent watches (always 1).",
       "commune_code", "commune_name", "province_code", "province_name", "site_id", "site_name",
       "latitude", "longitude", source="agent"),
    _m("sansang_agent_info", "info", "", "Agent version and the boot id of the host (always 1).",
       "version", "boot_id", source="agent"),
    BUILD_INFO,  # shared with the collector (sansang/standard_metrics.py)
    _m("sansang_agent_start_timestamp_seconds", "gauge", "seconds",
       "When the agent process started (Unix time).", source="agent"),
    _m("sansang_site_open", "gauge", "",
       "1 while the centre is in its service hours (weekly schedule, not a holiday), else 0.",
       source="agent"),
    # --- the probe runtime ----------------------------------------------------------------------
    _m("sansang_probe_success", "gauge", "",
       "1 when the last run of the check succeeded, 0 when it failed.", "check", "probe",
       source="runner"),
    _m("sansang_probe_duration_seconds", "gauge", "seconds",
       "How long the last run of the check took.", "check", "probe", source="runner"),
    _m("sansang_probe_last_run_timestamp_seconds", "gauge", "seconds",
       "When the check last finished (Unix time).", "check", "probe", source="runner"),
    _m("sansang_probe_runs_total", "counter", "",
       "Runs of the check since the agent started.", "check", "probe", source="runner"),
    _m("sansang_probe_errors_total", "counter", "",
       "Runs of the check that raised an unexpected error (a bug or an unusable reply, not a "
       "target that is down).", "check", "probe", source="runner"),
    # --- journal ---------------------------------------------------------------------------------
    _m("sansang_journal_last_sequence", "gauge", "",
       "Sequence number of the newest event in the journal.", source="journal"),
    _m("sansang_journal_events_appended_total", "counter", "",
       "Events written to the journal since the agent started.", source="journal"),
    _m("sansang_journal_events_pruned_total", "counter", "",
       "Events removed by retention or the size cap since the agent started.", source="journal"),
    _m("sansang_journal_events_dropped_total", "counter", "",
       "Events lost because more than 100,000 waited in memory for a journal that could not be "
       "written (the oldest are dropped first).", source="journal"),
    _m("sansang_journal_write_errors_total", "counter", "",
       "Failed journal writes (full disk, I/O error); events wait in memory and are retried.",
       source="journal"),
    _m("sansang_journal_pending_events", "gauge", "",
       "Events waiting in memory because the journal could not be written.", source="journal"),
    _m("sansang_journal_size_bytes", "gauge", "bytes",
       "Size of the journal database and its write-ahead log.", source="journal"),
    # --- push to the collector (only with `push:`) ---------------------------------------------
    _m("sansang_push_acknowledged_seq", "gauge", "",
       "Highest journal seq the collector acknowledged (0: none yet).", source="push"),
    _m("sansang_push_pending_events", "gauge", "",
       "Events in the journal the collector has not acknowledged yet.", source="push"),
    _m("sansang_push_last_success_timestamp_seconds", "gauge", "seconds",
       "When the collector last acknowledged a request (Unix time); absent until it has.",
       source="push"),
    _m("sansang_push_failures_total", "counter", "",
       "Failed push requests by reason: connect, timeout, server_error, throttled, "
       "unauthorized, forbidden, rejected, bad_reply, token, internal.", "reason", source="push"),
    # --- host ------------------------------------------------------------------------------------
    _m("sansang_host_boot_timestamp_seconds", "gauge", "seconds",
       "When the host booted (Unix time).", source="probe:host"),
    _m("sansang_host_uptime_seconds", "gauge", "seconds", "Time since the host booted.",
       source="probe:host"),
    _m("sansang_host_cpu_usage_ratio", "gauge", "ratio",
       "Share of all CPU time spent busy since the previous run.", source="probe:host"),
    _m("sansang_host_cpus", "gauge", "", "Logical CPUs.", source="probe:host"),
    _m("sansang_host_load1", "gauge", "", "1-minute load average.", source="probe:host"),
    _m("sansang_host_memory_total_bytes", "gauge", "bytes", "Physical memory.",
       source="probe:host"),
    _m("sansang_host_memory_available_bytes", "gauge", "bytes",
       "Memory available to new programs without swapping.", source="probe:host"),
    _m("sansang_host_filesystem_size_bytes", "gauge", "bytes", "Size of the filesystem.",
       "mountpoint", source="probe:host"),
    _m("sansang_host_filesystem_free_bytes", "gauge", "bytes",
       "Space free to unprivileged users on the filesystem.", "mountpoint", source="probe:host"),
    _m("sansang_host_network_up", "gauge", "",
       "1 when the network interface is up (operational), else 0.", "interface",
       source="probe:host"),
    _m("sansang_host_network_receive_bytes_total", "counter", "bytes",
       "Bytes received on the interface.", "interface", source="probe:host"),
    _m("sansang_host_network_transmit_bytes_total", "counter", "bytes",
       "Bytes sent on the interface.", "interface", source="probe:host"),
    _m("sansang_host_network_receive_errors_total", "counter", "",
       "Receive errors on the interface.", "interface", source="probe:host"),
    _m("sansang_host_network_transmit_errors_total", "counter", "",
       "Transmit errors on the interface.", "interface", source="probe:host"),
    _m("sansang_host_clock_synchronized", "gauge", "",
       "1 when the OS says the clock is synchronised (NTP), 0 when it says it is not; absent when "
       "the OS does not say.", source="probe:host"),
    _m("sansang_host_clock_max_error_seconds", "gauge", "seconds",
       "Maximum clock error the kernel reports.", source="probe:host"),
    # --- reachability ----------------------------------------------------------------------------
    _m("sansang_icmp_rtt_seconds", "gauge", "seconds",
       "Median round-trip time of the echo requests in the last run.", "check",
       source="probe:icmp"),
    _m("sansang_icmp_packets_sent_total", "counter", "", "Echo requests sent.", "check",
       source="probe:icmp"),
    _m("sansang_icmp_packets_received_total", "counter", "", "Echo replies received.", "check",
       source="probe:icmp"),
    _m("sansang_tcp_connect_duration_seconds", "gauge", "seconds",
       "Time to open the TCP connection (and the TLS session when asked).", "check",
       source="probe:tcp"),
    _m("sansang_http_status_code", "gauge", "", "HTTP status of the last response.", "check",
       source="probe:http"),
    _m("sansang_http_duration_seconds", "gauge", "seconds",
       "Time from the request to the end of the response body.", "check", source="probe:http"),
    _m("sansang_http_content_length_bytes", "gauge", "bytes", "Size of the response body.",
       "check", source="probe:http"),
    _m("sansang_tls_certificate_expiry_timestamp_seconds", "gauge", "seconds",
       "When the server's TLS certificate expires (Unix time).", "check",
       source="probe:http,tcp"),
    _m("sansang_dns_lookup_duration_seconds", "gauge", "seconds", "Time to resolve the name.",
       "check", source="probe:dns"),
    _m("sansang_dns_answer_records", "gauge", "", "Records in the answer.", "check",
       source="probe:dns"),
    # --- printers read over SNMP (a printer terminal with `snmp:`) -----------------------------
    _m("sansang_printer_error", "gauge", "",
       "1 while the printer reports the error, else 0 (hrPrinterDetectedErrorState; error: "
       "no_paper, low_paper, jammed, door_open, no_toner, low_toner, offline, ...).",
       "check", "error", source="probe:printer"),
    _m("sansang_printer_supply_ratio", "gauge", "ratio",
       "Level of a marker supply (toner, drum, waste toner box) over its capacity; absent when "
       "the printer gives no figure.", "check", "supply", source="probe:printer"),
    _m("sansang_printer_input_ratio", "gauge", "ratio",
       "Paper in an input tray over the tray's capacity; absent when the printer gives no "
       "figure.", "check", "tray", source="probe:printer"),
    # --- routers read over SSH (a router terminal with `ssh:`) -----------------------------------
    _m("sansang_router_interface_up", "gauge", "",
       "1 when the router says the interface is enabled and has link, else 0 (at most 64 "
       "interfaces per router, the WAN first).", "check", "interface", source="probe:router"),
    _m("sansang_router_uptime_seconds", "gauge", "seconds",
       "Time since the router last started, as it says.", "check", source="probe:router"),
    _m("sansang_router_interface_errors_total", "counter", "",
       "Receive or transmit errors the router counted on the interface (direction: rx, tx); the "
       "router's own counter, which restarts from 0 when it reboots (rate() and increase() "
       "treat that as a counter reset).", "check", "interface", "direction",
       source="probe:router"),
    # --- what the checks mean for the centre -----------------------------------------------------
    _m("sansang_terminal_info", "info", "",
       "A terminal registered at the centre (always 1).", "terminal", "kind", "name", "address",
       "method", source="terminals"),
    _m("sansang_terminal_up", "gauge", "",
       "1 when the terminal answered its last check, 0 when it did not; absent before the first "
       "check.", "terminal", "kind", source="terminals"),
    _m("sansang_terminal_up_in_service_seconds_total", "counter", "seconds",
       "Time the terminal was seen up during service hours.", "terminal", "kind",
       source="terminals"),
    _m("sansang_terminal_observed_in_service_seconds_total", "counter", "seconds",
       "Time the terminal was observed during service hours (up or down); availability is "
       "increase(up) / increase(observed).", "terminal", "kind", source="terminals"),
    _m("sansang_terminals_configured", "gauge", "", "Terminals registered, by kind.", "kind",
       source="terminals"),
    _m("sansang_terminals_up", "gauge", "", "Terminals that answered their last check, by kind.",
       "kind", source="terminals"),
    _m("sansang_service_up", "gauge", "",
       "1 when the service (one-stop e-system, national portal, province data centre) answered its "
       "last check, 0 when not.", "service", "role", source="services"),
    # --- power: per source (a UPS through NUT or SNMP, the box's battery) ------------------------
    _m("sansang_power_source_info", "info", "",
       "A power source configured at the centre, with what the device says it is (always 1).",
       "source", "probe", "name", "manufacturer", "model", source="power"),
    _m("sansang_power_source_up", "gauge", "",
       "1 when the power source answered its last poll with data, 0 when it did not (UPS "
       "communication lost, NUT driver not connected, stale data).", "source", "probe",
       source="power"),
    _m("sansang_power_mains_present", "gauge", "",
       "1 when the source says mains power is present (on line), 0 when on battery; absent when "
       "it does not say.", "source", source="power"),
    _m("sansang_power_on_battery", "gauge", "",
       "1 when the source runs on battery, 0 when on line; absent when it does not say.",
       "source", source="power"),
    _m("sansang_power_battery_low", "gauge", "",
       "1 when the source reports a low battery, else 0.", "source", source="power"),
    _m("sansang_power_battery_charge_ratio", "gauge", "ratio",
       "Battery charge (0 to 1).", "source", source="power"),
    _m("sansang_power_battery_runtime_seconds", "gauge", "seconds",
       "Run time left on battery at the present load, as the source estimates it.", "source",
       source="power"),
    _m("sansang_power_input_voltage_volts", "gauge", "volts", "Mains input voltage.",
       "source", source="power"),
    _m("sansang_power_load_ratio", "gauge", "ratio",
       "Output load as a share of the rated load (above 1: overloaded).", "source",
       source="power"),
    _m("sansang_power_ups_status", "gauge", "",
       "One series per NUT status flag (OL, OB, LB, CHRG, DISCHRG, BYPASS, FSD, ...): 1 while "
       "the flag is set, 0 while not; present while the source answers (SNMP values are mapped "
       "onto the same flags).", "source", "flag", source="power"),
    # --- power: the site ------------------------------------------------------------------------
    _m("sansang_power_site_mains_present", "gauge", "",
       "1 when some source says mains power is present at the site, 0 when every source that "
       "says anything says it is on battery; absent when none says.", source="power"),
    _m("sansang_power_flapping", "gauge", "",
       "1 while the mains input flaps (too many changes in the flapping window), else 0.",
       source="power"),
    _m("sansang_power_outages", "gauge", "",
       "Mains outages that ended within the window, by class (sustained: longer than the "
       "configured sustained threshold, power.sustained_after; momentary: up to it; Thông tư "
       "05/2025/TT-BCT Điều 15).", "window", "class",
       source="power"),
    _m("sansang_power_outage_duration_seconds", "gauge", "seconds",
       "Time without mains within the window, by class; an outage still going on counts as "
       "sustained once it is longer than the configured sustained threshold.", "window", "class",
       source="power"),
    _m("sansang_power_outage_longest_seconds", "gauge", "seconds",
       "The longest mains outage within the window (0 when there was none).", "window",
       source="power"),
    _m("sansang_power_ups_holdup_shortest_seconds", "gauge", "seconds",
       "The shortest time a UPS held the load on battery before it ran out, within the window; "
       "absent when no UPS ran out.  A depletion retracted since (the UPS answered again on "
       "battery) does not count.", "window", source="power"),
    # --- links: loss, latency, jitter (rounds of echo requests per target and link) -------------
    _m("sansang_link_info", "info", "",
       "A WAN link of the centre (always 1).", "link", "name", "kind", "role", "interface",
       "source_address", source="links"),
    _m("sansang_link_up", "gauge", "",
       "1 when the last round to some target over the link got a reply, 0 when none did; absent "
       "before the first round.", "link", source="links"),
    _m("sansang_link_echo_requests_sent_total", "counter", "",
       "Echo requests (ICMP echo, TCP connects or HTTP requests) sent in the rounds; loss is "
       "1 - increase(received) / increase(sent).", "target", "link", source="probe:quality"),
    _m("sansang_link_echo_replies_received_total", "counter", "",
       "Echo replies received in the rounds.", "target", "link", source="probe:quality"),
    _m("sansang_link_rtt_median_seconds", "gauge", "seconds",
       "Median round-trip time of the last round.", "target", "link", source="probe:quality"),
    _m("sansang_link_jitter_seconds", "gauge", "seconds",
       "Jitter of the last round: mean difference between consecutive round-trip times "
       "(RFC 3550's idea, without smoothing).", "target", "link", source="probe:quality"),
    _m("sansang_link_loss_ratio", "gauge", "ratio",
       "Share of the last round's echo requests that got no reply.", "target", "link",
       source="probe:quality"),
    _m("sansang_link_rtt_seconds", "histogram", "seconds",
       "Round-trip times of the replies (percentiles with histogram_quantile).", "target", "link",
       source="probe:quality", buckets=RTT_BUCKETS),
    # --- security measures of the centre's machines (over SSH; security.hosts) -----------------
    _m("sansang_security_measure_ok", "gauge", "",
       "1 when the machine's security measure is in place, 0 when it is not; absent when the "
       "machine could not say (measure: firewall, antivirus, realtime, encryption, time_sync).",
       "check", "measure", source="probe:security"),
    _m("sansang_security_signature_timestamp_seconds", "gauge", "seconds",
       "When the machine's newest antivirus signatures were made (Unix time); the age is "
       "time() - this.", "check", source="probe:security"),
    _m("sansang_security_update_timestamp_seconds", "gauge", "seconds",
       "When the newest OS update was installed on the machine (Unix time).", "check",
       source="probe:security"),
    _m("sansang_security_backup_timestamp_seconds", "gauge", "seconds",
       "When the newest file in the machine's backup folder was written (Unix time); absent "
       "when no backup folder is configured or it holds no file.", "check",
       source="probe:security"),
    # --- throughput tests ------------------------------------------------------------------------
    _m("sansang_speedtest_download_bytes_per_second", "gauge", "bytes_per_second",
       "Download throughput of the last successful test.", "backend", "link",
       source="speedtest"),
    _m("sansang_speedtest_upload_bytes_per_second", "gauge", "bytes_per_second",
       "Upload throughput of the last successful test.", "backend", "link", source="speedtest"),
    _m("sansang_speedtest_latency_seconds", "gauge", "seconds",
       "Idle round trip to the test server, measured by the last successful test before its "
       "transfers: the median of three TCP connect times to the server's test port (every "
       "backend alike; latency under load is not this).", "backend", "link",
       source="speedtest"),
    _m("sansang_speedtest_success", "gauge", "",
       "1 when the last test succeeded, 0 when it failed.", "backend", "link",
       source="speedtest"),
    _m("sansang_speedtest_last_success_timestamp_seconds", "gauge", "seconds",
       "When the last successful test ended (Unix time).", "backend", "link",
       source="speedtest"),
    _m("sansang_speedtest_tests_total", "counter", "",
       "Tests run since the agent started (scheduled or from the CLI).", "backend", "link",
       source="speedtest"),
    _m("sansang_speedtest_transferred_bytes_total", "counter", "bytes",
       "Bytes the tests moved (both directions) since the agent started, as the link carries "
       "them: TCP payload × 1.10 for headers and ACKs.", "backend", "link", source="speedtest"),
    _m("sansang_speedtest_budget_bytes", "gauge", "bytes",
       "The monthly data budget of the tests.", source="speedtest"),
    _m("sansang_speedtest_budget_used_bytes", "gauge", "bytes",
       "Data the tests used this calendar month (from the journal), as the link carries it.",
       source="speedtest"),
    _m("sansang_speedtest_skipped_total", "counter", "",
       "Tests not run since the agent started, by reason (budget_exhausted: less of the "
       "month's budget left than the smallest test, 4 MiB; tests resume next month).",
       "reason", source="speedtest"),
)
# fmt: on

BY_NAME: dict[str, MetricDef] = {m.name: m for m in CATALOGUE}


def markdown() -> str:
    """docs/metrics.md, generated (``python -m agent.metrics.catalogue > docs/metrics.md``)."""
    lines = [
        "# Agent metrics",
        "",
        "Generated from `agent/metrics/catalogue.py` by `python -m agent.metrics.catalogue`; "
        "do not edit by hand.",
        "",
        "No series carries the site: it is in `sansang_site_info` and in Prometheus target labels.",
        "Unknown is an absent sample, never 0.",
        "",
        "Beside these, `/metrics` carries prometheus-client's standard process and platform "
        "series: " + ", ".join(f"`{n}`" for n in sorted(STANDARD_NAMES)) + ".",
        "",
        "| name | type | unit | labels | emitted by | help |",
        "|---|---|---|---|---|---|",
    ]
    for m in CATALOGUE:
        labels = ", ".join(f"`{label}`" for label in m.labels) or "–"
        help_ = m.help
        if m.buckets:
            help_ += " Buckets (le): " + ", ".join(bucket_labels(m)) + "."
        lines.append(
            f"| `{m.name}` | {m.type} | {m.unit or '–'} | {labels} | {m.source} | {help_} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
