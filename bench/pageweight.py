"""Page weight: the bytes a phone downloads to show the resident survey, in each language.

The page is fetched through the real app (Flask's test client on a migrated SQLite database),
then every resource it references (stylesheets, scripts, images, icons, and url() inside the
stylesheets) is fetched the same way. Reported uncompressed and gzip-compressed (level 6, what
a reverse proxy typically sends), response headers not included.
"""

from __future__ import annotations

import gzip
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from bench.procs import OUT, SECRET

LINK_RE = re.compile(r"<(?:link|script|img|source)\b[^>]*?\b(?:href|src)=\"([^\"]+)\"", re.I)
CSS_URL_RE = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


def _local(base: str, ref: str) -> str | None:
    """Return the same-site path a reference loads, None for data: URIs."""
    if ref.startswith("data:"):
        return None
    parts = urlsplit(urljoin(base, ref))
    if parts.netloc not in ("", "localhost"):
        raise AssertionError(f"third-party request from the resident page: {ref}")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def weigh(client: Any, path: str, language: str) -> dict[str, Any]:
    """Return the bytes of one page and of everything it loads, by resource."""
    headers = {"Accept-Language": language}
    page = client.get(path, headers=headers)
    assert page.status_code == 200, page.status_code
    html = page.get_data()
    resources = {path: html}
    pending = [
        ref
        for ref in (_local(path, ref) for ref in LINK_RE.findall(html.decode()))
        if ref is not None
    ]
    while pending:
        ref = pending.pop()
        if ref in resources:
            continue
        response = client.get(ref, headers=headers)
        assert response.status_code == 200, (ref, response.status_code)
        body = response.get_data()
        resources[ref] = body
        if response.mimetype == "text/css":
            for nested in CSS_URL_RE.findall(body.decode()):
                local = _local(ref, nested)
                if local is not None:
                    pending.append(local)
    raw = sum(len(body) for body in resources.values())
    compressed = sum(len(gzip.compress(body, 6)) for body in resources.values())
    return {
        "language": language,
        "path": path.split("?")[0].rsplit("/", 1)[-1],
        "requests": len(resources),
        "bytes": raw,
        "gzip_bytes": compressed,
        "resources": {
            ("page" if ref == path else ref.split("?")[0]): len(body)
            for ref, body in resources.items()
        },
    }


def page_weight() -> list[dict[str, Any]]:
    """Weigh the before and after survey in English and Spanish."""
    from flask_migrate import upgrade

    from survey import create_app
    from survey.events.services import create_department, create_event
    from survey.extensions import db

    path = OUT / "pageweight.db"
    for suffix in ("", "-wal", "-shm"):
        OUT.joinpath(path.name + suffix).unlink(missing_ok=True)
    app = create_app(
        {
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "RATELIMIT_ENABLED": False,
        }
    )
    from datetime import UTC, datetime

    with app.app_context():
        upgrade()
        department = create_department("Bench PD", "bench-pd", areas=["Northside"])
        event = create_event(
            department,
            "National Night Out on Elm Street",
            datetime(2026, 8, 4, 22, 0, tzinfo=UTC),
            kind="national-night-out",
            area="Northside",
        )
        token = event.token
        db.session.remove()
        db.engine.dispose()
    client = app.test_client()
    return [
        weigh(client, f"/s/{token}/{phase}?lang={language}", language)
        for phase in ("before", "after")
        for language in ("en", "es")
    ]
