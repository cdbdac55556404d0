"""The event report on a crafted event whose every answer the test chose.

Expected values come from scipy over the raw answers; the report computes them from SQL
sums, so agreement proves the whole path (SQL aggregates, pooled sums, t intervals, rounding).
"""

import math
import random
from statistics import fmean

import pytest
from scipy import stats as sp

from survey.sentiment.scoring import score_text
from tests.dashboard.conftest import (
    ITEMS,
    TRUST_ITEMS,
    agree,
    csv_records,
    page_cells,
    page_figures,
    page_tables,
    parse_csv,
)

POSITIVE = ("Great event, the officers were wonderful.", "Nice and helpful people.")
NEGATIVE = ("Terrible parking and an awful wait.", "I hate the bad traffic here.")
NEUTRAL = ("The event was on Tuesday.",)
SPANISH = ("Muy buen evento, gracias.",)
COMMENTS = POSITIVE * 3 + NEGATIVE * 2 + NEUTRAL * 3 + SPANISH * 2  # 15 comments


GROUPS = ("Talked with an officer", "Did not talk with an officer")


def index_of(answers, codes):
    values = [answers[code] for code in codes if answers.get(code) is not None]
    return (fmean(values) - 1) / 4 * 100 if values else None


def build_answers(rng, phase, phone_number):
    answers = {code: rng.randint(1, 5) for code in ITEMS}
    if phase == "after":
        # After-event answers run higher, so the change is clearly positive.
        answers = {
            code: min(5, value + rng.choice((0, 1, 1, 2))) for code, value in answers.items()
        }
        answers["EVENT"] = rng.randint(2, 5)
        answers["TALKED"] = 1.0 if phone_number % 2 == 0 else 0.0
    return answers


@pytest.fixture
def crafted(make_event, respond):
    """24 phones answer before, 20 of them and 2 kiosk residents answer after.

    One before answer declines every trust item (no Trust index), one after answer
    declines SAFE, and 15 after answers carry a comment of known sentiment.
    """
    rng = random.Random(20260804)
    event = make_event(name="Crafted night")
    before, after = {}, {}
    for number in range(24):
        before[f"p{number}"] = build_answers(rng, "before", number)
    before["p3"].update(dict.fromkeys(TRUST_ITEMS))
    for number in range(20):
        after[f"p{number}"] = build_answers(rng, "after", number)
    for number in range(2):
        after[f"kiosk{number}"] = build_answers(rng, "after", number)
    after["p5"]["SAFE"] = None
    for phone, comment in zip(list(after), COMMENTS, strict=False):
        after[phone]["COMMENT"] = comment
    for phone, answers in before.items():
        respond(event, "before", answers, phone=phone)
    for phone, answers in after.items():
        respond(event, "after", answers, phone=None if phone.startswith("kiosk") else phone)
    return event, before, after


def close(page_value: str, expected: float, digits: int) -> bool:
    return abs(float(page_value) - expected) <= 0.5 * 10**-digits + 1e-9


def check_comparison(row, before, after, pairs, digits):
    """Check one CSV row of a comparison table against scipy on the raw values."""
    b = [v for v in before if v is not None]
    a = [v for v in after if v is not None]
    assert int(row["Before n"]) == len(b)
    assert int(row["After n"]) == len(a)
    for values, side in ((b, "Before"), (a, "After")):
        low, high = sp.t.interval(0.95, len(values) - 1, loc=fmean(values), scale=sp.sem(values))
        assert close(row[f"{side} mean"], fmean(values), digits)
        assert close(row[f"{side} 95% CI low"], low, digits)
        assert close(row[f"{side} 95% CI high"], high, digits)
    welch = sp.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert close(row["Change (after - before)"], fmean(a) - fmean(b), digits)
    assert close(row["Change 95% CI low (Welch)"], welch.low, digits)
    assert close(row["Change 95% CI high (Welch)"], welch.high, digits)
    complete = [(x, y) for x, y in pairs if x is not None and y is not None]
    paired = sp.ttest_rel([y for _x, y in complete], [x for x, _y in complete])
    interval = paired.confidence_interval(0.95)
    assert int(row["Pairs"]) == len(complete)
    assert close(row["Paired change"], fmean(y - x for x, y in complete), digits)
    assert close(row["Paired change 95% CI low"], interval.low, digits)
    assert close(row["Paired change 95% CI high"], interval.high, digits)
    pooled = math.sqrt(
        ((len(b) - 1) * sp.tvar(b) + (len(a) - 1) * sp.tvar(a)) / (len(a) + len(b) - 2)
    )
    assert close(row["Cohen's d"], (fmean(a) - fmean(b)) / pooled, 2)


