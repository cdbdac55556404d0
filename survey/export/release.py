"""How each combination of quasi-identifiers is released: recoding within events, then kanon.

`kanon.plan_k_anonymity` only ever coarsens groups smaller than k, which merge with other
small groups. In survey data the small groups are almost always a rare language and channel
inside one well-attended event (three Spanish-speaking kiosk users among 300 residents):
left to kanon alone they could only merge with other events' leftovers, losing their event,
and a researcher's per-event before/after means would no longer match the event report.

So a first pass works inside each event ("parent": the event-level columns are fixed): a
small group gives up one row-level value (channel, language, a demographic answer) and pulls
in the sibling groups that agree with it on the rest, cheapest first, even groups that were
already large enough, until it reaches k. Only events with fewer than k rows in total are
left for kanon, which coarsens the event itself. The composition is still exactly
k-anonymous: kanon plans on the counts *after* the first pass, and never splits a group.

Everything here is pure: counts in, a mapping out. No row is ever seen. A count is any
additive size: the export plans on rows weighted in half-residents with a threshold of 2k
(`survey.export.services.PAIRED_ROW`), so that k counts residents; the "rows" below are then
that weight. `release_stats` is given plain row counts.
"""

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from survey.export.kanon import QI, SUPPRESSED, Column, plan_k_anonymity


@dataclass(frozen=True)
class Release:
    """The released value of every counted combination, None for rows that are dropped.

    `k` is the least size of a released group, in the unit of the counts it was planned on.
    """

    mapping: Mapping[QI, QI | None]
    columns: tuple[str, ...]
    k: int

    def apply(self, qi: QI) -> QI | None:
        """Return the released combination, or None: the row must not be written.

        A combination that was not counted when the release was planned is dropped, as in
        `kanon.Plan.apply`: nothing is known about the size of its group.
        """
        return self.mapping.get(qi)


@dataclass(frozen=True)
class ReleaseStats:
    """What anonymization cost one selection of rows, for the page, the README and the audit.

    `cells_by_column` counts, per quasi-identifier, the cells of written rows whose value was
    generalized or suppressed; `rows_dropped` counts rows left out entirely.
    """

    rows: int
    rows_dropped: int
    cells_by_column: Mapping[str, int]

    @property
    def cells_generalized(self) -> int:
        """Return the number of cells changed, all columns together."""
        return sum(self.cells_by_column.values())


def _mask(combo: QI, stars: frozenset[int]) -> QI:
    """Return `combo` with the given positions suppressed."""
    values = list(combo)
    for i in stars:
        values[i] = SUPPRESSED
    return tuple(values)


def _differences(combo: QI, target: QI) -> int:
    """Return how many values of `combo` change when it is released as `target`."""
    return sum(a != b for a, b in zip(combo, target, strict=True))


class _Groups:
    """The current groups of one parent with their sizes, and sibling lookups by mask.

    For a set of suppressed positions S, `siblings` needs every group that equals a target
    once S is masked. Scanning all groups for each candidate move made the planning
    quadratic per step; instead one index per S (at most 2^columns of them, built on first
    use) maps each masked value to its groups and is updated as groups merge.
    """

    def __init__(self, sizes: Mapping[QI, int]) -> None:
        """Start from the original groups."""
        self.sizes: Counter[QI] = Counter(sizes)
        # stars -> (masked value -> groups, group -> its masked value)
        self.indexes: dict[frozenset[int], tuple[dict[QI, set[QI]], dict[QI, QI]]] = {}

    def siblings(self, target: QI, stars: frozenset[int]) -> set[QI]:
        """Return the groups released as `target` if their positions in `stars` were masked."""
        entry = self.indexes.get(stars)
        if entry is None:
            buckets: dict[QI, set[QI]] = {}
            keys: dict[QI, QI] = {}
            for group in self.sizes:
                keys[group] = key = _mask(group, stars)
                buckets.setdefault(key, set()).add(group)
            entry = self.indexes[stars] = (buckets, keys)
        return entry[0].get(target, set())

    def merge(self, moved: list[QI], target: QI) -> None:
        """Move whole groups into `target`, keeping every index up to date."""
        for group in moved:
            if group == target:
                continue
            self.sizes[target] += self.sizes.pop(group)
            for buckets, keys in self.indexes.values():
                buckets[keys.pop(group)].discard(group)
        for stars, (buckets, keys) in self.indexes.items():
            if target not in keys:
                keys[target] = key = _mask(target, stars)
                buckets.setdefault(key, set()).add(target)


