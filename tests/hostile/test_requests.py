"""Who asks and how: forged hosts, huge headers and URLs, traversal, CSRF, replay, closing."""

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.test import EnvironBuilder, run_wsgi_app

from survey.database import utcnow
from survey.events.services import set_event_status
from survey.extensions import db
from survey.responses.models import Response
from tests.conftest import fetch_form, hidden_inputs
from tests.hostile.conftest import (
    answers_stored,
    checked,
    filled_form,
    responses_stored,
    sign_in,
    survey_url,
)

EVIL = "evil.example"


@pytest.mark.parametrize("host", [EVIL, f"{EVIL}:443", "pulse.test@evil.example", "[::1]"])
def test_a_forged_host_header_leaks_into_no_link(app, event, host):
    client = app.test_client()
    client.environ_base["HTTP_HOST"] = host  # every request of this client, cookies included
    page = client.get(survey_url(event))
    assert page.status_code == 200
    assert EVIL not in page.get_data(as_text=True)
    response = client.post(survey_url(event), data=filled_form(client, event))
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/s/")  # relative: no host to forge
    assert EVIL not in str(response.headers)
    assert responses_stored() == 1


def test_a_forged_host_does_not_change_printed_links(app, make_user, make_event):
    user = make_user("admin")
    event = make_event(user.department)
    client = app.test_client()
    client.environ_base["HTTP_HOST"] = EVIL
    sign_in(client, user)
    page = client.get(f"/staff/events/{event.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert EVIL not in text
    assert f"https://pulse.test/s/{event.token}/before" in text  # PUBLIC_BASE_URL, always


def post_with_host(app, client, event, host: str) -> tuple[str, Any, str]:
    """POST a complete survey straight to the WSGI app with this Host; return what came back.

    The test client cannot build URLs for some of these hosts, so the form is fetched through
    it as usual and only the POST (with the phone's cookies) goes around it.
    """
    data = filled_form(client, event)
    cookies = "; ".join(
        f"{name}={client.get_cookie(name).value}" for name in ("session", "cp_pair")
    )
    environ = EnvironBuilder(
        path=survey_url(event), method="POST", data=data, headers={"Cookie": cookies}
    ).get_environ()
    environ["HTTP_HOST"] = host
    body, status, headers = run_wsgi_app(app, environ, buffered=True)
    return status, headers, b"".join(body).decode()


# Hosts no URL can be built for (a label over 63 characters, an empty label) get Werkzeug's
# plain 400; the others are harmless because every link the app prints is relative.
HOST_STATUS = {
    "x" * 64 + ".example": 400,
    "x" * 5000: 400,
    "..": 400,
    "a..b": 400,
    "xn--zz": 200,
    "a b": 200,
    "%00": 200,
    "[zz]": 200,
}


@pytest.mark.parametrize(
    "host", HOST_STATUS, ids=lambda host: host if len(host) < 20 else f"{len(host)} characters"
)
def test_a_malformed_host_header_is_never_a_500(app, client, event, host):
    """Sent straight to the WSGI app: the test client itself cannot build some of these URLs."""
    environ = EnvironBuilder(path=survey_url(event)).get_environ()
    environ["HTTP_HOST"] = host
    _, status, headers = run_wsgi_app(app, environ, buffered=True)
    assert int(status.split()[0]) == HOST_STATUS[host]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    status, headers, page = post_with_host(app, client, event, host)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    if HOST_STATUS[host] == 400:
        assert status == "400 BAD REQUEST"
        assert (
            "The browser (or proxy) sent a request that this server could not understand" in page
        )
        assert (responses_stored(), answers_stored()) == (0, 0)
    else:
        assert status == "303 SEE OTHER", page
        assert headers["Location"].startswith(f"/s/{event.token}/before/thanks")
        assert responses_stored() == 1


# A giant cookie replaces the session cookie that held the CSRF secret: the form comes back
# (400) with every answer and "press Submit again"; every other giant header is harmless.
HUGE_HEADER_STATUS = {
    "Cookie": 400,
    "User-Agent": 303,
    "Accept-Language": 303,
    "Referer": 303,
    "X-Forwarded-For": 303,
    "Origin": 303,
}


@pytest.mark.parametrize("header", sorted(HUGE_HEADER_STATUS))
def test_huge_headers_are_not_a_500(client, event, header):
    """Gunicorn refuses headers over 8 KiB first (see tests/load); the app must cope anyway."""

    def send(method: str, **kwargs: Any) -> Any:
        if header == "Cookie":
            # The test client sends its own cookie jar in place of any Cookie header given.
            client.set_cookie("session", "A" * 100_000, max_size=0)
            return client.open(survey_url(event), method=method, **kwargs)
        return client.open(
            survey_url(event), method=method, headers={header: "x," * 50_000}, **kwargs
        )

    assert send("GET").status_code == 200
    data = filled_form(client, event, SAFE="1")
    response = send("POST", data=data)
    assert response.status_code == HUGE_HEADER_STATUS[header]
    if response.status_code == 400:
        page = response.get_data(as_text=True)
        assert "This page was open for a long time" in page
        assert checked(page, event, "SAFE", "1")
        assert responses_stored() == 0
        retry = {**data, **hidden_inputs(page)}
        assert client.post(survey_url(event), data=retry).status_code == 303
    assert responses_stored() == 1


@pytest.mark.parametrize(
    "path",
    [
        "/s/" + "A" * 100_000 + "/before",
        "/s/{token}/before/" + "x/" * 20_000,
        "/staff/events/" + "9" * 5_000,
        "/" + "%2e%2e/" * 10_000,
    ],
)
def test_huge_urls_are_a_404_not_a_500(client, event, path):
    response = client.get(path.format(token=event.token))
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_a_huge_query_string_is_ignored(client, event):
    response = client.get(survey_url(event) + "?lang=es&" + "x=y&" * 20_000)
    assert response.status_code == 200
    assert "Antes del evento" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/s/../../etc/passwd/before",
        "/s/..%2F..%2Fetc%2Fpasswd/before",
        "/s/%2e%2e%2f%2e%2e%2fwsgi.py/before",
        "/s/....//....//etc/passwd/before",
        "/s/{token}%2F..%2F..%2Fstaff/before",
        "/s/{token}/..%2Fbefore",
        "/s/..%5C..%5Cwsgi.py/after",
        "/static/../wsgi.py",
        "/static/..%2fwsgi.py",
        "/static/%2e%2e/survey/config.py",
        "/static/..%5c..%5cwsgi.py",
        "/static/%252e%252e/wsgi.py",
    ],
)
def test_path_traversal_finds_nothing(client, event, path):
    response = client.get(path.format(token=event.token))
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Page not found" in body
    assert "create_app" not in body
    assert "root:" not in body
    assert "SECRET" not in body


