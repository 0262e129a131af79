"""Record this machine's host readings as a fixture for the host probe's unit tests.

    .venv/bin/python -m tests.unit.record_host / /dev/shm /srv/data \
        > tests/unit/fixtures/host/NAME.json

Keep the quirks of the machine (an ``unknown`` operstate, a missing mount point): they are the
point of a recording.
"""

from __future__ import annotations

import json
import sys

from agent.probes._hostsource import PsutilSource, record

if __name__ == "__main__":
    json.dump(record(PsutilSource(), sys.argv[1:] or ["/"]), sys.stdout, indent=2)
    sys.stdout.write("\n")
