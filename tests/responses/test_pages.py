"""What a resident sees: languages, the 404 and 410 pages, kiosk mode, page weight."""

import re

import pytest
from sqlalchemy import select

from survey.events.links import kiosk_path
from survey.events.services import set_event_status
from survey.extensions import db
from survey.responses.models import Response
from tests.conftest import answers_for, fetch_form


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-MX,es;q=0.9,en;q=0.5", "Antes del evento"),
        ("en-US,en;q=0.9", "Before the event"),
        ("fr-FR,fr;q=0.9", "Before the event"),
        ("%%%garbage;;q=abc,,", "Before the event"),
        ("", "Before the event"),
    ],
)
def test_accept_language_picks_the_page_language(client, make_event, header, expected):
    response = client.get(f"/s/{make_event().token}/before", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert expected in response.get_data(as_text=True)


def test_visible_toggle_switches_language(client, make_event):
    event = make_event()
    page = client.get(f"/s/{event.token}/before").get_data(as_text=True)
    assert f'href="/s/{event.token}/before?lang=es"' in page
    spanish = client.get(f"/s/{event.token}/before?lang=es").get_data(as_text=True)
    assert '<html lang="es">' in spanish
    assert "Confío en la policía de mi vecindario." in spanish
    assert "Muy de acuerdo" in spanish
    assert f'href="/s/{event.token}/before?lang=en"' in spanish


@pytest.mark.parametrize(
    "path",
    [
        "/s/{unknown}/before",
        "/s/{draft}/before",
        "/s/../../etc/passwd/before",
        "/s/{open}/during",
        "/s/%00%ff/after",
        "/s/" + "A" * 300 + "/before",
    ],
)
def test_unknown_draft_and_malformed_tokens_get_one_404(client, make_event, path):
    draft = make_event(status="draft")
    url = path.format(unknown="Q" * 22, draft=draft.token, open=make_event().token)
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_404_bodies_do_not_reveal_which_tokens_exist(client, make_event):
    draft = make_event(status="draft")
    unknown = client.get("/s/" + "Q" * 22 + "/before")
    drafted = client.get(f"/s/{draft.token}/before")
    assert unknown.status_code == drafted.status_code == 404
    # Only the echoed URL (in the language toggle) differs.
    assert unknown.get_data(as_text=True).replace("Q" * 22, "T") == drafted.get_data(
        as_text=True
    ).replace(draft.token, "T")


def test_404_in_spanish(client):
    page = client.get("/s/" + "Q" * 22 + "/before?lang=es").get_data(as_text=True)
    assert "Página no encontrada" in page


def test_closed_event_gives_a_friendly_410(client, make_event):
    event = make_event()
    set_event_status(event, "closed")
    response = client.get(f"/s/{event.token}/after?lang=es")
    assert response.status_code == 410
    assert "Esta encuesta está cerrada" in response.get_data(as_text=True)


def test_form_opened_before_closing_still_submits(client, make_event):
    """A resident filling in the after survey as staff close the event loses nothing."""
    event = make_event()
    url = f"/s/{event.token}/after"
    data = {**fetch_form(client, url), **answers_for(event, "after")}
    set_event_status(event, "closed")
    response = client.post(url, data=data, headers={"Accept-Language": "es"})
    assert response.status_code == 303
    assert db.session.scalar(select(Response.phase)) == "after"
    # The page after Submit says the answers arrived, never that the survey is closed.
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200
    assert "Recibimos sus respuestas" in thanks.get_data(as_text=True)
    assert "cerrada" not in thanks.get_data(as_text=True)


def test_kiosk_thanks_after_closing_stays_put_instead_of_reloading_a_closed_form(
    client, make_event
):
    event = make_event()
    url = kiosk_path(event.token, "before")
    data = {**fetch_form(client, url), **answers_for(event, "before")}
    set_event_status(event, "closed")
    response = client.post(url, data=data)
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200
    page = thanks.get_data(as_text=True)
    assert "Your answers were received." in page
    assert 'http-equiv="refresh"' not in page
    assert "scan the AFTER code" not in page
    assert db.session.scalar(select(Response.channel)) == "kiosk"


def test_kiosk_mode_sets_no_pairing_cookie_and_returns_to_a_fresh_form(app, client, make_event):
    event = make_event()
    url = kiosk_path(event.token, "before")
    for _ in range(2):  # two residents on the same tablet
        data = {**fetch_form(client, url), **answers_for(event, "before")}
        response = client.post(url, data=data)
        assert response.status_code == 303
        thanks = client.get(response.headers["Location"]).get_data(as_text=True)
        assert re.search(r'<meta http-equiv="refresh" content="\d+;url=' + re.escape(url), thanks)
    assert client.get_cookie("cp_pair") is None
    rows = list(db.session.scalars(select(Response)))
    assert [(r.channel, r.pair_key) for r in rows] == [("kiosk", None), ("kiosk", None)]


def test_kiosk_link_with_a_wrong_key_is_a_404(client, make_event):
    event = make_event()
    assert client.get(f"/s/{event.token}/before/kiosk/{'0' * 24}").status_code == 404


def test_survey_page_is_light_and_self_contained(client, make_event):
    event = make_event()
    response = client.get(f"/s/{event.token}/before")
    html = response.get_data(as_text=True)
    css_urls = re.findall(r'href="(/static/[^"]+)"', html)
    css = b""
    for css_url in css_urls:
        with client.get(css_url) as css_response:
            css += css_response.data
    assert len(response.data) + len(css) <= 30 * 1024
    assert "<script" not in html
    # Every URL the page references is on this site.
    for url in re.findall(r'(?:src|href|action)="([^"]+)"', html):
        assert url.startswith("/"), url
    assert "http://" not in html
    assert "https://" not in html


def test_survey_page_is_not_cached(client, make_event):
    response = client.get(f"/s/{make_event().token}/before")
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
