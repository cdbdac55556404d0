"""Security headers on every kind of page, cookie flags, and how long a staff session lasts."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from survey.events.links import kiosk_key
from tests.hostile.conftest import filled_form, sign_in, survey_url

HTTPS = "https://pulse.test"
ALLOWED_SOURCES = {"'self'", "'none'", "data:"}
# docs/security.md §6, word for word: a page may use no camera, location or microphone, and
# a browser that saw HTTPS once keeps to it for a year, on every subdomain too.
PERMISSIONS_POLICY = "camera=(), geolocation=(), microphone=()"
HSTS = "max-age=31536000; includeSubDomains"


def csp(response: Any) -> dict[str, list[str]]:
    """Return the Content-Security-Policy as {directive: [sources]}."""
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_secure_headers(response: Any, url: str, https: bool = False) -> None:
    """The headers every response carries, whatever its status or content type."""
    headers = response.headers
    policy = csp(response)
    assert policy["frame-ancestors"] == ["'none'"], url
    assert policy["object-src"] == ["'none'"], url
    assert policy["base-uri"] == ["'none'"], url
    script = policy.get("script-src", policy["default-src"])
    assert script == ["'self'"], (url, script)  # no inline script, no eval, no other site
    for directive, sources in policy.items():
        # Plotly's "download PNG" paints into an image from a blob: URL made on the page.
        allowed = ALLOWED_SOURCES | ({"blob:"} if directive == "img-src" else set())
        assert set(sources) <= allowed, (url, directive, sources)
    assert headers["X-Content-Type-Options"] == "nosniff", url
    assert headers["X-Frame-Options"] == "DENY", url
    assert headers["Referrer-Policy"] == "no-referrer", url
    assert headers["Permissions-Policy"] == PERMISSIONS_POLICY, url
    if https:
        assert headers["Strict-Transport-Security"] == HSTS, url
    else:
        assert "Strict-Transport-Security" not in headers, url


def get_urls(app: Any, values: dict[str, Any]) -> list[str]:
    """Return a URL for every GET route, including routes added after this test was written."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        if not set(rule.arguments) <= set(values):
            continue
        urls.append(rule.build({name: values[name] for name in rule.arguments})[1])
    return sorted(urls)


@pytest.fixture
def every_page(app, make_user, make_event) -> tuple[Any, list[str]]:
    """A signed-in admin's browser and a URL for every GET route of the app."""
    user = make_user("admin")
    event = make_event(user.department)
    values = {
        "event_id": event.id,
        "user_id": user.id,
        "question_set_id": event.question_set_id,
        "token": event.token,
        "phase": "before",
        "key": kiosk_key(event.token),
        "filename": "resident.css",
        "fmt": "png",
        "version": "0",
    }
    return user, get_urls(app, values)


