"""The shape of an export: its quasi-identifiers and its item columns, built from plain rows.

Quasi-identifiers come in two layers. The event-level ones (event, area, date, kind, question
set) are the same for every resident of an event; the row-level ones (language, channel and
every item a department flagged `demographic`) vary inside it. `survey.export.release`
recodes row-level values inside an event first and leaves whole events to kanon.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from survey.export.kanon import Column, category_column, date_column

# Event-level quasi-identifiers, in QI-tuple order; their count is the release's parent size.
EVENT_QIS = ("event", "area", "event_date", "event_kind", "question_set")
# Row-level quasi-identifiers that every response has; demographic items follow them.
ROW_QIS = ("language", "channel")
# When a group of fewer than k rows spans several events, kanon coarsens in this order: the
# event's own code first (area, date and kind still say a lot), the date one level at a time.
PRIORITY = ("event", "area", "event_kind", "event_date", "question_set", "channel", "language")

NUMERIC_KINDS = frozenset({"agree5", "scale10", "yesno"})
TEXT_KINDS = frozenset({"text"})

AGREE5_LABELS = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}
YESNO_LABELS = {1: "Yes", 0: "No"}


@dataclass(frozen=True)
class QuestionRow:
    """One question of one question-set version, as the export reads it."""

    question_id: int
    question_set: str  # "name vN"
    version: int
    code: str
    kind: str
    phase: str
    demographic: bool
    text_en: str
    text_es: str
    choices: tuple[tuple[str, str], ...]  # (value, English label)


@dataclass(frozen=True)
class Item:
    """One item code across every question-set version that has it: one export column.

    `versions` are oldest first; the wording shown in the codebook is the newest one, and
    `wordings` keeps every distinct (en, es) pair with the versions that used it.
    """

    code: str
    kind: str
    phase: str
    demographic: bool
    question_ids: tuple[int, ...]
    versions: tuple[str, ...]
    wordings: tuple[tuple[str, str, tuple[str, ...]], ...]
    choices: tuple[tuple[str, str], ...]
    reads_number: bool
    reads_text: bool

    @property
    def is_text(self) -> bool:
        """Tell whether the item is free text: excluded unless comments are asked for."""
        return self.kind in TEXT_KINDS


def question_row(row: Any) -> QuestionRow:
    """Return a QuestionRow from a SQL row of questions joined with their question set."""
    choices = tuple((str(c.get("value", "")), str(c.get("en", ""))) for c in row.choices or ())
    return QuestionRow(
        question_id=row.id,
        question_set=f"{row.set_name} v{row.version}",
        version=row.version,
        code=row.code,
        kind=row.kind,
        phase=row.phase,
        demographic=bool(row.demographic),
        text_en=row.text_en,
        text_es=row.text_es,
        choices=choices,
    )


def items_from_questions(questions: Iterable[QuestionRow]) -> list[Item]:
    """Return one Item per code, ordered as the newest question set asks them.

    Codes that only older versions have follow, in their own order. A code keeps one kind in
    a department (the item bank enforces it); should two versions disagree anyway, the item
    is read as text and as a number so no answer is lost, and it is typed as text.
    """
    by_code: dict[str, list[QuestionRow]] = {}
    for question in questions:
        by_code.setdefault(question.code, []).append(question)
    items = []
    for code, rows in by_code.items():
        rows.sort(key=lambda q: (q.version, q.question_set))
        newest = rows[-1]
        kinds = {q.kind for q in rows}
        wordings: dict[tuple[str, str], list[str]] = {}
        for q in rows:
            wordings.setdefault((q.text_en, q.text_es), []).append(q.question_set)
        choices: dict[str, str] = {}
        for q in rows:
            choices.update(q.choices)
        items.append(
            Item(
                code=code,
                kind=newest.kind if len(kinds) == 1 else "text",
                phase=newest.phase,
                demographic=any(q.demographic for q in rows),
                question_ids=tuple(q.question_id for q in rows),
                versions=tuple(dict.fromkeys(q.question_set for q in rows)),
                wordings=tuple((en, es, tuple(sets)) for (en, es), sets in wordings.items()),
                choices=tuple(choices.items()),
                reads_number=bool(kinds & NUMERIC_KINDS),
                reads_text=bool(kinds - NUMERIC_KINDS),
            )
        )
    return items


def order_items(items: Sequence[Item], newest_first: Sequence[QuestionRow]) -> list[Item]:
    """Return items in the order of `newest_first` (questions listed newest set first)."""
    rank: dict[str, int] = {}
    for question in newest_first:
        rank.setdefault(question.code, len(rank))
    return sorted(items, key=lambda item: rank.get(item.code, len(rank)))


def qi_columns(demographics: Sequence[Item]) -> list[Column]:
    """Return the kanon columns of the QI tuple: event-level, row-level, then demographics."""
    return [
        category_column("event"),
        category_column("area"),
        date_column("event_date"),
        category_column("event_kind"),
        category_column("question_set"),
        category_column("language"),
        category_column("channel"),
        *(category_column(item.code) for item in demographics),
    ]


def qi_priority(demographics: Sequence[Item]) -> list[str]:
    """Return kanon's column order: PRIORITY, then demographic items in question order."""
    return [*PRIORITY, *(item.code for item in demographics)]


def format_value(value: object) -> str:
    """Return an answer as a QI string: 3.0 -> "3", "under-25" as is, None -> "" (missing)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)
