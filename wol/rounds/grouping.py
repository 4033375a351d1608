"""Phase A of forming circles: which (language, slot) group each person goes to. Pure.

A group of n people places ``cuttable(n)`` of them in circles of 4 and 5. ``Groups`` keeps,
for the current assignment, the people placed, the department bound (per group with c circles:
the sum over departments of min(count, c), capped by the people placed) and the "be with" pairs
in the same group, updated in O(1) per move; ``assign_groups`` hill-climbs single moves and pulls
people into groups that waste places or could open; ``kick_and_climb`` is an iterated local
search for small pools. See wol/rounds/forming.py for the whole algorithm.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict

MIN_SIZE, MAX_SIZE = 4, 5


def cuttable(n: int) -> int:
    """The most of ``n`` people that circles of 4 and 5 can hold (11 -> 10, 7 -> 5, 3 -> 0)."""
    if n >= 12:
        return n
    return (0, 0, 0, 0, 4, 5, 5, 5, 8, 9, 10, 10)[n]


class Groups:
    """People assigned to groups, with the numbers phase A optimises kept up to date."""

    def __init__(
        self, n_groups: int, dept_of: list[int], partner: list[int], askers: list[list[int]]
    ):
        self.size = [0] * n_groups
        self.counts: list[dict[int, int]] = [defaultdict(int) for _ in range(n_groups)]
        # at_least[g][k]: departments with at least k people in group g (index 0 unused).
        self.at_least: list[list[int]] = [[0] for _ in range(n_groups)]
        self.circles = [0] * n_groups  # c = cuttable(size) // 4
        self.bound = [0] * n_groups  # sum over departments of min(count, c)
        self.dept_of = dept_of
        self.partner = partner
        self.askers = askers
        self.where: list[int] = [-1] * len(dept_of)
        self.placed = 0
        self.departments = 0
        self.together = 0  # "be with" pairs in the same group
        self.squares = 0
        # "Not with" pairs, and the groups where they could meet: a pair in a group too small
        # for two circles costs a place, so phase A counts it against the people placed.
        self.clash_pairs: list[tuple[int, int]] = []
        self.clash_groups: set[int] = set()

    def _score_of(self, g: int) -> tuple[int, int]:
        placed = cuttable(self.size[g])
        return placed, min(self.bound[g], placed)

    def _set_circles(self, g: int) -> None:
        want = cuttable(self.size[g]) // MIN_SIZE
        at_least = self.at_least[g]
        while self.circles[g] < want:
            self.circles[g] += 1
            c = self.circles[g]
            self.bound[g] += at_least[c] if c < len(at_least) else 0
        while self.circles[g] > want:
            c = self.circles[g]
            self.bound[g] -= at_least[c] if c < len(at_least) else 0
            self.circles[g] -= 1

    def _pairs_together(self, i: int) -> int:
        g = self.where[i]
        n = 0
        j = self.partner[i]
        if j >= 0 and self.where[j] == g:
            n += 1
        for a in self.askers[i]:
            if a != i and self.where[a] == g:
                n += 1
        return n

    def add(self, i: int, g: int) -> None:
        """Put person ``i`` in group ``g``."""
        old_placed, old_depts = self._score_of(g)
        d = self.dept_of[i]
        counts = self.counts[g]
        x = counts[d] + 1
        counts[d] = x
        at_least = self.at_least[g]
        if x == len(at_least):
            at_least.append(0)
        at_least[x] += 1
        if x <= self.circles[g]:
            self.bound[g] += 1
        self.squares += 2 * self.size[g] + 1
        self.size[g] += 1
        self._set_circles(g)
        placed, depts = self._score_of(g)
        self.placed += placed - old_placed
        self.departments += depts - old_depts
        self.where[i] = g
        self.together += self._pairs_together(i)

    def remove(self, i: int) -> int:
        """Take person ``i`` out of their group; return the group."""
        g = self.where[i]
        self.together -= self._pairs_together(i)
        old_placed, old_depts = self._score_of(g)
        d = self.dept_of[i]
        counts = self.counts[g]
        x = counts[d]
        counts[d] = x - 1
        self.at_least[g][x] -= 1
        if x <= self.circles[g]:
            self.bound[g] -= 1
        self.size[g] -= 1
        self.squares -= 2 * self.size[g] + 1
        self._set_circles(g)
        placed, depts = self._score_of(g)
        self.placed += placed - old_placed
        self.departments += depts - old_depts
        self.where[i] = -1
        return g

    def clashes(self) -> int:
        """ "Not with" pairs sharing a group that can hold only one circle."""
        where, size = self.where, self.size
        return sum(
            1
            for i, j in self.clash_pairs
            if where[i] == where[j] >= 0 and size[where[i]] < 2 * MIN_SIZE
        )

    def score(self) -> tuple[int, int, int, int]:
        """Phase A's objective, compared lexicographically."""
        return (self.placed - self.clashes(), self.departments, self.together, self.squares)

    def move(self, i: int, g: int) -> None:
        """Move person ``i`` to group ``g``."""
        self.remove(i)
        self.add(i, g)

    def peek(self, g: int, d: int, step: int) -> tuple[int, int]:
        """(placed, departments) of group ``g`` if one person of department ``d`` came (+1)
        or went (-1), without changing anything."""
        counts, at_least = self.counts[g], self.at_least[g]
        c, bound = self.circles[g], self.bound[g]
        x = counts.get(d, 0)
        changed = x + 1 if step > 0 else x  # the at_least entry that moves by ``step``
        if changed <= c:
            bound += step

        def ge(k: int) -> int:
            value = at_least[k] if k < len(at_least) else 0
            return value + step if k == changed else value

        placed = cuttable(self.size[g] + step)
        want = placed // MIN_SIZE
        while c < want:
            c += 1
            bound += ge(c)
        while c > want:
            bound -= ge(c)
            c -= 1
        return placed, min(bound, placed)

    def gain(self, i: int, g: int) -> tuple[int, int, int, int]:
        """How much the score would change if person ``i`` moved to group ``g``."""
        here, d = self.where[i], self.dept_of[i]
        size = self.size
        placed = (
            cuttable(size[here] - 1)
            - cuttable(size[here])
            + cuttable(size[g] + 1)
            - cuttable(size[g])
        )
        if placed < 0 and here not in self.clash_groups:
            return placed, 0, 0, 0  # a loss whatever the rest does
        p0, d0 = self._score_of(here)
        p1, d1 = self._score_of(g)
        p2, d2 = self.peek(here, d, -1)
        p3, d3 = self.peek(g, d, +1)
        together = 0
        if self.partner[i] >= 0 or self.askers[i]:
            before = self._pairs_together(i)
            self.where[i] = g
            together = self._pairs_together(i) - before
            self.where[i] = here
        squares = 2 * (self.size[g] - self.size[here] + 1)
        clashes = 0
        small = 2 * MIN_SIZE
        if (here in self.clash_groups and self.size[here] <= small) or (
            g in self.clash_groups and self.size[g] < small
        ):
            before = self.clashes()
            self.move(i, g)
            clashes = self.clashes() - before
            self.move(i, here)
        return p2 + p3 - p0 - p1 - clashes, d2 + d3 - d0 - d1, together, squares


