"""Resident survey pages at the unguessable token URLs: /s/<token>/before and /after."""

import hmac
import re
from typing import cast

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, ValidationError, validate_csrf
from sqlalchemy import bindparam, select
from sqlalchemy.exc import OperationalError
from werkzeug.wrappers import Response as WerkzeugResponse

from survey.events.links import kiosk_key
from survey.events.models import PHASES, Event, Question
from survey.extensions import csrf, db, limiter
from survey.responses.forms import (
    ParsedSurvey,
    answer_options,
    form_body_problem,
    parse_survey,
    valid_submission_id,
)
from survey.responses.pairing import new_cookie_id, new_submission_id, pair_key, valid_cookie_id
from survey.responses.questions import questions_html, questions_of_set
from survey.responses.services import (
    Outcome,
    ResidentEvent,
    accepts_submissions,
    already_answered,
    record_response,
)

bp = Blueprint("responses", __name__, url_prefix="/s")
# CSRF is checked in the view so that an expired token re-renders the answers, never drops them.
csrf.exempt(bp)


@bp.context_processor
def survey_helpers() -> dict[str, object]:
    """Give survey templates the answer options of each question."""
    return {"options": answer_options}


TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,43}$")
# Built once (constructing the statement per request cost as much as running it), and Core
# columns rather than the ORM entity: loading an Event object cost a fifth of a request.
_EVENT = Event.__table__.c
EVENT_BY_TOKEN = select(
    _EVENT.id,
    _EVENT.name,
    _EVENT.token,
    _EVENT.status,
    _EVENT.closed_at,
    _EVENT.question_set_id,
).where(_EVENT.token == bindparam("token"))


def _resident_post_limit() -> str:
    return str(current_app.config["RESIDENT_POST_LIMIT"])


def find_event(token: str, phase: str, *, closed_ok: bool = False) -> ResidentEvent:
    """Return the event behind a survey URL, or abort with the one 404 or the 410 page.

    Unknown, draft and malformed tokens look identical, so nobody can probe for events.
    ``closed_ok`` is for the thank-you pages: a resident who submitted in the grace period
    after closing must read "received", not "closed", which would say the answers were lost.
    """
    if phase not in PHASES or not TOKEN_RE.match(token):
        abort(404)
    row = db.session.connection().execute(EVENT_BY_TOKEN, {"token": token}).one_or_none()
    event = cast(ResidentEvent | None, row)
    if event is None or event.status == "draft":
        abort(404)
    if event.status == "closed" and not closed_ok:
        late_submit = request.method == "POST" and accepts_submissions(event)
        if not late_submit:
            abort(410)
    return event


@bp.route("/<token>/<phase>", methods=["GET", "POST"])
@limiter.limit(_resident_post_limit, methods=["POST"])
def survey(token: str, phase: str) -> WerkzeugResponse | str:
    """The resident survey reached by QR code; pairs before and after by cookie."""
    return _survey_page(find_event(token, phase), phase, kiosk=False)


@bp.route("/<token>/<phase>/kiosk/<key>", methods=["GET", "POST"])
@limiter.limit(_resident_post_limit, methods=["POST"])
def kiosk(token: str, phase: str, key: str) -> WerkzeugResponse | str:
    """The survey on a staff tablet shared by many residents: no pairing cookie."""
    event = find_event(token, phase)
    if not hmac.compare_digest(key.encode(), kiosk_key(event.token).encode()):
        abort(404)
    return _survey_page(event, phase, kiosk=True)


@bp.route("/<token>/<phase>/thanks")
def thanks(token: str, phase: str) -> str:
    """Thank the resident; a "before" respondent is asked to scan the after code later."""
    event = find_event(token, phase, closed_ok=True)
    return render_template("responses/thanks.html", event=event, phase=phase, kiosk_url=None)


@bp.route("/<token>/<phase>/kiosk/<key>/thanks")
def kiosk_thanks(token: str, phase: str, key: str) -> str:
    """Thank the resident, then return the tablet to a fresh form after a few seconds.

    Once the event is closed there is no fresh form to return to, so the page stays.
    """
    event = find_event(token, phase, closed_ok=True)
    if not hmac.compare_digest(key.encode(), kiosk_key(event.token).encode()):
        abort(404)
    form_url = None
    if event.status == "open":
        form_url = url_for("responses.kiosk", token=token, phase=phase, key=key, lang=_lang())
    return render_template(
        "responses/thanks.html",
        event=event,
        phase=phase,
        kiosk_url=form_url,
        reset_seconds=current_app.config["KIOSK_RESET_SECONDS"],
    )


def _lang() -> str:
    return str(get_locale() or "en")


