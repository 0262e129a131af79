"""The catalogue of plan targets, as data (``catalogue.yaml`` beside this file).

Every target of the plans is an entry: id, Vietnamese and English title, the
clauses it comes from (seed file and section), the owning agency, how it is evaluated (a rule and
its window) and default thresholds, each with the reason for its value.  A province overrides
thresholds in its own repository (``targets.yaml``: ``overrides: {INF-BW:
{internet_download_mbps: 50}}``); an override of an unknown target or threshold, or of the wrong
type, is an error naming the file, the line and the field.

    catalogue = load_catalogue()
    thresholds = effective_thresholds(catalogue, load_overrides(path, catalogue))
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from sansang.configfile import Location, load_model
from sansang.models import StrictModel
from sansang.units import Seconds

CATALOGUE_FILE = Path(__file__).with_name("catalogue.yaml")

ThresholdValue = bool | int | float | str | list[str]


class Text(StrictModel):
    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Source(StrictModel):
    """A clause of a plan: the seed's short name (``"003"``) and its section (``"§1.a"``)."""

    seed: str
    section: str = Field(min_length=1)


class Threshold(StrictModel):
    default: ThresholdValue
    why: str = Field(min_length=1, description="why this default (the plans leave most open)")


class Target(StrictModel):
    id: str = Field(pattern=r"^[A-Z]+-[A-Z0-9]+$")
    title: Text
    owner: str
    sources: list[Source] = Field(min_length=1)
    status: Literal["evaluated", "planned", "tracked"]
    # ``site``: a finding per site (a board column); ``province``: findings about the province as
    # a whole only (``Evaluation.province_findings``: the monthly report written, the export made).
    scope: Literal["site", "province"] = "site"
    reason: str = ""
    rule: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    window: Seconds | None = None
    thresholds: dict[str, Threshold] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _reason_when_not_evaluated(self) -> Target:
        if self.status != "evaluated" and not self.reason.strip():
            raise ValueError(f"status '{self.status}' needs a `reason` (what it waits for)")
        return self


class Catalogue(StrictModel):
    seeds: dict[str, str]
    agencies: dict[str, Text]
    targets: list[Target]

    def get(self, target_id: str) -> Target | None:
        return next((t for t in self.targets if t.id == target_id), None)


def _catalogue_problems(catalogue: Catalogue) -> list[tuple[Location, str]]:
    problems: list[tuple[Location, str]] = []
    seen: set[str] = set()
    for i, target in enumerate(catalogue.targets):
        if target.id in seen:
            problems.append((("targets", i, "id"), f"target '{target.id}' is listed twice"))
        seen.add(target.id)
        if target.owner not in catalogue.agencies:
            problems.append((("targets", i, "owner"), f"no agency '{target.owner}' in `agencies`"))
        for j, source in enumerate(target.sources):
            if source.seed not in catalogue.seeds:
                message = f"no seed '{source.seed}' in `seeds`"
                problems.append((("targets", i, "sources", j, "seed"), message))
    return problems


def _rule_problems(
    catalogue: Catalogue, rules: Mapping[str, Collection[str]]
) -> list[tuple[Location, str]]:
    """Each evaluated target names a rule of ``rules`` and declares exactly what it reads."""
    problems: list[tuple[Location, str]] = []
    for i, target in enumerate(catalogue.targets):
        if target.status != "evaluated":
            continue
        reads = rules.get(target.rule)
        if reads is None:
            known = ", ".join(sorted(rules))
            problems.append((("targets", i, "rule"), f"no rule '{target.rule}' ({known})"))
            continue
        missing = sorted(set(reads) - set(target.thresholds))
        if missing:
            message = (
                f"rule '{target.rule}' reads {', '.join(missing)}: declare each here with its "
                "default and why"
            )
            problems.append((("targets", i, "thresholds"), message))
        for name in sorted(set(target.thresholds) - set(reads)):
            message = f"rule '{target.rule}' does not read '{name}': an override would do nothing"
            problems.append((("targets", i, "thresholds", name), message))
    return problems


def load_catalogue(
    path: Path = CATALOGUE_FILE, rules: Mapping[str, Collection[str]] | None = None
) -> Catalogue:
    """The catalogue, its cross-references checked.  With ``rules`` (each rule's name and the
    thresholds it reads: ``collector.evaluate.rules.THRESHOLDS_READ``, passed in so the catalogue
    does not depend on the evaluation) every evaluated target must name one and declare exactly
    the thresholds it reads: a value the catalogue lacks has nowhere else to come from, and one
    the rule never reads would be an override that changes nothing."""

    def check(catalogue: Catalogue) -> list[tuple[Location, str]]:
        problems = _catalogue_problems(catalogue)
        return problems + (_rule_problems(catalogue, rules) if rules is not None else [])

    return load_model(Catalogue, path, cross_check=check)


class Overrides(StrictModel):
    """A province's ``targets.yaml``: thresholds it sets differently from the defaults."""

    overrides: dict[str, dict[str, ThresholdValue]] = Field(default_factory=dict)


_KINDS = {bool: "true or false", int: "a number", float: "a number", str: "text", list: "a list"}


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    return type(value) is type(default)


def _override_problems(catalogue: Catalogue) -> Any:
    def check(overrides: Overrides) -> list[tuple[Location, str]]:
        problems: list[tuple[Location, str]] = []
        for target_id, values in overrides.overrides.items():
            target = catalogue.get(target_id)
            if target is None:
                known = ", ".join(t.id for t in catalogue.targets)
                problems.append((("overrides", target_id), f"no target '{target_id}' ({known})"))
                continue
            for name, value in values.items():
                threshold = target.thresholds.get(name)
                where: Location = ("overrides", target_id, name)
                if threshold is None:
                    names = ", ".join(target.thresholds) or "none"
                    problems.append((where, f"{target_id} has no threshold '{name}' ({names})"))
                elif not _same_type(value, threshold.default):
                    kind = _KINDS.get(type(threshold.default), "value")
                    problems.append((where, f"expected {kind} like {threshold.default!r}"))
        return problems

    return check


def load_overrides(path: Path, catalogue: Catalogue) -> Overrides:
    return load_model(Overrides, path, cross_check=_override_problems(catalogue))


def effective_thresholds(
    catalogue: Catalogue, overrides: Overrides | None = None
) -> dict[str, dict[str, ThresholdValue]]:
    """Every target's thresholds: the defaults, with the province's overrides on top."""
    result = {
        t.id: {name: th.default for name, th in t.thresholds.items()} for t in catalogue.targets
    }
    for target_id, values in (overrides.overrides if overrides else {}).items():
        result[target_id].update(values)
    return result
