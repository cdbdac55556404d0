"""Real-browser harness: the app under gunicorn on 127.0.0.1, driven by Debian's Chromium.

One temporary instance serves this package's tests: a fresh SQLite file migrated with
`flask db upgrade`, a department, two staff accounts and two events made with the commands of
DESIGN.md, and gunicorn listening on a free port of 127.0.0.1. The commands run through
Flask's CLI runner in this process (the same click commands and argument parsing City IT
uses): a `flask` subprocess spends 3–5 s importing NLTK each time, and the harness makes a
dozen calls. The server is a real subprocess configured only through `FLASK_*` variables.
Server and browser are package-scoped: they stop when tests/browser is done, because
Playwright's sync API refuses to start while another instance is still running.

Each test gets its own browser contexts (cookie jars) from one Chromium, and every context
records what a person would notice going wrong: console errors, Content-Security-Policy
violations, requests leaving 127.0.0.1.
"""

import importlib.util
import json
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from survey import create_app

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root in a container, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ENABLE_HINT = (
    "browser tests need Chromium at /usr/bin/chromium (`apt-get install chromium`, or set "
    "CHROMIUM=/path/to/chromium) and the dev extras (`pip install -e '.[dev]'`)"
)
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PASSWORD = "browser journeys 2026"
ADMIN = "admin@springfield.test"
RESEARCHER = "researcher@springfield.test"
DEPARTMENT = "springfield"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        action="store_true",
        default=False,
        help="save phone and desktop screenshots of the browser journeys into docs/screenshots/",
    )


# The served instance ----------------------------------------------------------------------


@dataclass
class Site:
    """The running instance: where it listens, its database file and its fixture data."""

    base_url: str
    database: Path
    app: Flask
    workdir: Path
    log: Path
    events: dict[str, dict[str, Any]] = field(default_factory=dict)

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run one `flask` command against the served database; return its output."""
        result = self.app.test_cli_runner().invoke(args=list(args), input=stdin)
        assert result.exit_code == 0, (args, result.output)
        return result.output

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Read the served database directly, as an administrator with sqlite3 would."""
        with sqlite3.connect(self.database) as connection:
            return connection.execute(sql, params).fetchall()

    def url(self, path: str) -> str:
        """Return the absolute URL of a path on the served instance."""
        return self.base_url + path

    def new_event(
        self,
        name: str,
        kind: str = "national-night-out",
        starts: str = "2026-08-04 18:00",
        area: str = "Northside",
    ) -> dict[str, Any]:
        """Create an open event with `flask create-event`; return its JSON plus its token.

        Journeys that count responses use an event of their own, so they hold in any order.
        """
        created = json.loads(
            self.cli(
                "create-event",
                "--department",
                DEPARTMENT,
                "--name",
                name,
                "--starts",
                starts,
                "--area",
                area,
                "--kind",
                kind,
            )
        )
        created["token"] = urlsplit(created["before_url"]).path.split("/")[2]
        return created

    def kiosk_path(self, token: str, phase: str) -> str:
        """Return the staff-only kiosk path of an event, as the event page shows it."""
        from survey.events.links import kiosk_path

        with self.app.app_context():
            return kiosk_path(token, phase)

    def server_log(self) -> str:
        """Return the end of gunicorn's log, to explain a failure."""
        return self.log.read_text(errors="replace")[-4000:]


