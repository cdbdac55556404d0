"""The factory's steps: extensions, blueprints, error pages, request hooks, commands."""

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import (
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import BadHost, HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from survey.extensions import babel, csrf, db, limiter, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def select_locale() -> str:
    """Pick the page language: an explicit ?lang= toggle, else Accept-Language, else English."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        return str(chosen)
    return request.accept_languages.best_match(languages) or "en"


class SchemeAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request itself came over HTTPS.

    A fixed SESSION_COOKIE_SECURE would either break plain-HTTP local use or leave the cookie
    unprotected in production; following the request keeps both right.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        """Return True for HTTPS requests or when the operator forces Secure cookies."""
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def register_extensions(app: Flask) -> None:
    """Bind the extension objects and the database engine settings to this app."""
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    app.session_interface = SchemeAwareSessionInterface()
    if app.config["PROXY_FIX_X_FOR"]:
        hops = int(app.config["PROXY_FIX_X_FOR"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)  # type: ignore[method-assign]
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            from survey.database import configure_sqlite

            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def register_blueprints(app: Flask) -> None:
    """Attach each feature's blueprint; imported here so importing survey stays cheap."""
    from survey.auth.views import bp as auth_bp
    from survey.dashboard.views import bp as dashboard_bp
    from survey.events.views import bp as events_bp
    from survey.export.views import bp as export_bp
    from survey.responses.views import bp as responses_bp

    app.register_blueprint(responses_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(export_bp)

    @app.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        """Liveness and database check for load balancers."""
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:
            db.session.rollback()
            return {"status": "error", "database": "unreachable"}, 503
        return {"status": "ok", "database": "ok"}, 200

    @app.get("/")
    def index() -> Response:
        """Send visitors to the staff sign-in; residents arrive by QR code, not here."""
        return redirect(url_for("auth.login"))


FORM_MIMETYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
ERROR_PAGES = {400, 403, 404, 405, 410, 413, 429, 431, 500, 503}


def register_errorhandlers(app: Flask) -> None:
    """Render every HTTP error as a page in the visitor's language, never a stack trace."""

    def render_error(error: HTTPException) -> Response:
        if isinstance(error, BadHost):
            # A Host header no URL can be built for: the page's own links cannot be built
            # either, so Werkzeug's plain 400 page it is (still with the security headers).
            return error.get_response()
        code = error.code or 500
        template = f"errors/{code}.html" if code in ERROR_PAGES else "errors/generic.html"
        response = error.get_response()
        response.set_data(render_template(template, error=error, code=code))
        response.content_type = "text/html; charset=utf-8"
        return response

    app.register_error_handler(HTTPException, render_error)

    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError) -> Response:
        """Answer 503 with Retry-After when the database is locked, overloaded or away.

        Nothing was committed (the transaction is rolled back), so the retry is safe; a
        resident's survey never gets here because its view keeps the answers on the page.
        """
        app.logger.warning(
            "Database unavailable on %s %s: %s", request.method, request.path, error
        )
        db.session.rollback()
        response = Response(render_template("errors/503.html", code=503), 503)
        response.content_type = "text/html; charset=utf-8"
        response.headers["Retry-After"] = str(app.config["BUSY_RETRY_AFTER_SECONDS"])
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        """Log the failure and show a plain 500 page; details stay in the server log."""
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_template("errors/500.html", code=500), 500


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # Survey URLs hold the event token: never send them to another site.
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "camera=(), geolocation=(), microphone=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def register_request_hooks(app: Flask) -> None:
    """Security headers on every response; idle expiry for staff sessions; asset versions."""

    @app.after_request
    def security_headers(response: Response) -> Response:
        """Add each security header a view has not set itself, in one pass over the headers.

        One pass, not `Headers.setdefault` per header: that scans the list and raises and
        catches a KeyError for every header that is missing, on every response.
        """
        headers = response.headers
        present = {name.lower() for name, _value in headers.items()}
        wanted = [("Content-Security-Policy", g.get("csp", CSP)), *SECURITY_HEADERS]
        if request.is_secure:
            wanted.append(HSTS)
        for name, value in wanted:
            if name.lower() not in present:
                headers.add(name, value)
        return response

    @app.template_filter("localtime")
    def localtime(value: datetime, timezone: str) -> str:
        """Show a stored UTC time in the department's own zone, as staff think of it."""
        return value.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")

    @app.context_processor
    def template_globals() -> dict[str, object]:
        return {"asset": asset_url, "lang": str(get_locale() or "en")}

    @app.before_request
    def refuse_nul_bytes() -> None:
        """Refuse a NUL character in the query or form with a 400, on every database alike.

        PostgreSQL cannot store or even compare text containing NUL (psycopg raises), while
        SQLite stores it: refusing it here keeps both databases identical for every staff
        form. The resident survey checks its own fields and re-renders with the answers kept.
        """
        if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
            abort(400)
        if request.blueprint == "responses" or request.mimetype not in FORM_MIMETYPES:
            return
        if any("\x00" in key or "\x00" in value for key, value in request.form.items(multi=True)):
            abort(400)

    @app.before_request
    def staff_idle_timeout() -> None:
        from survey.auth.services import enforce_idle_timeout

        if "_user_id" in session:
            enforce_idle_timeout()


@cache
def _asset_version(filename: str) -> str:
    """Return a short content hash of a static file, computed once per process."""
    static = Path(current_app.static_folder or "")
    return hashlib.sha256((static / filename).read_bytes()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    """Return the static URL with a content version, so a year-long cache is always safe."""
    return url_for("static", filename=filename, v=_asset_version(filename))


def register_commands(app: Flask) -> None:
    """Add the command line of DESIGN.md to `flask`."""
    from survey.cli import commands

    for command in commands:
        app.cli.add_command(command)
