"""Public survey links: what a QR code encodes and what a poster prints."""

import hashlib
import hmac

from flask import current_app, has_request_context, request

from survey.events.models import Event

LOCAL_BASE_URL = "http://127.0.0.1:5000"


def survey_path(token: str, phase: str) -> str:
    """Return the path of a resident survey; built by hand so the CLI needs no request."""
    return f"/s/{token}/{phase}"


def kiosk_key(token: str) -> str:
    """Return the signature that turns a survey link into a kiosk link.

    It is an HMAC under the server secret, so only staff (who see it on the event page) can
    put a tablet into kiosk mode; residents' links carry no such key.
    """
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"kiosk:{token}".encode(), hashlib.sha256).hexdigest()[:24]


def kiosk_path(token: str, phase: str) -> str:
    """Return the staff-only kiosk path for a shared tablet."""
    return f"{survey_path(token, phase)}/kiosk/{kiosk_key(token)}"


def public_base_url() -> str:
    """Return the base URL printed links use: configured, else the request's, else local."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return LOCAL_BASE_URL


def survey_url(event: Event, phase: str) -> str:
    """Return the absolute URL residents open for the event's phase."""
    return public_base_url() + survey_path(event.token, phase)


def kiosk_url(event: Event, phase: str) -> str:
    """Return the absolute kiosk URL for the event's phase."""
    return public_base_url() + kiosk_path(event.token, phase)
