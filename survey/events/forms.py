"""Staff forms for events and question sets; they check input, services decide the rest."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from survey.events.models import EVENT_KINDS, QUESTION_KINDS

KIND_LABELS = {
    "national-night-out": "National Night Out",
    "community-walk": "Community walk",
    "town-hall": "Town hall",
    "other": "Other",
}
ITEM_KIND_LABELS = {
    "agree5": "Agreement, 5 points (Strongly disagree … Strongly agree)",
    "scale10": "Scale 0–10",
    "yesno": "Yes / no",
    "choice": "Single choice (your own options)",
    "text": "Free text (always optional, up to 1,000 characters)",
}
PHASE_LABELS = {
    "both": "Before and after (the same wording both times)",
    "before": "Before only",
    "after": "After only",
}


class EventForm(FlaskForm):
    """An event's details; the start is wall-clock time in the department's own zone."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        "Kind", choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in EVENT_KINDS]
    )
    area = StringField("Area", validators=[Optional(), Length(max=100)])
    # The first format is what the datetime-local input shows; the others accept typed text
    # from browsers that render a plain box.
    starts_at = DateTimeLocalField(
        "Starts",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
        validators=[InputRequired(message="Enter the start as YYYY-MM-DD HH:MM.")],
        invalid_value_message="Enter the start as YYYY-MM-DD HH:MM.",
    )
    question_set_id = SelectField("Question set", coerce=int, choices=[])


class QuestionSetForm(FlaskForm):
    """The name of a department's own question set; it starts with the standard items."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])


class ItemForm(FlaskForm):
    """One item from the bank: a stable code, its kind, when it is asked, its wording."""

    code = StringField("Item code", validators=[DataRequired(), Length(max=32)])
    kind = SelectField(
        "Kind", choices=[SelectChoice(kind, ITEM_KIND_LABELS[kind]) for kind in QUESTION_KINDS]
    )
    phase = SelectField(
        "Asked",
        choices=[SelectChoice(phase, label) for phase, label in PHASE_LABELS.items()],
        default="both",
    )
    required = BooleanField(
        "Residents must answer (graded and choice items still offer “Prefer not to say”)"
    )
    demographic = BooleanField("Demographic (a quasi-identifier the export generalizes)")
    text_en = TextAreaField("Wording in English", validators=[DataRequired(), Length(max=500)])
    text_es = TextAreaField("Wording in Spanish", validators=[DataRequired(), Length(max=500)])
    choices = TextAreaField(
        "Options (single choice only): one per line, value | English | Español",
        validators=[Length(max=8000)],
    )
