"""Circle cards of the home page, drawn once and kept while nothing they show changes.

A person who looks after forty circles opened a home page of forty cards: some nine hundred ORM
objects loaded and forty cards drawn, on every visit. Now one query reads the person's circles
with their version stamps (wol/circles/versions.py); the rows a card is made of (the circle,
its meetings, its memberships with the members' names) are read as plain tuples only for the
circles whose stamp moved on since this process last read them, and kept. Each card's rows
give it a fingerprint, and a card is drawn again only when its fingerprint, the reader or the
minute changed. Only the circles whose cards are missing are loaded as objects.

What a card may show: anything read from the circles, their meetings and memberships (every
column of them is in the fingerprint, so new columns are covered too), the members' names, the
guide title of its week, the reader's language and time zone (in the key) and the session's
form token (put in on the way out). A card that should show something else of a person, or
from another table, must add it to ``_card_rows`` and make its changes raise the circle's
version (wol/circles/versions.py), or be drawn outside the cache. Cards are kept per reader
(the key holds the person), never shared, and per process: every process reads the stamps
from the database, so none shows a card older than the last change, whoever made it. Moments
that arrive by themselves (a meeting starts, a check-in window opens) show within the minute.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, render_template, request
from flask_babel import get_locale, get_timezone
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import bindparam, select, type_coerce, union
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import selectinload
from sqlalchemy.types import NullType

from wol.auth.models import User
from wol.cache import TOKEN_PLACEHOLDER, drawn_once, keeping, kept
from wol.checkins.service import window as checkin_window
from wol.circles import versions
from wol.circles.models import Circle, Meeting, Membership, guide_week_of
from wol.extensions import db
from wol.front import Check
from wol.guides.service import guide_view
from wol.guides.store import layer_check
from wol.health.service import start_reader

CARD_TEMPLATE = "main/_circle_card.html"


@dataclass(frozen=True)
class CardFacts:
    """What the home page needs to order a circle's card, read from plain rows."""

    id: int
    language: str
    weeks: int  # 12, or 4 or 6 for a follow-up (which reads the follow-up guide)
    ended: bool
    next_week: int | None
    next_starts_at: datetime | None
    fingerprint: int


def _raw(*tables) -> list:
    """Every column of ``tables`` as the database gives it (no type conversion: these values
    are only compared, so reading them costs little)."""
    return [
        type_coerce(column, NullType()).label(f"{table.name}__{column.name}")
        for table in tables
        for column in table.c
    ]


@functools.cache
def _queries():
    """The statements of the cards' rows (built once; the same for every reader): the circles
    of a person with their version stamps, and for some of them their circle, meeting and
    membership rows."""
    circles, meetings = Circle.__table__, Meeting.__table__
    memberships, users = Membership.__table__, User.__table__
    user_id, ids = bindparam("user_id"), bindparam("ids", expanding=True)
    # One indexed look-up each (memberships by person, circles by organiser), united: an OR
    # of the two makes PostgreSQL read every circle.
    theirs = union(
        select(memberships.c.circle_id).where(
            memberships.c.user_id == user_id, memberships.c.left_at.is_(None)
        ),
        select(circles.c.id).where(circles.c.organiser_id == user_id),
    )
    return (
        versions.stamped(circles.c.id)
        .where(circles.c.id.in_(theirs))
        .order_by(circles.c.ended_at.is_not(None), circles.c.first_day.desc(), circles.c.id),
        select(
            circles.c.id,
            circles.c.language,
            circles.c.weeks,
            circles.c.duration_minutes,
            circles.c.ended_at,
            *_raw(circles),
        ).where(circles.c.id.in_(ids)),
        # All as stored: held and skipped are only tested for NULL, and a start is read as a
        # moment only where the next meeting is looked for (start_reader).
        select(meetings.c.circle_id, meetings.c.week, *_raw(meetings))
        .where(meetings.c.circle_id.in_(ids))
        .order_by(meetings.c.circle_id, meetings.c.week, meetings.c.id),
        # Of the members' accounts only the name: it is all of a person a card shows.
        select(memberships.c.circle_id, *_raw(memberships), users.c.display_name)
        .join(users, users.c.id == memberships.c.user_id)
        .where(memberships.c.circle_id.in_(ids))
        .order_by(memberships.c.circle_id, memberships.c.id),
    )


