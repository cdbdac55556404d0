"""Cells of every type the database or a caller can hand over, through the fast type checks.

`safe_cell` looks at the exact built-in type first for speed; values of other types, and
subclasses of the built-ins, must still end up exactly as the slower general checks say.
"""

import enum
import math
from decimal import Decimal

import numpy as np

from survey.export.csvsafe import safe_cell, safe_row


class Formula(str):
    """A str subclass, as some drivers and enum types produce."""


class Level(enum.IntEnum):
    LOW = -1


def test_a_string_subclass_is_still_neutralized():
    assert safe_cell(Formula("=1+1")) == "'=1+1"
    assert safe_cell(Formula("\u202e=cmd")) == "'=cmd"


def test_an_int_subclass_stays_a_number_and_a_bool_becomes_one_or_zero():
    cell = safe_cell(Level.LOW)
    assert cell == -1
    assert type(cell) is int
    assert safe_row([True, False]) == [1, 0]


def test_numpy_scalars_are_numbers_and_their_nan_is_missing():
    assert safe_cell(np.float64(-0.4)) == -0.4
    assert type(safe_cell(np.float64(-0.4))) is float
    assert safe_cell(np.int64(-3)) == -3
    assert safe_cell(np.float64("nan")) == ""


def test_exact_types_of_database_rows():
    assert safe_row(["before", "", -0.4, -7, None, Decimal("-2.50"), math.inf]) == [
        "before",
        "",
        -0.4,
        -7,
        "",
        "-2.50",
        "",
    ]


def test_ascii_text_starting_with_a_letter_or_digit_is_kept_and_the_rest_is_checked():
    assert safe_row(["Northside", "2026-08-04", " =1", "-x", "\t@", "a=b"]) == [
        "Northside",
        "2026-08-04",
        "' =1",
        "'-x",
        "'\t@",
        "a=b",
    ]
