"""deploy/examples/agent.yaml is valid and shows every field of every config model.

The example is walked together with the models: a key written in the file marks the field of the
model that reads it (for a check, the probe spec chosen by its `probe:`).  A field inherited from a
base model (``ProbeSpec.interval``) counts once, for the model that declares it.
"""

from __future__ import annotations

import inspect
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML

from agent import config
from agent.config import docs as config_docs
from agent.probes import PROBES
from sansang.kinds import TERMINAL_KINDS

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "agent.yaml"

# (model, field) -> why the example does not show it.  Keep it short; a reason is required.
NOT_SHOWN: dict[tuple[str, str], str] = {}

Field = tuple[str, str]


def owner(model: type[BaseModel], name: str) -> str:
    """The class in ``model``'s bases that declares field ``name``."""
    for cls in model.__mro__:
        if name in inspect.get_annotations(cls):
            return cls.__name__
    raise AssertionError(f"{model.__name__}.{name}: no declaring class")


def _variant(annotation: Any, value: dict[str, Any]) -> type[BaseModel] | None:
    """The model among ``annotation``'s that reads ``value`` (by its `probe:` tag if several)."""
    models = list(config_docs.models_in(annotation))
    if len(models) == 1:
        return models[0]
    for model in models:
        tag = model.model_fields.get("probe")
        if tag is not None and tag.default == value.get("probe"):
            return model
    return None


def shown(model: type[BaseModel], data: dict[str, Any], found: set[Field]) -> None:
    for key, value in data.items():
        info = model.model_fields[key]
        found.add((owner(model, key), key))
        _descend(info.annotation, value, found)


def _descend(annotation: Any, value: Any, found: set[Field]) -> None:
    if isinstance(value, dict):
        child = _variant(annotation, value)
        if child is not None:
            shown(child, value, found)
    elif isinstance(value, list):
        for arg in typing.get_args(annotation):
            for item in value:
                _descend(arg, item, found)


def every_field() -> set[Field]:
    fields = set()
    for section in config_docs.sections(config.AgentConfig):
        for name in section.model.model_fields:
            fields.add((owner(section.model, name), name))
    return fields


def example_data() -> dict[str, Any]:
    data = YAML(typ="safe", pure=True).load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_example_is_valid() -> None:
    cfg = config.load(EXAMPLE)
    assert cfg.site.commune.name == "Xã Sa Thầy"
    assert {t.kind for t in cfg.terminals} == set(TERMINAL_KINDS)
    assert {t.check.method for t in cfg.terminals} == {"icmp", "tcp", "http", "https"}
    assert {s.role for s in cfg.services} == set(config.SERVICE_ROLES)
    kinds = {c.check.probe for c in cfg.checks} | {s.check.probe for s in cfg.services}
    assert kinds == set(config.CHECK_KINDS)


def test_example_shows_every_field() -> None:
    found: set[Field] = set()
    shown(config.AgentConfig, example_data(), found)
    missing = every_field() - found - set(NOT_SHOWN)
    assert not missing, f"fields not shown in {EXAMPLE.name}: {sorted(missing)}"


def test_every_check_kind_is_walked() -> None:
    # The walk must reach every probe spec, or a kind's fields would be silently unchecked.
    names = {owner_name for owner_name, _ in every_field()}
    for kind in config.CHECK_KINDS:
        assert PROBES[kind].spec.__name__ in names


def test_exceptions_are_real_fields_with_reasons() -> None:
    for (model, name), reason in NOT_SHOWN.items():
        assert (model, name) in every_field()
        assert reason.strip()


def test_example_uses_reserved_names_only() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for url_host in ("motcua.quangngai.example", "dichvucong.example", "ttdl.quangngai.example"):
        assert url_host in text
    assert ".gov.vn" not in text
    assert ".vn/" not in text