@dataclass(frozen=True)
class CardRows:
    """A circle's rows as a card is made from them, and their fingerprint."""

    circle: Any
    meetings: list
    fingerprint: int


def _card_rows(ids: list[int]) -> dict[int, CardRows]:
    """The rows of the circles with these ids (those that still exist)."""
    _stamps, circles_query, meetings_query, members_query = _queries()
    circle_rows = db.session.execute(circles_query, {"ids": ids}).all()
    by_circle: dict[int, list] = {row.id: [] for row in circle_rows}
    for row in db.session.execute(meetings_query, {"ids": ids}).all():
        by_circle[row.circle_id].append(row)
    members: dict[int, list] = {row.id: [] for row in circle_rows}
    for row in db.session.execute(members_query, {"ids": ids}).all():
        members[row.circle_id].append(tuple(row))
    return {
        # Python's hash of the plain values: cards are kept per process, where it is stable.
        row.id: CardRows(
            circle=row,
            meetings=by_circle[row.id],
            fingerprint=hash(
                (tuple(row), tuple(map(tuple, by_circle[row.id])), tuple(members[row.id]))
            ),
        )
        for row in circle_rows
    }


def _fingerprints(user_id: int, now: datetime) -> list[CardFacts]:
    """The circles ``user_id`` is in or organises, each with its card's fingerprint.

    A circle's rows are read once and kept under its version stamp (wol/circles/versions.py):
    an organiser of forty circles no longer reads their five hundred meeting rows on every
    visit, only the forty stamps. While this session has changes of its own not yet
    committed, everything is read afresh and nothing kept."""
    stamps_query = _queries()[0]
    pending = versions.pending(db.session())
    stamps = [
        (row.id, None if pending else (row.n, row.anyone))
        for row in db.session.execute(stamps_query, {"user_id": user_id}).all()
    ]
    if not stamps:
        return []
    keep = keeping(current_app)
    rows_kept = kept(current_app, "card-rows") if keep else {}
    rows: dict[int, CardRows] = {}
    for circle_id, stamp in stamps:
        found = rows_kept.get(circle_id) if stamp is not None else None
        if found is not None and found[0] == stamp:
            rows[circle_id] = found[1]
    missing = [circle_id for circle_id, _stamp in stamps if circle_id not in rows]
    if missing:
        fresh = _card_rows(missing)
        rows.update(fresh)
        if keep:
            for circle_id, stamp in stamps:
                if stamp is not None and circle_id in fresh:
                    rows_kept[circle_id] = (stamp, fresh[circle_id])
    read_start = start_reader()
    facts = []
    for circle_id, _stamp in stamps:
        card = rows.get(circle_id)
        if card is None:  # gone between the two reads
            continue
        row = card.circle
        upcoming = _next_meeting(card.meetings, row.duration_minutes, now, read_start)
        facts.append(
            CardFacts(
                id=row.id,
                language=row.language,
                weeks=row.weeks,
                ended=row.ended_at is not None,
                next_week=upcoming[0] if upcoming is not None else None,
                next_starts_at=upcoming[1] if upcoming is not None else None,
                fingerprint=card.fingerprint,
            )
        )
    return facts


def _next_meeting(
    rows, duration_minutes: int, now: datetime, read_start
) -> tuple[int, datetime] | None:
    """Week and start of the first meeting row not held, not skipped and not yet over (as
    next_meeting)."""
    for row in rows:
        if row.meetings__held_at is None and row.meetings__skipped_at is None:
            starts_at = read_start(row.meetings__starts_at)
            if starts_at + timedelta(minutes=duration_minutes) > now:
                return row.week, starts_at
    return None


