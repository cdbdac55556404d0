"""Every resident-facing string has Spanish, and the compiled catalogue matches its source."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "survey" / "translations" / "es" / "LC_MESSAGES"
# Resident pages: the survey, its thank-you and error pages, and the messages they show.
RESIDENT_SOURCES = (
    "survey/responses/",
    "survey/templates/responses/",
    "survey/templates/errors/",
    "survey/templates/resident.html",
)
METHOD_MAP = [("**.py", "python"), ("**.html", "jinja2")]


def resident_msgids_in_sources() -> set[str]:
    found = set()
    for filename, _, message, _, _ in extract_from_dir(str(ROOT / "survey"), METHOD_MAP):
        if any(("survey/" + filename).startswith(source) for source in RESIDENT_SOURCES):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_resident_string_is_translated():
    with (CATALOGUE / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id for m in catalogue if m.id and m.string}
    wanted = resident_msgids_in_sources()
    assert {"Submit", "Please choose an answer.", "This survey is closed"} <= wanted
    missing = wanted - translated
    assert not missing, f"add Spanish for: {sorted(missing)} (then `make translations`)"


def test_compiled_catalogue_matches_the_po_file():
    with (CATALOGUE / "messages.po").open("rb") as handle:
        source = {m.id: m.string for m in read_po(handle) if m.id}
    with (CATALOGUE / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == source, "run `make translations` to recompile messages.mo"
