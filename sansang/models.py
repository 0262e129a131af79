"""The base of every configuration model, and the id type of the config and the inventory."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,62}$"


def _valid_slug(value: str) -> str:
    if not re.match(SLUG_PATTERN, value):
        raise ValueError(
            f"'{value}' is not a valid id: use lower-case letters, digits and '_', '.', '-', "
            "starting with a letter or digit, at most 63 characters (e.g. 'counter-1')"
        )
    return value


# An id in the config: the label value of its series and the subject of its events.
Slug = Annotated[str, AfterValidator(_valid_slug)]


class StrictModel(BaseModel):
    """Frozen, and an unknown key is an error (a misspelt field must never be ignored)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
