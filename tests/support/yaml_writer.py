"""Write test configs as YAML (ruamel.yaml, the parser the agent itself uses)."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML


def dump(data: Any) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
