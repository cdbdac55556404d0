"""QR downloads and the printable poster, as staff get them from the event page."""

import io

import pytest
import zxingcpp
from PIL import Image


@pytest.fixture
def staff_event(make_user, make_event, login):
    user = make_user("staff")
    login(user)
    return make_event(user.department)


def test_png_download_decodes_to_the_survey_url(client, staff_event):
    response = client.get(f"/staff/events/{staff_event.id}/qr/after.png?download=1")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "attachment" in response.headers["Content-Disposition"]
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    assert decoded.text == f"https://pulse.test/s/{staff_event.token}/after"


def test_poster_has_both_codes_labelled_in_both_languages(client, staff_event):
    page = client.get(f"/staff/events/{staff_event.id}/poster").get_data(as_text=True)
    for label in ("BEFORE", "ANTES", "AFTER", "DESPUÉS"):
        assert label in page
    assert page.count("<svg") == 2
    assert f"https://pulse.test/s/{staff_event.token}/before" in page
    assert f"https://pulse.test/s/{staff_event.token}/after" in page
    assert "poster.css" in page


def test_poster_css_prints_on_letter_and_a4(client, staff_event):
    page = client.get(f"/staff/events/{staff_event.id}/poster").get_data(as_text=True)
    css_url = page.split('href="')[1].split('"')[0]
    with client.get(css_url) as response:
        css = response.get_data(as_text=True)
    assert "@page" in css
    assert "size:auto" in css
    assert "@media print" in css


def test_another_departments_event_is_not_found(client, staff_event, make_event):
    other = make_event(name="Elsewhere")
    for url in (
        f"/staff/events/{other.id}",
        f"/staff/events/{other.id}/poster",
        f"/staff/events/{other.id}/qr/before.png",
    ):
        assert client.get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_login(app, make_event):
    event = make_event()
    response = app.test_client().get(f"/staff/events/{event.id}/poster")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]
