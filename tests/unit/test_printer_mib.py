"""The printer's MIB values read as plain values: the hrPrinterDetectedErrorState bit field (bit 0
is the first octet's most significant bit), supply and tray levels with their negative codes, the
verdict (can it print?) and the probe's outcome, samples and state details."""

from __future__ import annotations

import pytest

from agent.metrics.catalogue import CATALOGUE
from agent.probes import printer_mib as mib
from agent.probes.printer import outcome
from agent.probes.printer_mib import (
    ERROR_BITS,
    PrinterMibError,
    PrinterState,
    Supply,
    Tray,
    assess,
    detected_errors,
    ratio,
)


def bits(*numbers: int, octets: int = 2) -> bytes:
    """The OCTET STRING with ``numbers`` set, written independently of the parser: bit n is
    octet n // 8, mask 0x80 >> n % 8."""
    value = bytearray(octets)
    for n in numbers:
        value[n // 8] |= 0x80 >> (n % 8)
    return bytes(value)


@pytest.mark.parametrize("bit", range(15))
def test_every_bit_alone_gives_its_own_code(bit: int) -> None:
    assert detected_errors(bits(bit)) == (ERROR_BITS[bit],)


def test_the_codes_follow_rfc_2790_names_and_order() -> None:
    assert ERROR_BITS[:8] == (
        "low_paper",
        "no_paper",
        "low_toner",
        "no_toner",
        "door_open",
        "jammed",
        "offline",
        "service_requested",
    )
    assert ERROR_BITS[13] == "input_tray_empty" and len(ERROR_BITS) == 15


def test_most_significant_bit_first() -> None:
    """0x40 is bit 1 (noPaper), not bit 6 (offline): the LSB-first reading would be wrong."""
    assert detected_errors(b"\x40") == ("no_paper",)
    assert detected_errors(b"\x80\x00") == ("low_paper",)
    assert detected_errors(b"\x01\x00") == ("service_requested",)
    assert detected_errors(b"\x00\x80") == ("input_tray_missing",)
    assert detected_errors(b"\x00\x02") == ("overdue_prevent_maint",)
    assert detected_errors(b"\x44\x04") == ("no_paper", "jammed", "input_tray_empty")


def test_short_empty_and_missing_values_carry_no_more_than_they_have() -> None:
    assert detected_errors(b"\x04") == ("jammed",)  # one octet: bits 0-7 only
    assert detected_errors(b"") == ()
    assert detected_errors(None) == ()


def test_unknown_bits_and_extra_octets_are_ignored() -> None:
    assert detected_errors(b"\x00\x01") == ()  # bit 15: a later revision's
    assert detected_errors(b"\x00\x00\xff\xff") == ()
    assert detected_errors(b"\xff\xff") == ERROR_BITS


@pytest.mark.parametrize("garbage", ["4000", 64, 0.5])
def test_a_value_that_is_not_an_octet_string_is_refused(garbage: object) -> None:
    with pytest.raises(PrinterMibError, match="not an OCTET STRING"):
        detected_errors(garbage)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("level", "capacity", "expected"),
    [(50, 100, 0.5), (0, 250, 0.0), (300, 250, 1.0), (-3, 100, None), (-2, 100, None),
     (-1, 100, None), (40, 0, None), (40, -2, None), (None, 100, None), (40, None, None)],
)  # fmt: skip
def test_a_level_is_a_ratio_only_when_both_figures_are_figures(
    level: int | None, capacity: int | None, expected: float | None
) -> None:
    assert ratio(level, capacity) == expected


def test_trays_say_whether_they_have_paper() -> None:
    assert Tray("1.1", "Tray 1", 100, -3).has_paper is True  # "at least one sheet"
    assert Tray("1.1", "Tray 1", 100, 12).has_paper is True
    assert Tray("1.1", "Tray 1", 100, 0).has_paper is False
    assert Tray("1.1", "Tray 1", 100, -2).has_paper is None
    assert Tray("1.1", "Tray 1", 100, -1).has_paper is None
    assert Tray("1.2", "", 100, None).label == "tray 1.2"


def state(errors: bytes, device: int = 2, trays: tuple[Tray, ...] = ()) -> PrinterState:
    return PrinterState(
        device_index=1,
        device_status=device,
        printer_status=3,
        error_bits=errors,
        supplies=(Supply("1.1", "Black Cartridge HP CF259A", 100, 6, 3),),
        trays=trays,
    )