def test_index_numbers_match_scipy(client, login, make_user, crafted):
    event, before, after = crafted
    login(make_user("staff", department=event.department))
    response = client.get(f"/staff/events/{event.id}/report.csv?chart=indices")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = {row["Measure"]: row for row in csv_records(response.data)}
    phones = [phone for phone in after if phone in before]
    for name, codes in (("Trust index", TRUST_ITEMS), ("Safety index", ("SAFE",))):
        check_comparison(
            rows[name],
            [index_of(answers, codes) for answers in before.values()],
            [index_of(answers, codes) for answers in after.values()],
            [(index_of(before[p], codes), index_of(after[p], codes)) for p in phones],
            digits=1,
        )
    # One before response declined every trust item: it has no Trust index.
    assert rows["Trust index"]["Before n"] == "23"
    assert rows["Safety index"]["After n"] == "21"


def test_item_numbers_match_scipy(client, login, make_user, crafted):
    event, before, after = crafted
    login(make_user("researcher", department=event.department))
    rows = {
        row["Measure"].split(":")[0]: row
        for row in csv_records(client.get(f"/staff/events/{event.id}/report.csv?chart=items").data)
    }
    phones = [phone for phone in after if phone in before]
    for code in ("SAFE", "TRUST", "CONTACT"):
        check_comparison(
            rows[code],
            [answers[code] for answers in before.values()],
            [answers[code] for answers in after.values()],
            [(before[p][code], after[p][code]) for p in phones],
            digits=2,
        )
    # EVENT is asked after only: an after mean, nothing to compare.
    event_row = rows["EVENT"]
    values = [answers["EVENT"] for answers in after.values()]
    assert close(event_row["After mean"], fmean(values), 2)
    assert event_row["Before mean"] == event_row["Change (after - before)"] == ""
    assert event_row["Note"] == "not asked before"


def test_header_counts_and_the_sampling_note(client, login, make_user, crafted):
    event, _before, _after = crafted
    login(make_user("staff", department=event.department))
    html = client.get(f"/staff/events/{event.id}/report").get_data(as_text=True)
    assert '<dd data-count="before">24</dd>' in html
    assert '<dd data-count="after">22</dd>' in html
    assert '<dd data-count="pairs">20</dd>' in html
    assert "Attendees are not a random sample." in html


def test_likert_percentages(client, login, make_user, crafted):
    event, before, after = crafted
    login(make_user("staff", department=event.department))
    rows = csv_records(client.get(f"/staff/events/{event.id}/report.csv?chart=likert").data)
    by_key = {(row["Item"], row["Phase"]): row for row in rows}
    for phase, answers in (("before", before), ("after", after)):
        values = [a["TRUST"] for a in answers.values()]
        answered = [v for v in values if v is not None]
        row = by_key[("TRUST", phase)]
        assert int(row["n answered"]) == len(answered)
        assert int(row["Prefer not to say"]) == values.count(None)
        for level, label in enumerate(
            ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"), start=1
        ):
            expected = round(answered.count(level) / len(answered) * 100.0, 1)
            assert float(row[f"{label} %"]) == expected
    assert ("EVENT", "before") not in by_key
    assert ("EVENT", "after") in by_key


