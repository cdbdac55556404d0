"""The codebook (one row per column of responses.csv) and the README of an export bundle.

Types are one of four words every reader maps to its own: integer (R integer, pandas Int64,
Stata long), number (double, Float64, double), categorical (factor, category, string or
encode) and string. Categorical columns list their allowed values, so a reader can check
every cell; the quasi-identifiers list only the values actually released in this export.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from survey.events.instrument import SAFETY_ITEMS, TRUST_ITEMS
from survey.export.kanon import SUPPRESSED
from survey.export.schema import AGREE5_LABELS, YESNO_LABELS, Item
from survey.export.services import PreparedExport

HEADER = (
    "name",
    "label",
    "type",
    "values",
    "value_labels",
    "wording_en",
    "wording_es",
    "question_sets",
    "notes",
)
TYPES = ("integer", "number", "categorical", "string")
SEPARATOR = " | "
# Residents, not rows: the release counts each row of a before/after pair as half a resident.
K_RESIDENTS = "k residents (a resident who answered before and after counts once)"
SUPPRESSED_LABEL = (
    f"{SUPPRESSED}=suppressed (fewer than k residents shared the combination of quasi-identifiers)"
)
QI_NOTE = (
    f"Quasi-identifier: generalized or suppressed ({SUPPRESSED}) where fewer than "
    f"{K_RESIDENTS} shared a combination of quasi-identifiers. Empty = no value."
)
KIND_LABELS = {
    "national-night-out": "National Night Out",
    "community-walk": "Community walk",
    "town-hall": "Town hall",
    "other": "Other",
}
LANGUAGE_LABELS = {"en": "English", "es": "Spanish"}
CHANNEL_LABELS = {"qr": "Resident's own phone (QR code)", "kiosk": "Staff tablet (kiosk)"}
PHASE_NOTES = {
    "both": "Asked before and after the event.",
    "before": "Asked before the event only.",
    "after": "Asked after the event only.",
}


@dataclass(frozen=True)
class Entry:
    """One codebook row."""

    name: str
    label: str
    type: str
    values: tuple[str, ...] = ()
    value_labels: tuple[str, ...] = ()
    wording_en: str = ""
    wording_es: str = ""
    question_sets: str = ""
    notes: str = ""

    def cells(self) -> list[str]:
        """Return the row as codebook.csv writes it, in HEADER order."""
        return [
            self.name,
            self.label,
            self.type,
            SEPARATOR.join(self.values),
            SEPARATOR.join(self.value_labels),
            self.wording_en,
            self.wording_es,
            self.question_sets,
            self.notes,
        ]


def _categorical(
    name: str, label: str, present: Sequence[str], labels: dict[str, str], notes: str = ""
) -> Entry:
    """Return a categorical entry listing only the values present, "" (missing) left out."""
    values = tuple(value for value in present if value != "")
    return Entry(
        name=name,
        label=label,
        type="categorical",
        values=values,
        value_labels=tuple(
            SUPPRESSED_LABEL if value == SUPPRESSED else f"{value}={labels.get(value, value)}"
            for value in values
        ),
        notes=notes,
    )


def fixed_entries(prepared: PreparedExport) -> list[Entry]:
    """Return the entries of the columns every export has, before the item columns."""
    present = prepared.released_values
    trust = ", ".join(TRUST_ITEMS)
    return [
        Entry(
            "response_id",
            "Response id: random, drawn anew for every export",
            "string",
            notes="Cannot be joined to another export or to the database.",
        ),
        Entry(
            "pair_id",
            "Before/after pair id: random, drawn anew for every export",
            "string",
            notes=(
                "The before and after responses of one phone at one event share it. Empty for "
                "kiosk responses, residents who answered one phase only, and pairs whose two "
                "rows were released with different quasi-identifiers (linking them would undo "
                "the generalization)."
            ),
        ),
        _categorical(
            "phase",
            "When the resident answered",
            ("before", "after"),
            {"before": "before the event", "after": "after the event"},
        ),
        Entry(
            "event",
            "Event code: random, drawn anew for every export",
            "string",
            notes=f"One code per event within this export. {QI_NOTE}",
        ),
        Entry(
            "event_date",
            "Day of the event, in the department's time zone",
            "string",
            notes=(
                "YYYY-MM-DD; generalized to YYYY-MM or YYYY, or suppressed (*), where fewer "
                f"than {K_RESIDENTS} shared a combination of quasi-identifiers. No time of day "
                "is given."
            ),
        ),
        _categorical("event_kind", "Kind of event", present["event_kind"], KIND_LABELS, QI_NOTE),
        _categorical("area", "Area (neighbourhood) of the event", present["area"], {}, QI_NOTE),
        _categorical(
            "question_set",
            "Question set and version the resident answered",
            present["question_set"],
            {},
            QI_NOTE,
        ),
        _categorical(
            "language", "Language of the form", present["language"], LANGUAGE_LABELS, QI_NOTE
        ),
        _categorical(
            "channel", "How the form was reached", present["channel"], CHANNEL_LABELS, QI_NOTE
        ),
        Entry(
            "trust_index",
            "Trust index, 0 to 100",
            "number",
            notes=(
                f"Mean of the answered items {trust} rescaled: (mean - 1) / 4 * 100. "
                "Empty if every one was declined."
            ),
        ),
        Entry(
            "safety_index",
            "Safety index, 0 to 100",
            "number",
            notes=(
                f"{', '.join(SAFETY_ITEMS)} rescaled: (answer - 1) / 4 * 100. Empty if declined."
            ),
        ),
        Entry(
            "sentiment",
            "Mean sentiment of the response's comments, -1 to 1",
            "number",
            notes=(
                "TextBlob polarity of English comments: above 0.1 positive, below -0.1 "
                "negative. Empty when there was no comment or it could not be scored "
                "(e.g. Spanish); never 0 for unscored text."
            ),
        ),
    ]


def _answer_labels(item: Item) -> dict[str, str]:
    """Return the value -> English label map of an item's answers."""
    if item.kind == "agree5":
        return {str(value): label for value, label in AGREE5_LABELS.items()}
    if item.kind == "yesno":
        return {str(value): label for value, label in YESNO_LABELS.items()}
    if item.kind == "scale10":
        return {"0": "0 (lowest)", "10": "10 (highest)"}
    return dict(item.choices)