def _survey_page(event: ResidentEvent, phase: str, *, kiosk: bool) -> WerkzeugResponse | str:
    """Render the form, or check and store a submission and redirect to the thank-you page."""
    questions = [q for q in questions_of_set(event.question_set_id) if q.asked_in(phase)]
    cookie_name = current_app.config["PAIR_COOKIE_NAME"]
    cookie_id = None if kiosk else request.cookies.get(cookie_name)
    issued_cookie = None
    if not kiosk and not valid_cookie_id(cookie_id):
        cookie_id = issued_cookie = new_cookie_id()
    key = pair_key(current_app.config["SECRET_KEY"], event.id, cookie_id) if cookie_id else None

    if request.method != "POST":  # GET, and HEAD (which must never count as a submit)
        if key and not issued_cookie and already_answered(event.id, phase, key):
            page = render_template("responses/already.html", event=event, phase=phase)
        else:
            page = _render_form(
                event, phase, questions, ParsedSurvey(), new_submission_id(), kiosk
            )
        return _with_cookie(make_response(page), issued_cookie)

    problem = form_body_problem(
        request.mimetype, request.get_data(cache=True), current_app.config["MAX_FORM_PARTS"]
    )
    if problem is not None:
        abort(problem)
    parsed = parse_survey(request.form, questions)
    # Exactly one id: two ids in one form would leave it unclear which one guards the retry.
    ids = request.form.getlist("submission_id")
    submission_id = ids[0] if len(ids) == 1 else None
    status = 422
    if not valid_submission_id(submission_id):
        submission_id = new_submission_id()
        parsed.form_errors.append(_("This form was out of date. Please check and submit again."))
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        status = 400
        parsed.form_errors.append(_security_message())
    if not parsed.valid:
        page = _render_form(event, phase, questions, parsed, str(submission_id), kiosk)
        return _with_cookie(make_response(page, status), issued_cookie)

    try:
        outcome = record_response(
            event=event,
            phase=phase,
            language=_lang(),
            channel="kiosk" if kiosk else "qr",
            pair_key=key,
            submission_id=str(submission_id),
            questions=questions,
            answers=parsed.answers,
        )
    except OperationalError:
        # The database is momentarily overloaded or locked: keep everything on the page; the
        # same one-time id makes pressing Submit again safe even if this attempt got through.
        db.session.rollback()
        parsed.form_errors.append(
            _("The server is busy. Your answers are safe here: please press Submit again.")
        )
        page = _render_form(event, phase, questions, parsed, str(submission_id), kiosk)
        response = make_response(page, 503)
        response.headers["Retry-After"] = str(current_app.config["BUSY_RETRY_AFTER_SECONDS"])
        return _with_cookie(response, issued_cookie)

    if outcome is Outcome.ALREADY_ANSWERED:
        page = render_template("responses/already.html", event=event, phase=phase)
        return _with_cookie(make_response(page), issued_cookie)
    if kiosk:
        target = url_for(
            "responses.kiosk_thanks",
            token=event.token,
            phase=phase,
            key=kiosk_key(event.token),
            lang=_lang(),
        )
    else:
        target = url_for("responses.thanks", token=event.token, phase=phase, lang=_lang())
    return _with_cookie(redirect(target, 303), issued_cookie)


def _security_message() -> str:
    """Explain a failed CSRF check in words a resident can act on."""
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return _(
            "Your browser did not keep this page's security cookie. Please allow cookies for "
            "this site and press Submit again. Your answers are still here."
        )
    return _(
        "This page was open for a long time. Your answers are still here: "
        "please press Submit again."
    )


def _render_form(
    event: ResidentEvent,
    phase: str,
    questions: list[Question],
    parsed: ParsedSurvey,
    submission_id: str,
    kiosk: bool,
) -> str:
    return render_template(
        "responses/survey.html",
        event=event,
        phase=phase,
        questions=questions,
        questions_html=questions_html(event.question_set_id, phase, questions, parsed),
        parsed=parsed,
        submission_id=submission_id,
        kiosk_key=kiosk_key(event.token) if kiosk else None,
        # The path that matched this view, whose token, phase and kiosk key are checked
        # (so every character is URL-safe): the form posts back to it and the language
        # toggle links to it without two url_for calls per page.
        page_path=request.script_root + request.path,
    )


def _with_cookie(response: WerkzeugResponse, cookie_id: str | None) -> WerkzeugResponse:
    """Set the pairing cookie when this request issued one; Secure whenever HTTPS is used."""
    response.headers["Cache-Control"] = "no-store"
    if cookie_id is not None:
        response.set_cookie(
            current_app.config["PAIR_COOKIE_NAME"],
            cookie_id,
            max_age=current_app.config["PAIR_COOKIE_MAX_AGE"],
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response
