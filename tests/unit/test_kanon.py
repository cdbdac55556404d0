import copy
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.export.kanon import (
    SUPPRESSED,
    Column,
    Plan,
    category_column,
    date_column,
    group_sizes,
    plan_k_anonymity,
    suppress,
)

COLUMNS = [date_column("date"), category_column("area"), category_column("language")]


def assert_k_anonymous(plan: Plan, counts: dict) -> None:
    sizes = group_sizes(plan, counts)
    assert all(size >= plan.k for size in sizes.values()), sizes
    total = sum(counts.values())
    assert sum(sizes.values()) + plan.rows_dropped == total


def is_generalization(original: str, released: str, column: Column) -> bool:
    return released == original or released in {level(original) for level in column.levels}


def test_a_lone_resident_in_a_rare_area_is_not_released_alone():
    counts = {
        ("2024-08-06", "Northside", "en"): 40,
        ("2024-08-06", "Northside", "es"): 12,
        ("2024-08-06", "Riverside", "en"): 25,
        ("2024-08-06", "Hilltop", "en"): 1,  # the only resident from Hilltop
    }
    plan = plan_k_anonymity(counts, COLUMNS, k=5)

    assert_k_anonymous(plan, counts)
    lone = plan.apply(("2024-08-06", "Hilltop", "en"))
    assert lone is None or "Hilltop" not in lone
    for combo in list(counts)[:3]:
        assert plan.apply(combo) == combo  # groups of k or more keep every detail


def test_small_groups_merge_by_suppressing_the_column_that_splits_them():
    counts = {
        ("2024-08-06", "Northside", "en"): 3,
        ("2024-08-06", "Riverside", "en"): 3,
        ("2024-08-06", "Hilltop", "en"): 20,
    }
    plan = plan_k_anonymity(counts, COLUMNS, k=5, priority=["area", "date"])

    released = ("2024-08-06", SUPPRESSED, "en")
    assert plan.apply(("2024-08-06", "Northside", "en")) == released
    assert plan.apply(("2024-08-06", "Riverside", "en")) == released
    assert plan.apply(("2024-08-06", "Hilltop", "en")) == ("2024-08-06", "Hilltop", "en")
    assert plan.cells_generalized == 6
    assert plan.rows_dropped == 0
    assert group_sizes(plan, counts) == {
        ("2024-08-06", "*", "en"): 6,
        ("2024-08-06", "Hilltop", "en"): 20,
    }


def test_dates_coarsen_step_by_step_only_as_far_as_needed():
    counts = {
        ("2024-08-06", "Northside"): 2,
        ("2024-08-20", "Northside"): 3,
        ("2024-03-02", "Northside"): 4,
        ("2024-11-30", "Northside"): 1,
        ("2023-10-01", "Northside"): 5,
    }
    columns = [date_column("date"), category_column("area")]
    plan = plan_k_anonymity(counts, columns, k=5, priority=["date"])

    assert plan.apply(("2024-08-06", "Northside")) == ("2024-08", "Northside")
    assert plan.apply(("2024-08-20", "Northside")) == ("2024-08", "Northside")
    assert plan.apply(("2024-03-02", "Northside")) == ("2024", "Northside")
    assert plan.apply(("2024-11-30", "Northside")) == ("2024", "Northside")
    assert plan.apply(("2023-10-01", "Northside")) == ("2023-10-01", "Northside")
    assert plan.rows_dropped == 0
    assert plan.cells_generalized == 10


def test_a_small_group_waits_for_its_neighbours_instead_of_running_ahead():
    # Northside is coarsened first (the smallest); Riverside must join it at the same level
    # rather than Northside going on to lose its date and language too.
    counts = {
        ("2024-08-06", "Northside", "en"): 2,
        ("2024-08-06", "Riverside", "en"): 3,
        ("2024-08-06", "Hilltop", "en"): 20,
    }
    plan = plan_k_anonymity(counts, COLUMNS, k=5, priority=["area"])

    assert group_sizes(plan, counts) == {
        ("2024-08-06", "*", "en"): 5,
        ("2024-08-06", "Hilltop", "en"): 20,
    }


