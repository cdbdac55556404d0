"""Cells that are safe to hand to `csv.writer` and then to Excel, LibreOffice, R, Stata or pandas.

A spreadsheet treats a text cell that starts with `=`, `+`, `-` or `@` as a formula, which lets a
resident's comment run code on a researcher's laptop (CSV injection). Following the OWASP advice,
such text gets a leading single quote. Numbers are a different matter: a sentiment score of
-0.4 is written as a number and never altered, so the caller must pass numbers as numbers.
"""

import math
import numbers
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

Cell = str | int | float

# Bidirectional controls can make "=cmd" look like harmless text on screen ("Trojan Source"),
# and they have no business in a data set, so they are removed rather than escaped.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
    "\u200e\u200f\u061c"  # left-to-right, right-to-left and Arabic letter marks
)
_BIDI_TABLE = dict.fromkeys(map(ord, BIDI_CONTROLS))

# The OWASP list, plus line feed and the full-width forms that some spreadsheet locales
# also accept as the start of a formula.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def _first_significant(text: str) -> str:
    """Return the first character a spreadsheet could act on, skipping blanks and format marks.

    " =1+1" or "\u200b=1+1" are still formulas to some importers, so leading whitespace and
    invisible format characters (zero-width space, BOM) must not hide a trigger.
    """
    for char in text:
        if char in FORMULA_TRIGGERS:
            return char
        if not (char.isspace() or unicodedata.category(char) == "Cf"):
            return char
    return ""


def safe_text(text: str) -> str:
    """Return `text` without bidi controls, quoted with `'` if a spreadsheet would run it.

    The quote is the OWASP-recommended neutralization: Excel and LibreOffice then show the
    text as typed instead of evaluating it. Most cells of an export are short ASCII values
    (phases, dates, codes) that start with a letter or digit; they are answered without the
    character-by-character scan, which matters at millions of cells.
    """
    if text.isascii():
        # No bidi control and no invisible format character is ASCII.
        first = text[:1]
        if first.isalnum():
            return text
        cleaned = text
    else:
        cleaned = text.translate(_BIDI_TABLE)
    if _first_significant(cleaned) in FORMULA_TRIGGERS:
        return "'" + cleaned
    return cleaned


def _other_cell(value: object) -> Cell:
    """Return the cell of a value whose exact type is not one the database hands back.

    Subclasses and foreign numeric types (numpy scalars, Fraction) need the abstract
    checks, which are slow, so `safe_cell` tries the exact built-in types first.
    """
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return _decimal_cell(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else ""
    return safe_text(value if isinstance(value, str) else str(value))


def _decimal_cell(value: Decimal) -> Cell:
    """Return a finite Decimal as its plain digits (no exponent), "" otherwise."""
    return format(value, "f") if value.is_finite() else ""


def safe_cell(value: object) -> Cell:
    """Return `value` as a cell `csv.writer` can write and any spreadsheet can open safely.

    - None, NaN and infinities become "" (a missing value in R, Stata, pandas and Excel).
    - bool becomes 1 or 0: every statistics package reads those as numbers, while
      "True"/"False" is parsed differently by each.
    - Finite numbers are returned as numbers, unchanged: -0.4 stays -0.4. Integer-like and
      real-like types (numpy scalars, Fraction) become int or float; a finite Decimal becomes
      its plain digits, which can only start with a digit or a minus sign and so cannot
      form a formula.
    - Anything else is text (`str(value)`): bidi controls are removed and a leading formula
      trigger is neutralized. A *string* such as "-0.4" is text and is quoted too.

    The exact types a database row holds (str, int, float, Decimal, None) are dispatched
    on `type(value)` first: the abstract `numbers` checks cost more than the rest of the
    export's per-cell work together.
    """
    if type(value) is str:
        return safe_text(value)
    if value is None:
        return ""
    if type(value) is float:
        return value if math.isfinite(value) else ""
    if type(value) is int:
        return value
    if type(value) is Decimal:
        return _decimal_cell(value)
    return _other_cell(value)


def safe_row(values: Iterable[object]) -> list[Cell]:
    """Return a row of safe cells, for data rows and header rows alike.

    Headers go through the same function because column names can come from
    department-defined items, which are user input too.
    """
    return [safe_cell(value) for value in values]
