"""Throughput (băng thông): the test backends, the Speedtest-Mini-compatible endpoint the province
hosts, and the schedule and data budget the agent runs them on."""