def test_after_trust_split_by_talked(client, login, make_user, crafted):
    event, _before, after = crafted
    login(make_user("admin", department=event.department))
    rows = {
        row["Group"]: row
        for row in csv_records(
            client.get(f"/staff/events/{event.id}/report.csv?chart=talked").data
        )
    }
    talked = [index_of(a, TRUST_ITEMS) for a in after.values() if a["TALKED"] == 1.0]
    silent = [index_of(a, TRUST_ITEMS) for a in after.values() if a["TALKED"] == 0.0]
    for label, values in (
        ("Talked with an officer", talked),
        ("Did not talk with an officer", silent),
    ):
        row = rows[label]
        low, high = sp.t.interval(0.95, len(values) - 1, loc=fmean(values), scale=sp.sem(values))
        assert int(row["n"]) == len(values)
        assert close(row["After Trust index"], fmean(values), 1)
        assert close(row["95% CI low"], low, 1)
        assert close(row["95% CI high"], high, 1)
    difference = rows["Difference (talked - did not talk)"]
    welch = sp.ttest_ind(talked, silent, equal_var=False).confidence_interval(0.95)
    assert close(difference["After Trust index"], fmean(talked) - fmean(silent), 1)
    assert close(difference["95% CI low"], welch.low, 1)
    assert close(difference["95% CI high"], welch.high, 1)


@pytest.mark.parametrize(
    ("talked", "silent", "unanswered", "shown", "withheld"),
    [
        # 16 after answers, 12 talked: 16 - 12 = the 4 who did not. Both groups hidden.
        (12, 4, 0, set(), {"Talked with an officer"}),
        # 26 after answers: 26 - 12 - 11 = the 3 who left TALKED blank. The smaller group
        # goes too, so what is left (11 + 3) is a group large enough to show.
        (12, 11, 3, {"Talked with an officer"}, {"Did not talk with an officer"}),
        # Nothing is left over: both groups shown, with their difference.
        (12, 10, 0, {"Talked with an officer", "Did not talk with an officer"}, set()),
    ],
)
def test_the_talked_split_never_reveals_a_group_by_subtraction(
    client, login, make_user, make_event, respond, talked, silent, unanswered, shown, withheld
):
    event = make_event(name="Split night")
    plan = [1] * talked + [0] * silent + [None] * unanswered
    for number, answer in enumerate(plan):
        level = 2 + number % 4
        respond(event, "after", agree(level, TALKED=answer), phone=f"p{number}")
    login(make_user("staff", department=event.department))
    indices = client.get(f"/staff/events/{event.id}/report.csv?chart=indices").data
    (trust,) = [row for row in csv_records(indices) if row["Measure"] == "Trust index"]
    assert trust["After n"] == str(len(plan))
    rows = csv_records(client.get(f"/staff/events/{event.id}/report.csv?chart=talked").data)
    groups = {row["Group"]: row for row in rows if row["Group"] in GROUPS}
    assert {label for label, row in groups.items() if row["n"]} == shown
    # The after-event total minus every shown group is nobody, or at least 10 residents.
    rest = len(plan) - sum(int(row["n"]) for row in groups.values() if row["n"])
    assert rest == 0 or rest >= 10
    note = (
        "hidden too: the after-event Trust index minus this group would show a group with "
        "fewer than 10 responses"
    )
    assert {label for label, row in groups.items() if row["Note"] == note} == withheld
    assert ("Difference (talked - did not talk)" in {row["Group"] for row in rows}) is (
        len(shown) == 2
    )
    html = client.get(f"/staff/events/{event.id}/report").get_data(as_text=True)
    for label in withheld:
        assert f'<li><span class="group">{label}</span>: {note}</li>' in html
    drawn = page_figures(html).get("talked")
    bars = set() if drawn is None else {x.split(" (n")[0] for x in drawn["data"][0]["x"]}
    assert bars == shown


