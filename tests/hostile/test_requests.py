"""Who asks and how: forged hosts, huge headers and URLs, traversal, CSRF, replay, closing."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.test import EnvironBuilder, run_wsgi_app

from survey.database import utcnow
from survey.events.services import set_event_status
from survey.extensions import db
from survey.responses.models import Response
from tests.conftest import fetch_form, hidden_inputs
from tests.hostile.conftest import (
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


@pytest.mark.parametrize(
    "host", ["x" * 64 + ".example", "x" * 5000, "..", "a..b", "xn--zz", "a b", "%00", "[zz]"]
)
def test_a_malformed_host_header_is_never_a_500(app, event, host):
    """Sent straight to the WSGI app: the test client itself cannot build some of these URLs.

    Hosts no URL can be built for (a label over 63 characters, an empty label) get a plain
    400; the others are harmless because every link the app prints is relative.
    """
    environ = EnvironBuilder(path=survey_url(event)).get_environ()
    environ["HTTP_HOST"] = host
    _, status, headers = run_wsgi_app(app, environ, buffered=True)
    assert status.startswith(("200", "400")), status
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    "header",
    ["Cookie", "User-Agent", "Accept-Language", "Referer", "X-Forwarded-For", "Origin"],
)
def test_huge_headers_are_not_a_500(client, event, header):
    """Gunicorn refuses headers over 8 KiB first (see tests/load); the app must cope anyway."""
    value = "session=" + "A" * 100_000 if header == "Cookie" else "x," * 50_000
    response = client.get(survey_url(event), headers={header: value})
    assert response.status_code == 200
    data = filled_form(client, event)
    response = client.post(survey_url(event), data=data, headers={header: value})
    # A giant cookie replaces the session that held the CSRF secret: refused, never a 500.
    assert response.status_code in (303, 400)
    assert responses_stored() == (1 if response.status_code == 303 else 0)


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
