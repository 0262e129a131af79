"""Every invalid config in ``testdata/config`` is paired with its exact error message.

One table test, in the manner of blackbox_exporter's ``testdata/invalid-*.yml``: the case
``invalid-NAME.yaml`` must fail with exactly the text in ``invalid-NAME.expected``, which is what
``sansang agent check-config invalid-NAME.yaml`` prints on stderr when run from ``testdata/config``
(file name as given, line numbers, field paths).  To add a case, write both files.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from agent import config
from sansang.configfile import ConfigError, line_of, strip_tags

TESTDATA = Path(__file__).parent / "testdata" / "config"
CASES = sorted(TESTDATA.glob("invalid-*.yaml"))


def readable_diff(expected: str, actual: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        "expected",
        "actual",
    )
    return "".join(lines)


def test_every_case_has_its_message() -> None:
    yamls = {p.stem for p in CASES}
    expected = {p.stem for p in TESTDATA.glob("invalid-*.expected")}
    assert yamls == expected, f"unpaired: {sorted(yamls ^ expected)}"
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_invalid_config_message(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(TESTDATA)
    expected = case.with_suffix(".expected").read_text(encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        config.load(case.name)
    actual = info.value.render() + "\n"
    if actual != expected:
        pytest.fail(f"{case.name}: message differs\n{readable_diff(expected, actual)}", False)


def _tree(text: str) -> object:
    return YAML(typ="rt").load(text)


def test_a_field_named_like_a_probe_kind_is_kept_in_the_path() -> None:
    tree = _tree("checks:\n  - id: a\n    check:\n      probe: tcp\n      host: x\n")
    loc = ("checks", 0, "check", "tcp", "host")
    assert strip_tags(tree, loc, frozenset({"tcp", "host"})) == ("checks", 0, "check", "host")


def test_missing_key_points_at_the_mapping_that_should_hold_it() -> None:
    tree = _tree("a: 1\nterminals:\n  - id: x\n\n    address: y\n  - id: z\n")
    assert line_of(tree, ("terminals", 0, "kind")) == 3
    assert line_of(tree, ("terminals", 1, "kind")) == 6
    assert line_of(tree, ("site",)) == 1