def home_cards(user, now: datetime) -> list[Markup]:
    """The cards of ``user``'s circles, running ones first and the soonest on top."""
    facts = _fingerprints(user.id, now)
    facts.sort(key=lambda f: (f.ended, f.next_starts_at is None, f.next_starts_at or now))
    reader = (user.id, str(get_locale()), str(get_timezone()), now.replace(second=0, microsecond=0))
    keep = keeping(current_app)
    cards_kept = kept(current_app, "home-cards")
    cards: dict[int, Markup] = {}
    keys = {}
    for fact in facts:
        # The guide's week title is on the card: a retitled week is another card.
        view = (
            guide_view(fact.language, guide_week_of(fact.weeks, fact.next_week))
            if fact.next_week
            else None
        )
        keys[fact.id] = (fact.fingerprint, *reader, view and (view.title, view.shown_lang))
        found = cards_kept.get(keys[fact.id]) if keep else None
        if found is not None:
            cards[fact.id] = found
    missing = {fact.id: fact for fact in facts if fact.id not in cards}
    if missing:
        for circle in _load(list(missing)):
            fact = missing[circle.id]
            upcoming = next((m for m in circle.meetings if m.week == fact.next_week), None)
            card = Markup(  # noqa: S704 - a template render, escaped by Jinja
                render_template(
                    CARD_TEMPLATE,
                    circle=circle,
                    now=now,
                    upcoming=upcoming,
                    week=fact.next_week,
                    csrf_token=lambda: TOKEN_PLACEHOLDER,
                )
            )
            cards[circle.id] = card
            if keep:
                cards_kept[keys[circle.id]] = card
    # The form token is the session's, not the card's: put in afresh for every page.
    token = generate_csrf()
    return [cards[fact.id].replace(TOKEN_PLACEHOLDER, token) for fact in facts]


def _load(ids: list[int]) -> list[Circle]:
    """The circles with these ids, members and meetings loaded, for drawing their cards."""
    return list(
        db.session.scalars(
            select(Circle)
            .where(Circle.id.in_(ids))
            .options(
                selectinload(Circle.memberships).selectinload(Membership.user),
                selectinload(Circle.meetings),
            )
        )
    )


# --- the circle page's table of meetings -------------------------------------------------------

TABLE_TEMPLATE = "circles/_meetings_table.html"


def _columns(instance) -> tuple:
    """Every column value of a loaded object (new columns included by themselves)."""
    return tuple(getattr(instance, attr.key) for attr in sa_inspect(type(instance)).column_attrs)


def meetings_table(
    circle: Circle, rows: list, states: dict, upcoming: Meeting | None, member: bool, now
) -> Markup:
    """The circle page's table of meetings, drawn once per everything it shows.

    The table is the largest part of the circle page and the same on every visit between two
    changes. Its key holds every column of the circle and of its meetings (what the rows and
    the empty dates are made of), the states worked out for ``now``, the next meeting, the weeks
    whose check-in is open to this reader, the language, the reader's zone and the site's URL
    prefix: a change to any of them draws it again. It holds no form, so nobody's token.
    """
    record_open = frozenset(
        meeting.week
        for meeting in circle.meetings
        if member and not meeting.is_skipped and checkin_window(meeting, now) == "open"
    )
    key = (
        _columns(circle),
        tuple(_columns(meeting) for meeting in circle.meetings),
        tuple(sorted(states.items())),
        upcoming.id if upcoming is not None else None,
        record_open,
        str(get_locale()),
        str(get_timezone()),
        request.script_root,
    )
    return drawn_once(
        "circle-meetings",
        key,
        lambda: Markup(  # noqa: S704 - a template render, escaped by Jinja
            render_template(
                TABLE_TEMPLATE,
                circle=circle,
                schedule_rows=rows,
                states=states,
                next_meeting=upcoming,
                record_open=record_open,
            )
        ),
        limit=5_000,
    )


# --- the circle page ----------------------------------------------------------------------------

HARVEST_SLOT = f"wol-harvest-slot-{secrets.token_hex(16)}"
PAGES_KEPT = 5_000  # per store and process: circle pages, meeting-page tops


@dataclass(frozen=True)
class CirclePage:
    """A circle page as kept: its title, its body (with the form token's placeholder and the
    harvest panel's slot), whether the panel shows (the reader is a member and the last
    meeting began) and whether the circle finished, and the coming week's guide title."""

    circle_id: int
    name: str
    body: str
    harvest: bool
    finished: bool
    guide: tuple | None  # (language, guide week, title, shown language)


@functools.cache
def _follow_ups_query():
    """The follow-ups started from a circle, with their own circles' numbers (built once)."""
    from wol.harvest.models import FollowUp

    return versions.rows_with_numbers(FollowUp.__table__, "from_circle_id")