def test_sentiment_distribution(client, login, make_user, crafted):
    event, _before, _after = crafted
    login(make_user("staff", department=event.department))
    rows = csv_records(client.get(f"/staff/events/{event.id}/report.csv?chart=sentiment").data)
    labels = [score_text(text).label for text in COMMENTS]
    assert labels.count("unscored") == 2  # Spanish is never scored as neutral
    (comment,) = [row for row in rows if row["Item"] == "COMMENT"]
    assert comment["Comments"] == "15"
    for label in ("positive", "neutral", "negative", "unscored"):
        assert float(comment[f"{label.capitalize()} %"]) == round(
            labels.count(label) / 15 * 100, 1
        )
    # No one wrote a concern before the event: that item has too few comments to show.
    (concern,) = [row for row in rows if row["Item"] == "CONCERN"]
    assert concern["Note"] == "fewer than 10 responses"
    assert concern["Comments"] == ""


def test_comments_newest_first_and_filtered_by_label(client, login, make_user, crafted):
    event, _before, _after = crafted
    login(make_user("staff", department=event.department))
    html = client.get(f"/staff/events/{event.id}/report").get_data(as_text=True)
    shown = [text for text in COMMENTS if text in html]
    assert set(shown) == set(COMMENTS)
    # The last stored comment comes first.
    first = html.index("<blockquote>")
    assert html[first:].startswith(f"<blockquote>{COMMENTS[-1]}</blockquote>")

    negative = client.get(f"/staff/events/{event.id}/report?label=negative").get_data(as_text=True)
    comments = negative[negative.index('id="comments"') :]
    assert all(text in comments for text in NEGATIVE)
    assert not any(text in comments for text in POSITIVE + NEUTRAL + SPANISH)
    assert 'aria-current="page">Negative (4)</a>' in negative

    unscored = client.get(f"/staff/events/{event.id}/report?label=unscored").get_data(as_text=True)
    assert unscored[unscored.index('id="comments"') :].count("<blockquote>") == 2


def test_researchers_see_no_comments(client, login, make_user, crafted):
    event, _before, _after = crafted
    login(make_user("researcher", department=event.department))
    html = client.get(f"/staff/events/{event.id}/report?label=positive").get_data(as_text=True)
    assert not any(text in html for text in COMMENTS)
    assert 'id="comments"' not in html
    # The aggregate sentiment is still there for them.
    assert 'data-table="sentiment"' in html


def test_page_tables_show_exactly_the_csv_numbers(client, login, make_user, crafted):
    event, _before, _after = crafted
    login(make_user("staff", department=event.department))
    tables = page_tables(client.get(f"/staff/events/{event.id}/report").get_data(as_text=True))
    assert set(tables) == {"indices", "items", "likert", "talked", "sentiment"}
    for key, rows in tables.items():
        header, *csv_rows = parse_csv(
            client.get(f"/staff/events/{event.id}/report.csv?chart={key}").data
        )
        shown = [row for row in csv_rows if row[-1] != "fewer than 10 responses" or row[1]]
        expected = [page_cells(row, header) for row in shown]
        # An all-empty note column is not printed on the page.
        if not any(row[-1] for row in shown):
            expected = [row[:-1] for row in expected]
        assert rows == expected, key


