"""Resident journeys on a 390×844 touch phone: scan, answer, pair, recover, keyboard, kiosk."""

import re

import pytest
import zxingcpp
from PIL import Image

pytestmark = pytest.mark.browser


def questions(site, event, phase):
    """Return (code, English text, Spanish text, kind) of each question the phase asks."""
    return site.rows(
        "SELECT q.code, q.text_en, q.text_es, q.kind FROM questions q "
        "JOIN events e ON e.question_set_id = q.question_set_id "
        "WHERE e.id = ? AND q.phase IN (?, 'both') ORDER BY q.position",
        event["id"],
        phase,
    )


def scan(site, event, phase):
    """Print the poster's QR code with `flask qr` and read it back as a phone camera would."""
    png = site.workdir / f"event-{event['id']}-{phase}.png"
    site.cli("qr", str(event["id"]), "--phase", phase, "--format", "png", "--output", str(png))
    (code,) = zxingcpp.read_barcodes(Image.open(png))
    return code.text


def choose(page, question_text, label):
    """Tap one answer of a question, found by its legend and the answer's label."""
    option = page.get_by_role("group", name=question_text).get_by_label(label, exact=True)
    option.tap()
    assert option.is_checked()


def answer_all(page, site, event, phase, *, language="en", skip=(), text=None):
    """Tap an answer for every closed question (except `skip`) and type into text boxes."""
    agree, yes = ("De acuerdo", "Sí") if language == "es" else ("Agree", "Yes")
    for code, text_en, text_es, kind in questions(site, event, phase):
        wording = text_es if language == "es" else text_en
        if code in skip:
            continue
        if kind == "agree5":
            choose(page, wording, agree)
        elif kind == "yesno":
            choose(page, wording, yes)
        elif kind == "text" and text:
            page.get_by_label(wording).fill(text)


def submit(page, label="Submit"):
    """Tap the submit button and wait for the page the server answers with; return its status."""
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=label).tap()
    return navigation.value.status if navigation.value else None


def responses(site, event):
    return site.rows(
        "SELECT id, phase, language, channel, pair_key FROM responses WHERE event_id = ? "
        "ORDER BY id",
        event["id"],
    )


def test_spanish_before_and_after_from_the_qr_codes_share_a_pair(site, phone, screenshot):
    event = site.new_event("Night Out on Elm Street")
    before_url = scan(site, event, "before")
    assert before_url == f"{site.base_url}/s/{event['token']}/before"

    phone.goto(before_url)
    assert phone.get_by_role("heading", level=1).inner_text() == "Night Out on Elm Street"
    screenshot(phone, "resident-en")
    with phone.expect_navigation():
        phone.get_by_role("link", name="Español").tap()
    assert phone.locator("html").get_attribute("lang") == "es"
    assert phone.get_by_text("Antes del evento").is_visible()
    screenshot(phone, "resident-es")
    answer_all(phone, site, event, "before", language="es", text="Más luz en el parque")
    submit(phone, "Enviar")

    phone.wait_for_url(re.compile(r"/before/thanks"))
    assert phone.get_by_role("heading", name="¡Gracias!").is_visible()
    assert phone.get_by_text("Recibimos sus respuestas.").is_visible()
    screenshot(phone, "thank-you")

    phone.goto(scan(site, event, "after"))
    answer_all(phone, site, event, "after")
    submit(phone)
    phone.wait_for_url(re.compile(r"/after/thanks"))
    assert phone.get_by_role("heading", name="Thank you!").is_visible()

    (_, before, language, channel, before_key), (_, after, _, _, after_key) = responses(
        site, event
    )
    assert (before, after, language, channel) == ("before", "after", "es", "qr")
    assert before_key is not None
    assert before_key == after_key
    concern = site.rows(
        "SELECT a.value_text FROM answers a JOIN questions q ON q.id = a.question_id "
        "WHERE q.code = 'CONCERN' AND a.value_text IS NOT NULL "
        "AND a.response_id = (SELECT MIN(id) FROM responses WHERE event_id = ?)",
        event["id"],
    )
    assert concern == [("Más luz en el parque",)]


def test_another_phone_gets_an_unpaired_response(site, new_context):
    event = site.new_event("Community Walk")
    first = new_context("phone").new_page()
    first.goto(event["before_url"])
    answer_all(first, site, event, "before")
    submit(first)
    first.wait_for_url(re.compile(r"/thanks"))

    second = new_context("phone", locale="es-MX").new_page()
    second.goto(event["after_url"])
    assert second.get_by_role("button", name="Enviar").is_visible()
    answer_all(second, site, event, "after", language="es")
    submit(second, "Enviar")
    second.wait_for_url(re.compile(r"/thanks"))

    (_, _, _, _, first_key), (_, phase, language, _, second_key) = responses(site, event)
    assert (phase, language) == ("after", "es")
    assert None not in (first_key, second_key)
    assert first_key != second_key


