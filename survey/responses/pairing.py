"""Linking a phone's before and after answers at one event without identifying anyone."""

import hashlib
import hmac
import re
import secrets

COOKIE_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def new_cookie_id() -> str:
    """Return a random 128-bit id for the pairing cookie; it carries nothing about the phone."""
    return secrets.token_hex(16)


def valid_cookie_id(value: str | None) -> bool:
    """Tell whether a cookie value is one the server could have issued."""
    return value is not None and COOKIE_ID_RE.match(value) is not None


def pair_key(secret: str, event_id: int, cookie_id: str) -> str:
    """Return HMAC(secret, event id + cookie id) as hex.

    The same phone gets the same key before and after at one event, and unrelated keys at two
    events, so responses cannot be linked across events or traced back to the cookie.
    """
    message = f"{event_id}:{cookie_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def new_submission_id() -> str:
    """Return the one-time id a rendered form carries; the database keeps it unique."""
    return secrets.token_hex(16)
