"""k-anonymity for exports by local recoding, planned from counts and applied row by row.

An export can stream millions of rows, so nothing here sees a row. The caller counts rows per
combination of quasi-identifiers (area, event, language, date, demographic items) with a SQL
GROUP BY, `plan_k_anonymity` decides how each combination is released, and the streaming
writer calls `Plan.apply` on each row. Memory grows with the number of distinct combinations,
never with the number of rows. A count may be any additive size, such as rows weighted so
that k counts residents (`survey.export.services.PAIRED_ROW`); "rows" then read "weight".

Local recoding generalizes only the combinations that need it: a rare area is suppressed for
the handful of residents who would stand out, while the other thousands of rows keep theirs.
"""

import heapq
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

QI = tuple[str, ...]
SUPPRESSED = "*"


def suppress(value: str) -> str:
    """Return SUPPRESSED whatever the value: the last level of every column."""
    return SUPPRESSED


def _month(day: str) -> str:
    """Return "YYYY-MM" of an ISO "YYYY-MM-DD" day ("" stays "" so missing stays missing)."""
    return day[:7]


def _year(day: str) -> str:
    """Return "YYYY" of an ISO day or month ("" stays "")."""
    return day[:4]


@dataclass(frozen=True)
class Column:
    """A quasi-identifier column and how it may be coarsened.

    `levels[i]` maps an *original* value to its value at generalization level i + 1 (level 0
    is the original value itself). Each level must be coarser than the one before, and the
    last must map everything to SUPPRESSED, so that any group can be made large enough.
    """

    name: str
    levels: tuple[Callable[[str], str], ...]


def date_column(name: str) -> Column:
    """Return a column of ISO days that coarsens day -> "YYYY-MM" -> "YYYY" -> "*"."""
    return Column(name, (_month, _year, suppress))


def category_column(name: str) -> Column:
    """Return a column with no hierarchy (area, language, a single-choice item): value -> "*"."""
    return Column(name, (suppress,))


@dataclass(frozen=True)
class Plan:
    """How each original combination is released, with the cost of making it k-anonymous.

    `cells_generalized` counts (row, column) cells of kept rows whose released value differs
    from the original; dropped rows are counted in `rows_dropped` only.
    """

    mapping: Mapping[QI, QI | None]
    k: int
    cells_generalized: int
    rows_dropped: int

    def apply(self, qi: QI) -> QI | None:
        """Return the released combination for a row, or None if the row must be dropped.

        A combination that was not counted when the plan was made is dropped: nothing is
        known about the size of its group, so releasing it could break k-anonymity.
        """
        return self.mapping.get(qi)


class _Recoder:
    """The mutable state of one planning run: where each combination currently stands.

    Groups are numbered so the hot loop hashes and compares integers, not tuples of strings;
    numbers are handed out in a deterministic order, so ties break the same way every run.
    """

    def __init__(
        self, combos: list[QI], sizes: list[int], columns: Sequence[Column], k: int
    ) -> None:
        self.columns = columns
        self.k = k
        self.combos = combos
        self.sizes = sizes
        self.levels = [[0] * len(columns) for _ in combos]
        self.group_of = list(range(len(combos)))
        self.group_ids: dict[QI, int] = {combo: i for i, combo in enumerate(combos)}
        self.keys = list(combos)
        self.members = [[i] for i in range(len(combos))]
        self.size = list(sizes)
        # How many generalization steps the most generalized member of a group has taken.
        self.depth = [0] * len(combos)
        # Per column, how many combinations currently show each released value; its length
        # is the number of distinct released values that drives the default column choice.
        self.values: list[Counter[str]] = [
            Counter(combo[j] for combo in combos) for j in range(len(columns))
        ]
        self.cache: dict[tuple[int, int, str], str] = {}

    def value_at(self, column: int, level: int, original: str) -> str:
        """Return `original` generalized to `level` of `column`, computing each pair once."""
        key = (column, level, original)
        value = self.cache.get(key)
        if value is None:
            value = self.columns[column].levels[level - 1](original)
            self.cache[key] = value
        return value

    def group_id(self, key: QI) -> int:
        """Return the number of the group released as `key`, creating an empty one if new."""
        gid = self.group_ids.get(key)
        if gid is None:
            gid = len(self.keys)
            self.group_ids[key] = gid
            self.keys.append(key)
            self.members.append([])
            self.size.append(0)
            self.depth.append(0)
        return gid

    def choose_column(self, key: QI, order: Sequence[int]) -> int | None:
        """Return the column to generalize next for a group, or None if it is all "*".

        Columns named in the priority come first, in that order; the rest follow, most
        distinct released values first (they split the data the finest), ties by position.
        """
        for j in order:
            if key[j] != SUPPRESSED:
                return j
        best = None
        best_count = 0
        for j, value in enumerate(key):
            if value != SUPPRESSED and len(self.values[j]) > best_count:
                best, best_count = j, len(self.values[j])
        return best

    def generalize(self, gid: int, column: int) -> list[int]:
        """Move every member of a group one level up in `column`; return the groups touched.

        A member climbs until its released value actually changes, so a level that leaves a
        value as it was (a missing date stays "" per month and per year) costs no round.
        """
        key = self.keys[gid]
        current = key[column]
        top = len(self.columns[column].levels)
        counter = self.values[column]
        touched: list[int] = []
        for idx in self.members[gid]:
            level = self.levels[idx][column]
            original = self.combos[idx][column]
            value = current
            while value == current and level < top:
                level += 1
                value = self.value_at(column, level, original)
            self.levels[idx][column] = level
            target = self.group_id((*key[:column], value, *key[column + 1 :]))
            self.group_of[idx] = target
            counter[current] -= 1
            if not counter[current]:
                del counter[current]
            counter[value] += 1
            self.members[target].append(idx)
            self.size[target] += self.sizes[idx]
            self.depth[target] = max(self.depth[target], sum(self.levels[idx]))
            if target not in touched:
                touched.append(target)
        self.members[gid] = []
        self.size[gid] = 0
        return touched

    def run(self, order: Sequence[int]) -> None:
        """Generalize groups below k until each has k rows or more, or is fully suppressed.

        Groups are taken least generalized first, then smallest first. This runs in rounds:
        every small group takes its first step before any takes a second, so a group that
        has just been coarsened waits for its neighbours to catch up and merge into it
        instead of running ahead to full suppression on its own. Groups of k or more rows
        are never touched.
        """
        k = self.k
        heap = [(0, size, gid) for gid, size in enumerate(self.size) if size < k]
        heapq.heapify(heap)
        while heap:
            depth, size, gid = heapq.heappop(heap)
            if self.size[gid] != size or self.depth[gid] != depth:
                continue  # stale: the group has since grown, moved or deepened
            column = self.choose_column(self.keys[gid], order)
            if column is None:
                continue  # all "*": nothing left to coarsen; kept or dropped at the end
            for target in self.generalize(gid, column):
                if self.size[target] < k:
                    heapq.heappush(heap, (self.depth[target], self.size[target], target))


