"""Forming circles: speed, placement against the upper bound, quality against the exact optimum.

`make bench` runs this after the page benchmarks (bench/run.py calls ``main``); on its own:

    .venv/bin/python bench/forming.py [--quick]

Pools come from ``realistic_pool``: 70 % Dutch, 25 % English, 5 % French (some people do two
languages), departments of very different sizes (Zipf-like), popular and unpopular weekly slots,
1-5 slots per person, a few per cent with a "be with" or "not with" request. The exact optimum
comes from OR-Tools CP-SAT (`pip install '.[bench]'`); without it the quality part says so and
is skipped.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wol.rounds.forming import (  # noqa: E402
    MAX_SIZE,
    MIN_SIZE,
    Person,
    form_circles,
    group_sizes,
    totals,
    violations,
)

SLOTS = (
    # (slot, popularity): lunchtime and early mornings are popular, Friday afternoon is not.
    ("Tue 12:00", 10),
    ("Thu 12:00", 9),
    ("Wed 08:30", 7),
    ("Mon 12:00", 6),
    ("Tue 08:30", 5),
    ("Thu 16:00", 3),
    ("Wed 15:00", 3),
    ("Mon 09:00", 2),
    ("Fri 10:00", 1),
    ("Fri 14:00", 0.5),
)
LANGUAGES = (("nl", 0.70), ("en", 0.25), ("fr", 0.05))
SPEED_TARGET_S = 2.0
PLACEMENT_TARGET = 0.995
QUALITY_AVERAGE, QUALITY_FLOOR = 0.99, 0.97


def realistic_pool(n: int, seed: int, departments: int | None = None) -> list[Person]:
    """``n`` sign-ups as an organisation would see them."""
    rng = random.Random(seed)
    n_depts = departments or max(6, min(60, n // 25))
    depts = [f"Department {k + 1}" for k in range(n_depts)]
    dept_weights = [1 / (k + 1) ** 1.1 for k in range(n_depts)]
    slot_names = [s for s, _ in SLOTS]
    slot_weights = [w for _, w in SLOTS]
    keys = [f"person{k}@example.org" for k in range(n)]
    people = []
    for k in range(n):
        first = rng.choices([lang for lang, _ in LANGUAGES], [w for _, w in LANGUAGES])[0]
        langs = [first]
        if first != "en" and rng.random() < 0.3:
            langs.append("en")
        count = rng.choices([1, 2, 3, 4, 5], [25, 30, 25, 12, 8])[0]
        slots: set[str] = set()
        while len(slots) < count:
            slots.add(rng.choices(slot_names, slot_weights)[0])
        be_with = rng.choice(keys) if rng.random() < 0.04 else None
        not_with = frozenset({rng.choice(keys)}) if rng.random() < 0.03 else frozenset()
        people.append(
            Person(
                keys[k],
                rng.choices(depts, dept_weights)[0],
                tuple(langs),
                tuple(sorted(slots)),
                be_with if be_with != keys[k] else None,
                not_with - {keys[k]},
            )
        )
    return people


def department_bound(people: list[Person], placed: int, seconds: float) -> int:
    """An upper bound on the departments of any proposal placing ``placed`` people.

    Per group: people placed there form c circles, and departments summed over them are at
    most sum over departments of min(people of it, c); "not with" and "be with" are left out,
    so this relaxes the exact model. Where the exact model reaches it, its answer is proven.
    """
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    sizes = group_sizes(people)
    chosen: dict[int, list] = {}
    total_placed, total_depts = [], []
    for (lang, slot), n in sorted(sizes.items()):
        if n < MIN_SIZE:
            continue
        members = [i for i, p in enumerate(people) if lang in p.languages and slot in p.slots]
        a = {i: model.new_bool_var("") for i in members}
        for i, var in a.items():
            chosen.setdefault(i, []).append(var)
        fours = model.new_int_var(0, n // MIN_SIZE, "")
        fives = model.new_int_var(0, n // MAX_SIZE, "")
        model.add(sum(a.values()) == MIN_SIZE * fours + MAX_SIZE * fives)
        for dept in {people[i].department for i in members}:
            w = model.new_int_var(0, n, "")
            model.add(w <= sum(a[i] for i in members if people[i].department == dept))
            model.add(w <= fours + fives)
            total_depts.append(w)
        total_placed += a.values()
    for vars_ in chosen.values():
        model.add(sum(vars_) <= 1)
    model.add(sum(total_placed) == placed)
    model.maximize(sum(total_depts))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = seconds
    solver.solve(model)
    return int(solver.best_objective_bound + 1e-6)


def exact_optimum(people: list[Person], seconds: float = 30.0, hint=None):
    """The best (placed, departments, requests) by CP-SAT, and whether it is proven optimal.

    ``hint``: circles to start the search from (our own proposal).
    """
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    sizes = group_sizes(people)
    index = {p.key: i for i, p in enumerate(people)}
    by_person: dict[int, list] = {}
    circles = []  # (x vars by person, y)
    placed_terms, dept_terms, request_terms = [], [], []
    dept_vars: dict[str, list] = {}
    for (lang, slot), n in sorted(sizes.items()):
        if n < MIN_SIZE:
            continue
        members = [i for i, p in enumerate(people) if lang in p.languages and slot in p.slots]
        previous = None
        for k in range(n // MIN_SIZE):
            y = model.new_bool_var("")
            # Circles of a group are interchangeable: order them by their first member, so
            # the group's j-th person can only be in its circles 0..j.
            x = {i: model.new_bool_var("") for pos, i in enumerate(members) if pos >= k}
            model.add(sum(x.values()) >= MIN_SIZE * y)
            model.add(sum(x.values()) <= MAX_SIZE * y)
            if previous is not None:
                model.add(previous >= y)  # circles of a group are used in order
            previous = y
            for i, var in x.items():
                by_person.setdefault(i, []).append(var)
            for i in x:
                for other in people[i].not_with:
                    j = index.get(other)
                    if j is not None and j in x and j != i:
                        model.add(x[i] + x[j] <= 1)
            present = []
            for dept in {people[i].department for i in x}:
                z = model.new_bool_var("")
                model.add(z <= sum(x[i] for i in x if people[i].department == dept))
                model.add(z <= y)
                dept_terms.append(z)
                present.append(z)
                dept_vars.setdefault(dept, []).append(z)
            # Redundant, but they tighten the bound a lot: a circle has no more departments
            # than members, and a department is in no more circles than it has people placed.
            model.add(sum(present) <= sum(x.values()))
            for i in x:
                j = index.get(people[i].be_with or "")
                if j is not None and j in x and j != i:
                    h = model.new_bool_var("")
                    model.add(h <= x[i])
                    model.add(h <= x[j])
                    request_terms.append(h)
            circles.append(((lang, slot), x, y))
    for vars_ in by_person.values():
        model.add(sum(vars_) <= 1)
        placed_terms += vars_
    for dept, zs in dept_vars.items():
        model.add(
            sum(zs)
            <= sum(v for i, vs in by_person.items() if people[i].department == dept for v in vs)
        )
    if hint:
        _add_hint(model, circles, hint, index)
    w_dept = len(request_terms) + 1
    w_placed = (len(people) + 1) * w_dept
    # Lexicographic, one goal at a time: each stage keeps the optimum of the one before.
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    best, proven = [], True
    for terms in (placed_terms, dept_terms, request_terms):
        if not terms:
            best.append(0)
            continue
        model.maximize(sum(terms))
        solver.parameters.max_time_in_seconds = seconds / 3
        status = solver.solve(model)
        value = round(solver.objective_value)
        if status != cp_model.OPTIMAL and terms is dept_terms:
            # Not proven by search: proven when it meets the relaxation's bound.
            status = (
                cp_model.OPTIMAL
                if value >= department_bound(people, best[0], seconds / 3)
                else status
            )
        proven &= status == cp_model.OPTIMAL
        best.append(value)
        model.add(sum(terms) >= value)
    return tuple(best), proven, (w_placed, w_dept)


def _add_hint(model, circles, hint, index) -> None:
    """Hint the exact model with a proposal, circles of a group ordered by first member."""
    slots: dict = {}
    for group, x, y in circles:
        slots.setdefault(group, []).append((x, y))
    used = set()
    for group, entries in slots.items():
        mine = [sorted(index[k] for k in c.members) for c in hint if (c.language, c.slot) == group]
        order = {
            i: pos
            for pos, i in enumerate(sorted({i for _g, x, _y in circles if _g == group for i in x}))
        }
        mine.sort(key=lambda members: min(order[i] for i in members))
        for k, (x, y) in enumerate(entries):
            members = set(mine[k]) if k < len(mine) else set()
            model.add_hint(y, bool(members))
            for i, var in x.items():
                model.add_hint(var, i in members)
                used.add(i)


def weighted(objective: tuple[int, int, int], weights: tuple[int, int]) -> int:
    """The lexicographic objective as one number, with the exact model's weights."""
    return objective[0] * weights[0] + objective[1] * weights[1] + objective[2]


