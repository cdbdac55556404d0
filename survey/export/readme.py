"""README.txt of an export bundle: what the data is, how it was anonymized, how to load it."""

import textwrap
from importlib import metadata

from survey.export.codebook import codebook
from survey.export.services import PreparedExport


def software_version() -> str:
    """Return the installed Community Pulse version, for the README's reproducibility note."""
    try:
        return metadata.version("community-pulse")
    except metadata.PackageNotFoundError:
        return "unknown"


README = """\
Community Pulse researcher export
=================================

Department:        {department}
Exported (UTC):    {exported}
Software:          Community Pulse {version}
Selection:         {selection}
Anonymity:         k = {k}: every combination of quasi-identifiers is shared by {k} residents
                   or more (a resident who answered before and after counts once)

What this is
------------
Answers of residents to the Community Pulse survey at police-community events (National
Night Out, community walks, town halls). Residents scan a QR code and answer once when they
arrive ("before") and once when they leave ("after"); some answer on a staff tablet (kiosk).
Attendees are not a random sample of the neighbourhood.

Files
-----
responses.csv   one row per response; item codes are columns; phase says before or after.
codebook.csv    one row per column of responses.csv: label, type, allowed values and their
                labels, the question wording in English and Spanish, the question sets
                (and versions) that asked it.
README.txt      this file.

Both CSV files are UTF-8 with a byte-order mark and open directly in Excel. An empty cell
is a missing value (prefer not to say, not asked in that phase, or no comment).

How it was anonymized
---------------------
- No database ids. response_id, pair_id and event are random codes drawn anew for this
  export: two exports cannot be joined on them. Rows are in random order.
- Dates are event days at day resolution, with no time of day.
{qis}
- Filters select rows by their released values: a generalized date is included only when
  its whole month or year lies inside the chosen range, and rows with a suppressed area or
  kind are left out when areas or kinds are chosen.
- A before/after pair keeps its pair_id only if both rows were released with the same
  quasi-identifiers; otherwise the two rows appear unpaired.
{text_note}
- Text cells starting with = + - @, a tab or a line break were prefixed with an apostrophe
  (') so spreadsheets show them as text; bidirectional-override characters were removed.
  Numbers were never changed.

This export
-----------
{stats}

How to load it
--------------
R:
    book <- read.csv("codebook.csv", fileEncoding = "UTF-8-BOM")
    classes <- c(integer = "integer", number = "numeric",
                 categorical = "factor", string = "character")
    pulse <- read.csv("responses.csv", fileEncoding = "UTF-8-BOM", na.strings = "",
                      colClasses = setNames(classes[book$type], book$name))

Stata (14 or later):
    import delimited using "responses.csv", varnames(1) encoding("utf-8") ///
        bindquotes(strict) maxquotedrows(unlimited) stringcols(_all) clear
    destring {numeric}, replace
    foreach v of varlist {categorical} {{
        encode `v', generate(`v'_code)
    }}

Python (pandas):
    import pandas as pd
    book = pd.read_csv("codebook.csv", encoding="utf-8-sig", keep_default_na=False)
    types = {{"integer": "Int64", "number": "Float64",
             "categorical": "category", "string": "string"}}
    pulse = pd.read_csv("responses.csv", encoding="utf-8-sig",
                        dtype=dict(zip(book["name"], book["type"].map(types))),
                        keep_default_na=False, na_values=[""])
"""


def _bullet(text: str) -> str:
    """Return a README bullet wrapped to 90 columns, continuation lines indented."""
    return textwrap.fill(text, width=90, initial_indent="- ", subsequent_indent="  ")


def _stats_block(prepared: PreparedExport) -> str:
    """Return the "This export" figures, one per line, numbers aligned on the right."""
    stats = prepared.stats
    lines = [
        ("Rows written:", stats.rows),
        ("Rows left out (no group of k residents possible):", stats.rows_dropped),
        ("Cells generalized or suppressed:", stats.cells_generalized),
        *((f"    in {name}:", count) for name, count in stats.cells_by_column.items() if count),
        ("Before/after pairs linked:", prepared.pair_links),
        ("Pair links withheld (rows):", prepared.pair_links_withheld),
    ]
    return "\n".join(f"{label:<50}{value:>12,}" for label, value in lines)


def readme(prepared: PreparedExport) -> str:
    """Return README.txt: what the data is, how it was anonymized, what it cost, how to load."""
    entries = codebook(prepared)
    if prepared.filters.with_comments:
        text_note = (
            "Free-text answers are included as asked, scrubbed: e-mail addresses, phone "
            "numbers, URLs, street addresses and personal names are replaced by [EMAIL], "
            "[PHONE], [URL], [ADDRESS] and [NAME]. Scrubbing is a safety net, not a "
            "guarantee: read comments before quoting them."
        )
    else:
        text_note = "Free-text answers are not included (they were not asked for)."
    qis = (
        f"Quasi-identifiers ({', '.join(prepared.columns)}) were generalized or suppressed "
        "until every combination of them is shared by at least k residents. Residents are "
        "counted, not rows: each row of a before/after pair (one phone at one event) counts "
        "as half a resident, so the pair counts once even if its rows land in different "
        "combinations, and every other row (one phase only, or a kiosk response) counts as "
        "one. Rare values are first given up inside their event (channel, language, "
        "demographic answers), so each event keeps its rows; only events with fewer than k "
        "residents lose their event code, area, kind or date (day -> month -> year -> *). "
        '"*" marks a suppressed value.'
    )
    return README.format(
        department=prepared.department.name,
        exported=prepared.created_at.strftime("%Y-%m-%d %H:%M"),
        version=software_version(),
        selection=prepared.filters.describe(),
        qis=_bullet(qis),
        text_note=_bullet(text_note),
        stats=_stats_block(prepared),
        k=prepared.k,
        numeric=" ".join(e.name for e in entries if e.type in ("integer", "number")),
        categorical=" ".join(e.name for e in entries if e.type == "categorical"),
    )
