"""Grafana dashboards as code (issue 6): ``python -m dashboards.generate`` writes ``json/``."""
