"""What is never stored: the resident's address, browser, referrer or cookie values."""

from sqlalchemy import inspect, text

from survey.extensions import db
from tests.hostile.conftest import filled_form, survey_url

ADDRESS = "198.51.100.23"
FORWARDED = "203.0.113.77"
AGENT = "Mozilla/5.0 (Linux; Android 9; SM-J737A) UniqueAgent-7f3a"
REFERRER = "https://referrer.example/flyer"


def everything_stored() -> str:
    """Return every value of every row of every table, as one string to search."""
    values = []
    for table in inspect(db.engine).get_table_names():
        for row in db.session.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 (schema names)
            values.extend(str(value) for value in row)
    return "\n".join(values)


def test_no_address_agent_referrer_or_cookie_is_stored_anywhere(app, event):
    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = ADDRESS
    headers = {"User-Agent": AGENT, "X-Forwarded-For": FORWARDED, "Referer": REFERRER}
    url = survey_url(event, "before")
    data = filled_form(phone, event, "before", CONCERN="Speeding on Elm Street")
    assert phone.post(url, data=data, headers=headers).status_code == 303
    after = filled_form(phone, event, "after")
    assert phone.post(survey_url(event, "after"), data=after, headers=headers).status_code == 303

    stored = everything_stored()
    assert "Speeding on Elm Street" in stored  # the search does see the answers
    for secret in (ADDRESS, FORWARDED, "UniqueAgent", "referrer.example"):
        assert secret not in stored, secret
    for cookie in ("cp_pair", "session"):
        assert phone.get_cookie(cookie).value not in stored, cookie
