"""The plain rows that queries.py returns and the pure report and trend code consumes.

Keeping them here (no database import) lets report.py, trends.py and figures.py be tested
with hand-made rows, and lets queries.py stay a thin layer of SQL.
"""

from datetime import datetime
from typing import NamedTuple

from survey.analytics.groups import Sums


class PhaseRow(NamedTuple):
    """One phase of one event: its response count and the sums of its two indices."""

    phase: str
    responses: int
    trust: Sums
    safety: Sums


class PairedIndexRow(NamedTuple):
    """Before/after pairs of one event and the sums of their per-pair index changes."""

    pairs: int
    trust: Sums
    safety: Sums


class ItemRow(NamedTuple):
    """The sums of one numeric item in one phase (values 1-5 for agreement items)."""

    code: str
    phase: str
    sums: Sums


class PairedItemRow(NamedTuple):
    """The sums of one item's per-pair change (after - before) over pairs answering both."""

    code: str
    sums: Sums


class LevelCount(NamedTuple):
    """How many answers of one item in one phase had one value (None: prefer not to say)."""

    code: str
    phase: str
    level: float | None
    count: int


class TalkedRow(NamedTuple):
    """After-phase trust index sums of residents who answered TALKED with one value."""

    talked: float | None
    trust: Sums


class LabelCount(NamedTuple):
    """How many comments to one text item got one sentiment label."""

    code: str
    label: str
    count: int


class CommentRow(NamedTuple):
    """One comment as staff read it: which item, when, the text and its polarity."""

    answer_id: int
    code: str
    phase: str
    submitted_at: datetime
    text: str
    sentiment: float | None


class EventPhaseRow(NamedTuple):
    """One phase of one event with the sums a trend point is made of."""

    event_id: int
    name: str
    area: str | None
    kind: str
    starts_at: datetime
    phase: str
    trust: Sums
    safety: Sums
    sentiment: Sums