def _best_move(groups: _Groups, group: QI, k: int) -> tuple[QI, list[QI]]:
    """Return the target and the groups to move there for one small group.

    Every not-yet-suppressed column is tried; the siblings that agree with the target once
    its suppressed positions are masked join cheapest first (fewest cells changed), until the
    target holds k rows. The cheapest column that reaches k wins, ties to the earlier column;
    when none can, the first column is taken with every sibling, which still makes progress.
    """
    sizes = groups.sizes
    best: tuple[int, QI, list[QI]] | None = None
    fallback: tuple[QI, list[QI]] | None = None
    for j, value in enumerate(group):
        if value == SUPPRESSED:
            continue
        target = (*group[:j], SUPPRESSED, *group[j + 1 :])
        stars = frozenset(i for i, v in enumerate(target) if v == SUPPRESSED)
        siblings = sorted(
            groups.siblings(target, stars) - {group},
            key=lambda other: (_differences(other, target) * sizes[other], sizes[other], other),
        )
        moved, total, cost = [group], sizes[group], sizes[group]
        for other in siblings:
            if total >= k:
                break
            moved.append(other)
            total += sizes[other]
            cost += _differences(other, target) * sizes[other]
        if total >= k and (best is None or cost < best[0]):
            best = (cost, target, moved)
        if fallback is None:
            fallback = (target, [group, *siblings])
    if best is not None:
        return best[1], best[2]
    assert fallback is not None  # noqa: S101 - callers pass a group with a value left
    return fallback


def recode_within_parent(counts: Mapping[QI, int], k: int) -> dict[QI, QI]:
    """Return row-level combinations of one event mapped so every group has k rows or more.

    `counts` holds the row-level part of the combinations of a single parent (its
    event-level part is the same for all). If the parent has fewer than k rows in total
    nothing can help inside it and the identity is returned for kanon to handle. Groups are
    only ever moved whole, so a group of k or more can grow but never shrink below k.
    """
    sizes = {combo: count for combo, count in counts.items() if count > 0}
    members = {combo: [combo] for combo in sizes}
    if sum(sizes.values()) < k:
        return {combo: combo for combo in sizes}
    groups = _Groups(sizes)
    # Smallest first; entries go stale when their group grows or moves, and are skipped.
    heap = [(size, g) for g, size in sizes.items() if size < k]
    heapq.heapify(heap)
    while heap:
        size, group = heapq.heappop(heap)
        if groups.sizes.get(group) != size or all(v == SUPPRESSED for v in group):
            continue
        target, moved = _best_move(groups, group, k)
        groups.merge(moved, target)
        gathered = members.setdefault(target, [])
        for other in moved:
            if other != target:
                gathered += members.pop(other)
        if groups.sizes[target] < k:
            heapq.heappush(heap, (groups.sizes[target], target))
    return {combo: released for released, combos in members.items() for combo in combos}


def plan_release(
    counts: Mapping[QI, int],
    columns: Sequence[Column],
    parent_size: int,
    k: int,
    priority: Sequence[str] | None = None,
) -> Release:
    """Return the release of every combination: recoding within parents, then kanon.

    The first `parent_size` columns describe the parent (the event: code, area, date, kind,
    question set); the rest vary within it (language, channel, demographic answers). Every
    released combination has at least k rows; the result depends only on the counts.
    """
    by_parent: dict[QI, dict[QI, int]] = defaultdict(dict)
    for combo, count in counts.items():
        if count > 0:
            by_parent[combo[:parent_size]][combo[parent_size:]] = count
    first: dict[QI, QI] = {}
    recoded: Counter[QI] = Counter()
    for parent, children in by_parent.items():
        for child, mapped in recode_within_parent(children, k).items():
            first[parent + child] = parent + mapped
            recoded[parent + mapped] += children[child]
    plan = plan_k_anonymity(recoded, columns, k, priority)
    mapping = {combo: plan.apply(mapped) for combo, mapped in first.items()}
    return Release(
        mapping=MappingProxyType(mapping),
        columns=tuple(column.name for column in columns),
        k=k,
    )


def release_stats(
    counts: Mapping[QI, int],
    release: Release,
    selected: Callable[[QI], bool] = lambda released: True,
) -> ReleaseStats:
    """Return rows written, rows dropped and cells changed for the selected released groups.

    `selected` decides on the *released* combination (a filter on area, date, kind), so a
    selection is always made of whole released groups and stays k-anonymous. A dropped row
    counts as dropped only if its original combination would pass the same filter.
    """
    rows = dropped = 0
    cells = dict.fromkeys(release.columns, 0)
    for combo, count in counts.items():
        released = release.apply(combo)
        if released is None:
            if count > 0 and selected(combo):
                dropped += count
            continue
        if not selected(released):
            continue
        rows += count
        for name, original, value in zip(release.columns, combo, released, strict=True):
            if original != value:
                cells[name] += count
    return ReleaseStats(rows=rows, rows_dropped=dropped, cells_by_column=MappingProxyType(cells))


def group_sizes_of(
    counts: Mapping[QI, int],
    release: Release,
    selected: Callable[[QI], bool] = lambda released: True,
) -> dict[QI, int]:
    """Return the number of rows in each released (and selected) combination."""
    sizes: Counter[QI] = Counter()
    for combo, count in counts.items():
        released = release.apply(combo)
        if released is not None and count > 0 and selected(released):
            sizes[released] += count
    return dict(sizes)