def test_a_missing_csrf_token_keeps_the_answers_and_stores_nothing(client, event):
    data = filled_form(client, event, SAFE="1")
    del data["csrf_token"]
    response = client.post(survey_url(event), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your answers are still here" in page
    assert checked(page, event, "SAFE", "1")
    assert responses_stored() == 0


def test_a_cross_site_post_without_cookies_is_refused(app, event):
    """What a hostile page could make a resident's browser send: SameSite keeps cookies home."""
    attacker = app.test_client()
    data = filled_form(attacker, event)
    victim = app.test_client()
    response = victim.post(
        survey_url(event),
        data=data,
        headers={"Origin": f"https://{EVIL}", "Referer": f"https://{EVIL}/page"},
    )
    assert response.status_code == 400
    assert "allow cookies" in response.get_data(as_text=True)
    assert responses_stored() == 0


def test_a_csrf_token_from_another_browser_is_refused(app, event):
    attacker, victim = app.test_client(), app.test_client()
    stolen = filled_form(attacker, event)
    victim.get(survey_url(event))  # the victim has a session of their own
    response = victim.post(survey_url(event), data=stolen)
    assert response.status_code == 400
    assert "Your answers are still here" in response.get_data(as_text=True)
    assert responses_stored() == 0


def test_cross_site_staff_login_over_https_is_refused(client, make_user):
    """Staff forms check the Referer over HTTPS (WTF_CSRF_SSL_STRICT) as well as the token."""
    user = make_user("admin")
    hidden = fetch_form(client, "/staff/login", base_url="https://pulse.test")
    response = client.post(
        "/staff/login",
        base_url="https://pulse.test",
        data={"email": user.email, "password": "correct horse battery staple", **hidden},
        headers={"Referer": f"https://{EVIL}/login"},
    )
    assert response.status_code == 400
    assert "Something was wrong with that request" in response.get_data(as_text=True)
    assert client.get("/staff/events/", base_url="https://pulse.test").status_code == 302
    same_site = client.post(
        "/staff/login",
        base_url="https://pulse.test",
        data={"email": user.email, "password": "correct horse battery staple", **hidden},
        headers={"Referer": "https://pulse.test/staff/login"},
    )
    assert same_site.status_code == 302


def test_replaying_a_submission_stores_it_once(app, client, event):
    data = filled_form(client, event, SAFE="5")
    statuses = [client.post(survey_url(event), data=data).status_code for _ in range(5)]
    assert statuses == [303] * 5
    # Replayed from elsewhere with the captured body: the CSRF token is bound to the session.
    assert app.test_client().post(survey_url(event), data=data).status_code == 400
    # Replayed with a valid token of another browser but the same one-time id: still one row.
    other = app.test_client()
    replay = {**data, **fetch_form(other, survey_url(event))}
    replay["submission_id"] = data["submission_id"]
    replay[next(k for k in data if k.startswith("q"))] = "1"
    assert other.post(survey_url(event), data=replay).status_code == 303
    assert responses_stored() == 1
    assert db.session.scalar(select(Response.safety_index)) == 100.0  # the first answers stand


def test_a_closed_event_refuses_with_410_after_the_grace_period(client, event):
    data = filled_form(client, event, "after")
    set_event_status(event, "closed")
    event.closed_at = utcnow() - timedelta(hours=3)
    db.session.commit()
    response = client.post(survey_url(event, "after"), data=data)
    assert response.status_code == 410
    assert "This survey is closed" in response.get_data(as_text=True)
    assert client.get(survey_url(event, "before")).status_code == 410
    assert client.head(survey_url(event, "before")).status_code == 410
    assert responses_stored() == 0


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("%%%garbage;;q=abc,,", "en"),
        ("*", "en"),
        ("es;q=NaN", "en"),
        ("es;q=1e309,en;q=-1", "en"),
        ("x" * 5000, "en"),
        ("es-" + "-" * 1000, "es"),  # still starts with Spanish: honoured
        (";;;,,,;;;", "en"),
        ("\u00e9s", "en"),
    ],
)
def test_garbage_accept_language_falls_back_to_english(client, event, header, language):
    headers = {"Accept-Language": header.encode("utf-8").decode("latin-1")}
    page = client.get(survey_url(event), headers=headers)
    assert page.status_code == 200
    heading = {"en": "Before the event", "es": "Antes del evento"}[language]
    assert heading in page.get_data(as_text=True)
    data = {**hidden_inputs(page.get_data(as_text=True))}
    data.update({k: v for k, v in filled_form(client, event).items() if k.startswith("q")})
    response = client.post(survey_url(event), data=data, headers=headers)
    assert response.status_code == 303
    assert db.session.scalars(select(Response.language)).all() == [language]
