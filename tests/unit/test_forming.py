"""The forming algorithm on plain values: hard rules always hold, nobody is left out without a
true reason, and the goals come in their order."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wol.rounds.forming import (
    Circle,
    Person,
    apply_move,
    check_move,
    cuttable,
    form_circles,
    group_sizes,
    totals,
    upper_bound,
    violations,
)

SLOTS = ("Tue 12:00", "Thu 08:30", "Wed 15:00")
LANGS = ("nl", "en")
DEPTS = ("Finance", "Legal", "IT", "HR")


def person(
    n: int, dept: str = "IT", langs=("nl",), slots=("Tue 12:00",), be_with=None, not_with=()
) -> Person:
    """Person ``n`` with the given choices."""
    return Person(
        f"p{n}@example.org",
        dept,
        tuple(langs),
        tuple(slots),
        f"p{be_with}@example.org" if be_with is not None else None,
        frozenset(f"p{k}@example.org" for k in not_with),
    )


@st.composite
def pools(draw, max_people: int = 40):
    """Random pools with every kind of choice and request, including odd ones."""
    n = draw(st.integers(0, max_people))
    people = []
    for k in range(n):
        langs = draw(st.lists(st.sampled_from(LANGS), min_size=1, max_size=2, unique=True))
        slots = draw(st.lists(st.sampled_from(SLOTS), min_size=1, max_size=3, unique=True))
        be_with = draw(st.one_of(st.none(), st.integers(0, n + 2)))
        not_with = draw(st.lists(st.integers(0, n + 2), max_size=2))
        people.append(person(k, draw(st.sampled_from(DEPTS)), langs, slots, be_with, not_with))
    return people


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools())
def test_every_proposal_obeys_every_hard_rule(people):
    proposal = form_circles(people, budget_s=0.2)
    assert violations(people, proposal.circles) == []
    placed = {k for c in proposal.circles for k in c.members}
    left = {o.key for o in proposal.left_out}
    assert placed | left == {p.key for p in people} and not placed & left
    assert proposal.totals.placed <= proposal.totals.bound == upper_bound(people)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools())
def test_nobody_is_left_out_without_a_true_reason(people):
    proposal = form_circles(people, budget_s=0.2)
    sizes = group_sizes(people)
    by_key = {p.key: p for p in people}
    for out in proposal.left_out:
        p = by_key[out.key]
        mine = [sizes[(lang, slot)] for lang in p.languages for slot in p.slots]
        assert out.reason.code in {"too_few", "not_cuttable", "not_with"}
        if out.reason.code == "too_few":
            # Only when every pair they chose has fewer than four people.
            assert max(mine) < 4
            assert all(n < 4 for _lang, _slot, n in out.reason.groups)
        else:
            # A group of 4 or more was there: they must not fit in any circle of 4 of theirs.
            assert max(mine) >= 4
            for circle in proposal.circles:
                if (
                    check_move(people, proposal.circles, out.key, proposal.circles.index(circle))
                    is None
                ):
                    raise AssertionError(f"{out.key} fits in {circle} but was left out")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(LANGS), st.sampled_from(SLOTS), st.sampled_from(DEPTS)),
        max_size=40,
    )
)
def test_with_one_choice_each_and_no_requests_everyone_placeable_is_placed(choices):
    people = [person(k, dept, (lang,), (slot,)) for k, (lang, slot, dept) in enumerate(choices)]
    proposal = form_circles(people, budget_s=0.2)
    assert proposal.totals.placed == upper_bound(people)
    assert upper_bound(people) == sum(cuttable(n) for n in group_sizes(people).values())


def test_cuttable_sizes():
    assert [cuttable(n) for n in range(14)] == [0, 0, 0, 0, 4, 5, 5, 5, 8, 9, 10, 10, 12, 13]


def test_departments_are_mixed_as_far_as_they_go():
    depts = ["Finance"] * 4 + ["Legal"] * 4 + ["IT"] * 4 + ["HR"] * 4
    people = [person(k, d) for k, d in enumerate(depts)]
    proposal = form_circles(people)
    assert proposal.totals.placed == 16
    assert [
        len({by.department for by in people if by.key in c.members}) for c in proposal.circles
    ] == [4, 4, 4, 4]


def test_a_not_with_request_keeps_two_people_apart_and_a_be_with_brings_two_together():
    people = [
        person(k, DEPTS[k % 4], be_with=9 if k == 0 else None, not_with=[1] if k == 0 else ())
        for k in range(10)
    ]
    proposal = form_circles(people)
    circle_of = {k: n for n, c in enumerate(proposal.circles) for k in c.members}
    assert circle_of["p0@example.org"] != circle_of["p1@example.org"]
    assert circle_of["p0@example.org"] == circle_of["p9@example.org"]
    assert proposal.totals.requests_honoured == 1


def test_flexible_people_go_where_they_complete_a_circle():
    # Three can only do Thursday; a fourth can do either and must go to Thursday.
    people = [person(k, slots=("Thu 08:30",)) for k in range(3)]
    people += [person(3 + k, slots=("Tue 12:00",)) for k in range(8)]
    people += [person(11, slots=("Tue 12:00", "Thu 08:30"))]
    proposal = form_circles(people)
    assert proposal.totals.placed == 12 == proposal.totals.bound


def test_reasons_say_which_pair_had_too_few():
    people = [person(k, slots=("Thu 08:30",), langs=("en",)) for k in range(3)]
    proposal = form_circles(people)
    assert {o.reason.code for o in proposal.left_out} == {"too_few"}
    assert proposal.left_out[0].reason.groups == (("en", "Thu 08:30", 3),)


def test_requests_for_people_who_did_not_sign_up_are_counted_not_honoured():
    people = [person(k, be_with=99 if k == 0 else None) for k in range(4)]
    t = totals(people, form_circles(people).circles)
    assert (t.requests, t.requests_unknown, t.requests_honoured) == (0, 1, 0)


def test_moves_are_checked_against_the_hard_rules():
    people = [person(k, DEPTS[k % 4]) for k in range(9)]
    people.append(person(9, langs=("en",)))
    people.append(person(10, not_with=[0]))
    circles = [
        Circle("nl", "Tue 12:00", [f"p{k}@example.org" for k in range(5)]),
        Circle("nl", "Tue 12:00", [f"p{k}@example.org" for k in range(5, 9)]),
    ]
    assert check_move(people, circles, "p5@example.org", 0) == "too_small"
    assert check_move(people, circles, "p5@example.org", None) == "too_small"
    assert check_move(people, circles, "p5@example.org", 1) == "same"
    assert check_move(people, circles, "p9@example.org", 1) == "language"
    assert check_move(people, circles, "p10@example.org", 0) == "full"
    assert check_move(people, circles, "p0@example.org", 1) is None
    apply_move(circles, "p0@example.org", 1)
    assert check_move(people, circles, "p5@example.org", 0) is None
    apply_move(circles, "p5@example.org", 0)
    assert check_move(people, circles, "p10@example.org", 1) == "not_with"
    assert violations(people, circles) == []


def test_ten_thousand_sign_ups_are_placed_near_the_bound():
    # How fast this runs is measured by bench/forming.py (make bench), not asserted here.
    import random

    rng = random.Random(7)
    slots = [f"slot {k}" for k in range(10)]
    people = [
        Person(
            f"p{k}@example.org",
            f"dept {int(rng.paretovariate(1.2)) % 40}",
            ("nl",) if rng.random() < 0.7 else ("en",),
            tuple(rng.sample(slots, rng.randint(1, 5))),
        )
        for k in range(10_000)
    ]
    proposal = form_circles(people)
    assert proposal.totals.placed >= 0.995 * proposal.totals.bound
    assert violations(people, proposal.circles) == []
