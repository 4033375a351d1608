"""Forming circles from a sign-up round: pure, no Flask, no database.

People say which languages they can do and which weekly slots they can attend. A circle has one
language and one slot that every member listed, 4 or 5 members, and never two people where one
listed the other as "not with". Goals, strictly in this order: (1) place as many people as
possible; (2) the largest total, over all circles, of distinct departments per circle; (3) the
most "be with" requests honoured.

How: every (language, slot) pair is a *group*. A number of people can be cut into circles of 4
and 5 exactly when it is 4, 5, 8, 9, 10 or 12 and more, so a group of n people places
``cuttable(n)`` of them. Phase A (wol/rounds/grouping.py) puts every person in one of their
groups by local search on (placed, department bound, requests in the same group,
concentration); the department bound of a group with c circles is sum over departments of
min(count, c), capped by the people placed, and is exactly what dealing people round-robin by
department reaches. Phase B deals each group
into circles that way, then swaps people between circles to clear "not with" clashes and honour
"be with" requests without losing departments. Phase C puts people who were left out because of
a clash into a circle of 4 where they fit. Small pools run a few seeded restarts and keep the
best. ``upper_bound`` is what no proposal can beat: per connected set of people and groups of 4
or more, the largest cuttable number not above its size.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from wol.rounds.grouping import (
    MAX_SIZE,
    MIN_SIZE,
    Groups,
    assign_groups,
    cuttable,
    kick_and_climb,
)

# Pools up to this size get several seeded restarts; larger ones one careful run.
SMALL_POOL = 400
# Most kicks of the iterated local search per restart (small pools); time usually ends it.
KICKS = 1000


@dataclass(frozen=True)
class Person:
    """One sign-up: ``key`` identifies the person (a lower-cased e-mail address)."""

    key: str
    department: str = ""
    languages: tuple[str, ...] = ()
    slots: tuple[str, ...] = ()
    be_with: str | None = None
    not_with: frozenset[str] = frozenset()


@dataclass
class Circle:
    """A proposed circle: its language, slot and the keys of its members."""

    language: str
    slot: str
    members: list[str]


@dataclass(frozen=True)
class Reason:
    """Why someone was left out, as data; the caller puts it into words.

    ``code``: "no_choice" (no language or no slot), "too_few" (every one of their language and
    slot pairs has fewer than 4 people), "not_cuttable" (their group's people could not all be
    cut into circles of 4 and 5), "not_with" (every place would break a "not with" request).
    ``groups``: (language, slot, people who chose it), at most three, the largest first.
    ``placed``: for "not_cuttable", how many of the group's ``groups[0][2]`` were placed.
    """

    code: str
    groups: tuple[tuple[str, str, int], ...] = ()
    placed: int = 0


@dataclass
class LeftOut:
    """A person not in any circle, and why."""

    key: str
    reason: Reason


@dataclass
class Totals:
    """The numbers a proposal is judged by."""

    placed: int
    departments: int
    requests_honoured: int
    requests: int  # "be with" requests naming someone in the pool
    requests_unknown: int  # "be with" requests naming someone who did not sign up
    bound: int

    def objective(self) -> tuple[int, int, int]:
        """The goals in their order, for comparing proposals."""
        return self.placed, self.departments, self.requests_honoured


@dataclass
class Proposal:
    """Circles, the people left out with their reasons, and the totals."""

    circles: list[Circle]
    left_out: list[LeftOut]
    totals: Totals
    seconds: float = 0.0
    notes: dict = field(default_factory=dict)


def options_of(person: Person) -> list[tuple[str, str]]:
    """The (language, slot) pairs a person can be placed in."""
    return [(lang, slot) for lang in person.languages for slot in person.slots]


def _conflicts(people: Sequence[Person]) -> dict[str, set[str]]:
    """Who may not be with whom, in both directions (only people in the pool)."""
    keys = {p.key for p in people}
    clash: dict[str, set[str]] = defaultdict(set)
    for p in people:
        for other in p.not_with:
            if other in keys and other != p.key:
                clash[p.key].add(other)
                clash[other].add(p.key)
    return clash


def violations(people: Sequence[Person], circles: Iterable[Circle]) -> list[str]:
    """Every hard rule the circles break, in words (empty when all is well)."""
    by_key = {p.key: p for p in people}
    clash = _conflicts(people)
    seen: set[str] = set()
    problems = []
    for n, circle in enumerate(circles, 1):
        if not MIN_SIZE <= len(circle.members) <= MAX_SIZE:
            problems.append(f"circle {n} has {len(circle.members)} members")
        for key in circle.members:
            person = by_key.get(key)
            if person is None:
                problems.append(f"circle {n}: {key} did not sign up")
                continue
            if key in seen:
                problems.append(f"{key} is in two circles")
            seen.add(key)
            if circle.language not in person.languages:
                problems.append(f"circle {n}: {key} did not choose {circle.language}")
            if circle.slot not in person.slots:
                problems.append(f"circle {n}: {key} did not choose {circle.slot}")
            if clash.get(key, set()) & set(circle.members):
                problems.append(f"circle {n}: {key} is with someone on a 'not with' list")
    return problems


def totals(people: Sequence[Person], circles: Iterable[Circle], bound: int | None = None) -> Totals:
    """Placed people, distinct departments summed over circles, and requests honoured."""
    circles = list(circles)
    by_key = {p.key: p for p in people}
    circle_of = {key: n for n, c in enumerate(circles) for key in c.members}
    honoured = asked = unknown = 0
    for p in people:
        if p.be_with and p.be_with != p.key:
            if p.be_with in by_key:
                asked += 1
                if p.key in circle_of and circle_of[p.key] == circle_of.get(p.be_with):
                    honoured += 1
            else:
                unknown += 1
    return Totals(
        placed=len(circle_of),
        departments=sum(len({by_key[k].department for k in c.members}) for c in circles),
        requests_honoured=honoured,
        requests=asked,
        requests_unknown=unknown,
        bound=upper_bound(people) if bound is None else bound,
    )


def group_sizes(people: Sequence[Person]) -> dict[tuple[str, str], int]:
    """How many people chose each (language, slot) pair."""
    sizes: dict[tuple[str, str], int] = defaultdict(int)
    for p in people:
        for option in set(options_of(p)):
            sizes[option] += 1
    return dict(sizes)


def upper_bound(people: Sequence[Person]) -> int:
    """The most people any proposal can place (hard rules other than "not with" only).

    People and groups of 4 or more are joined when a person chose the group; in each connected
    set the people placed form circles of 4 and 5, so at most ``cuttable(size)`` of them.
    """
    sizes = group_sizes(people)
    viable = sorted(g for g, n in sizes.items() if n >= MIN_SIZE)
    gid = {g: n for n, g in enumerate(viable)}
    return _bound([[gid[o] for o in set(options_of(p)) if o in gid] for p in people], len(viable))


def _bound(options: list[list[int]], n_groups: int) -> int:
    """``upper_bound`` from each person's viable group numbers."""
    parent = list(range(n_groups))

    def find(g: int) -> int:
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    for opts in options:
        if len(opts) > 1:
            root = find(opts[0])
            for g in opts[1:]:
                other = find(g)
                if other != root:
                    parent[other] = root
    per_set: dict[int, int] = defaultdict(int)
    for opts in options:
        if opts:
            per_set[find(opts[0])] += 1
    return sum(cuttable(n) for n in per_set.values())


