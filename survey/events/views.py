"""Staff pages for events and question sets.

Who sees what (the permissions are in `survey.auth.services.PERMISSIONS`): every role reads
the event list, an event's page with its live counts, and the question sets; admins and staff
also create, edit, open and close events, print posters and QR codes, use the kiosk links and
build question sets. Everything is scoped to the signed-in user's department.
"""

from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from survey.auth.services import background_request, permission_required
from survey.events.forms import (
    ITEM_KIND_LABELS,
    KIND_LABELS,
    PHASE_LABELS,
    EventForm,
    ItemForm,
    QuestionSetForm,
)
from survey.events.instrument import DEFAULT_SET_NAME
from survey.events.links import kiosk_url, survey_url
from survey.events.models import PHASES, Event, QuestionSet
from survey.events.qr import qr_png, qr_svg, qr_svg_inline
from survey.events.queries import (
    event_counts,
    event_has_responses,
    event_rows,
    live_event_counts,
    question_set_frozen,
    question_set_rows,
    question_sets_of,
)
from survey.events.questionsets import (
    DEFAULT_CODES,
    add_item,
    create_question_set,
    is_default_set,
    item_spec,
    remove_item,
)
from survey.events.services import (
    InvalidInput,
    change_event_status,
    create_event,
    default_question_set,
    local_to_utc,
    update_event,
)
from survey.extensions import db

bp = Blueprint("events", __name__, url_prefix="/staff/events")

# Seconds between live count refreshes on the event page, and on the events list (one
# grouped count over all of the department's events, so it is asked for less often).
COUNTS_REFRESH_SECONDS = 5
LIST_COUNTS_REFRESH_SECONDS = 10


@bp.before_request
@login_required
def require_login() -> None:
    """Every page here is for signed-in staff; roles narrow it further per view."""


@bp.context_processor
def labels() -> dict[str, object]:
    """Readable names for event kinds, item kinds and phases."""
    return {
        "kind_labels": KIND_LABELS,
        "item_kind_labels": ITEM_KIND_LABELS,
        "phase_labels": PHASE_LABELS,
    }


def event_for_staff(event_id: int) -> Event:
    """Return the event if it belongs to the signed-in user's department, else 404.

    A 404 rather than a 403 keeps other departments' events from being confirmed to exist.
    """
    event = db.session.get(Event, event_id)
    if event is None or event.department_id != current_user.department_id:
        abort(404)
    return event


def question_set_for_staff(question_set_id: int) -> QuestionSet:
    """Return the question set if it is the signed-in user's department's, else 404."""
    question_set = db.session.get(QuestionSet, question_set_id)
    if question_set is None or question_set.department_id != current_user.department_id:
        abort(404)
    return question_set


# Events ---------------------------------------------------------------------------------


@bp.get("/")
def index() -> str:
    """The department's events, newest first, with status and live before/after counts."""
    return render_template(
        "events/index.html",
        events=event_rows(current_user.department_id),
        refresh_seconds=LIST_COUNTS_REFRESH_SECONDS,
    )


