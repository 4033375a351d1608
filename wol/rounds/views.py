"""The organiser's round page: the counts and the list of who signed up, drawn once and kept
while the sign-ups stay the same.

A round of 500 sign-ups took some 40 ms of CPU per view: 500 sign-ups loaded as objects, and
each row's languages and times put into words again (a Babel look-up of the day names per time,
a thousand per view). Now one aggregate statement reads what the sign-ups look like (the
round's ``version``, their number, the sum of their ids and the latest ``updated_at``); the
counts and the drawn table are kept per round and language under that fingerprint, and only
when it changed are the sign-ups read again, as plain rows of the columns the page shows.

Why the fingerprint covers everything the kept part is made of: every change to a sign-up goes
through wol/rounds/service.py, which raises the round's ``version`` and sets the sign-up's
``updated_at``; a sign-up that goes without that (erasure of a person in a confirmed round, a
cascade from a deleted account) lowers the number of sign-ups. The four together never come
back to values they had before (the version only rises, and while it stays the same, sign-ups
can only go), so a part drawn from rows read after the fingerprint (perhaps newer ones) is never
shown for a later state. What the part shows besides the sign-ups' columns is the reader's
language (in the key); anything else (the round's own columns, whether it is still open, the
form tokens) is drawn on every view. Only requests that changed nothing draw the page (an
import that is refused rolls back first). Kept per process: every process reads the
fingerprint from the database, so none shows a list older than the last change, whoever made
it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import bindparam, func, select

from wol.cache import drawn_once, keeping
from wol.extensions import db
from wol.front import Check
from wol.rounds.models import Round, Signup
from wol.rounds.service import language_name
from wol.rounds.slots import slot_label

TABLE_TEMPLATE = "rounds/_signups.html"
# One entry per round and language, replaced when its sign-ups change (an entry of 500
# sign-ups holds some 100 kB of HTML).
KEPT_ROUNDS = 100


@dataclass(frozen=True)
class Overview:
    """Counts an organiser sees: per language and slot, and the requests."""

    total: int
    per_pair: dict[tuple[str, str], int]
    per_language: dict[str, int]
    per_slot: dict[str, int]
    be_with: int
    be_with_unknown: int


@dataclass(frozen=True)
class SignupsPart:
    """The part of the round page made of its sign-ups."""

    overview: Overview
    table: Markup  # "who signed up", or empty when nobody did


def overview(languages: list[str], slots: list[str], signups) -> Overview:
    """Counts of ``signups`` (anything with ``languages``, ``slots``, ``email_key`` and
    ``be_with``) per language, per slot and per pair of both, for a round offering
    ``languages`` and ``slots``."""
    keys = {s.email_key for s in signups}
    per_pair = {(lang, slot): 0 for lang in languages for slot in slots}
    per_language = dict.fromkeys(languages, 0)
    per_slot = dict.fromkeys(slots, 0)
    for s in signups:
        chosen_slots = s.slots.split()
        for lang in s.languages.split():
            per_language[lang] = per_language.get(lang, 0) + 1
            for slot in chosen_slots:
                per_pair[(lang, slot)] = per_pair.get((lang, slot), 0) + 1
        for slot in chosen_slots:
            per_slot[slot] = per_slot.get(slot, 0) + 1
    asked = [s.be_with for s in signups if s.be_with]
    return Overview(
        len(signups),
        per_pair,
        per_language,
        per_slot,
        len(asked),
        sum(1 for a in asked if a not in keys),
    )


@functools.cache
def _fingerprint_query():
    """The statement of the fingerprint (built once; the same for every round)."""
    return (
        select(
            Round.version,
            func.count(Signup.id),
            func.coalesce(func.sum(Signup.id), 0),
            func.max(Signup.updated_at),
        )
        .select_from(Round)
        .outerjoin(Signup, Signup.round_id == Round.id)
        .where(Round.id == bindparam("round_id"))
        .group_by(Round.id, Round.version)
    )


@functools.cache
def _front_queries():
    """What the round page shows besides its sign-ups (built once): the round's row, its
    circles with their version numbers (wol/circles/versions.py) and the people on their
    waiting lists by name."""
    from wol.auth.models import User
    from wol.circles import versions
    from wol.circles.models import WaitlistEntry
    from wol.rounds.models import RoundCircle

    of_round = RoundCircle.round_id == bindparam("round_id")
    return (
        select(Round.__table__).where(Round.id == bindparam("round_id")),
        versions.stamped(RoundCircle.circle_id).where(of_round).order_by(RoundCircle.circle_id),
        select(WaitlistEntry.id, WaitlistEntry.circle_id, User.id, User.display_name)
        .join(User, User.id == WaitlistEntry.user_id)
        .where(WaitlistEntry.circle_id.in_(select(RoundCircle.circle_id).where(of_round)))
        .order_by(WaitlistEntry.id),
    )


def front_checks(round_id: int) -> tuple[Check, ...]:
    """The round page as the front (wol/front.py) keeps it: the sign-ups' fingerprint and
    what ``_front_queries`` reads."""
    return tuple(
        Check.of(query, round_id=round_id) for query in (_fingerprint_query(), *_front_queries())
    )


def _fingerprint(round_id: int) -> tuple:
    """What the round's sign-ups look like now: version, number, sum of ids, latest change."""
    return tuple(db.session.execute(_fingerprint_query(), {"round_id": round_id}).one())


def signup_rows(round_id: int) -> list:
    """The round's sign-ups as plain rows of what the organiser's pages show (never whom a
    person would not like to be with), in the order they came."""
    return db.session.execute(
        select(
            Signup.name,
            Signup.email,
            Signup.email_key,
            Signup.department,
            Signup.languages,
            Signup.slots,
            Signup.be_with,
        )
        .where(Signup.round_id == round_id)
        .order_by(Signup.id)
    ).all()


def _draw(round_: Round) -> SignupsPart:
    """Read the sign-ups (only the columns shown) and draw their part of the page."""
    rows = signup_rows(round_.id)
    # Most people choose among a few combinations: put each into words once.
    languages_text: dict[str, str] = {}
    slots_text: dict[str, str] = {}
    for row in rows:
        if row.languages not in languages_text:
            languages_text[row.languages] = ", ".join(map(language_name, row.languages.split()))
        if row.slots not in slots_text:
            slots_text[row.slots] = ", ".join(map(slot_label, row.slots.split()))
    table = Markup("")
    if rows:
        table = Markup(  # noqa: S704 - a template render, escaped by Jinja
            render_template(
                TABLE_TEMPLATE,
                signups=[
                    (
                        row.name,
                        row.email,
                        row.department,
                        languages_text[row.languages],
                        slots_text[row.slots],
                        row.be_with or "",
                    )
                    for row in rows
                ],
            )
        )
    return SignupsPart(overview(round_.language_list, round_.slot_list, rows), table)


def signups_part(round_: Round) -> SignupsPart:
    """The counts and the "who signed up" table of ``round_``, in the reader's language: the
    kept ones while the sign-ups did not change, else drawn afresh (and kept)."""
    if not keeping(current_app):
        return _draw(round_)
    # The languages and times offered are counted per column: a changed offer is another part.
    fingerprint = (*_fingerprint(round_.id), round_.languages, round_.slots)
    return drawn_once(
        "round-signups",
        (round_.id, str(get_locale())),
        lambda: _draw(round_),
        basis=fingerprint,
        limit=KEPT_ROUNDS,
    )