def test_a_group_that_can_only_be_suppressed_and_stays_small_is_dropped():
    counts = {("2024-08-06", "Northside", "en"): 30, ("2019-01-01", "Hilltop", "fr"): 2}
    plan = plan_k_anonymity(counts, COLUMNS, k=5)

    assert plan.apply(("2019-01-01", "Hilltop", "fr")) is None
    assert plan.rows_dropped == 2
    assert plan.cells_generalized == 0
    assert group_sizes(plan, counts) == {("2024-08-06", "Northside", "en"): 30}


def test_fully_suppressed_rows_are_kept_when_there_are_k_of_them():
    counts = {
        ("2024-08-06", "A", "en"): 10,
        ("2019-01-01", "B", "fr"): 2,
        ("2018-05-05", "C", "de"): 3,
    }
    plan = plan_k_anonymity(counts, COLUMNS, k=5)

    assert plan.apply(("2019-01-01", "B", "fr")) == ("*", "*", "*")
    assert plan.apply(("2018-05-05", "C", "de")) == ("*", "*", "*")
    assert plan.rows_dropped == 0
    assert plan.cells_generalized == 5 * 3


def test_groups_already_k_anonymous_give_the_identity():
    counts = {
        ("2024-08-06", "Northside", "en"): 5,
        ("2024-08-06", "Northside", "es"): 7,
        ("2024-08-07", "Riverside", ""): 9,
    }
    plan = plan_k_anonymity(counts, COLUMNS, k=5)

    assert dict(plan.mapping) == {combo: combo for combo in counts}
    assert plan.cells_generalized == 0
    assert plan.rows_dropped == 0


def test_fewer_than_k_rows_in_total_are_all_dropped():
    counts = {("2024-08-06", "Northside", "en"): 2, ("2024-08-07", "Riverside", "es"): 2}
    plan = plan_k_anonymity(counts, COLUMNS, k=5)

    assert all(released is None for released in plan.mapping.values())
    assert plan.rows_dropped == 4
    assert plan.cells_generalized == 0
    assert group_sizes(plan, counts) == {}


def test_k_of_one_is_the_identity():
    counts = {("2024-08-06", "Hilltop", "en"): 1, ("2024-08-07", "Riverside", "es"): 3}
    plan = plan_k_anonymity(counts, COLUMNS, k=1)

    assert dict(plan.mapping) == {combo: combo for combo in counts}
    assert plan.cells_generalized == 0


def test_missing_values_are_values_like_any_other():
    counts = {("", "", ""): 3, ("", "Northside", ""): 3, ("2024-08-06", "Northside", "en"): 6}
    plan = plan_k_anonymity(counts, COLUMNS, k=5)

    assert_k_anonymous(plan, counts)
    assert plan.apply(("2024-08-06", "Northside", "en")) == ("2024-08-06", "Northside", "en")


def test_combinations_not_counted_are_dropped():
    counts = {("2024-08-06", "Northside", "en"): 9, ("2024-08-06", "Hilltop", "en"): 0}
    plan = plan_k_anonymity(counts, COLUMNS, k=5)

    assert plan.apply(("2024-08-06", "Hilltop", "en")) is None
    assert plan.apply(("2025-01-01", "Elsewhere", "de")) is None
    assert ("2024-08-06", "Hilltop", "en") not in plan.mapping
    assert plan.rows_dropped == 0


def test_no_columns_means_one_group_of_everyone():
    assert plan_k_anonymity({(): 7}, [], k=5).apply(()) == ()
    assert plan_k_anonymity({(): 4}, [], k=5).rows_dropped == 4


def test_the_plan_cannot_be_changed_by_the_caller():
    plan = plan_k_anonymity({("2024-08-06", "A", "en"): 9}, COLUMNS, k=5)
    with pytest.raises(TypeError):
        plan.mapping[("x", "y", "z")] = None  # type: ignore[index]