# --- phase B: circles within a group ----------------------------------------------------


class _Pool:
    """Everything phases B and C need about the people, by index."""

    def __init__(self, people: Sequence[Person]):
        self.people = list(people)
        self.index = {p.key: i for i, p in enumerate(people)}
        depts = {}
        self.dept = [depts.setdefault(p.department.strip().lower(), len(depts)) for p in people]
        self.partner = [self.index.get(p.be_with, -1) if p.be_with else -1 for p in people]
        self.partner = [j if j != i else -1 for i, j in enumerate(self.partner)]
        self.askers: list[list[int]] = [[] for _ in people]
        for i, j in enumerate(self.partner):
            if j >= 0:
                self.askers[j].append(i)
        self.clash: list[set[int]] = [set() for _ in people]
        for key, others in _conflicts(people).items():
            i = self.index[key]
            self.clash[i] = {self.index[o] for o in others}


def _circle_value(pool: _Pool, members: list[int]) -> tuple[int, int, int]:
    """(-clashes, distinct departments, requests honoured) of one circle."""
    inside = set(members)
    clashes = sum(len(pool.clash[i] & inside) for i in members) // 2
    honoured = sum(1 for i in members if pool.partner[i] in inside)
    return -clashes, len({pool.dept[i] for i in members}), honoured


def _add(a: tuple, b: tuple) -> tuple:
    return tuple(x + y for x, y in zip(a, b, strict=True))


