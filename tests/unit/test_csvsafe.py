import csv
import io
import math
from decimal import Decimal
from fractions import Fraction

import pytest

from survey.export.csvsafe import BIDI_CONTROLS, safe_cell, safe_row, safe_text


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+1 555 123 4567",
        "-0.4",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\rhello",
        "\nhello",
        "\uff1d1+1",
    ],
)
def test_text_starting_with_a_formula_trigger_is_quoted(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["  =1+1", " \t@cmd", "\u00a0-1", "\u200b=1+1", "\ufeff+1"])
def test_whitespace_or_invisible_characters_do_not_hide_a_trigger(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\u202e=cmd", "'=cmd"),
        ("abc\u202edcba", "abcdcba"),
        ("\u2066=1+1\u2069", "'=1+1"),
        ("\u200f\u200e\u061chola", "hola"),
        ("a\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069b", "ab"),
    ],
)
def test_bidi_controls_are_removed_before_the_check(text, expected):
    assert safe_cell(text) == expected


def test_every_bidi_control_is_removed():
    assert safe_text("x" + "".join(sorted(BIDI_CONTROLS)) + "y") == "xy"
    assert len(BIDI_CONTROLS) == 12


@pytest.mark.parametrize(
    "text",
    [
        "Great event!",
        "5 stars",
        "",
        "'already quoted",
        "a=b",
        "x-1",
        "Officer [NAME] 👮🏽\u200d♀️ ¡Gracias! 谢谢 مرحبا",
        "Señora Núñez: “muy bien”",
    ],
)
def test_ordinary_text_and_unicode_pass_unchanged(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize("number", [-0.4, -1, 0, 0.0, -0.0, 3, 2.5, -(10**30), 1e-300])
def test_numbers_are_returned_unchanged(number):
    cell = safe_cell(number)
    assert cell == number
    assert type(cell) is type(number)
    assert math.copysign(1, cell) == math.copysign(1, number)


@pytest.mark.parametrize("value", [None, math.nan, math.inf, -math.inf, Decimal("NaN")])
def test_missing_values_become_empty(value):
    assert safe_cell(value) == ""


def test_booleans_become_one_and_zero():
    assert safe_cell(True) == 1
    assert type(safe_cell(True)) is int
    assert safe_cell(False) == 0


def test_other_numeric_types_stay_numbers():
    assert safe_cell(Decimal("-0.40")) == "-0.40"
    assert safe_cell(Decimal("1E+3")) == "1000"
    assert safe_cell(Fraction(-1, 4)) == -0.25


def test_other_objects_are_text():
    class Evil:
        def __str__(self):
            return '=HYPERLINK("http://x")'

    assert safe_cell(Evil()) == '\'=HYPERLINK("http://x")'


def test_a_string_that_looks_negative_is_still_text():
    assert safe_row(["-0.4", -0.4]) == ["'-0.4", -0.4]


def test_header_rows_go_through_the_same_function():
    header = ["id", "=EVIL", "@item", "sentiment"]
    assert safe_row(header) == ["id", "'=EVIL", "'@item", "sentiment"]


def test_safe_row_accepts_any_iterable_and_leaves_it_alone():
    values = ("=x", None, -1)
    assert safe_row(iter(values)) == ["'=x", "", -1]
    assert values == ("=x", None, -1)


def test_round_trip_through_csv_writer_and_reader():
    rows = [
        ["id", "comment", "sentiment", "talked"],
        ["a1", "=1+1", -0.4, True],
        ["a2", 'line one\nline "two", with comma', 0.25, False],
        ["a3", "\u202e=cmd", None, None],
        ["a4", "¡Muy bien! 👍", -1, 1],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(safe_row(row) for row in rows)
    read = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert read == [
        ["id", "comment", "sentiment", "talked"],
        ["a1", "'=1+1", "-0.4", "1"],
        ["a2", 'line one\nline "two", with comma', "0.25", "0"],
        ["a3", "'=cmd", "", ""],
        ["a4", "¡Muy bien! 👍", "-1", "1"],
    ]


def test_pandas_reads_numbers_as_numbers():
    pandas = pytest.importorskip("pandas")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(["comment", "sentiment"]))
    writer.writerow(safe_row(["-bad", -0.4]))
    writer.writerow(safe_row(["good", 0.5]))
    frame = pandas.read_csv(io.StringIO(buffer.getvalue()))
    assert frame["sentiment"].tolist() == [-0.4, 0.5]
    assert frame["comment"].tolist() == ["'-bad", "good"]