def test_figures_carry_the_csv_numbers(client, login, make_user, crafted):
    event, _before, _after = crafted
    login(make_user("staff", department=event.department))
    figures = page_figures(client.get(f"/staff/events/{event.id}/report").get_data(as_text=True))
    rows = csv_records(client.get(f"/staff/events/{event.id}/report.csv?chart=indices").data)
    before_trace, after_trace = figures["indices"]["data"]
    for position, row in enumerate(rows):
        for trace, side in ((before_trace, "Before"), (after_trace, "After")):
            n, low, high, *_text = trace["customdata"][position]
            assert trace["x"][position] == float(row[f"{side} mean"])
            assert (n, low, high) == (
                int(row[f"{side} n"]),
                float(row[f"{side} 95% CI low"]),
                float(row[f"{side} 95% CI high"]),
            )
    likert = csv_records(client.get(f"/staff/events/{event.id}/report.csv?chart=likert").data)
    strongly_agree = next(t for t in figures["likert"]["data"] if t["name"] == "Strongly agree")
    assert strongly_agree["x"] == [float(row["Strongly agree %"]) for row in likert]
    assert figures["indices"]["config"]["toImageButtonOptions"]["format"] == "png"
    assert figures["indices"]["config"]["showSendToCloud"] is False


def test_small_groups_are_not_shown(app, client, login, make_user, make_event, respond):
    event = make_event(name="Small turnout")
    for number in range(9):
        respond(event, "before", {code: 3 for code in ITEMS}, phone=f"p{number}")
    for number in range(12):
        respond(event, "after", {code: 4 for code in ITEMS} | {"TALKED": 1}, phone=f"p{number}")
    login(make_user("staff", department=event.department))
    html = client.get(f"/staff/events/{event.id}/report").get_data(as_text=True)
    rows = {
        r["Measure"]: r
        for r in csv_records(client.get(f"/staff/events/{event.id}/report.csv?chart=indices").data)
    }
    trust = rows["Trust index"]
    assert trust["Before mean"] == trust["Before n"] == trust["Change (after - before)"] == ""
    assert trust["After mean"] == "75.0"
    assert trust["Note"] == "before: fewer than 10 responses; pairs: fewer than 10 responses"
    assert "before: fewer than 10 responses" in html
    # The before point is missing from the chart too, not drawn as a zero.
    before_trace = page_figures(html)["indices"]["data"][0]
    assert before_trace["x"] == [None, None]
    # "Did not talk" has nobody: listed, never drawn.
    assert "Not shown, fewer than 10 responses:" in html
    assert '<span class="group">Did not talk with an officer</span>' in html

    app.config["MIN_GROUP_SIZE"] = 13
    rows = {
        r["Measure"]: r
        for r in csv_records(client.get(f"/staff/events/{event.id}/report.csv?chart=indices").data)
    }
    assert rows["Trust index"]["After mean"] == ""
    assert "after: fewer than 13 responses" in rows["Trust index"]["Note"]


def test_an_event_without_responses_renders(client, login, make_user, make_event):
    event = make_event(name="Nobody came", status="draft")
    login(make_user("admin", department=event.department))
    response = client.get(f"/staff/events/{event.id}/report")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<dd data-count="before">0</dd>' in html
    assert page_figures(html) == {}
    assert "No chart: no group has enough responses to show." in html


def test_unknown_chart_csv_is_404(client, login, make_user, make_event):
    event = make_event()
    login(make_user("staff", department=event.department))
    assert client.get(f"/staff/events/{event.id}/report.csv?chart=nope").status_code == 404
    # No chart named: the headline indices table.
    plain = client.get(f"/staff/events/{event.id}/report.csv")
    assert plain.status_code == 200
    assert parse_csv(plain.data)[0][0] == "Measure"
    assert 'filename="event-' in plain.headers["Content-Disposition"]


@pytest.mark.parametrize("page", ["²", "9" * 5000, "-3", "2.5", "0", "%EF%BC%92"])
def test_any_page_number_shows_a_page_of_comments(
    client, login, make_user, make_event, respond, page
):
    event = make_event()
    respond(event, "after", {"COMMENT": "Thank you for coming."}, phone="p1")
    login(make_user("staff", department=event.department))
    response = client.get(f"/staff/events/{event.id}/report?page={page}")
    assert response.status_code == 200
    assert "<blockquote>Thank you for coming.</blockquote>" in response.get_data(as_text=True)