def _deal(pool: _Pool, members: list[int]) -> tuple[list[list[int]], list[int]]:
    """Cut a group into circles by dealing people round-robin by department; the rest wait."""
    keep_n = cuttable(len(members))
    if keep_n == 0:
        return [], list(members)
    n_circles = keep_n // MIN_SIZE
    by_dept: dict[int, list[int]] = defaultdict(list)
    for i in members:
        by_dept[pool.dept[i]].append(i)
    # Keep up to one person per circle from each department first, then the earliest others.
    kept, rest = [], []
    for people in by_dept.values():
        kept += people[:n_circles]
        rest += people[n_circles:]
    if len(kept) > keep_n:
        kept.sort(key=lambda i: (len(pool.clash[i]), i))
        kept = kept[:keep_n]
    else:
        rest.sort()
        kept += rest[: keep_n - len(kept)]
    kept_set = set(kept)
    spare = [i for i in members if i not in kept_set]
    size = defaultdict(int)
    for i in kept:
        size[pool.dept[i]] += 1
    kept.sort(key=lambda i: (-size[pool.dept[i]], pool.dept[i], i))
    circles = [[] for _ in range(n_circles)]
    for pos, i in enumerate(kept):
        circles[pos % n_circles].append(i)
    return circles, spare


def _improve(
    pool: _Pool, circles: list[list[int]], bench: list[int], deadline: float, exhaustive: bool
) -> None:
    """Swap people between circles (and the bench) while the group's value rises."""
    if not circles:
        return
    lists = [*circles, bench]
    bench_at = len(circles)
    values = [_circle_value(pool, c) for c in circles] + [(0, 0, 0)]
    for _round in range(30):
        improved = False
        if exhaustive:
            focus = [i for c in lists[:bench_at] for i in c] + list(bench)
        else:
            focus = _focus(pool, lists[:bench_at])
        where = {i: n for n, c in enumerate(lists) for i in c}
        for a in focus:
            x = where.get(a)
            if x is None:
                continue
            targets = range(len(lists)) if exhaustive else _targets(pool, a, where, len(lists))
            for y in targets:
                if y == x or (x == bench_at and y == bench_at):
                    continue
                if _best_swap(pool, lists, values, where, a, x, y, bench_at):
                    improved = True
                    break
            if time.perf_counter() > deadline:
                return
        if not improved:
            return


def _focus(pool: _Pool, circles: list[list[int]]) -> list[int]:
    """People in a clash or with a "be with" request not yet honoured (large groups)."""
    focus = []
    for c in circles:
        inside = set(c)
        for i in c:
            if pool.clash[i] & inside or (pool.partner[i] >= 0 and pool.partner[i] not in inside):
                focus.append(i)
    return focus


def _targets(pool: _Pool, a: int, where: dict[int, int], n_lists: int) -> list[int]:
    """Circles worth trying for ``a``: their partner's, then every circle when they clash."""
    wanted = []
    j = pool.partner[a]
    if j >= 0 and j in where:
        wanted.append(where[j])
    for asker in pool.askers[a]:
        if asker in where:
            wanted.append(where[asker])
    if pool.clash[a]:
        wanted += range(n_lists)
    return list(dict.fromkeys(wanted))


def _best_swap(pool: _Pool, lists, values, where, a: int, x: int, y: int, bench_at: int) -> bool:
    """Apply the best improving swap (or move) of ``a`` from list x with someone in y."""
    before = _add(values[x], values[y])
    best = None
    cx, cy = lists[x], lists[y]
    for b in cy:
        nx = [b if i == a else i for i in cx]
        ny = [a if i == b else i for i in cy]
        vx = (0, 0, 0) if x == bench_at else _circle_value(pool, nx)
        vy = (0, 0, 0) if y == bench_at else _circle_value(pool, ny)
        after = _add(vx, vy)
        if after > before and (best is None or after > best[0]):
            best = (after, b, nx, ny, vx, vy)
    # A plain move keeps both circles at 4 or 5 members.
    if x != bench_at and y != bench_at and len(cx) > MIN_SIZE and len(cy) < MAX_SIZE:
        nx = [i for i in cx if i != a]
        ny = [*cy, a]
        vx, vy = _circle_value(pool, nx), _circle_value(pool, ny)
        after = _add(vx, vy)
        if after > before and (best is None or after > best[0]):
            best = (after, None, nx, ny, vx, vy)
    if best is None:
        return False
    _, b, nx, ny, vx, vy = best
    lists[x][:] = nx
    lists[y][:] = ny
    values[x], values[y] = vx, vy
    where[a] = y
    if b is not None:
        where[b] = x
    return True