def assign_groups(
    options: list[list[int]],
    state: Groups,
    rng: random.Random,
    deadline: float,
    shuffle: bool,
    *,
    sweeps: int = 40,
    climb_after_grow: bool = False,
    grow: bool = True,
) -> None:
    """Phase A: hill-climb single moves, then grow groups that waste people or could open."""
    order = [i for i, opts in enumerate(options) if len(opts) > 1]
    zero = (0, 0, 0, 0)
    for _sweep in range(sweeps):
        if shuffle:
            rng.shuffle(order)
        improved = False
        for i in order:
            here = state.where[i]
            best, best_g = zero, here
            for g in options[i]:
                if g != here:
                    delta = state.gain(i, g)
                    if delta > best:
                        best, best_g = delta, g
            if best_g != here:
                state.move(i, best_g)
                improved = True
        if time.perf_counter() > deadline:
            break
        if not improved and not (
            grow and grow_groups(options, state, rng, deadline, climb_after_grow)
        ):
            break


def grow_groups(
    options: list[list[int]], state: Groups, rng: random.Random, deadline: float, climb: bool
) -> bool:
    """Pull people into a group until it can be cut without waste; keep it when the score
    rises, after a short climb to repair the groups they left when ``climb`` (small pools).
    True when some group grew."""
    candidates: dict[int, list[int]] = defaultdict(list)
    for i, opts in enumerate(options):
        if len(opts) > 1:
            for g in opts:
                candidates[g].append(i)
    grew = False
    for g in range(len(state.size)):
        n = state.size[g]
        if cuttable(n) == n and n >= MIN_SIZE or len(candidates[g]) + n < MIN_SIZE:
            continue
        target = next(k for k in range(max(n + 1, MIN_SIZE), 13) if cuttable(k) == k)
        start = state.score()
        saved = list(state.where) if climb else None
        moved: list[tuple[int, int]] = []
        pool = [i for i in candidates[g][:400]]
        while state.size[g] < target:
            best, best_i = None, -1
            for i in pool:
                if state.where[i] != g:
                    delta = state.gain(i, g)
                    if best is None or delta > best:
                        best, best_i = delta, i
            if best_i < 0:
                break
            moved.append((best_i, state.where[best_i]))
            state.move(best_i, g)
        if climb and state.size[g] >= target and state.score() <= start:
            assign_groups(options, state, rng, deadline, shuffle=True, sweeps=3, grow=False)
        if state.size[g] >= target and state.score() > start:
            grew = True
        elif saved is not None:
            for i, home in enumerate(saved):
                if state.where[i] != home:
                    state.move(i, home)
        else:
            for i, home in reversed(moved):
                state.move(i, home)
        if time.perf_counter() > deadline:
            break
    return grew


def kick_and_climb(
    options: list[list[int]], state: Groups, rng: random.Random, until: float, kicks: int
) -> int:
    """Iterated local search: move a few people at random, climb again, keep what is not
    worse, go back otherwise; ``kicks`` times (the same result on a busy machine), or until
    ``until``. For small pools, where phase A has time to spare. Returns the kicks made."""
    flexible = [i for i, opts in enumerate(options) if len(opts) > 1]
    if not flexible:
        return 0
    best = state.score()
    saved = list(state.where)
    done = 0
    while done < kicks and time.perf_counter() < until:
        done += 1
        for i in rng.sample(flexible, min(len(flexible), rng.randint(2, 5))):
            state.move(i, rng.choice(options[i]))
        assign_groups(options, state, rng, until, shuffle=True)
        now = state.score()
        if now >= best:
            best, saved = now, list(state.where)
        else:
            for i, g in enumerate(saved):
                if state.where[i] != g:
                    state.move(i, g)
    return done
