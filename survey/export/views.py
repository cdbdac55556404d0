"""The research pages: filters with a preview, the streamed download, and the export log.

Access: researchers and admins of the signed-in user's department (`User.can_export`); the
log is for admins only. Other signed-in roles get 403, not 404: these pages are no secret
(every department has them) and nothing about another department is involved, so a plain
"not allowed" is the honest answer. Anonymous visitors are sent to sign in.
"""

from datetime import UTC

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from survey.export.bundle import stream_bundle
from survey.export.forms import ExportForm
from survey.export.queries import area_choices, export_records
from survey.export.services import begin_export, preview_export
from survey.extensions import login_manager

bp = Blueprint("export", __name__, url_prefix="/research")


@bp.before_request
def require_export_role() -> BaseResponse | None:
    """Let only signed-in researchers and admins in; others get 403."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.can_export:
        abort(403)
    return None


def _form(*, post: bool) -> ExportForm:
    """Return the filter form: from the query string (preview) or the posted form (download).

    Only the download writes (the export log), so only it carries a CSRF token; a token in
    a preview URL would end up in browser history.
    """
    department = current_user.department
    return ExportForm(
        formdata=request.form if post else request.args,
        areas=area_choices(department.id, department.areas or []),
        meta={"csrf": post},
    )


@bp.get("/")
def index() -> str | tuple[str, int]:
    """Filters, a preview of rows and suppressions computed from counts, and the download."""
    form = _form(post=False)
    asked = bool(request.args)
    if asked and not form.validate():
        return render_template("export/index.html", form=form, prepared=None), 422
    prepared = preview_export(
        current_user.department, form.filters(), current_app.config["EXPORT_K"]
    )
    return render_template("export/index.html", form=form, prepared=prepared)


@bp.post("/download")
def download() -> Response | tuple[str, int]:
    """Record the export, then stream the zip: memory stays flat however many rows."""
    form = _form(post=True)
    if not form.validate():
        return render_template("export/index.html", form=form, prepared=None), 422
    prepared, conn = begin_export(
        current_user.department,
        form.filters(),
        current_app.config["EXPORT_K"],
        current_user,  # type: ignore[arg-type]
    )
    stamp = prepared.created_at.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    response = Response(stream_bundle(prepared, conn), mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="community-pulse-{prepared.department.slug}-{stamp}.zip"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/exports")
def log() -> str:
    """Every export of the department, newest first: who, when, filters, rows, suppressions."""
    if current_user.role != "admin":
        abort(403)
    return render_template("export/log.html", records=export_records(current_user.department_id))
