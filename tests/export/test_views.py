"""The research page: who may use it, the preview, the streamed download and the export log."""

import re
from datetime import UTC, datetime

import pytest

from survey.export.models import ExportRecord
from survey.extensions import db
from tests.conftest import hidden_inputs
from tests.export.conftest import likert, qi_groups, read_bundle

PAGES = [("get", "/research/"), ("post", "/research/download"), ("get", "/research/exports")]


@pytest.fixture
def department(make_department, make_event, add_responses):
    """Two areas, two kinds, two years; Spanish and kiosk answers; a few comments."""
    department = make_department(areas=["Northside", "Southside"])
    north = make_event(
        department, area="Northside", starts_at=datetime(2025, 8, 5, 23, tzinfo=UTC)
    )
    south = make_event(
        department,
        name="Town hall",
        kind="town-hall",
        area="Southside",
        starts_at=datetime(2026, 3, 10, 23, tzinfo=UTC),
    )
    specs = []
    for i in range(15):
        specs.append({"phase": "before", "phone": f"a{i}", "answers": likert(3.0)})
        specs.append(
            {
                "phase": "after",
                "phone": f"a{i}",
                "language": "es" if i < 3 else "en",
                "answers": {**likert(4.0), "COMMENT": f"Great evening, Officer Smith {i}"},
            }
        )
    add_responses(north, specs)
    add_responses(south, [{"phase": "before", "answers": likert(2.0)} for _ in range(8)])
    return department


@pytest.fixture
def researcher(make_user, department, login):
    user = make_user("researcher", department)
    login(user)
    return user


def download(client, **fields):
    page = client.get("/research/", query_string=fields)
    assert page.status_code == 200
    form = page.get_data(as_text=True).split('action="/research/download"')[1]
    data = hidden_inputs(form)
    return client.post("/research/download", data=data)


def visit(client, method, url, token_page):
    """GET the page, or POST to it with a valid CSRF token so only the role check decides."""
    if method == "get":
        return client.get(url)
    token = hidden_inputs(client.get(token_page).get_data(as_text=True))["csrf_token"]
    return client.post(url, data={"csrf_token": token})


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, method, url):
    response = visit(client, method, url, "/staff/login")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_staff_are_refused_with_403(client, make_user, department, login, method, url):
    login(make_user("staff", department))
    assert visit(client, method, url, "/staff/events/").status_code == 403


@pytest.mark.parametrize("role", ["researcher", "admin"])
def test_researchers_and_admins_see_the_page_and_the_nav_link(
    client, make_user, department, login, role
):
    login(make_user(role, department))
    page = client.get("/research/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/research/"' in html
    assert ("Export log" in html) == (role == "admin")


def test_staff_have_no_research_link(client, make_user, department, login):
    login(make_user("staff", department))
    assert "/research/" not in client.get("/staff/events/").get_data(as_text=True)


def test_the_log_is_for_admins_only(client, researcher):
    assert client.get("/research/exports").status_code == 403


def test_the_preview_matches_the_download(client, researcher):
    page = client.get("/research/").get_data(as_text=True)
    rows = int(re.search(r'data-preview="rows">([\d,]+)<', page)[1].replace(",", ""))
    cells = int(re.search(r'data-preview="cells">([\d,]+)<', page)[1].replace(",", ""))
    withheld = int(re.search(r'data-preview="withheld">([\d,]+)<', page)[1].replace(",", ""))

    response = download(client)

    bundle = read_bundle(response.data)
    assert rows == len(bundle.rows) == 38
    assert re.search(rf"Cells generalized or suppressed:\s+{cells}\n", bundle.readme)
    assert withheld == bundle.column("pair_id").count("") - 8  # 8 unpaired town-hall rows
    assert min(qi_groups(bundle).values()) >= 5


def test_the_download_is_a_streamed_zip_attachment(client, researcher, department):
    response = download(client)

    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        rf'attachment; filename="community-pulse-{department.slug}-\d{{8}}-\d{{6}}\.zip"',
        disposition,
    )
    assert read_bundle(response.data).names == ["responses.csv", "codebook.csv", "README.txt"]


def test_a_cancelled_download_gives_back_its_connection(client, researcher):
    """A researcher who cancels a download must not leave the export's snapshot open."""
    response = download(client)
    assert response.status_code == 200
    assert db.engine.pool.checkedout() == 1  # the snapshot, held for the stream

    response.close()  # what the WSGI server does when the client hangs up

    assert db.engine.pool.checkedout() == 0


def test_filters_select_dates_areas_kinds_and_comments(client, researcher):
    by_date = read_bundle(download(client, date_from="2026-01-01", date_to="2026-12-31").data)
    assert set(by_date.column("area")) == {"Southside"}
    assert len(by_date.rows) == 8

    by_area = read_bundle(download(client, areas="Northside").data)
    assert set(by_area.column("area")) == {"Northside"}
    assert "COMMENT" not in by_area.header

    by_kind = read_bundle(download(client, kinds="town-hall", with_comments="y").data)
    assert set(by_kind.column("event_kind")) == {"town-hall"}
    assert by_kind.column("COMMENT") == [""] * 8

    with_text = read_bundle(download(client, areas="Northside", with_comments="y").data)
    comments = [c for c in with_text.column("COMMENT") if c]
    assert len(comments) == 15
    assert all(c.startswith("Great evening, Officer [NAME]") for c in comments)


