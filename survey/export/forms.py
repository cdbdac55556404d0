"""The research page's filters: the same form previews (GET) and downloads (POST, with CSRF)."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectChoice, SelectMultipleField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from survey.events.models import EVENT_KINDS
from survey.export.codebook import KIND_LABELS
from survey.export.filters import ExportFilters


class CheckboxesField(SelectMultipleField):
    """Several choices shown as a list of checkboxes; none ticked means "all"."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExportForm(FlaskForm):
    """Date range of event days, areas, event kinds and whether to include free text."""

    date_from = DateField(_l("Events from"), validators=[Optional()])
    date_to = DateField(_l("Events until"), validators=[Optional()])
    areas = CheckboxesField(_l("Areas"), validators=[Optional()])
    kinds = CheckboxesField(
        _l("Event kinds"),
        choices=[SelectChoice(kind, KIND_LABELS[kind]) for kind in EVENT_KINDS],
        validators=[Optional()],
    )
    with_comments = BooleanField(_l("Include free-text answers, scrubbed of names and contacts"))

    def __init__(self, *args: Any, areas: list[str], **kwargs: Any) -> None:
        """Offer the department's areas (its list and those its events used)."""
        super().__init__(*args, **kwargs)
        self.areas.choices = [SelectChoice(area, area) for area in areas]

    def validate(self, extra_validators: Any = None) -> bool:
        """Check each field, then that the range does not end before it starts."""
        if not super().validate(extra_validators):
            return False
        if self.date_from.data and self.date_to.data and self.date_to.data < self.date_from.data:
            self.date_to.errors = [*self.date_to.errors, _l("The range ends before it starts.")]
            return False
        return True

    def filters(self) -> ExportFilters:
        """Return the validated choices as export filters."""
        return ExportFilters(
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            areas=tuple(self.areas.data or ()),
            kinds=tuple(self.kinds.data or ()),
            with_comments=bool(self.with_comments.data),
        )