def front_checks(circle_id: int) -> tuple[Check, ...]:
    """What a circle's page (and its meeting pages) is drawn from, for the front
    (wol/front.py): the circle's two version numbers, the follow-ups started from it with
    their circles' numbers (its harvest panel names them), and the guides' published layer
    (week titles). The reader's account and session the front adds itself."""
    return (
        Check.of(versions.stamp_query(), circle_id=circle_id),
        Check.of(_follow_ups_query(), from_circle_id=circle_id),
        layer_check(),
    )


def home_front_checks(user_id: int) -> tuple[Check, ...]:
    """What the home page of ``user_id`` is drawn from, for the front (wol/front.py): their
    circles with their version numbers, row 0's, their open invitations to follow-ups with
    those circles' numbers, and the guides' published layer (cards show week titles)."""
    from wol.harvest.followup import invitations_check

    return (
        Check.of(_queries()[0], user_id=user_id),
        Check.of(versions.stamp_query(), circle_id=versions.ANY_CIRCLE),
        invitations_check(user_id),
        layer_check(),
    )


def kept_circle_page(
    circle_id: int, viewer, now: datetime
) -> tuple[tuple[int, int] | None, CirclePage | None]:
    """The circle's version stamp (wol/circles/versions.py), and the page kept for ``viewer``
    under it this minute, if any.

    A circle page drew some 150 template lines and a table of twelve meetings from four
    statements' worth of objects on every visit, the same between two changes. Now a visit
    reads the circle's two version numbers; the page drawn for this reader, language, URL
    prefix and minute is shown while they, the reader's own account and the coming week's
    guide title are as they were. Every change to what the page shows raises the circle's
    number, whoever made it, so the next visit draws it again; moments that arrive by
    themselves (a meeting starts, a check-in opens) show within the minute. A reader who may
    not see the circle has no kept page: they are sent through the access check as ever.
    """
    return kept_for("circle-pages", circle_id, (), viewer, now)


def keep_circle_page(
    circle: Circle,
    viewer,
    upcoming: Meeting | None,
    now: datetime,
    stamp: tuple[int, int] | None,
    draw: Callable[[], str],
    harvest: bool,
    finished: bool,
) -> CirclePage:
    """The page drawn by ``draw()``, kept under ``stamp`` (read before the circle was loaded)
    when there is one."""
    page = CirclePage(
        circle_id=circle.id,
        name=circle.name,
        body=draw(),
        harvest=harvest,
        finished=finished,
        guide=guide_of(circle.language, circle.guide_week(upcoming.week)) if upcoming else None,
    )
    keep_for("circle-pages", circle.id, (), viewer, now, stamp, page)
    return page


def kept_for(store: str, circle_id: int, key: tuple, viewer, now: datetime) -> tuple:
    """The circle's version stamp, and what is kept in ``store`` for the circle, ``key``, the
    reader, language, URL prefix and minute under that stamp and the reader's account as it
    is, if any (and its guide title, a ``guide`` tuple of guide_of, still the same)."""
    stamp = versions.stamp(circle_id)
    if stamp is None or not keeping(current_app):
        return stamp, None
    found = kept(current_app, store, PAGES_KEPT).get(_page_key(circle_id, key, viewer, now))
    if found is None or found[0] != (stamp, _columns(viewer)):
        return stamp, None
    value = found[1]
    if value.guide is not None and guide_of(value.guide[0], value.guide[1]) != value.guide:
        return stamp, None
    return stamp, value


def keep_for(store: str, circle_id: int, key: tuple, viewer, now: datetime, stamp, value) -> None:
    """Keep ``value`` as kept_for finds it, when there is a ``stamp`` (read before what
    ``value`` was drawn from)."""
    if stamp is not None and keeping(current_app):
        found = kept(current_app, store, PAGES_KEPT)
        found[_page_key(circle_id, key, viewer, now)] = ((stamp, _columns(viewer)), value)


def _page_key(circle_id: int, key: tuple, viewer, now: datetime) -> tuple:
    return (
        circle_id,
        *key,
        viewer.id,
        str(get_locale()),
        request.script_root,
        now.replace(second=0, microsecond=0),
    )


def guide_of(language: str, guide_week: int) -> tuple:
    view = guide_view(language, guide_week)
    return (language, guide_week, view.title, view.shown_lang)