@pytest.mark.parametrize(
    "code", ["no_paper", "jammed", "door_open", "offline", "no_toner", "marker_supply_missing"]
)
def test_a_stopping_error_makes_it_down(code: str) -> None:
    verdict = assess(state(bits(ERROR_BITS.index(code)), device=5))
    assert not verdict.up and verdict.stopping == (code,)


@pytest.mark.parametrize("code", ["low_paper", "low_toner", "service_requested", "output_full"])
def test_a_warning_keeps_it_up(code: str) -> None:
    verdict = assess(state(bits(ERROR_BITS.index(code)), device=3))
    assert verdict.up and verdict.warnings == (code,) and verdict.stopping == ()


def test_one_empty_tray_of_two_is_a_warning_all_empty_is_down() -> None:
    empty = bits(ERROR_BITS.index("input_tray_empty"))
    one = (Tray("1.1", "Tray 1", 100, 0), Tray("1.2", "Tray 2", 250, 180))
    both = (Tray("1.1", "Tray 1", 100, 0), Tray("1.2", "Tray 2", 250, 0))
    assert assess(state(empty, trays=one)).up
    down = assess(state(empty, trays=both))
    assert not down.up and down.stopping == ("input_tray_empty",)
    assert "Tray 1 empty" in down.notes and "Tray 2 empty" in down.notes


def test_device_down_without_a_bit_is_its_own_error() -> None:
    verdict = assess(state(bits(), device=5))
    assert not verdict.up and verdict.errors == ("device_down",)
    assert not assess(state(bits(), device=3)).errors  # warning(3) with no bit: up, nothing


def test_the_outcome_carries_codes_words_can_follow_and_every_error_as_a_sample() -> None:
    paper_out = outcome(state(bits(1, 5), device=5))
    assert (paper_out.success, paper_out.reason) == (False, "printer_error")
    assert paper_out.state_details == {"printer_errors": "no_paper,jammed"}
    assert paper_out.detail.startswith("no_paper, jammed; ")
    errors = {s.labels["error"]: s.value for s in paper_out.samples if s.name.endswith("error")}
    assert errors["no_paper"] == errors["jammed"] == 1.0
    assert sum(errors.values()) == 2 and set(errors) == set(mib.ERROR_CODES)
    supply = [s for s in paper_out.samples if s.name == "sansang_printer_supply_ratio"]
    assert [(s.labels, s.value) for s in supply] == [
        ({"supply": "Black Cartridge HP CF259A"}, 0.06)
    ]

    ready = outcome(state(bits()))
    assert ready.success and ready.state_details == {"printer_errors": ""} and ready.detail == ""
    low = outcome(state(bits(2), device=3))
    assert low.success and low.detail.startswith("warning: low_toner")


def test_unknown_levels_give_no_sample_and_twin_supplies_distinct_labels() -> None:
    twins = PrinterState(
        device_index=1,
        supplies=(Supply("1.1", "Toner", 100, -3), Supply("1.2", "Toner", 100, 40)),
        trays=(Tray("1.1", "MP Tray", 50, -2), Tray("1.2", "Tray1", 250, 200)),
    )
    out = outcome(twins)
    ratios = {
        (s.name, next(iter(s.labels.values()))): s.value
        for s in out.samples
        if s.name != "sansang_printer_error"
    }
    assert ratios == {
        ("sansang_printer_supply_ratio", "Toner (1.2)"): 0.4,
        ("sansang_printer_input_ratio", "Tray1"): 0.8,
    }


def test_every_sample_name_is_catalogued_with_its_labels() -> None:
    catalogued = {m.name: set(m.labels) for m in CATALOGUE}
    for sample in outcome(state(bits(1), device=5)).samples:
        assert catalogued[sample.name] == {"check", *sample.labels}


def test_tables_from_walked_columns_keep_one_printers_rows_in_numeric_order() -> None:
    columns: dict[str, mib.Column] = {
        mib.SUPPLY_DESCRIPTION: {"1.10": b"Drum", "1.2": b"Toner\x00", "2.1": b"other printer"},
        mib.SUPPLY_MAX_CAPACITY: {"1.10": 100, "1.2": 100},
        mib.SUPPLY_LEVEL: {"1.10": 91, "1.2": -3},
        mib.INPUT_NAME: {"1.1": "Tray 1"},
        mib.INPUT_CURRENT_LEVEL: {"1.1": 0},
    }
    supplies = mib.supplies(columns, 1)
    assert [(s.index, s.description, s.level) for s in supplies] == [
        ("1.2", "Toner", -3),
        ("1.10", "Drum", 91),
    ]
    [tray] = mib.trays(columns, 1)
    assert (tray.name, tray.max_capacity, tray.has_paper) == ("Tray 1", None, False)
