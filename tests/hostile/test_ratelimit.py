"""Rate limits with the shipped settings: an event's Wi-Fi gets through, a script does not.

RESIDENT_POST_LIMIT is "240 per minute;2000 per hour" per client address and survey route.
Counters never touch the database, so these tests run on SQLite only.
"""

import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from survey import create_app
from survey.extensions import db, limiter
from survey.responses.models import Response
from tests.conftest import FreshContextClient, answers_for, base_config, fetch_form

EVENT_WIFI = "203.0.113.10"
SCRIPT = "198.51.100.66"
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: the limits live in memory or Redis, whatever the database."""
    path = tmp_path / "test.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True}


@pytest.fixture
def fresh_key_prefix() -> Iterator[None]:
    """Undo Flask-Limiter's memory of the first app's key prefix (one limiter, many apps)."""
    saved = limiter._key_prefix
    limiter._key_prefix = None
    yield
    limiter._key_prefix = saved


def build_app(database_url: str, **settings: Any) -> Flask:
    """Return another app on the test's database, as a second server or a proxied one."""
    app = create_app({**base_config(database_url), "RATELIMIT_ENABLED": True, **settings})
    app.test_client_class = FreshContextClient
    return app


def resident_submits(app: Flask, event: Any, address: str, **headers: str) -> int:
    """One phone: open the form, answer, submit; return the submit's status."""
    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = address
    url = f"/s/{event.token}/before"
    data = {**fetch_form(phone, url, headers=headers), **answers_for(event, "before")}
    return phone.post(url, data=data, headers=headers).status_code


def script_posts(app: Flask, event: Any, times: int, address: str = SCRIPT, **kw: Any) -> list:
    """A script hammering the submit URL with junk; returns every response."""
    bot = app.test_client()
    bot.environ_base["REMOTE_ADDR"] = address
    url = f"/s/{event.token}/before"
    responses = []
    for number in range(times):
        headers = kw["headers"](number) if "headers" in kw else {}
        with bot.post(url, data={"q1": "5"}, headers=headers) as response:
            responses.append(response)
    return responses


def rows() -> int:
    return db.session.scalar(select(func.count(Response.id)))


def test_200_residents_behind_one_address_all_get_through(app, make_event):
    event = make_event()
    statuses = Counter(resident_submits(app, event, EVENT_WIFI) for _ in range(200))
    assert statuses == {303: 200}
    assert rows() == 200


def test_a_script_posting_hundreds_a_minute_gets_429_with_retry_after(app, make_event):
    event = make_event()
    responses = script_posts(app, event, 300)
    statuses = [r.status_code for r in responses]
    assert 429 not in statuses[:240]
    assert statuses[240:] == [429] * 60
    blocked = responses[-1]
    assert 0 < int(blocked.headers["Retry-After"]) <= 60
    assert "Too many requests" in blocked.get_data(as_text=True)
    assert "frame-ancestors 'none'" in blocked.headers["Content-Security-Policy"]
    assert rows() == 0
    # The script's address is blocked; residents elsewhere are not, and GETs still work.
    assert resident_submits(app, event, EVENT_WIFI) == 303
    bot = app.test_client()
    bot.environ_base["REMOTE_ADDR"] = SCRIPT
    assert bot.get(f"/s/{event.token}/before").status_code == 200


def test_a_spoofed_x_forwarded_for_does_not_open_a_new_bucket(app, make_event):
    """Without ProxyFix the header is ignored: every request counts against the real address."""
    event = make_event()
    responses = script_posts(
        app, event, 250, headers=lambda n: {"X-Forwarded-For": f"10.0.{n // 250}.{n % 250}"}
    )
    assert [r.status_code for r in responses[240:]] == [429] * 10


def test_behind_one_proxy_only_the_last_hop_is_trusted(database_url, make_event):
    """PROXY_FIX_X_FOR=1: the proxy appends the real client; what the client wrote is ignored."""
    app = build_app(database_url, PROXY_FIX_X_FOR=1)
    proxy = "127.0.0.1"
    with app.app_context():
        event = make_event()
        responses = script_posts(
            app,
            event,
            250,
            address=proxy,
            headers=lambda n: {"X-Forwarded-For": f"10.1.0.{n % 250}, {SCRIPT}"},
        )
        assert [r.status_code for r in responses[240:]] == [429] * 10
        # Another resident behind the same proxy has their own bucket.
        other = {"X-Forwarded-For": f"{SCRIPT}, {EVENT_WIFI}"}
        assert resident_submits(app, event, proxy, **other) == 303
        db.session.remove()
        db.engine.dispose()


def test_the_login_form_is_limited_separately(app, make_event):
    """Ten failed sign-ins per five minutes, not shared with the residents' limit."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = EVENT_WIFI
    statuses = []
    for _ in range(12):
        hidden = fetch_form(client, "/staff/login")
        data = {"email": "nobody@example.org", "password": "wrong password", **hidden}
        statuses.append(client.post("/staff/login", data=data).status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    assert resident_submits(app, make_event(), EVENT_WIFI) == 303


def test_counters_live_in_memory_by_default_and_never_in_the_database(app, make_event):
    """DESIGN.md: counters stay outside the database; nothing of the script's address is kept."""
    from limits.storage import MemoryStorage

    from tests.hostile.test_privacy import everything_stored

    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    event = make_event()
    responses = script_posts(app, event, 241)
    assert responses[-1].status_code == 429
    assert isinstance(limiter.storage, MemoryStorage)
    assert SCRIPT not in everything_stored()


# Redis: the production storage, shared by every app server. ---------------------------------


@pytest.fixture
def redis_prefix(fresh_key_prefix: None) -> Iterator[str]:
    """A key prefix of this test's own on the local Redis; its keys are removed afterwards."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}; the memory storage tests still ran")
    prefix = f"cp-test-{uuid.uuid4().hex}"
    yield prefix
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    client.close()


def test_redis_counters_are_shared_by_servers_and_expire(database_url, redis_prefix, make_event):
    import redis

    settings = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": redis_prefix}
    first = build_app(database_url, **settings)
    second = build_app(database_url, **settings)
    with first.app_context():
        event = make_event()
        responses = script_posts(first, event, 240)
        assert 429 not in [r.status_code for r in responses]
        db.session.remove()
        db.engine.dispose()  # each app has its own pool; an undisposed one leaks its sockets
    with second.app_context():
        blocked = script_posts(second, event, 1)[0]  # the other server knows the count
        assert blocked.status_code == 429
        assert 0 < int(blocked.headers["Retry-After"]) <= 60
        db.session.remove()
        db.engine.dispose()
    store = redis.Redis.from_url(REDIS_URL)
    keys = list(store.scan_iter(match=f"*{redis_prefix}*"))
    assert keys, "the counters live in Redis under the configured prefix"
    assert all(0 < store.ttl(key) <= 3600 for key in keys)  # they expire on their own
    store.close()


def test_an_unreachable_redis_never_blocks_a_resident(database_url, fresh_key_prefix, make_event):
    """Errors from the counter store are swallowed; limits fall back to memory meanwhile."""
    app = build_app(database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    with app.app_context():
        event = make_event()
        assert resident_submits(app, event, EVENT_WIFI) == 303
        assert rows() == 1
        db.session.remove()
        db.engine.dispose()