def test_a_range_that_ends_before_it_starts_is_refused(client, researcher):
    page = client.get(
        "/research/", query_string={"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert page.status_code == 422
    assert "The range ends before it starts." in page.get_data(as_text=True)
    posted = client.post("/research/download", data={"date_from": "2026-02-01", "date_to": "x"})
    assert posted.status_code in (400, 422)


def test_the_download_needs_the_forms_csrf_token(client, researcher):
    response = client.post("/research/download", data={})
    assert response.status_code in (400, 422)
    assert db.session.query(ExportRecord).count() == 0


def test_another_departments_data_is_never_exported(
    client, researcher, make_department, make_event, add_responses
):
    other = make_department(areas=["Elsewhere"])
    add_responses(
        make_event(other, area="Elsewhere"), [{"answers": likert(1.0)} for _ in range(9)]
    )

    bundle = read_bundle(download(client).data)

    assert "Elsewhere" not in b"".join(bundle.raw.values()).decode("utf-8-sig")
    assert len(bundle.rows) == 38


def test_every_export_is_logged_and_listed_for_admins(
    client, researcher, department, make_user, login, export_cli
):
    download(client, areas="Northside", with_comments="y")
    export_cli(department.slug, "--from", "2026-01-01")

    records = db.session.query(ExportRecord).order_by(ExportRecord.id).all()
    assert [(r.source, r.user_id) for r in records] == [("web", researcher.id), ("cli", None)]
    web, cli = records
    assert web.filters == {"from": None, "to": None, "areas": ["Northside"], "kinds": []}
    assert web.with_comments is True
    assert web.rows_written == 30
    assert cli.filters["from"] == "2026-01-01"
    assert cli.rows_written == 8
    assert web.k == cli.k == 5

    token = hidden_inputs(client.get("/research/").get_data(as_text=True))["csrf_token"]
    client.post("/staff/logout", data={"csrf_token": token})
    login(make_user("admin", department))
    page = client.get("/research/exports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert researcher.email in html
    assert "command line (cli)" in html
    assert "Northside" in html
    assert "2026-01-01" in html


def test_every_filter_is_labelled_and_grouped_and_errors_point_at_their_field(client, researcher):
    html = client.get("/research/").get_data(as_text=True)
    form = html.split('class="filters"')[1].split("</form>")[0]
    assert form.count("<fieldset") == form.count("<legend>") == 3
    for legend in ("Event dates", "Areas", "Event kinds"):
        assert f"<legend>{legend}</legend>" in form
    for name in ("date_from", "date_to"):
        assert f'<label for="{name}">' in form
        assert f'id="{name}"' in form
    # Two areas, four kinds and the free-text box, each inside its label (click the text).
    assert len(re.findall(r'<label class="check"><input[^>]*type="checkbox"', form)) == 2 + 4 + 1

    page = client.get("/research/", query_string={"date_from": "2026-02-01", "date_to": "x"})
    assert page.status_code == 422
    field = re.search(r'<input[^>]*id="date_to"[^>]*>', page.get_data(as_text=True))[0]
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="date_to-error"' in field
    assert 'id="date_to-error"' in page.get_data(as_text=True)


def test_the_preview_lists_suppressions_per_column(
    client, make_user, make_department, make_event, add_responses, login
):
    """Two Spanish answers among twelve give up their language; a two-person walk is dropped."""
    department = make_department(areas=["Big", "Tiny"])
    specs = [{"answers": likert()} for _ in range(12)]
    specs += [{"language": "es", "answers": likert()} for _ in range(2)]
    add_responses(make_event(department, area="Big"), specs)
    add_responses(
        make_event(department, area="Tiny", name="Small walk", kind="community-walk"),
        [{"answers": likert()} for _ in range(2)],
    )
    login(make_user("researcher", department))

    html = client.get("/research/").get_data(as_text=True)

    assert re.search(r'data-preview="rows">14<', html)
    assert re.search(r'data-preview="dropped">2<', html)
    assert re.search(r'data-preview="cells-language">14<', html)
    bundle = read_bundle(download(client).data)
    assert set(bundle.column("language")) == {"*"}
    assert re.search(r"in language:\s+14\n", bundle.readme)
    assert re.search(r"Rows left out \(no group of k residents possible\):\s+2\n", bundle.readme)
    assert re.search(r"Rows left out \(no group of 5 residents possible\)", html)
    # The page, the README and the codebook make the same promise, in residents.
    once = "(a resident who answered before and after counts once)"
    assert f"at least 5 residents share each one {once}" in html
    assert re.search(r"shared by 5 residents\s+or more " + re.escape(once), bundle.readme)
    area = next(entry for entry in bundle.codebook if entry["name"] == "area")
    assert f"fewer than k residents {once} shared" in area["notes"]