def _clear_clashes(
    pool: _Pool, circles: list[list[int]], bench: list[int], dropped: set[int]
) -> None:
    """Take out whoever still clashes; refill or dissolve circles that fall below 4."""
    for c in circles:
        while True:
            inside = set(c)
            worst = max(c, key=lambda i: (len(pool.clash[i] & inside), -i), default=None)
            if worst is None or not pool.clash[worst] & inside:
                break
            c.remove(worst)
            dropped.add(worst)
    for c in circles:
        if len(c) >= MIN_SIZE:
            continue
        for i in list(bench):
            if len(c) < MIN_SIZE and not pool.clash[i] & set(c) and i not in dropped:
                c.append(i)
                bench.remove(i)
        for donor in circles:
            if len(c) >= MIN_SIZE:
                break
            if donor is c or len(donor) <= MIN_SIZE:
                continue
            for i in donor:
                if not pool.clash[i] & set(c):
                    donor.remove(i)
                    c.append(i)
                    break
    for c in [c for c in circles if len(c) < MIN_SIZE]:
        circles.remove(c)
        for i in c:
            home = next(
                (d for d in circles if len(d) < MAX_SIZE and not pool.clash[i] & set(d)), None
            )
            if home is not None:
                home.append(i)
            else:
                bench.append(i)
                dropped.add(i)
    bench.extend(i for i in dropped if i not in bench and not any(i in c for c in circles))


# --- the whole thing --------------------------------------------------------------------


def _solve(
    pool: _Pool,
    groups: list[tuple[str, str]],
    options: list[list[int]],
    seed: int,
    deadline: float,
    exhaustive_limit: int,
    kick_until: float = 0.0,
    kicks: int = 0,
    phase_a_until: float = 0.0,
):
    """One run of phases A, B and C; returns (circles by group, benched, dropped)."""
    rng = random.Random(seed)  # noqa: S311 - a seeded search, not a secret
    n_groups = len(groups)
    state = Groups(n_groups, pool.dept, pool.partner, pool.askers)
    state.clash_pairs = [(i, j) for i, others in enumerate(pool.clash) for j in others if i < j]
    state.clash_groups = {g for pair in state.clash_pairs for i in pair for g in options[i]}
    sizes = [0] * n_groups
    for opts in options:
        for g in opts:
            sizes[g] += 1
    start = [-1] * len(options)
    for i, opts in enumerate(options):
        if opts:
            noise = (lambda g: rng.random()) if seed else (lambda g: 0)
            start[i] = max(opts, key=lambda g: (sizes[g] + (noise(g) * 3 if seed else 0), -g))
    for i, j in enumerate(pool.partner):
        if j >= 0 and options[i] and options[j]:
            shared = set(options[i]) & set(options[j])
            if shared:
                start[i] = start[j] = max(shared, key=lambda g: (sizes[g], -g))
    for i, g in enumerate(start):
        if g >= 0:
            state.add(i, g)
    small = kick_until > 0
    assign_groups(
        options,
        state,
        rng,
        deadline if small else phase_a_until,
        shuffle=bool(seed),
        sweeps=40 if small else 6,
        climb_after_grow=small,
    )
    if kick_until:
        kick_and_climb(options, state, rng, min(deadline, kick_until), kicks)

    members: list[list[int]] = [[] for _ in range(n_groups)]
    for i, g in enumerate(state.where):
        if g >= 0:
            members[g].append(i)
    circles_of: list[list[list[int]]] = []
    benches: list[list[int]] = []
    dropped: set[int] = set()
    for g in range(n_groups):
        circles, bench = _deal(pool, members[g])
        _improve(pool, circles, bench, deadline, exhaustive=len(members[g]) <= exhaustive_limit)
        _clear_clashes(pool, circles, bench, dropped)
        circles_of.append(circles)
        benches.append(bench)
    _place_benched(pool, options, circles_of, benches, dropped)
    return circles_of, benches, dropped


def _place_benched(pool: _Pool, options, circles_of, benches, dropped: set[int]) -> None:
    """Phase C: seat people left out in a circle of 4 of any of their groups, or form a
    new circle from people left out in the same group."""
    waiting = {i for bench in benches for i in bench}
    for i in sorted(waiting):
        for g in options[i]:
            home = next(
                (c for c in circles_of[g] if len(c) < MAX_SIZE and not pool.clash[i] & set(c)), None
            )
            if home is not None:
                home.append(i)
                waiting.discard(i)
                dropped.discard(i)
                break
    for g in range(len(circles_of)):
        here = [i for i in sorted(waiting) if g in options[i]]
        while len(here) >= MIN_SIZE:
            circle: list[int] = []
            for i in here:
                if len(circle) < MAX_SIZE and not pool.clash[i] & set(circle):
                    circle.append(i)
            if len(circle) < MIN_SIZE:
                break
            circles_of[g].append(circle)
            for i in circle:
                waiting.discard(i)
                dropped.discard(i)
            here = [i for i in here if i in waiting]
    for bench in benches:
        bench[:] = [i for i in bench if i in waiting]