def test_same_counts_in_any_order_give_the_same_plan():
    rng = random.Random(7)
    counts = {}
    for _ in range(300):
        day = f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        counts[(day, rng.choice("ABCDEFG"), rng.choice(["en", "es"]))] = rng.randint(1, 6)
    items = list(counts.items())
    plans = []
    for _ in range(3):
        rng.shuffle(items)
        plans.append(plan_k_anonymity(dict(items), COLUMNS, k=5))
    assert plans[0] == plans[1] == plans[2]
    assert list(plans[0].mapping) == list(plans[1].mapping)


@pytest.mark.parametrize(
    ("columns", "k", "priority", "message"),
    [
        (COLUMNS, 0, None, "k must be"),
        (COLUMNS, 5, ["area", "nope"], "priority"),
        (COLUMNS, 5, ["area", "area"], "priority"),
        ([*COLUMNS[:2], category_column("area")], 5, None, "unique"),
        (COLUMNS[:2], 5, None, "values"),
        ([*COLUMNS[:2], Column("language", ())], 5, None, "no levels"),
        ([*COLUMNS[:2], Column("language", (str.upper,))], 5, None, "last level"),
    ],
)
def test_bad_arguments_are_refused(columns, k, priority, message):
    with pytest.raises(ValueError, match=message):
        plan_k_anonymity({("2024-08-06", "A", "en"): 3}, columns, k, priority)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        plan_k_anonymity({("2024-08-06", "A", "en"): -1}, COLUMNS, k=5)


def test_fifty_thousand_combinations():
    rng = random.Random(2024)
    areas = [f"area{i}" for i in range(120)]
    counts: dict[tuple[str, ...], int] = {}
    while len(counts) < 50_000:
        day = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        combo = (day, rng.choice(areas), rng.choice(["en", "es", "vi", ""]), rng.choice("abcd"))
        counts[combo] = rng.choice([1, 1, 1, 2, 3, 8, 40])
    columns = [*COLUMNS, category_column("age")]

    plan = plan_k_anonymity(counts, columns, k=5)

    assert_k_anonymous(plan, counts)
    assert plan.rows_dropped < 5
    for combo, count in counts.items():
        if count >= 5:
            assert plan.apply(combo) == combo


DAYS = ["2024-08-06", "2024-08-07", "2024-09-01", "2023-08-06", ""]
AREAS = ["North", "South", "East", "", "*"]
LANGS = ["en", "es", ""]
combos = st.tuples(st.sampled_from(DAYS), st.sampled_from(AREAS), st.sampled_from(LANGS))


@settings(max_examples=300, deadline=None, database=None)
@given(
    counts=st.dictionaries(combos, st.integers(min_value=0, max_value=12), max_size=40),
    k=st.integers(min_value=1, max_value=15),
    priority=st.one_of(
        st.none(), st.lists(st.sampled_from(["date", "area", "language"]), unique=True)
    ),
)
def test_property_every_released_group_has_k_rows_or_is_dropped(counts, k, priority):
    before = copy.deepcopy(counts)

    plan = plan_k_anonymity(counts, COLUMNS, k, priority)

    assert counts == before
    assert_k_anonymous(plan, counts)
    assert plan.rows_dropped < k  # only the one all-"*" group can be dropped
    assert set(plan.mapping) == {combo for combo, count in counts.items() if count > 0}
    cells = 0
    for combo, released in plan.mapping.items():
        if counts[combo] >= k:
            assert released == combo
        if released is None:
            assert combo not in group_sizes(plan, counts)
            continue
        for original, value, column in zip(combo, released, COLUMNS, strict=True):
            assert is_generalization(original, value, column)
        cells += counts[combo] * sum(o != r for o, r in zip(combo, released, strict=True))
    assert cells == plan.cells_generalized


def test_suppress_maps_everything_to_the_marker():
    assert {suppress(value) for value in ["", "x", SUPPRESSED]} == {SUPPRESSED}
