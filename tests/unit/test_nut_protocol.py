"""NUT's reply lines: the parseconf-style word splitting, the typed replies, LIST readers, the
dummy-ups file reader, the variables → reading mapping, and properties over arbitrary input."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.power.nut.protocol import (
    KNOWN_ERRORS,
    MAX_LINE,
    Begin,
    End,
    Err,
    ListReader,
    NutProtocolError,
    Ok,
    UpsEntry,
    VarEntry,
    number,
    parse_reply,
    quote,
    read_dummy_ups_file,
    reading_from_vars,
    split_words,
)

# ---- word splitting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('VAR su700 ups.mfr "APC"\n', ["VAR", "su700", "ups.mfr", "APC"]),
        ('VAR su700 ups.model "Smart-UPS  700"', ["VAR", "su700", "ups.model", "Smart-UPS  700"]),
        ('VAR\tsu700 \t  ups.status   "OL CHRG"  \r\n', ["VAR", "su700", "ups.status", "OL CHRG"]),
        ('VAR u x ""', ["VAR", "u", "x", ""]),
        (r'VAR u x "say \"hi\""', ["VAR", "u", "x", 'say "hi"']),
        (r'VAR u x "C:\\ups\\"', ["VAR", "u", "x", "C:\\ups\\"]),
        (r'VAR u x "50\# of load"', ["VAR", "u", "x", "50# of load"]),
        ('VAR u x "a # b"', ["VAR", "u", "x", "a # b"]),  # quoted: not a comment
        ("OK  # a comment", ["OK"]),
        (r"un\ quoted", ["un quoted"]),
        ('"a""b"', ["a", "b"]),
        ('a"b', ['a"b']),  # a quote inside a bare word is a character (parseconf)
        ("x=y", ["x", "=", "y"]),
        ("ok\x00\x07 go", ["ok", "go"]),  # control characters dropped (parseconf)
        ("", []),
        ("   \t ", []),
    ],
)
def test_split_words_like_parseconf(line: str, words: list[str]) -> None:
    assert split_words(line) == words


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('VAR u x "never closed', "quoted word never closed"),
        ("VAR u x ends\\", "lone backslash"),
        ("OK\nERR X", "line break inside a line"),
        ("A" * (MAX_LINE + 1), "over the 8192 limit"),
    ],
)
def test_split_words_refuses_what_would_be_a_guess(line: str, message: str) -> None:
    with pytest.raises(NutProtocolError, match=message):
        split_words(line)


def test_quote_escapes_like_pconf_encode_and_refuses_control_characters() -> None:
    assert quote('a "b" \\ #c') == r'"a \"b\" \\ \#c"'
    with pytest.raises(NutProtocolError, match="control character") as caught:
        quote("secret\nLIST UPS")
    assert "secret" not in str(caught.value)  # a password never shows in an error


# ---- replies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("OK", Ok()),
        ("OK STARTTLS", Ok(("STARTTLS",))),
        ("OK Goodbye", Ok(("Goodbye",))),
        ("BEGIN LIST UPS", Begin(("UPS",))),
        ("END LIST VAR su700", End(("VAR", "su700"))),
        ('UPS su700 "Development box"', UpsEntry("su700", "Development box")),
        ('VAR su700 ups.status "OL"', VarEntry("su700", "ups.status", "OL")),
        ("ERR ACCESS-DENIED", Err("ACCESS-DENIED")),
        ("ERR UNKNOWN-UPS", Err("UNKNOWN-UPS")),
        ("ERR DATA-STALE", Err("DATA-STALE")),
        ("ERR DRIVER-NOT-CONNECTED", Err("DRIVER-NOT-CONNECTED")),
        ("ERR VAR-NOT-SUPPORTED", Err("VAR-NOT-SUPPORTED")),
        ("ERR FEATURE-NOT-CONFIGURED", Err("FEATURE-NOT-CONFIGURED")),
        ("ERR USERNAME-REQUIRED", Err("USERNAME-REQUIRED")),
        ("ERR INVALID-PASSWORD", Err("INVALID-PASSWORD")),
        ("ERR ALREADY-SSL-MODE", Err("ALREADY-SSL-MODE")),
        ("ERR UNKNOWN-COMMAND", Err("UNKNOWN-COMMAND")),
        ('ERR SET-FAILED "driver busy" 3', Err("SET-FAILED", ("driver busy", "3"))),
    ],
)
def test_parse_reply(line: str, reply: object) -> None:
    assert parse_reply(line) == reply


def test_known_and_unknown_error_codes() -> None:
    assert Err("DATA-STALE").known
    assert "INVALID-USERNAME" in KNOWN_ERRORS and "ALREADY-SET-PASSWORD" in KNOWN_ERRORS
    unknown = parse_reply("ERR BRAND-NEW-CODE extra")
    assert unknown == Err("BRAND-NEW-CODE", ("extra",))
    assert isinstance(unknown, Err) and not unknown.known


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "empty reply line"),
        ("ERR", "ERR without an error code"),
        ("BEGIN UPS", "expected 'BEGIN LIST <query>'"),
        ("END LIST", "expected 'END LIST <query>'"),
        ("UPS su700", "expected 'UPS <name>"),
        ('VAR su700 "OL"', "expected 'VAR <ups> <name>"),
        ('VAR su700 ups.status "OL" extra', "expected 'VAR <ups> <name>"),
        ("Goodbye...", "not a NUT reply"),
        ("\x89PNG\r", "not a NUT reply"),
    ],
)
def test_parse_reply_rejects_malformed_lines(line: str, message: str) -> None:
    with pytest.raises(NutProtocolError, match=message):
        parse_reply(line)


# ---- LIST ----------------------------------------------------------------------------------


def _feed_all(reader: ListReader, lines: list[str]) -> bool:
    done = False
    for line in lines:
        done = reader.feed(line)
    return done


def test_list_var_collects_variables() -> None:
    reader = ListReader(("VAR", "su700"))
    done = _feed_all(
        reader,
        [
            "BEGIN LIST VAR su700\n",
            'VAR su700 ups.mfr "APC"\n',
            'VAR su700 ups.status "OB  LB"\n',
            "END LIST VAR su700\n",
        ],
    )
    assert done
    assert reader.variables() == {"ups.mfr": "APC", "ups.status": "OB  LB"}


def test_list_ups_keeps_upsd_order() -> None:
    reader = ListReader(("UPS",))
    lines = ["BEGIN LIST UPS", 'UPS b "second"', 'UPS a "first"', "END LIST UPS"]
    assert _feed_all(reader, lines)
    assert list(reader.devices().items()) == [("b", "second"), ("a", "first")]


def test_list_answered_with_err_is_complete_with_the_error() -> None:
    reader = ListReader(("VAR", "nosuch"))
    assert reader.feed("ERR UNKNOWN-UPS")
    assert reader.error == Err("UNKNOWN-UPS")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['VAR su700 x "1"'], "expected 'BEGIN LIST VAR su700'"),
        (["BEGIN LIST VAR other"], "expected 'BEGIN LIST VAR su700'"),
        (["BEGIN LIST VAR su700", 'VAR other x "1"'], "unexpected line inside list"),
        (["BEGIN LIST VAR su700", 'UPS su700 "x"'], "unexpected line inside list"),
        (["BEGIN LIST VAR su700", "ERR DATA-STALE"], "unexpected line inside list"),
        (["BEGIN LIST VAR su700", "END LIST UPS"], "ended as"),
        (["BEGIN LIST VAR su700", "END LIST VAR su700", "OK"], "after the end of the list"),
    ],
)
def test_list_lines_out_of_place(lines: list[str], message: str) -> None:
    with pytest.raises(NutProtocolError, match=message):
        _feed_all(ListReader(("VAR", "su700")), lines)


# ---- dummy-ups files -------------------------------------------------------------------------


def test_read_dummy_ups_file_like_dummy_ups() -> None:
    text = (
        "# a comment\n"
        "ups.status: OL   CHRG\n"
        "battery.charge.low: 10\t#COMMENT: inline comments end the value\n"
        "device.serial: #COMMENT: masked by user  \n"
        "ups.model: UOD1-XL       \n"
        "driver.name: usbhid-ups\n"
        "TIMER 5\n"
        "\n"
        'ups.id: "two  spaces"\n'
    )
    assert read_dummy_ups_file(text) == {
        "ups.status": "OL CHRG",
        "battery.charge.low": "10",
        "device.serial": "",
        "ups.model": "UOD1-XL",
        "ups.id": "two  spaces",
    }


# ---- variables → reading -------------------------------------------------------------------


def test_reading_from_vars_maps_the_nut_names() -> None:
    variables = {
        "ups.status": "OB DISCHRG LB",
        "battery.charge": "42",
        "battery.runtime": "300",
        "input.voltage": "0.0",
        "ups.load": "37.5",
        "device.mfr": "EATON",
        "ups.model": "5E 1100i",
        "device.serial": "G123",
        "ups.alarm": "Replace battery!",
    }
    reading = reading_from_vars(variables)
    assert reading.flags == {"OB", "DISCHRG", "LB"}
    assert reading.battery_charge_ratio == pytest.approx(0.42)
    assert reading.battery_runtime_seconds == 300
    assert reading.input_voltage_volts == 0.0
    assert reading.load_ratio == pytest.approx(0.375)
    assert (reading.manufacturer, reading.model, reading.serial) == ("EATON", "5E 1100i", "G123")
    assert reading.alarm == "Replace battery!"
    assert reading.on_battery is True and reading.battery_low
    assert reading.raw == variables


def test_reading_keeps_unknown_flags_and_survives_junk() -> None:
    reading = reading_from_vars(
        {
            "ups.status": "  ol   NEWFLAG\tchrg ",
            "battery.charge": " 87 ",
            "battery.runtime": "n/a",
            "input.voltage": "1,200.5",
            "ups.load": "-1",
            "ups.mfr": "   ",
            "device.mfr": "CPS",
        }
    )
    assert reading.flags == {"OL", "NEWFLAG", "CHRG"}
    assert reading.battery_charge_ratio == pytest.approx(0.87)
    assert reading.battery_runtime_seconds is None
    assert reading.input_voltage_volts is None
    assert reading.load_ratio is None
    assert reading.manufacturer == "CPS"  # a blank ups.mfr falls back to device.mfr


def test_reading_from_no_variables_is_all_unknown() -> None:
    reading = reading_from_vars({})
    assert reading.flags == frozenset()
    assert reading.mains_present is None and reading.battery_charge_ratio is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("230", 230.0),
        (" 230.5 ", 230.5),
        (".5", 0.5),
        ("+7", 7.0),
        ("1e3", None),
        ("nan", None),
        ("inf", None),
        ("0x10", None),
        ("12,5", None),
        ("", None),
        (None, None),
        ("9" * 400, None),  # would be float('inf')
    ],
)
def test_number(text: str | None, value: float | None) -> None:
    assert number(text) == value


# ---- properties ----------------------------------------------------------------------------

PRINTABLE = st.text(st.characters(min_codepoint=0x20, blacklist_characters="\x7f"), max_size=200)


@given(value=PRINTABLE)
def test_any_quoted_value_round_trips(value: str) -> None:
    """A value quoted with NUT's escaping rule reads back as itself, whatever it holds."""
    assert parse_reply(f"VAR ups1 ups.model {quote(value)}\n") == VarEntry(
        "ups1", "ups.model", value
    )


