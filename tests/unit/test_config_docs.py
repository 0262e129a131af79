"""docs/configuration.md is generated from the config models and must not be stale."""

from __future__ import annotations

from pathlib import Path

from agent import config
from agent.config import docs as config_docs
from agent.probes import PROBES
from tests.unit.test_config_errors import readable_diff

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_configuration_md_is_up_to_date() -> None:
    expected = config_docs.render()
    actual = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert actual == expected, "docs/configuration.md is stale: run 'make docs'\n" + readable_diff(
        expected, actual
    )


def test_every_field_of_every_model_is_documented() -> None:
    text = config_docs.render()
    for section in config_docs.sections(config.AgentConfig):
        assert f"### {section.model.__name__}\n" in text
        for name, info in section.model.model_fields.items():
            assert f"| `{name}` |" in text
            assert info.description, f"{section.model.__name__}.{name} has no description"


def test_each_check_kind_has_its_section() -> None:
    documented = {s.model for s in config_docs.sections(config.AgentConfig)}
    assert config.CHECK_KINDS
    for kind in config.CHECK_KINDS:
        assert PROBES[kind].spec in documented


def test_error_example_is_a_real_error() -> None:
    message = config_docs.error_example()
    assert message.startswith("agent.yaml: 5 lỗi / 5 problems\n")
    assert "agent.yaml:13: checks.0.check.probe: unknown probe kind 'ping'" in message


def test_durations_are_written_as_in_the_file() -> None:
    assert config_docs.format_duration(90 * 86400) == "90d"
    assert config_docs.format_duration(30) == "30s"
    assert config_docs.format_duration(90) == "90s"
    assert config_docs.format_duration(0.5) == "500ms"
