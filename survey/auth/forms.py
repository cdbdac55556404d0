"""Staff forms: sign-in, password change and the admin's user management."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from survey.auth.services import MIN_PASSWORD_LENGTH

ROLE_CHOICES = [
    SelectChoice("staff", "Staff: runs events"),
    SelectChoice("researcher", "Researcher: reports and exports, no event management"),
    SelectChoice("admin", "Admin: everything, and manages users"),
]
# Something@something.something, no spaces: enough to catch typos; the address is not mailed.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


# What any password a user sets must satisfy (validators keep no state, so one list serves).
NEW_PASSWORD_RULES = [
    DataRequired(),
    Length(
        min=MIN_PASSWORD_LENGTH,
        max=1024,
        message=f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.",
    ),
]


class LoginForm(FlaskForm):
    """E-mail and password; CSRF-protected like every staff form."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class NewUserForm(FlaskForm):
    """An admin creates an account in their own department with a temporary password."""

    email = EmailField(
        "E-mail",
        validators=[
            DataRequired(),
            Length(max=254),
            Regexp(EMAIL_PATTERN, message="Enter an e-mail address like name@example.org."),
        ],
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default="staff")
    password = PasswordField(
        "Temporary password",
        validators=NEW_PASSWORD_RULES,
    )


class RoleForm(FlaskForm):
    """One user's new role, posted from their row of the users page."""

    role = SelectField("Role", choices=ROLE_CHOICES)


class PasswordForm(FlaskForm):
    """A signed-in user replaces their own (for example temporary) password."""

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)])
    new = PasswordField(
        "New password",
        validators=NEW_PASSWORD_RULES,
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new", message="The two new passwords differ.")],
    )