def speed_and_placement(sizes: tuple[int, ...] = (1_000, 10_000), seeds: int = 3) -> bool:
    """Form pools of each size; print time, placement against the bound; True when on target."""
    ok = True
    print(
        f"{'pool':>7}  {'seed':>4}  {'seconds':>7}  {'placed':>6}  {'bound':>6}  "
        f"{'ratio':>7}  {'depts':>6}  {'requests':>9}  rules"
    )
    for n in sizes:
        for seed in range(1, seeds + 1):
            people = realistic_pool(n, seed)
            start = time.perf_counter()
            proposal = form_circles(people)
            elapsed = time.perf_counter() - start
            t = proposal.totals
            broken = violations(people, proposal.circles)
            ratio = t.placed / t.bound if t.bound else 1.0
            ok &= elapsed <= SPEED_TARGET_S and ratio >= PLACEMENT_TARGET and not broken
            print(
                f"{n:>7}  {seed:>4}  {elapsed:>7.3f}  {t.placed:>6}  {t.bound:>6}  "
                f"{ratio:>7.2%}  {t.departments:>6}  {t.requests_honoured:>4}/{t.requests:<4}  "
                f"{'ok' if not broken else broken[0]}"
            )
    print(
        f"targets: at most {SPEED_TARGET_S:.0f} s for 10,000 sign-ups; placed at least "
        f"{PLACEMENT_TARGET:.1%} of the bound"
    )
    return ok


