"""Staff pages with charts: the event report, trends, their CSVs, and plotly.js itself."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    render_template,
    request,
    send_file,
)
from flask_login import current_user

from survey.dashboard import plotlyjs
from survey.dashboard.filters import GRAINS, TrendFilters, parse_filters
from survey.dashboard.queries import event_areas
from survey.dashboard.services import (
    comment_page,
    event_report,
    parse_label,
    trends_page,
)
from survey.dashboard.tables import CellValue, Table, cell_text, csv_bytes
from survey.dashboard.trends import METRICS
from survey.events.models import EVENT_KINDS
from survey.events.views import event_for_staff
from survey.extensions import login_manager
from survey.sentiment.scoring import label_for
from survey.wiring import CSP

bp = Blueprint("dashboard", __name__, url_prefix="/staff")

YEAR = 365 * 24 * 60 * 60
MAX_PAGE_DIGITS = 9
# plotly.js is public, versioned code: it is served to anyone, like the static folder.
PUBLIC_ENDPOINTS = frozenset({"dashboard.plotly_js"})


@bp.before_request
def require_login() -> Response | None:
    """Every page here but the plotly.js file is for signed-in department users."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()  # type: ignore[no-any-return]


@bp.app_template_filter("table_cell")
def table_cell(value: CellValue) -> str:
    """Print a table cell exactly as the CSV writes it."""
    return cell_text(value)


def chart_csp() -> str:
    """Return the site's CSP with ``blob:`` images allowed, which Plotly's PNG download needs.

    Plotly draws the chart's SVG into an image from a blob: URL to make the PNG. Scripts
    stay 'self' only, and styles stay 'self' (the page supplies plotly.js's own rules).
    """
    return "; ".join(
        f"{directive} blob:" if directive.startswith("img-src ") else directive
        for directive in CSP.split("; ")
    )


def _chart_assets() -> dict[str, object]:
    """Return what the chart macros of dashboard/_charts.html read from the page."""
    return {
        "plotly_version": plotlyjs.version(),
        "plotly_style_id": plotlyjs.GLOBAL_STYLE_ID,
        "plotly_style_class": plotlyjs.NO_INLINE_STYLES_CLASS,
        "guarded_style_ids": plotlyjs.guarded_style_ids(),
    }


def _min_group_size() -> int:
    return int(current_app.config["MIN_GROUP_SIZE"])


def _page_number() -> int:
    """Return the comment page asked for; anything but plain ASCII digits is page 1.

    ``str.isdigit()`` alone accepts "²", which int() refuses, and int() refuses thousands of
    digits; a huge number is simply past the last page, where comment_page stops anyway.
    """
    value = request.args.get("page", "1")
    if not (value.isascii() and value.isdigit()):
        return 1
    return int(value) if len(value) <= MAX_PAGE_DIGITS else 10**MAX_PAGE_DIGITS


@bp.get("/events/<int:event_id>/report")
def report(event_id: int) -> str:
    """The event report: before/after numbers, Likert bars, TALKED split, sentiment, comments."""
    event = event_for_staff(event_id)
    data = event_report(event, _min_group_size())
    comments = None
    if current_user.can_see_comments:
        label = parse_label(request.args.get("label"))
        comments = comment_page(event, data.comment_totals, label, _page_number())
    g.csp = chart_csp()
    return render_template(
        "dashboard/report.html",
        event=event,
        report=data,
        comments=comments,
        label_for=label_for,
        min_group_size=_min_group_size(),
        **_chart_assets(),
    )


def _csv_response(table: Table, filename: str) -> Response:
    response = Response(csv_bytes(table), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/events/<int:event_id>/report.csv")
def report_csv(event_id: int) -> Response:
    """One report chart's numbers as CSV (``?chart=indices|items|likert|talked|sentiment``).

    Without ``chart`` it is the indices table, the report's headline numbers.
    """
    event = event_for_staff(event_id)
    key = request.args.get("chart", "indices")
    chart = event_report(event, _min_group_size()).charts.get(key)
    if chart is None:
        abort(404)
    return _csv_response(chart.table, f"event-{event.id}-{chart.table.key}")


def _filters() -> tuple[list[str], TrendFilters]:
    """Return the department's areas and the trend filters the query string asks for."""
    department = current_user.department
    areas = sorted(set(department.areas or []) | set(event_areas(department.id)))
    return areas, parse_filters(request.args.to_dict(flat=False), areas, EVENT_KINDS)


@bp.get("/trends")
def trends() -> str:
    """Trust, Safety and sentiment over time, per month or per event, areas side by side."""
    areas, filters = _filters()
    page = trends_page(current_user.department, filters, _min_group_size())
    g.csp = chart_csp()
    return render_template(
        "dashboard/trends.html",
        page=page,
        areas=areas,
        kinds=EVENT_KINDS,
        grains=GRAINS,
        min_group_size=_min_group_size(),
        **_chart_assets(),
    )


@bp.get("/trends.csv")
def trends_csv() -> Response:
    """One trend chart's numbers as CSV (``?chart=trust|safety|sentiment`` and the filters).

    Without ``chart`` it is the Trust index, the first chart of the page.
    """
    key = request.args.get("chart", "trust")
    if key not in METRICS:
        abort(404)
    _areas, filters = _filters()
    page = trends_page(current_user.department, filters, _min_group_size())
    return _csv_response(page.charts[key].table, f"trends-{key}-{filters.grain}")


@bp.get("/assets/plotly-<version>.min.js")
def plotly_js(version: str) -> Response:
    """plotly.js from the installed plotly package; the version in the URL makes it immutable."""
    if version != plotlyjs.version():
        abort(404)
    response = send_file(
        plotlyjs.BUNDLE, mimetype="text/javascript", conditional=True, max_age=YEAR
    )
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response
