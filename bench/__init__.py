"""Benchmarks of the site agent (``make bench``): figures and ratios, not tests.

Each benchmark measures the agent beside a reference taken in the same run (Debian's
``prometheus-node-exporter`` and ``prometheus-blackbox-exporter``, or the probe timeout), prints
the ratio and whether its goal is met, and ``python -m bench`` writes every figure to
``docs/performance.md``.  The terminals are real addresses in network namespaces the run creates
(so it needs root), and everything it starts is stopped and removed at the end, also on Ctrl-C.
"""