def _check_inputs(
    counts: Mapping[QI, int], columns: Sequence[Column], k: int, priority: Sequence[str] | None
) -> list[int]:
    """Validate the arguments; return the priority as column positions.

    Raising here turns a misconfigured export into an error instead of a silent leak: a last
    level that does not suppress could leave a group below k with no way to grow it.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    names = [column.name for column in columns]
    if len(set(names)) != len(names):
        raise ValueError(f"column names must be unique: {names}")
    for combo, count in counts.items():
        if len(combo) != len(columns):
            raise ValueError(f"combination {combo!r} has {len(combo)} values, not {len(columns)}")
        if count < 0:
            raise ValueError(f"combination {combo!r} has a negative count {count}")
    for j, column in enumerate(columns):
        if not column.levels:
            raise ValueError(f"column {column.name!r} has no levels; the last must suppress")
        for value in {combo[j] for combo in counts}:
            top = column.levels[-1](value)
            if top != SUPPRESSED:
                raise ValueError(
                    f"the last level of column {column.name!r} maps {value!r} to {top!r}, "
                    f"not {SUPPRESSED!r}"
                )
    order = list(priority or ())
    unknown = [name for name in order if name not in names]
    if unknown or len(set(order)) != len(order):
        raise ValueError(f"priority {order} must name distinct columns among {names}")
    return [names.index(name) for name in order]


def plan_k_anonymity(
    counts: Mapping[QI, int],
    columns: Sequence[Column],
    k: int,
    priority: Sequence[str] | None = None,
) -> Plan:
    """Return a plan under which every released combination has at least k rows.

    `counts` maps each original combination (one string per column, "" for missing) to its
    number of rows. Groups below k are generalized one level at a time in the column chosen by
    `priority` (first name = generalize first; unnamed columns follow, most distinct released
    values first) until they merge into groups of k or more. Rows whose combination ends fully
    suppressed and still below k are dropped. Combinations counted 0 have no rows and are
    left out of the mapping, so `Plan.apply` drops them.

    The result depends only on the contents of `counts`, not on its iteration order, so the
    same data always gives the same export.
    """
    order = _check_inputs(counts, columns, k, priority)
    combos = sorted(combo for combo, count in counts.items() if count > 0)
    recoder = _Recoder(combos, [counts[combo] for combo in combos], columns, k)
    recoder.run(order)

    mapping: dict[QI, QI | None] = {}
    cells = 0
    dropped = 0
    for idx, combo in enumerate(combos):
        gid = recoder.group_of[idx]
        released = recoder.keys[gid]
        size = recoder.sizes[idx]
        if recoder.size[gid] < k:
            mapping[combo] = None
            dropped += size
        else:
            mapping[combo] = released
            cells += size * sum(a != b for a, b in zip(combo, released, strict=True))
    return Plan(
        mapping=MappingProxyType(mapping), k=k, cells_generalized=cells, rows_dropped=dropped
    )


def group_sizes(plan: Plan, counts: Mapping[QI, int]) -> dict[QI, int]:
    """Return the number of rows in each released combination, for checking a plan.

    Every value should be at least `plan.k`; an export test or an audit can assert that
    without reading a single row.
    """
    sizes: dict[QI, int] = {}
    for combo, count in counts.items():
        released = plan.apply(combo)
        if released is not None and count > 0:
            sizes[released] = sizes.get(released, 0) + count
    return dict(sorted(sizes.items()))