def test_a_missing_answer_is_explained_and_the_other_answers_are_kept(site, phone):
    event = site.new_event("Town Hall on Main")
    phone.goto(event["before_url"])
    rows = questions(site, event, "before")
    trust = next(text for code, text, _, _ in rows if code == "TRUST")
    answer_all(phone, site, event, "before", skip={"TRUST"}, text="Speeding on 5th Street")
    assert submit(phone) == 422

    summary = phone.get_by_role("alert")
    assert summary.get_by_role("heading", name="Please check your answers").is_visible()
    assert trust in summary.inner_text()
    trust_group = phone.get_by_role("group", name=trust)
    assert trust_group.get_by_text("Please choose an answer.").is_visible()
    for code, text, _, kind in rows:
        if kind == "agree5" and code != "TRUST":
            group = phone.get_by_role("group", name=text)
            assert group.get_by_label("Agree", exact=True).is_checked(), code
    assert phone.get_by_role("textbox").input_value() == "Speeding on 5th Street"
    assert responses(site, event) == []

    summary.get_by_role("link", name=trust).tap()
    choose(phone, trust, "Strongly agree")
    submit(phone)
    phone.wait_for_url(re.compile(r"/thanks"))
    assert len(responses(site, event)) == 1


def test_the_whole_survey_with_the_keyboard_alone(site, phone):
    event = site.new_event("Coffee with a Cop")
    phone.goto(event["before_url"])
    rows = questions(site, event, "before")
    focused = "document.activeElement"

    phone.keyboard.press("Tab")
    assert phone.evaluate(f"{focused}.textContent") == "Español"
    for code, _, _, kind in rows:
        phone.keyboard.press("Tab")
        if kind == "agree5":
            assert phone.evaluate(f"{focused}.type") == "radio", code
            phone.keyboard.press("Space")  # Strongly disagree
            for _ in range(3):  # arrow keys move through the group: Disagree, Neither, Agree
                phone.keyboard.press("ArrowDown")
            outline = phone.evaluate(f"getComputedStyle({focused}.closest('label')).outlineStyle")
            assert outline != "none", "the chosen answer shows no focus ring"
        else:
            assert phone.evaluate(f"{focused}.tagName") == "TEXTAREA", code
            phone.keyboard.type("Traffic near the school")
    phone.keyboard.press("Tab")
    assert phone.evaluate(f"{focused}.textContent") == "Submit"
    phone.keyboard.press("Enter")

    phone.wait_for_url(re.compile(r"/thanks"))
    stored = site.rows(
        "SELECT q.code, a.value_num, a.value_text FROM answers a "
        "JOIN questions q ON q.id = a.question_id JOIN responses r ON r.id = a.response_id "
        "WHERE r.event_id = ? ORDER BY q.position",
        event["id"],
    )
    assert stored == [
        *[(code, 4.0, None) for code, _, _, kind in rows if kind == "agree5"],
        ("CONCERN", None, "Traffic near the school"),
    ]


def test_the_kiosk_returns_to_a_fresh_form_for_the_next_resident(site, phone):
    event = site.new_event("Library Block Party")
    kiosk = site.url(site.kiosk_path(event["token"], "before"))

    phone.goto(kiosk)
    for _resident in range(2):
        form_id = phone.locator("input[name=submission_id]").input_value()
        assert phone.locator("input[type=radio]:checked").count() == 0
        answer_all(phone, site, event, "before")
        submit(phone)
        phone.wait_for_url(re.compile(r"/kiosk/[0-9a-f]+/thanks"))
        assert phone.get_by_role("heading", name="Thank you!").is_visible()
        # The meta refresh brings the tablet back to an empty form on its own.
        phone.wait_for_url(re.compile(r"/kiosk/[0-9a-f]+(\?lang=en)?$"), timeout=10_000)
        assert phone.locator("input[name=submission_id]").input_value() != form_id

    assert [row[1:] for row in responses(site, event)] == [("before", "en", "kiosk", None)] * 2
    assert "cp_pair" not in {cookie["name"] for cookie in phone.context.cookies()}


def test_the_survey_submits_with_javascript_disabled(site, new_context):
    event = site.new_event("Porch Light Night")
    page = new_context("phone", java_script_enabled=False).new_page()
    page.goto(event["before_url"])
    answer_all(page, site, event, "before")
    submit(page)
    page.wait_for_url(re.compile(r"/thanks"))
    assert page.get_by_role("heading", name="Thank you!").is_visible()
    assert len(responses(site, event)) == 1