def _listening_socket() -> socket.socket:
    """Bind a free port of 127.0.0.1 and hand the open socket to gunicorn (no port race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _start_gunicorn(sock: socket.socket, env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"fd://{sock.fileno()}",
        "--workers",
        "1",
        "--threads",
        "8",  # the event page polls live counts while residents submit
        "--worker-class",
        "gthread",
        "--graceful-timeout",
        "5",
        "--access-logfile",
        "-",
        "wsgi:app",
    ]
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            pass_fds=(sock.fileno(),),
        )


def _wait_until_healthy(site: Site, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{site.server_log()}")
        try:
            with urllib.request.urlopen(site.url("/healthz"), timeout=2) as response:  # noqa: S310 (our own http://127.0.0.1 server)
                if json.load(response)["database"] == "ok":
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{site.server_log()}")


def require_browser() -> None:
    """Skip, saying how to enable them, when Chromium or Playwright is not installed."""
    if importlib.util.find_spec("playwright") is None or not CHROMIUM.exists():
        pytest.skip(ENABLE_HINT)


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Serve a temporary instance with a department, an admin, a researcher and two events.

    Events: "open" (National Night Out, taking answers) and "closed" (closed by staff, so
    residents see the 410 page).
    """
    require_browser()  # no server to start for tests that cannot run
    workdir = tmp_path_factory.mktemp("browser-site")
    database = workdir / "pulse.db"
    sock = _listening_socket()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "SECRET_KEY": "browser-" + secrets.token_hex(24),
        "PUBLIC_BASE_URL": base_url,
        "RATELIMIT_ENABLED": False,
    }
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLASK_")}
    env.update(
        FLASK_SQLALCHEMY_DATABASE_URI=settings["SQLALCHEMY_DATABASE_URI"],
        FLASK_SECRET_KEY=settings["SECRET_KEY"],
        FLASK_PUBLIC_BASE_URL=base_url,
        FLASK_RATELIMIT_ENABLED="false",
        FLASK_KIOSK_RESET_SECONDS="2",  # the tablet's pause after "thank you", kept short
        # An instance folder of its own: the checkout's instance/config.py plays no part.
        COMMUNITY_PULSE_INSTANCE=str(workdir / "instance"),
    )
    app = create_app(settings)
    log = workdir / "gunicorn.log"
    site = Site(base_url=base_url, database=database, app=app, workdir=workdir, log=log)
    # gunicorn imports the app (several seconds) while the database is being prepared.
    process = _start_gunicorn(sock, env, log)
    sock.close()
    try:
        site.cli("db", "upgrade")
        site.cli(
            "create-department",
            "Springfield Police Department",
            "--slug",
            DEPARTMENT,
            "--timezone",
            "America/Chicago",
            "--area",
            "Northside",
            "--area",
            "Downtown",
        )
        for email, role in ((ADMIN, "admin"), (RESEARCHER, "researcher")):
            site.cli(
                "create-user", email, "--department", DEPARTMENT, "--role", role, stdin=PASSWORD
            )
        site.events["open"] = site.new_event("National Night Out")
        site.events["closed"] = site.new_event("Spring Town Hall", kind="town-hall")
        _close_event(app, site.events["closed"]["id"])
        _wait_until_healthy(site, process)
        yield site
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with app.app_context():
            from survey.extensions import db

            db.engine.dispose()


def _close_event(app: Flask, event_id: int) -> None:
    """Close an event as staff do (there is no `flask` command for it)."""
    from survey.events.models import Event
    from survey.events.services import set_event_status
    from survey.extensions import db

    with app.app_context():
        set_event_status(db.session.get(Event, event_id), "closed")
        db.session.remove()


COMMENTS = (
    "Great event, the officers were friendly and helpful.",
    "Good to meet the officers, thank you for coming.",
    "Nice evening, the kids loved the fire truck.",
    "Too short, and nobody explained what happens next.",
    "Bad parking and the music was awful.",
    "Más patrullas en la noche, por favor.",
)
CONCERNS = (
    "Speeding on our street.",
    "Car break-ins near the park.",
    "Loud parties every weekend.",
)


def seed_responses(site: Site, event_id: int, pairs: int, seed: int) -> None:
    """Store `pairs` paired before/after responses the way the survey does (record_response).

    Enough residents for every chart to pass the minimum group size: trust rises a little
    after the event, more for residents who talked with an officer.
    """
    import random

    from survey.events.models import Event
    from survey.extensions import db
    from survey.responses.pairing import new_cookie_id, new_submission_id, pair_key
    from survey.responses.services import record_response

    rng = random.Random(seed)
    with site.app.app_context():
        event = db.session.get(Event, event_id)
        questions = event.question_set.questions
        for _ in range(pairs):
            key = pair_key(site.app.config["SECRET_KEY"], event.id, new_cookie_id())
            language = "es" if rng.random() < 0.2 else "en"
            talked = rng.random() < 0.5
            for phase, lift in (("before", 0.0), ("after", 0.6 + 0.6 * talked)):
                answers: dict[int, float | str | None] = {}
                for question in (q for q in questions if q.asked_in(phase)):
                    if question.kind == "agree5":
                        level = round(rng.gauss(3.0 + lift, 0.9))
                        answers[question.id] = float(min(5, max(1, level)))
                    elif question.kind == "yesno":
                        answers[question.id] = 1.0 if talked else 0.0
                    elif question.code == "COMMENT" and rng.random() < 0.7:
                        answers[question.id] = rng.choice(COMMENTS)
                    elif question.code == "CONCERN" and rng.random() < 0.5:
                        answers[question.id] = rng.choice(CONCERNS)
                record_response(
                    event=event,
                    phase=phase,
                    language=language,
                    channel="qr",
                    pair_key=key,
                    submission_id=new_submission_id(),
                    questions=[q for q in questions if q.asked_in(phase)],
                    answers=answers,
                )
        db.session.remove()


