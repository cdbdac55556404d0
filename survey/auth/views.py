"""Staff sign-in and sign-out, the password page and the admin's users page."""

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from survey.auth.forms import LoginForm, NewUserForm, PasswordForm, RoleForm
from survey.auth.services import (
    allowed,
    authenticate,
    change_password,
    change_role,
    create_user,
    department_users,
    end_all_sessions,
    permission_required,
    safe_next,
    set_active,
    start_session,
    user_for_admin,
)
from survey.events.services import InvalidInput
from survey.extensions import limiter, login_manager

bp = Blueprint("auth", __name__, url_prefix="/staff")

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.session_protection = "strong"


@bp.app_context_processor
def permissions() -> dict[str, object]:
    """Let every template ask `can("manage_events")` to show only the controls a role may use."""
    return {"can": lambda permission: allowed(current_user, permission)}


def _login_limit() -> str:
    return str(current_app.config["LOGIN_LIMIT"])


def _failed_login(response: Response) -> bool:
    """Count a sign-in attempt against the limit unless it succeeded (a redirect)."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed_login)
def login() -> Response | str | tuple[str, int]:
    """Sign in; repeated failures from one address are throttled with a 429."""
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("events.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            start_session()
            login_user(user)
            return redirect(target or url_for("events.index"))
        return render_template("auth/login.html", form=form, failed=True), 401
    return render_template("auth/login.html", form=form, failed=False)


@bp.errorhandler(429)
def too_many_attempts(error: TooManyRequests) -> tuple[str, int]:
    """Explain the sign-in pause in staff terms and say how long it lasts."""
    limit = limiter.current_limit
    seconds = max(1.0, limit.reset_at - time.time()) if limit else 300.0
    # Rounded, not ceiled: the limiter's reset time lands a second past the 5-minute window
    # (whole-second timestamps), which must not read as "about 6 minutes".
    minutes = max(1, round(seconds / 60))
    return render_template("auth/throttled.html", minutes=minutes), 429


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Sign out everywhere this account is signed in; old session cookies stop working."""
    end_all_sessions(current_user)  # type: ignore[arg-type]
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Response | str | tuple[str, int]:
    """Change one's own password, e.g. the temporary one an admin set; other sessions end."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = change_password(
                current_user,  # type: ignore[arg-type]
                form.current.data or "",
                form.new.data or "",
            )
        except InvalidInput as error:
            form.current.errors = [*form.current.errors, str(error)]
        else:
            start_session()
            login_user(user)
            flash("Your password is changed. Any other signed-in browsers were signed out.")
            return redirect(url_for("events.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form), status


def _users_page(form: NewUserForm, status: int = 200) -> tuple[str, int]:
    users = department_users(current_user.department_id)
    return render_template("auth/users.html", users=users, form=form), status


@bp.get("/users")
@permission_required("manage_users")
def users() -> tuple[str, int]:
    """The department's accounts with their roles; admins create, change and deactivate."""
    return _users_page(NewUserForm())


@bp.post("/users")
@permission_required("manage_users")
def create() -> Response | tuple[str, int]:
    """Create an account in the admin's own department with a temporary password."""
    form = NewUserForm()
    if not form.validate():
        return _users_page(form, 422)
    try:
        user = create_user(
            form.email.data or "",
            form.password.data or "",
            current_user.department,
            form.role.data or "",
        )
    except InvalidInput as error:
        form.email.errors = [*form.email.errors, str(error)]
        return _users_page(form, 422)
    flash(
        f"Created {user.role} {user.email}. Give them the temporary password in person; "
        "they can change it under “Password”."
    )
    return redirect(url_for("auth.users"))


@bp.post("/users/<int:user_id>/role")
@permission_required("manage_users")
def role(user_id: int) -> Response:
    """Change one account's role; the last active admin cannot step down."""
    user = user_for_admin(user_id, current_user)  # type: ignore[arg-type]
    form = RoleForm()
    if not form.validate():
        flash("Choose one of the roles offered.")
    else:
        try:
            change_role(user, form.role.data or "")
        except InvalidInput as error:
            flash(str(error))
        else:
            flash(f"{user.email} is now {user.role}.")
    return redirect(url_for("auth.users"))


@bp.post("/users/<int:user_id>/deactivate")
@permission_required("manage_users")
def deactivate(user_id: int) -> Response:
    """Deactivate an account: it cannot sign in and its open sessions end at once."""
    user = user_for_admin(user_id, current_user)  # type: ignore[arg-type]
    try:
        set_active(user, False)
    except InvalidInput as error:
        flash(str(error))
    else:
        flash(f"{user.email} is deactivated and signed out everywhere.")
    return redirect(url_for("auth.users"))


@bp.post("/users/<int:user_id>/reactivate")
@permission_required("manage_users")
def reactivate(user_id: int) -> Response:
    """Let a deactivated account sign in again (with its old password)."""
    user = user_for_admin(user_id, current_user)  # type: ignore[arg-type]
    set_active(user, True)
    flash(f"{user.email} can sign in again.")
    return redirect(url_for("auth.users"))
