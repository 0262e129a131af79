"""The inventory's list of the communes that must have a video-conference endpoint (INF-HNTH):
each site learns what the list says of its commune; bad codes and dates are named by file, line
and field (the messages themselves: ``fixtures/inventory/invalid-conference-list*.yaml``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from collector.inventory import model
from sansang.configfile import ConfigError

FIXTURES = Path(__file__).parent / "fixtures" / "inventory"
EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "inventory.yaml"


def with_lists(tmp_path: Path, lists: str) -> Path:
    path = tmp_path / "inventory.yaml"
    minimal = (FIXTURES / "valid-minimal.yaml").read_text(encoding="utf-8")
    path.write_text(minimal + lists, encoding="utf-8")
    return path


def test_the_example_lists_the_twenty_communes_of_the_letter_with_its_deadline() -> None:
    inv = model.load(EXAMPLE)
    assert inv.video_conference_required is not None
    [letter] = inv.video_conference_required
    assert letter.deadline == date(2025, 8, 31) and len(letter.communes) == 20
    assert "472/SKHCN" in letter.source
    # Neither Sa Thầy nor Lý Sơn is on it.
    assert [s.conference_duty for s in inv.sites] == [model.ConferenceDuty(required=False)] * 2


def test_a_listed_commune_gets_the_deadline_and_letter_of_its_list(
    tmp_path: Path,
) -> None:
    path = with_lists(
        tmp_path,
        "video_conference_required:\n"
        "  - {deadline: 2025-12-31, communes: ['23527'], source: CV sau}\n"
        "  - {deadline: 2025-08-31, communes: ['23530'], source: CV 472}\n",
    )
    assert model.load(path).sites[0].conference_duty == model.ConferenceDuty(
        required=True, deadline=date(2025, 12, 31), source="CV sau"
    )
    inv = model.load(path)
    assert inv.conference_duty("23530") == model.ConferenceDuty(True, date(2025, 8, 31), "CV 472")
    assert inv.conference_duty("23455") == model.ConferenceDuty(required=False)


def test_without_a_list_no_site_knows_whether_it_must_have_one() -> None:
    inv = model.load(FIXTURES / "valid-minimal.yaml")
    assert inv.video_conference_required is None
    assert inv.sites[0].conference_duty is None and inv.conference_duty("23527") is None


def test_a_site_given_as_an_object_is_copied_not_changed() -> None:
    inv = model.load(FIXTURES / "valid-minimal.yaml")
    site = inv.sites[0]
    listed = model.Inventory(
        province=inv.province,
        sites=[site],
        video_conference_required=[
            model.ConferenceRequirement(deadline=date(2025, 8, 31), communes=["23527"])
        ],
    )
    assert listed.sites[0].conference_duty == model.ConferenceDuty(True, date(2025, 8, 31))
    assert site.conference_duty is None


def test_a_date_written_the_vietnamese_way_is_refused_with_the_iso_form(tmp_path: Path) -> None:
    path = with_lists(
        tmp_path, "video_conference_required:\n  - deadline: 31/8/2025\n    communes: ['23527']\n"
    )
    with pytest.raises(ConfigError) as caught:
        model.load(path)
    [problem] = caught.value.problems
    assert (problem.line, problem.path) == (21, "video_conference_required.0.deadline")
    assert problem.message == "write the date as YYYY-MM-DD: '2025-08-31' for 31/8/2025"


def test_an_empty_list_of_communes_is_refused(tmp_path: Path) -> None:
    path = with_lists(
        tmp_path, "video_conference_required:\n  - deadline: 2025-08-31\n    communes: []\n"
    )
    with pytest.raises(ConfigError) as caught:
        model.load(path)
    assert [p.path for p in caught.value.problems] == ["video_conference_required.0.communes"]
