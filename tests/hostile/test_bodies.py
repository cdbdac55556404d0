"""What is sent, not what it says: sizes, field counts, encodings, methods and content types."""

import json
from urllib.parse import quote, urlencode

import pytest

from tests.hostile.conftest import (
    answers_stored,
    filled_form,
    qid,
    responses_stored,
    row_counts,
    sign_in,
    survey_url,
)


def encoded(data: dict) -> bytes:
    return urlencode(data).encode()


def post_raw(client, event, body: bytes, content_type="application/x-www-form-urlencoded"):
    return client.post(survey_url(event, "after"), data=body, content_type=content_type)


def test_body_over_64_kib_is_refused_with_413(client, event):
    data = filled_form(client, event, "after")
    data[f"q{qid(event, 'COMMENT')}"] = "x" * (64 * 1024)
    response = post_raw(client, event, encoded(data))
    assert response.status_code == 413
    assert "Too much text" in response.get_data(as_text=True)
    assert responses_stored() == 0


def test_the_largest_honest_form_fits_under_the_limit(client, event):
    """1,000 four-byte emoji in a comment is ~12 KB URL-encoded: far from the 64 KiB cap."""
    data = filled_form(client, event, "after")
    data[f"q{qid(event, 'COMMENT')}"] = "\U0001f600" * 1000
    assert len(encoded(data)) < 16 * 1024
    assert post_raw(client, event, encoded(data)).status_code == 303
    assert responses_stored() == 1


@pytest.mark.parametrize("field", ["a", "q1", "q"])
def test_ten_thousand_fields_are_refused_with_413(client, event, field):
    data = filled_form(client, event, "after")
    body = encoded(data) + b"".join(f"&{field}=1".encode() for _ in range(10_000))
    assert len(body) < 64 * 1024  # refused for the field count, not the size
    response = post_raw(client, event, body)
    assert response.status_code == 413
    assert "Too much text" in response.get_data(as_text=True)
    assert responses_stored() == 0


def multipart(parts: int) -> bytes:
    """Return a multipart body of `parts` tiny fields, built by hand to stay small."""
    part = b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n'
    return part * parts + b"--b--\r\n"


@pytest.mark.parametrize("parts", [1_000, 10_000])
def test_thousands_of_multipart_parts_on_a_staff_form_are_refused(client, make_user, parts):
    """Over MAX_FORM_PARTS (200) is 413 even when the body is small; 10,000 is also too big."""
    user = make_user("admin")
    sign_in(client, user)
    before = row_counts()
    body = multipart(parts)
    assert (len(body) < 64 * 1024) == (parts == 1_000)
    response = client.post(
        "/staff/login", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413
    assert "Too much text" in response.get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", None),
        ("multipart/form-data", None),
        ("text/plain", b"q1=4"),
        ("application/xml", b"<q1>4</q1>"),
        ("", b"q1=4"),
    ],
)
def test_other_content_types_are_refused_with_415(client, event, content_type, body):
    data = filled_form(client, event, "after")
    if content_type == "application/json":
        body = json.dumps(data).encode()
    if content_type == "multipart/form-data":
        response = client.post(survey_url(event, "after"), data=data, content_type=content_type)
    else:
        response = post_raw(client, event, body, content_type)
    assert response.status_code == 415
    assert "Something went wrong" in response.get_data(as_text=True)
    assert responses_stored() == 0


@pytest.mark.parametrize(
    "comment",
    [
        b"caf\xe9",  # Latin-1, not UTF-8
        b"\xff\xfe\x00h\x00i",  # UTF-16 with a byte-order mark
        b"\xc3",  # a truncated sequence
        b"\xed\xa0\x80",  # an encoded surrogate
        b"%FF%FE",  # percent-encoded invalid bytes
        b"ok%C3",  # a truncated percent-encoded sequence
    ],
)
def test_invalid_utf8_is_refused_not_mangled(client, event, comment):
    """Werkzeug would drop the whole form or keep "%FF" as text; neither is what was typed."""
    data = filled_form(client, event, "after")
    body = encoded(data) + f"&q{qid(event, 'COMMENT')}=".encode() + comment
    response = post_raw(client, event, body)
    assert response.status_code == 400
    assert "Something was wrong with that request" in response.get_data(as_text=True)
    assert responses_stored() == 0


def test_valid_utf8_in_the_same_shape_is_stored(client, event):
    data = filled_form(client, event, "after")
    body = encoded(data) + f"&q{qid(event, 'COMMENT')}=".encode() + quote("café ñ").encode()
    assert post_raw(client, event, body).status_code == 303
    assert answers_stored() == 9


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_wrong_methods_on_the_survey_get_405(client, event, method):
    data = filled_form(client, event)
    response = client.open(survey_url(event), method=method, data=data)
    assert response.status_code == 405
    assert "This page cannot be used that way." in response.get_data(as_text=True)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert responses_stored() == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/s/{token}/before/thanks"),
        ("POST", "/healthz"),
        ("GET", "/staff/logout"),
        ("TRACE", "/s/{token}/before"),
    ],
)
def test_wrong_methods_elsewhere_get_405(client, event, method, path):
    """A complete survey sent where no survey is taken stores nothing, and stays valid."""
    data = filled_form(client, event)
    before = row_counts()
    response = client.open(path.format(token=event.token), method=method, data=data)
    assert response.status_code == 405
    assert "Not allowed" in response.get_data(as_text=True)
    assert row_counts() == before
    assert client.post(survey_url(event), data=data).status_code == 303
    assert responses_stored() == 1


def test_head_and_options_are_harmless(client, event):
    assert client.head(survey_url(event)).status_code == 200
    options = client.options(survey_url(event))
    assert options.status_code == 200
    assert responses_stored() == 0
