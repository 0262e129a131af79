"""Real UPS dumps from NUT's device dump library (networkupstools/nut-ddl, see
tests/fixtures/nut-ddl/README.md) read the way dummy-ups reads them, then mapped to a reading.

The expected values were written by hand from the files, not computed by the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.power.nut.protocol import read_dummy_ups_file, reading_from_vars

DDL = Path(__file__).resolve().parent.parent / "fixtures" / "nut-ddl"


@dataclass(frozen=True)
class Expected:
    path: str
    flags: frozenset[str]
    charge: float | None
    runtime: float | None
    voltage: float | None
    load: float | None
    manufacturer: str
    model: str
    serial: str = ""


MODELS = [
    Expected(
        "APC/APC__Back-UPS_ES_650G2__usbhid-ups__2.8.1__01.dev",
        frozenset({"OL"}),
        1.0,
        2079,
        250.0,
        0.15,
        "American Power Conversion",
        "Back-UPS ES 650G2",
        "",  # "#COMMENT: masked by user": a comment, so no value
    ),
    Expected(
        "Eaton/Eaton__5E1100iUSB__usbhid-ups__2.7.1__01.dev",
        frozenset({"OL", "CHRG"}),
        1.0,
        3160,
        227.0,
        0.08,
        "EATON",
        "5E 1100i",
    ),
    Expected(
        "Cyber_Power_Systems/Cyber_Power_Systems__BR1000ELCD__usbhid-ups__2.7.4__01.dev",
        frozenset({"OL"}),
        1.0,
        7200,
        238.0,
        0.0,
        "CPS",
        "BR1000ELCD",
    ),
    Expected(
        "Riello/Riello__Sentinel_Pro_1000_UOD1-XL__riello_ser__2.6.5__01.dev",
        frozenset({"OL", "CHRG"}),
        1.0,
        26280,
        216.0,
        0.28,
        "RPS S.p.a.",
        "UOD1-XL",  # written with trailing blanks; the serial is only blanks
    ),
    Expected(
        # Santak (sold in Vietnam): a Q6/megatec UPS that reports no charge and no runtime
        "Santak/Santak__Castle_C1K__blazer_ser__2.7.4__01.dev",
        frozenset({"OL"}),
        None,
        None,
        231.3,
        0.0,
        "",
        "",
    ),
]


def test_five_vendors_at_least() -> None:
    assert len({m.path.split("/")[0] for m in MODELS}) >= 5
    listed = {str(p.relative_to(DDL)) for p in DDL.rglob("*.dev")}
    assert listed == {m.path for m in MODELS}  # every stored dump is tested


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.path.split("/")[0])
def test_ddl_dump_reads_as_expected(model: Expected) -> None:
    variables = read_dummy_ups_file((DDL / model.path).read_text(encoding="utf-8"))
    reading = reading_from_vars(variables)
    assert reading.flags == model.flags
    assert reading.battery_charge_ratio == (
        None if model.charge is None else pytest.approx(model.charge)
    )
    assert reading.battery_runtime_seconds == model.runtime
    assert reading.input_voltage_volts == model.voltage
    assert reading.load_ratio == (None if model.load is None else pytest.approx(model.load))
    assert (reading.manufacturer, reading.model, reading.serial) == (
        model.manufacturer,
        model.model,
        model.serial,
    )
    assert reading.mains_present is True  # every dump was taken on mains
    assert not any(name.startswith("driver.") for name in variables)  # dummy-ups skips them


def test_inline_comments_and_odd_spacing_in_dumps() -> None:
    cyber = read_dummy_ups_file(
        (DDL / MODELS[2].path).read_text(encoding="utf-8")
    )  # "10\t#COMMENT: ..." and "CPS\t#BAD: ..."
    assert cyber["battery.charge.low"] == "10"
    assert cyber["battery.mfr.date"] == "CPS"
    apc = read_dummy_ups_file((DDL / MODELS[0].path).read_text(encoding="utf-8"))
    assert apc["ups.firmware"] == "937.a2 .I"
    assert apc["ups.test.result"] == "No test initiated"
    riello = read_dummy_ups_file((DDL / MODELS[3].path).read_text(encoding="utf-8"))
    assert riello["ups.model"] == "UOD1-XL" and riello["ups.serial"] == ""
