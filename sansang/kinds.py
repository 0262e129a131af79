"""The kinds of terminal and the roles of a service, as the agent's config and the province's
inventory both name them (their Vietnamese and English names: ``sansang.i18n``)."""

from __future__ import annotations

from typing import Literal

TerminalKind = Literal[
    "counter_pc",
    "citizen_pc",
    "printer",
    "scanner",
    "id_card_reader",
    "queue_machine",
    "lookup_kiosk",
    "camera",
    "video_conference",
    "router",
    "switch",
    "other",
]
TERMINAL_KINDS: tuple[str, ...] = TerminalKind.__args__  # type: ignore[attr-defined]

ServiceRole = Literal["one_stop_system", "national_portal", "province_datacenter", "other"]