def _allowed_values(item: Item) -> tuple[str, ...]:
    """Return every value an item's answers can take."""
    if item.kind == "agree5":
        return tuple(str(value) for value in AGREE5_LABELS)
    if item.kind == "yesno":
        return ("0", "1")
    if item.kind == "scale10":
        return tuple(str(value) for value in range(11))
    if item.kind == "choice":
        return tuple(value for value, _ in item.choices)
    return ()


def item_entry(item: Item, prepared: PreparedExport) -> Entry:
    """Return an item's entry: type, allowed values, wording in both languages, versions."""
    en, es, _ = item.wordings[-1]
    notes = [PHASE_NOTES.get(item.phase, ""), "Empty = prefer not to say, or not asked."]
    for old_en, old_es, sets in item.wordings[:-1]:
        notes.append(f"Worded in {', '.join(sets)}: {old_en} / {old_es}")
    labels = _answer_labels(item)
    type_, values, value_labels = "string", (), ()
    if item.demographic:
        notes.append(
            "On a before/after pair, an answer given in either phase is shown on both rows."
        )
        notes.append(QI_NOTE)
    if item.is_text:
        notes.append(
            "Free text, scrubbed: e-mail addresses, phone numbers, URLs, street addresses "
            "and names are replaced by [EMAIL], [PHONE], [URL], [ADDRESS], [NAME]."
        )
    elif item.demographic:
        entry = _categorical(item.code, en, prepared.released_values[item.code], labels)
        type_, values, value_labels = entry.type, entry.values, entry.value_labels
    elif item.reads_number != item.reads_text:
        values = _allowed_values(item)
        type_ = "categorical" if item.kind == "choice" else "integer"
        value_labels = tuple(f"{value}={labels[value]}" for value in values if value in labels)
    return Entry(
        name=item.code,
        label=en,
        type=type_,
        values=values,
        value_labels=value_labels,
        wording_en=en,
        wording_es=es,
        question_sets="; ".join(item.versions),
        notes=" ".join(note for note in notes if note),
    )


def codebook(prepared: PreparedExport) -> list[Entry]:
    """Return the codebook: every column of responses.csv, in the same order."""
    return [*fixed_entries(prepared), *(item_entry(item, prepared) for item in prepared.items)]


def csv_header(prepared: PreparedExport) -> list[str]:
    """Return the header of responses.csv, which the codebook describes row by row."""
    return [entry.name for entry in codebook(prepared)]