def form_circles(
    people: Sequence[Person],
    *,
    seed: int = 0,
    budget_s: float = 1.5,
    restarts: int | None = None,
    kicks: int = KICKS,
) -> Proposal:
    """Propose circles for ``people`` (unique keys) within about ``budget_s`` seconds."""
    started = time.perf_counter()
    pool = _Pool(people)
    chosen = [set(options_of(p)) for p in people]
    sizes: dict[tuple[str, str], int] = defaultdict(int)
    for mine in chosen:
        for option in mine:
            sizes[option] += 1
    groups = sorted(g for g, n in sizes.items() if n >= MIN_SIZE)
    gid = {g: n for n, g in enumerate(groups)}
    options = [sorted(gid[o] for o in mine if o in gid) for mine in chosen]
    bound = _bound(options, len(groups))
    small = len(people) <= SMALL_POOL
    runs = restarts if restarts is not None else (4 if small else 1)
    deadline = started + budget_s
    best = None
    for run in range(runs):
        seed_here = seed * 1000 + run
        # Restarts share 60 % of the budget for kicks; the rest is for circles in groups.
        kick = started + budget_s * 0.6 * (run + 1) / runs if small else 0.0
        result = _solve(
            pool,
            groups,
            options,
            seed_here,
            deadline,
            exhaustive_limit=60 if small else 40,
            kick_until=kick,
            kicks=kicks,
            phase_a_until=started + budget_s * 0.5,
        )
        circles = [
            Circle(groups[g][0], groups[g][1], [pool.people[i].key for i in c])
            for g, cs in enumerate(result[0])
            for c in cs
        ]
        score = totals(people, circles, bound)
        if best is None or score.objective() > best[1].objective():
            best = (result, score, circles)
        if score.placed == bound and not small:
            break
        if time.perf_counter() > deadline:
            break
    (circles_of, benches, dropped), score, circles = best
    left_out = _reasons(pool, people, sizes, groups, options, circles_of, dropped)
    return Proposal(
        circles=circles, left_out=left_out, totals=score, seconds=time.perf_counter() - started
    )


def _reasons(pool: _Pool, people, sizes, groups, options, circles_of, dropped) -> list[LeftOut]:
    """A reason for everyone who is in no circle."""
    placed_in = {i for cs in circles_of for c in cs for i in c}
    placed_per_group = [sum(len(c) for c in cs) for cs in circles_of]
    out = []
    for i, p in enumerate(people):
        if i in placed_in:
            continue
        chosen = sorted(set(options_of(p)), key=lambda g: (-sizes.get(g, 0), g))
        listed = tuple((lang, slot, sizes.get((lang, slot), 0)) for lang, slot in chosen[:3])
        if not chosen:
            reason = Reason("no_choice")
        elif not options[i]:
            reason = Reason("too_few", listed)
        elif i in dropped or pool.clash[i]:
            reason = Reason("not_with", listed)
        else:
            g = max(options[i], key=lambda g: (sizes[groups[g]], -g))
            lang, slot = groups[g]
            reason = Reason(
                "not_cuttable", ((lang, slot, sizes[groups[g]]),), placed=placed_per_group[g]
            )
        out.append(LeftOut(p.key, reason))
    return out


def check_move(
    people: Sequence[Person], circles: list[Circle], key: str, target: int | None
) -> str | None:
    """Whether moving ``key`` into circle ``target`` (None: out of every circle) keeps the
    hard rules; None when it does, else a code: "language", "slot", "full", "too_small",
    "not_with", "same".
    """
    by_key = {p.key: p for p in people}
    person = by_key[key]
    source = next((n for n, c in enumerate(circles) if key in c.members), None)
    if source == target:
        return "same"
    if source is not None and len(circles[source].members) <= MIN_SIZE:
        return "too_small"
    if target is None:
        return None
    circle = circles[target]
    if circle.language not in person.languages:
        return "language"
    if circle.slot not in person.slots:
        return "slot"
    if len(circle.members) >= MAX_SIZE:
        return "full"
    clash = _conflicts(people).get(key, set())
    if clash & set(circle.members):
        return "not_with"
    return None


def apply_move(circles: list[Circle], key: str, target: int | None) -> None:
    """Move ``key`` into circle ``target`` (None: out of every circle); check it first."""
    for circle in circles:
        if key in circle.members:
            circle.members.remove(key)
    if target is not None:
        circles[target].members.append(key)
