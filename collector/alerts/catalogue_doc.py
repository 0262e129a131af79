"""docs/alerts.md, the alert catalogue for people who do not read Python: one row per alert.

Apart from the catalogue so that ``python -m`` does not run a module the package has already
imported (``collector.alerts`` imports the catalogue through the builder).
"""

from __future__ import annotations

import sys

from collector.alerts.catalogue import ALERTS, TARGET_NOT_MET


def markdown() -> str:
    """docs/alerts.md (``python -m collector.alerts.catalogue_doc > docs/alerts.md``)."""
    lines = [
        "# Alerts",
        "",
        "Generated from `collector/alerts/catalogue.py` by",
        "`python -m collector.alerts.catalogue_doc`; do not edit by hand. Every alert that reaches",
        "Alertmanager, from the collector or from the Prometheus rules",
        "(`deploy/prometheus/sansang.rules.yml`). Alertmanager",
        "(`deploy/alertmanager/alertmanager.yml`) routes on `agency` and inhibits by",
        "`alertname`; `tests/unit/test_alert_catalogue.py` holds both files to this list.",
        "",
        "| alertname | fired by | severity | agency | target | playbook | nghĩa là |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in ALERTS:
        sources = ", ".join(sorted(a.sources))
        severity = a.severity + (f" ({a.worst} at worst)" if a.worst else "")
        agency = f"`{a.agency}`" if a.agency else "the target's owner"
        target = a.target or "the target not met"
        playbook = f"[{a.playbook}](../playbooks/{a.playbook})"
        if a is TARGET_NOT_MET:
            playbook = "the target's ([index](../playbooks/README.md))"
        lines.append(
            f"| `{a.name}` | {sources} | {severity} | {agency} | {target} | {playbook} | {a.vi} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