@given(values=st.lists(PRINTABLE, max_size=10), sep=st.sampled_from([" ", "\t", "  \t ", " \r"]))
def test_words_round_trip_with_any_separator(values: list[str], sep: str) -> None:
    assert split_words(sep.join(quote(v) for v in values)) == values


@settings(max_examples=500)
@given(data=st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_protocol_errors(data: bytes) -> None:
    line = data.decode("utf-8", errors="replace")
    with contextlib.suppress(NutProtocolError):
        parse_reply(line)


@settings(max_examples=300)
@given(lines=st.lists(st.text(max_size=80), max_size=8))
def test_arbitrary_lines_fed_to_a_list_raise_only_protocol_errors(lines: list[str]) -> None:
    reader = ListReader(("VAR", "ups1"))
    with contextlib.suppress(NutProtocolError):
        for line in lines:
            reader.feed(line)


@given(variables=st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=12))
def test_reading_from_arbitrary_vars_never_raises(variables: dict[str, str]) -> None:
    reading = reading_from_vars(variables)
    for value in (
        reading.battery_charge_ratio,
        reading.battery_runtime_seconds,
        reading.input_voltage_volts,
        reading.load_ratio,
    ):
        assert value is None or value >= 0


@given(text=st.text(max_size=400))
def test_dummy_ups_reader_raises_only_protocol_errors(text: str) -> None:
    with contextlib.suppress(NutProtocolError):
        read_dummy_ups_file(text)