@bp.get("/counts")
@background_request
def index_counts() -> Response:
    """Before and after counts of the department's events still taking answers.

    Polled by the events list, which keeps the load-time counts of every other event; one
    grouped query, and other departments' events are not in it.
    """
    response = jsonify(
        events=[
            {"id": event_id, "before": before, "after": after}
            for event_id, before, after in live_event_counts(current_user.department_id)
        ]
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:event_id>")
def detail(event_id: int) -> str:
    """One event: live counts for everyone; links, posters, QR codes and kiosks for staff."""
    event = event_for_staff(event_id)
    return render_template(
        "events/detail.html",
        event=event,
        counts=event_counts(event.id),
        links={phase: survey_url(event, phase) for phase in PHASES},
        kiosks={phase: kiosk_url(event, phase) for phase in PHASES},
        refresh_seconds=COUNTS_REFRESH_SECONDS,
    )


@bp.get("/<int:event_id>/counts")
@background_request
def counts(event_id: int) -> Response:
    """Before, after and paired counts as JSON, polled by the event page."""
    event = event_for_staff(event_id)
    current = event_counts(event.id)
    response = jsonify(
        before=current.before, after=current.after, paired=current.paired, status=event.status
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _offer_question_sets(form: EventForm) -> None:
    """Offer the department's question sets, newest version first per name."""
    form.question_set_id.choices = [
        SelectChoice(str(question_set.id), question_set.label)
        for question_set in question_sets_of(current_user.department_id)
    ]


def _render_event_form(form: EventForm, event: Event | None, status: int) -> tuple[str, int]:
    department = current_user.department
    locked = event is not None and event_has_responses(event.id)
    return render_template(
        "events/form.html",
        form=form,
        event=event,
        areas=department.areas or [],
        timezone=department.timezone,
        question_set_locked=locked,
    ), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required("manage_events")
def new() -> WerkzeugResponse | tuple[str, int]:
    """Create an event as a draft: residents get a 404 until staff open it."""
    department = current_user.department
    form = EventForm()
    _offer_question_sets(form)
    if request.method == "GET":
        form.question_set_id.data = default_question_set(department).id
    elif form.validate():
        try:
            event = create_event(
                department,
                form.name.data or "",
                local_to_utc(form.starts_at.data, department.timezone),  # type: ignore[arg-type]
                kind=form.kind.data or "other",
                area=form.area.data,
                status="draft",
                question_set=question_set_for_staff(form.question_set_id.data),  # type: ignore[arg-type]
            )
        except InvalidInput as error:
            form.form_errors.append(str(error))
        else:
            flash(f"Created “{event.name}” as a draft. Open it when residents may answer.")
            return redirect(url_for("events.detail", event_id=event.id))
    return _render_event_form(form, None, 422 if request.method == "POST" else 200)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@permission_required("manage_events")
def edit(event_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Change an event's details; the question set stays once anyone has answered."""
    event = event_for_staff(event_id)
    zone = event.department.timezone
    form = EventForm(obj=event if request.method == "GET" else None)
    _offer_question_sets(form)
    if request.method == "GET":
        form.starts_at.data = event.starts_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        form.question_set_id.data = event.question_set_id
    elif form.validate():
        try:
            update_event(
                event,
                name=form.name.data or "",
                starts_at=local_to_utc(form.starts_at.data, zone),  # type: ignore[arg-type]
                kind=form.kind.data or "other",
                area=form.area.data,
                question_set=question_set_for_staff(form.question_set_id.data),  # type: ignore[arg-type]
            )
        except InvalidInput as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash("Saved.")
            return redirect(url_for("events.detail", event_id=event.id))
    return _render_event_form(form, event, 422 if request.method == "POST" else 200)


@bp.post("/<int:event_id>/open")
@permission_required("manage_events")
def open_event(event_id: int) -> WerkzeugResponse:
    """Open (or reopen) the event: residents can answer from now on."""
    return _change_status(event_for_staff(event_id), "open")


@bp.post("/<int:event_id>/close")
@permission_required("manage_events")
def close_event(event_id: int) -> WerkzeugResponse:
    """Close the event: residents see a thank-you note instead of the survey."""
    return _change_status(event_for_staff(event_id), "close")


def _change_status(event: Event, action: str) -> WerkzeugResponse:
    try:
        change_event_status(event, action)
    except InvalidInput as error:
        flash(str(error))
    else:
        flash(
            "The event is open: residents can answer now."
            if event.status == "open"
            else "The event is closed: residents see a thank-you note instead of the survey."
        )
    return redirect(url_for("events.detail", event_id=event.id))


@bp.get("/<int:event_id>/poster")
@permission_required("manage_events")
def poster(event_id: int) -> str:
    """A printable poster (Letter and A4) with both codes, labelled in both languages."""
    event = event_for_staff(event_id)
    codes = {
        phase: {"url": survey_url(event, phase), "svg": qr_svg_inline(survey_url(event, phase))}
        for phase in PHASES
    }
    return render_template("events/poster.html", event=event, codes=codes)


@bp.get("/<int:event_id>/qr/<phase>.<fmt>")
@permission_required("manage_events")
def qr(event_id: int, phase: str, fmt: str) -> Response:
    """Download the QR code of one phase as PNG or SVG."""
    event = event_for_staff(event_id)
    if phase not in PHASES or fmt not in ("png", "svg"):
        abort(404)
    url = survey_url(event, phase)
    body, mimetype = (qr_png(url), "image/png") if fmt == "png" else (qr_svg(url), "image/svg+xml")
    response = Response(body, mimetype=mimetype)
    disposition = "attachment" if request.args.get("download") else "inline"
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="event-{event.id}-{phase}.{fmt}"'
    )
    return response


# Question sets ---------------------------------------------------------------------------


def _render_question_sets(form: QuestionSetForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "events/question_sets.html",
        rows=question_set_rows(current_user.department_id),
        form=form,
        default_name=DEFAULT_SET_NAME,
    ), status


@bp.get("/question-sets/")
def question_sets() -> tuple[str, int]:
    """Every version of the department's question sets and how widely each is used."""
    return _render_question_sets(QuestionSetForm())


@bp.post("/question-sets/")
@permission_required("manage_events")
def new_question_set() -> WerkzeugResponse | tuple[str, int]:
    """Start the department's own question set from the standard items."""
    form = QuestionSetForm()
    if form.validate():
        try:
            question_set = create_question_set(current_user.department, form.name.data or "")
        except InvalidInput as error:
            form.name.errors = [*form.name.errors, str(error)]
        else:
            flash(f"Created {question_set.label} with the standard items. Add your own below.")
            return redirect(url_for("events.question_set", question_set_id=question_set.id))
    return _render_question_sets(form, 422)


def _render_question_set(
    question_set: QuestionSet, form: ItemForm, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "events/question_set.html",
        question_set=question_set,
        form=form,
        frozen=question_set_frozen(question_set.id),
        editable=not is_default_set(question_set),
        default_codes=DEFAULT_CODES,
    ), status


@bp.get("/question-sets/<int:question_set_id>")
def question_set(question_set_id: int) -> tuple[str, int]:
    """One version's items in both languages, and the form to add an item."""
    return _render_question_set(question_set_for_staff(question_set_id), ItemForm())


@bp.post("/question-sets/<int:question_set_id>/items")
@permission_required("manage_events")
def add_question(question_set_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Add an item; a set already in use gets a new version instead of a change."""
    question_set = question_set_for_staff(question_set_id)
    form = ItemForm()
    if form.validate():
        try:
            spec = item_spec(
                code=form.code.data or "",
                kind=form.kind.data or "",
                phase=form.phase.data or "",
                required=bool(form.required.data),
                demographic=bool(form.demographic.data),
                text_en=form.text_en.data or "",
                text_es=form.text_es.data or "",
                choices=form.choices.data or "",
            )
            result = add_item(question_set, spec)
        except InvalidInput as error:
            form.form_errors.append(str(error))
        else:
            return _after_change(question_set, result, f"Added {spec['code']}")
    return _render_question_set(question_set, form, 422)


@bp.post("/question-sets/<int:question_set_id>/items/remove")
@permission_required("manage_events")
def remove_question(question_set_id: int) -> WerkzeugResponse:
    """Remove one of the department's own items (standard items always stay)."""
    question_set = question_set_for_staff(question_set_id)
    code = request.form.get("code", "")
    try:
        result = remove_item(question_set, code)
    except InvalidInput as error:
        flash(str(error))
        return redirect(url_for("events.question_set", question_set_id=question_set.id))
    return _after_change(question_set, result, f"Removed {code}")


def _after_change(before: QuestionSet, after: QuestionSet, what: str) -> WerkzeugResponse:
    if after.id != before.id:
        flash(
            f"{what} in a new version, {after.label}: {before.label} is in use, so it stays "
            "as it is and its events keep it. Choose the new version on new events."
        )
    else:
        flash(f"{what}.")
    return redirect(url_for("events.question_set", question_set_id=after.id))