@pytest.fixture(scope="package")
def reported(site: Site) -> list[dict[str, Any]]:
    """Three past events in two areas, each with enough residents for every chart."""
    plan = (
        ("Northside Night Out", "2026-06-02 18:00", "Northside", "national-night-out", 30),
        ("Downtown Community Walk", "2026-08-04 18:00", "Downtown", "community-walk", 24),
        ("Northside Town Hall", "2026-10-13 19:00", "Northside", "town-hall", 20),
    )
    events = []
    for number, (name, starts, area, kind, pairs) in enumerate(plan):
        event = site.new_event(name, kind=kind, starts=starts, area=area)
        seed_responses(site, event["id"], pairs, seed=number)
        events.append(event)
    return events


# The browser ------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Start Debian's Chromium once, headless, with a fresh profile; skip when it is absent."""
    require_browser()
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        persistent = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield persistent.browser
        finally:
            persistent.close()
    shutil.rmtree(profile, ignore_errors=True)


@dataclass
class Watch:
    """What a person (or the browser's own console) would notice going wrong in a context.

    `requests` holds every URL the browser asked for, so a test can prove that no request
    left the instance (no CDN, no fonts, no analytics, axe-core served from the package).
    """

    site_origin: str
    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    documents: dict[str, int] = field(default_factory=dict)

    def on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        # A page we navigate to on purpose may answer 404, 410 or 422; Chromium logs that as
        # "Failed to load resource". Only a failing sub-resource (CSS, JS, image) is a defect.
        # The site has no icon, so Chromium's own /favicon.ico probe gets a 404 (reported to
        # the lead: an icon link or route would save phones that request).
        if message.text.startswith("Failed to load resource") and (
            url in self.documents or urlsplit(url).path == "/favicon.ico"
        ):
            return
        self.console_errors.append(f"{message.text} ({url})")

    def on_response(self, response: Any) -> None:
        if response.request.resource_type == "document":
            self.documents[response.url] = response.status

    def offsite_requests(self) -> list[str]:
        """Return every requested URL that is not on the served instance."""
        return [
            url
            for url in self.requests
            if not url.startswith(self.site_origin + "/") and not url.startswith("data:")
        ]

    def assert_clean(self) -> None:
        """Fail on any console error, uncaught script error, CSP violation or off-site request."""
        assert self.csp_violations == [], self.csp_violations
        assert self.console_errors == [], self.console_errors
        assert self.page_errors == [], self.page_errors
        assert self.offsite_requests() == [], self.offsite_requests()


CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


class Contexts:
    """Opens browser contexts (separate cookie jars) that watch for errors.

    `contexts("phone")` is a 390×844 touch phone, `contexts("desktop")` a 1280×800 laptop;
    keyword arguments go to Playwright (`locale="es-ES"`, `java_script_enabled=False`, ...).
    Each context has a `.watch` (see Watch); all are checked clean when the test body ends.
    """

    def __init__(self, browser: Any, site: Site) -> None:
        self.browser = browser
        self.site = site
        self.opened: list[Any] = []

    def __call__(self, device: str = "phone", **options: Any) -> Any:
        profile = PHONE if device == "phone" else DESKTOP
        context = self.browser.new_context(base_url=self.site.base_url, **{**profile, **options})
        context.set_default_timeout(10_000)
        watch = Watch(site_origin=self.site.base_url)
        context.on("console", watch.on_console)
        context.on("weberror", lambda error: watch.page_errors.append(str(error.error)))
        context.on("request", lambda request: watch.requests.append(request.url))
        context.on("response", watch.on_response)
        context.expose_binding(
            "__reportCspViolation", lambda _source, text: watch.csp_violations.append(text)
        )
        context.add_init_script(CSP_LISTENER)
        context.watch = watch
        self.opened.append(context)
        return context

    def assert_clean(self) -> None:
        """Fail when any context saw a console error, script error, CSP violation or leak."""
        for context in self.opened:
            context.watch.assert_clean()

    def close(self) -> None:
        for context in self.opened:
            context.close()


