"""The effective inventory: the province's YAML with the readiness records edited in the web UI.

The inventory YAML stays the province's source (its own repository, reloaded by an admin).  A
plan, a drill or a commune's team changed in the web UI is a row of the collector's store
(:class:`collector.store.ReadinessEdit`, migration 0008), and :func:`apply` lays the rows over
the YAML, in one place, so every part of the collector (evaluation, pages, API) reads the same:

- ``plan`` (a site key and a risk): the plan's fields, replaced whole by the newest edit; the
  plan's drills are not part of it (the YAML's stay, the edits' ``site_drill`` add to them).
- ``site_drill`` (a site key and a risk): a drill added to that plan (a plan must exist).
- ``province_drill``: a drill added to the inventory's top-level ``drills``.
- ``team`` (a commune code): the commune's ``response_teams`` entry, replaced whole (or added).

Each value is the record as the YAML writes it, validated by the same models
(:mod:`collector.inventory.readiness`), and the result is validated again as a whole
:class:`Inventory` (with :func:`cross_check`): an edit can never make an invalid inventory.  An
edit that no longer fits (its site left the YAML, a reloaded YAML contradicts it) is kept in the
store but not applied, and reported in :attr:`Overlaid.ignored` (the log, ``sansang collector
export-readiness``).  :func:`check` is the same test for one new edit before it is stored.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from collector.inventory.model import Inventory, cross_check
from collector.inventory.readiness import ContingencyPlan, Drill, ProvinceDrill, ResponseTeam
from collector.store.readiness import ReadinessEdit
from sansang.errors import SansangError

# The model of each kind's value, and how deep a whole-inventory error's location reaches
# before it is inside the record (sites.3.contingency.hardware | .drills.0 | drills.2 | ...).
MODELS: dict[str, type[BaseModel]] = {
    "plan": ContingencyPlan,
    "site_drill": Drill,
    "province_drill": ProvinceDrill,
    "team": ResponseTeam,
}
_DEPTH = {"plan": 4, "site_drill": 6, "province_drill": 2, "team": 2}


@dataclass(frozen=True)
class Refusal:
    """Why an edit does not fit: the field of the record (``approved_on``, ``responder.phone``;
    "" for the record as a whole) and the model's message."""

    field: str
    message: str
    kind: str = ""  # pydantic's error type ("missing", "date_from_datetime_parsing", ...)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass(frozen=True)
class Overlaid:
    """The effective inventory, and the stored edits left out of it with why."""

    inventory: Inventory
    ignored: tuple[tuple[ReadinessEdit, Refusal], ...] = ()


class EditRefused(SansangError, ValueError):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


def normalise(kind: str, value: Any) -> dict[str, Any]:
    """The value validated alone by its model, as JSON (dates ISO, hashes lower case); a plan
    without its drills (they are records of their own).  :class:`EditRefused` names the field."""
    model = MODELS[kind]
    if kind == "plan" and isinstance(value, dict) and value.get("drills"):
        raise EditRefused(Refusal("drills", "a plan's drills are recorded one by one"))
    try:
        parsed = model.model_validate(value)
    except ValidationError as err:
        raise EditRefused(_refusal(err, 0)) from None
    dumped = parsed.model_dump(mode="json", exclude_defaults=True)
    if isinstance(parsed, ContingencyPlan):
        dumped.pop("drills", None)
        dumped["status"] = parsed.status  # explicit: "absent means approved" is the YAML's
    return dumped


def apply(inventory: Inventory, edits: Sequence[ReadinessEdit]) -> Overlaid:
    """``inventory`` with ``edits`` laid over it, oldest first (a later plan or team wins)."""
    if not edits:
        return Overlaid(inventory)
    base = inventory.model_dump(mode="json", exclude_defaults=True)
    data = copy.deepcopy(base)
    misplaced = [(e, r) for e in edits if (r := _place(data, e)) is not None]
    if not misplaced:
        try:
            return Overlaid(_validated(data))
        except EditRefused:
            pass  # some edit contradicts the YAML: find which, one by one
    data, ignored, effective = copy.deepcopy(base), [], inventory
    for edit in edits:
        trial = copy.deepcopy(data)
        refusal = _place(trial, edit)
        if refusal is None:
            try:
                effective = _validated(trial)
            except EditRefused as err:
                refusal = _inside(err.refusal, edit)
            else:
                data = trial
        if refusal is not None:
            ignored.append((edit, refusal))
    return Overlaid(effective, tuple(ignored))


def check(inventory: Inventory, edits: Sequence[ReadinessEdit], new: ReadinessEdit) -> Inventory:
    """The effective inventory with ``new`` (after the stored ``edits``); :class:`EditRefused`
    naming the field when ``new`` does not fit."""
    done = apply(inventory, [*edits, new])
    for edit, refusal in done.ignored:
        if edit is new:
            raise EditRefused(refusal)
    return done.inventory


def _site(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    for entry in data["sites"]:
        if f"{entry['commune_code']}-{entry.get('site_id', 'main')}" == key:
            return entry  # type: ignore[no-any-return]
    return None


def _place(data: dict[str, Any], edit: ReadinessEdit) -> Refusal | None:
    """Put ``edit`` into the inventory's data; why not when it has no place there."""
    if edit.kind == "province_drill":
        data.setdefault("drills", []).append(edit.value)
        return None
    if edit.kind == "team":
        teams = data.setdefault("response_teams", [])
        if not any(s["commune_code"] == edit.target for s in data["sites"]):
            return Refusal("", f"commune '{edit.target}' has no site in the inventory")
        value = {**edit.value, "commune_code": edit.target}
        at = next((i for i, t in enumerate(teams) if t["commune_code"] == edit.target), None)
        if at is None:
            teams.append(value)
        else:
            teams[at] = value
        return None
    site = _site(data, edit.target)
    if site is None:
        return Refusal("", f"site '{edit.target}' is not in the inventory")
    plans = site.setdefault("contingency", {})
    old = plans.get(edit.risk)
    if edit.kind == "plan":
        plans[edit.risk] = {**edit.value, "drills": old.get("drills", []) if old else []}
        return None
    if old is None or old.get("status", "approved") == "missing":
        return Refusal("", "this risk has no plan yet: record the plan (a draft) first")
    old.setdefault("drills", []).append(edit.value)
    return None


def _validated(data: dict[str, Any]) -> Inventory:
    try:
        inventory = Inventory.model_validate(data)
    except ValidationError as err:
        raise EditRefused(_refusal(err, 0)) from None
    problems = cross_check(inventory)
    if problems:
        loc, message = problems[0]
        raise EditRefused(Refusal(".".join(map(str, loc)), message))
    return inventory


def _refusal(err: ValidationError, depth: int) -> Refusal:
    first = err.errors(include_url=False)[0]
    loc = first["loc"][depth:]
    message = str(first["msg"]).removeprefix("Value error, ")
    return Refusal(".".join(str(p) for p in loc), message, str(first["type"]))


def _inside(refusal: Refusal, edit: ReadinessEdit) -> Refusal:
    """A whole-inventory location (``sites.3.contingency.hardware.drills``) as the record's
    field (``drills``)."""
    parts = refusal.field.split(".") if refusal.field else []
    depth = _DEPTH[edit.kind]
    return Refusal(".".join(parts[depth:]), refusal.message, refusal.kind)
