"""deploy/examples/collector.yaml is valid, names every field of the collector's config, and the
inventory it points to loads."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from collector import config
from collector.inventory import model

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "collector.yaml"


def _fields(model_type: type[BaseModel], prefix: str = "") -> set[str]:
    names: set[str] = set()
    for name, field in model_type.model_fields.items():
        names.add(prefix + name)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= _fields(annotation, f"{prefix}{name}.")
    return names


def _keys(data: dict[str, object], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in data.items():
        keys.add(prefix + key)
        if isinstance(value, dict):
            keys |= _keys(value, f"{prefix}{key}.")
    return keys


def test_the_example_loads_with_paths_beside_it() -> None:
    loaded = config.load(EXAMPLE)
    assert loaded.inventory == EXAMPLE.parent / "inventory.yaml"
    assert loaded.database == f"sqlite:///{EXAMPLE.parent / 'collector.db'}"
    assert loaded.ingest.credentials_file == EXAMPLE.parent / "credentials.yaml"
    assert loaded.evaluate.window == 30 * 86400


def test_the_example_shows_every_field() -> None:
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(EXAMPLE.read_text(encoding="utf-8"))
    missing = _fields(config.CollectorConfig) - _keys(data)
    assert not missing, f"deploy/examples/collector.yaml lacks {sorted(missing)}"


def test_its_inventory_loads() -> None:
    inventory = model.load(config.load(EXAMPLE).inventory)
    assert inventory.sites