def quality(pools: int = 20, seconds: float = 30.0) -> bool:
    """Compare with CP-SAT's optimum on seeded pools of 20-60 people; True when on target."""
    try:
        import ortools  # noqa: F401
    except ImportError:
        print("quality: OR-Tools is not installed (pip install '.[bench]'); skipped")
        return True
    ratios, dept_ratios = [], []
    print(
        f"{'pool':>4}  {'people':>6}  {'ours (placed/depts/req)':>24}  "
        f"{'optimum':>14}  {'proven':>6}  {'ratio':>7}  {'depts':>7}"
    )
    for seed in range(1, pools + 1):
        n = 20 + (seed * 37) % 41
        people = realistic_pool(n, 1000 + seed, departments=6)
        ours = form_circles(people, seed=seed)
        assert not violations(people, ours.circles)
        mine = totals(people, ours.circles).objective()
        best, proven, weights = exact_optimum(people, seconds, hint=ours.circles)
        ratio = weighted(mine, weights) / weighted(best, weights) if any(best) else 1.0
        dept_ratio = mine[1] / best[1] if best[1] else 1.0
        ratios.append(ratio)
        dept_ratios.append(dept_ratio)
        print(
            f"{seed:>4}  {n:>6}  {'/'.join(map(str, mine)):>24}  {'/'.join(map(str, best)):>14}"
            f"  {'yes' if proven else 'no':>6}  {ratio:>7.2%}  {dept_ratio:>7.2%}"
        )
    average, worst = statistics.mean(ratios), min(ratios)
    print(
        f"objective ratio: average {average:.2%}, lowest {worst:.2%} (targets: average at "
        f"least {QUALITY_AVERAGE:.0%}, never below {QUALITY_FLOOR:.0%}); departments ratio: "
        f"average {statistics.mean(dept_ratios):.2%}, lowest {min(dept_ratios):.2%}"
    )
    return average >= QUALITY_AVERAGE and worst >= QUALITY_FLOOR


def main(argv: list[str] | None = None) -> int:
    """Run the three forming benchmarks and print their numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="one seed, 5 quality pools")
    args = parser.parse_args(argv)
    print("\n== forming circles: speed and placement against the upper bound")
    ok = speed_and_placement(seeds=1 if args.quick else 3)
    print("\n== forming circles: quality against the exact optimum (CP-SAT)")
    ok &= quality(pools=5 if args.quick else 20, seconds=10 if args.quick else 30)
    print("forming: all targets met" if ok else "forming: a target was MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