@pytest.mark.parametrize("base_url", ["http://localhost", HTTPS])
def test_every_page_carries_the_security_headers(app, every_page, base_url):
    user, urls = every_page
    assert len(urls) >= 10
    problems = []
    for signed_in in (False, True):
        client = app.test_client()
        if signed_in:
            sign_in(client, user, base_url)
        for url in urls:
            with client.get(url, base_url=base_url) as response:
                try:
                    assert response.status_code < 500, response.status_code
                    assert_secure_headers(response, url, https=base_url == HTTPS)
                except AssertionError as error:
                    problems.append(f"{url} (signed in: {signed_in}): {error}")
    assert problems == []


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/s/" + "Q" * 22 + "/before", 404),
        ("/no/such/page", 404),
        ("/static/no-such.css", 404),
        ("/staff/events/999999", 302),
    ],
)
def test_error_pages_carry_the_security_headers(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_secure_headers(response, path)


def test_405_413_415_and_400_pages_carry_the_security_headers(client, event):
    responses = [
        client.put(survey_url(event)),
        client.post(survey_url(event), data={"q": "x" * 70_000}),
        client.post(survey_url(event), json={}),
        client.get(survey_url(event) + "?x=%00"),
    ]
    assert [r.status_code for r in responses] == [405, 413, 415, 400]
    for response in responses:
        assert_secure_headers(response, response.request.path)


def test_500_and_503_pages_carry_the_security_headers_and_no_details(app):
    def crash() -> str:
        raise RuntimeError("secret detail: /srv/app/survey/views.py line 12")

    def locked() -> str:
        raise OperationalError("UPDATE x", {}, Exception("database is locked"))

    app.add_url_rule("/crash-for-test", view_func=crash)
    app.add_url_rule("/locked-for-test", view_func=locked)
    client = app.test_client()
    crashed = client.get("/crash-for-test")
    assert crashed.status_code == 500
    assert "Something went wrong" in crashed.get_data(as_text=True)
    assert "secret detail" not in crashed.get_data(as_text=True)
    assert_secure_headers(crashed, "500")
    busy = client.get("/locked-for-test")
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "5"
    assert "database is locked" not in busy.get_data(as_text=True)
    assert_secure_headers(busy, "503")


def test_static_files_are_not_sniffed(client):
    with client.get("/static/resident.css") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
        assert_secure_headers(response, "/static/resident.css")


def test_hsts_is_not_sent_for_a_spoofed_forwarded_proto(client, event):
    """Without ProxyFix, X-Forwarded-Proto: https from a client is not believed."""
    response = client.get(survey_url(event), headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
    cookie = client.get_cookie("cp_pair")
    assert cookie is not None
    assert not cookie.secure


# Cookies ----------------------------------------------------------------------------------


def cookie_flags(response: Any, name: str) -> set[str]:
    """Return the attributes of a Set-Cookie header, lower-cased, without values."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]} | {
                part.strip().lower() for part in header.split(";")[1:]
            }
    raise AssertionError(f"no {name} cookie set")


@pytest.mark.parametrize("base_url", ["http://localhost", HTTPS])
def test_resident_cookies_are_httponly_samesite_and_secure_under_https(client, event, base_url):
    response = client.get(survey_url(event), base_url=base_url)
    for name in ("session", "cp_pair"):
        flags = cookie_flags(response, name)
        assert "httponly" in flags, name
        assert "samesite=lax" in flags, name
        assert ("secure" in flags) == (base_url == HTTPS), name
    assert "max-age=2592000" in cookie_flags(response, "cp_pair")  # 30 days
    assert "expires" not in cookie_flags(response, "session")  # gone when the browser closes


@pytest.mark.parametrize("base_url", ["http://localhost", HTTPS])
def test_staff_session_cookie_is_httponly_samesite_and_secure_under_https(
    app, make_user, base_url
):
    user = make_user("staff")
    client = app.test_client()
    response = sign_in(client, user, base_url)
    flags = cookie_flags(response, "session")
    assert {"httponly", "samesite=lax"} <= flags
    assert ("secure" in flags) == (base_url == HTTPS)
    cookie = client.get_cookie("session", domain=base_url.split("//")[1])
    lifetime = cookie.expires - datetime.now(UTC)
    assert timedelta(hours=11, minutes=59) < lifetime <= timedelta(hours=12)


# Staff session lifetime: 30 minutes idle, 12 hours in all. --------------------------------


def signed_in_client(app: Any, make_user: Any) -> Any:
    client = app.test_client()
    sign_in(client, make_user("staff"))
    assert client.get("/staff/events/").status_code == 200
    return client


def age_session(client: Any, *, idle: timedelta, age: timedelta) -> None:
    """Pretend the last request was `idle` ago and sign-in `age` ago."""
    now = datetime.now(UTC).timestamp()
    with client.session_transaction() as session:
        session["last_seen"] = int(now - idle.total_seconds())
        session["signed_in_at"] = int(now - age.total_seconds())


@pytest.mark.parametrize(
    ("idle", "age", "still_in"),
    [
        (timedelta(minutes=29), timedelta(hours=1), True),
        (timedelta(minutes=31), timedelta(hours=1), False),
        (timedelta(minutes=1), timedelta(hours=11, minutes=58), True),
        (timedelta(minutes=1), timedelta(hours=12, minutes=1), False),
    ],
)
def test_staff_sessions_expire_after_30_idle_minutes_or_12_hours(
    app, make_user, idle, age, still_in
):
    client = signed_in_client(app, make_user)
    age_session(client, idle=idle, age=age)
    response = client.get("/staff/events/")
    if still_in:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/staff/login")
        assert client.get("/staff/events/").status_code == 302  # and it stays signed out


def test_activity_does_not_extend_the_12_hour_limit(app, make_user):
    """The cookie is re-signed on every request, so only the sign-in time can cap a session."""
    client = signed_in_client(app, make_user)
    for hours_ago in (11.0, 11.5, 11.9):
        age_session(client, idle=timedelta(minutes=5), age=timedelta(hours=hours_ago))
        assert client.get("/staff/events/").status_code == 200
    age_session(client, idle=timedelta(minutes=5), age=timedelta(hours=12, minutes=5))
    assert client.get("/staff/events/").status_code == 302


def test_a_resident_is_never_signed_out_mid_survey(client, event):
    """The idle rule is for staff: a resident's form open for an hour still submits."""
    data = filled_form(client, event)
    with client.session_transaction() as session:
        session["last_seen"] = 0
    assert client.post(survey_url(event), data=data).status_code == 303


def test_behind_a_trusted_proxy_https_is_recognised(database_url, make_event):
    """PROXY_FIX_X_FOR=1: the proxy's X-Forwarded-Proto turns on HSTS and Secure cookies."""
    from survey import create_app
    from survey.extensions import db
    from tests.conftest import base_config

    app = create_app({**base_config(database_url), "PROXY_FIX_X_FOR": 1})
    with app.app_context():
        event = make_event()
        client = app.test_client()
        response = client.get(
            survey_url(event), headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4"}
        )
        assert response.status_code == 200
        assert_secure_headers(response, "proxied", https=True)
        assert "secure" in cookie_flags(response, "cp_pair")
        assert "secure" in cookie_flags(response, "session")
        db.session.remove()
        db.engine.dispose()
