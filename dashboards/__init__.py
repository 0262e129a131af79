"""Grafana dashboards as code: ``python -m dashboards.generate`` writes ``json/``."""