@pytest.fixture
def new_context(browser: Any, site: Site) -> Iterator[Contexts]:
    """Open watched browser contexts for one test; they close when it ends."""
    contexts = Contexts(browser, site)
    yield contexts
    contexts.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After a browser test's own checks pass, fail it on anything its contexts noticed.

    An inline script refused by the CSP, a console error or a request to another site fails
    every journey that met it, even one that never looked for it.
    """
    result = yield
    contexts = getattr(item, "funcargs", {}).get("new_context")
    if isinstance(contexts, Contexts):
        contexts.assert_clean()
    return result


@pytest.fixture
def phone(new_context: Contexts) -> Any:
    """A page on a fresh phone: its own cookies, as a resident scanning a poster has."""
    return new_context("phone").new_page()


@pytest.fixture(scope="package")
def staff_state(browser: Any, site: Site, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sign the admin in once through the login form; later contexts reuse the cookies."""
    context = browser.new_context(base_url=site.base_url, **DESKTOP)
    page = context.new_page()
    sign_in(page, ADMIN)
    path = tmp_path_factory.mktemp("staff") / "admin.json"
    context.storage_state(path=path)
    context.close()
    return path


def sign_in(page: Any, email: str) -> None:
    """Sign in through the staff login form, as a person types it."""
    page.goto("/staff/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/events/")


def answer_before(phone: Any, event: dict[str, Any]) -> None:
    """A resident scans the before code and answers every question with "Agree"."""
    from playwright.sync_api import expect

    phone.goto(event["before_url"])
    for group in phone.get_by_role("group").all():
        group.get_by_label("Agree", exact=True).tap()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Submit").tap()
    expect(phone.get_by_role("heading", name="Thank you!")).to_be_visible()


@pytest.fixture
def staff(new_context: Contexts, staff_state: Path) -> Any:
    """A page on a laptop where the department admin is signed in."""
    return new_context("desktop", storage_state=staff_state).new_page()


# Accessibility and screenshots ------------------------------------------------------------


@pytest.fixture(scope="package")
def axe() -> Any:
    """axe-core as shipped inside axe-playwright-python: injected from disk, never fetched."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def audit(axe: Any) -> Callable[[Any], None]:
    """Run axe-core's WCAG 2.1 A and AA rules on a page and fail with a readable report."""

    def check(page: Any) -> None:
        page.wait_for_load_state("load")
        requests_before = len(page.context.watch.requests)
        results = axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_TAGS},
                "resultTypes": ["violations", "incomplete"],
            },
        )
        during = page.context.watch.requests[requests_before:]
        # The page's own polling may go on meanwhile; nothing may leave the instance.
        assert [url for url in during if not url.startswith(page.context.watch.site_origin)] == []
        assert results.response["testEngine"]["name"] == "axe-core"
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
        # axe cannot measure the contrast of SVG chart labels (their numbers are in the table
        # beside the chart); any HTML text whose contrast it could not decide is a failure.
        undecided = [
            node["html"][:120]
            for rule in results.response["incomplete"]
            if rule["id"] == "color-contrast"
            for node in rule["nodes"]
            if not node["html"].startswith(("<text", "<tspan"))
        ]
        assert undecided == [], f"{page.url}: contrast not measurable for {undecided}"

    return check


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[..., None]:
    """Save a screenshot into docs/screenshots/ when pytest runs with --screenshots."""
    enabled = request.config.getoption("screenshots")

    def save(page: Any, name: str, *, height: int | None = None) -> None:
        """Save the viewport, or the top `height` pixels of the whole page."""
        if not enabled:
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        if height is None:
            page.screenshot(path=path, animations="disabled")
        else:
            width = page.viewport_size["width"]
            clip = {"x": 0, "y": 0, "width": width, "height": height}
            page.screenshot(path=path, full_page=True, clip=clip, animations="disabled")

    return save
