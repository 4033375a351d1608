"""Demo data: a few people and circles in different states, so a fresh install looks alive."""

from datetime import date, time, timedelta

from wol.auth.models import User
from wol.auth.service import find_user_by_email, register_user, set_roles
from wol.checkins.service import correct, record
from wol.circles.models import Circle
from wol.circles.service import (
    CircleDetails,
    create_circle,
    end_circle,
    join_circle,
    move_meeting,
    skip_meeting,
)
from wol.extensions import db
from wol.timestamps import utcnow

DEMO_PASSWORD = "wol-demo-2026"  # noqa: S105 - printed on purpose, for demo accounts only

DEMO_PEOPLE = (
    (
        "ann@example.org",
        "Ann Peeters",
        "nl",
        "Europe/Brussels",
        "FOD BOSA",
        {"organiser"},
        "participant and organiser",
    ),
    (
        "bram@example.org",
        "Bram de Vries",
        "nl",
        "Europe/Amsterdam",
        "Gemeente Utrecht",
        set(),
        "participant",
    ),
    (
        "els@example.org",
        "Els Janssens",
        "nl",
        "Europe/Brussels",
        "Vlaamse overheid",
        {"organiser"},
        "organiser",
    ),
    (
        "marc@example.org",
        "Marc Dubois",
        "nl",
        "Europe/Brussels",
        "FOD BOSA",
        {"translator"},
        "translator",
    ),
    (
        "fatima@example.org",
        "Fatima El Amrani",
        "en",
        "Europe/Amsterdam",
        "Rijkswaterstaat",
        set(),
        "participant (English)",
    ),
    (
        "noor@example.org",
        "Noor Visser",
        "nl",
        "Europe/Amsterdam",
        "Belastingdienst",
        set(),
        "participant",
    ),
    (
        "pieter@example.org",
        "Pieter Claes",
        "nl",
        "Europe/Brussels",
        "Stad Gent",
        set(),
        "participant",
    ),
    (
        "joris@example.org",
        "Joris Wouters",
        "en",
        "America/New_York",
        "Vlaamse overheid",
        set(),
        "participant in New York",
    ),
    ("admin@example.org", "Admin", "en", "Europe/Brussels", None, {"admin"}, "admin"),
)


def _next_weekday(start: date, weekday: int) -> date:
    """The first date on or after ``start`` that falls on ``weekday`` (Monday = 0)."""
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _first_tuesday_of_march(today: date) -> date:
    """The first Tuesday of the coming March: a circle that crosses the spring DST change."""
    year = today.year if today.month < 3 else today.year + 1
    return _next_weekday(date(year, 3, 1), 1)


def _mark_past_meetings_held(circle: Circle, by: User, last_week: int = 12) -> None:
    """Record the meetings that already took place (up to ``last_week``), as members would."""
    now = utcnow()
    for meeting in circle.meetings:
        over = meeting.starts_at + timedelta(minutes=circle.duration_minutes) < now
        if over and meeting.week <= last_week:
            _record(circle, meeting.week, by)


def _record(
    circle: Circle,
    week: int,
    by: User,
    *,
    held: bool = True,
    present: tuple[User, ...] | None = None,
) -> None:
    """Record a meeting half an hour after it ended, as ``by`` would from the check-in mail;
    ``present`` corrects who was there (everyone, by default)."""
    meeting = next(m for m in circle.meetings if m.week == week)
    at = meeting.starts_at + timedelta(minutes=circle.duration_minutes + 30)
    record(circle, meeting, by, held=held, now=at, via="link")
    if held and present is not None:
        correct(
            circle,
            meeting,
            by,
            held=True,
            attendee_ids=[p.id for p in present],
            version=meeting.checkin_version,
            now=at + timedelta(hours=2),
        )


def load_demo(today: date | None = None) -> list[tuple[User, str]]:
    """Create the demo people and circles (people that exist are kept) and return the people."""
    today = today or utcnow().date()
    people = {}
    listing = []
    for email, name, lang, tz, org, roles, note in DEMO_PEOPLE:
        user = find_user_by_email(email)
        if user is None:
            user = register_user(email, name, DEMO_PASSWORD, language=lang, timezone=tz)
            user.organisation = org
            set_roles(user, roles)
        people[email.split("@")[0]] = user
        listing.append((user, note))
    if db.session.scalar(db.select(db.func.count()).select_from(Circle)):
        return listing

    ann, bram, els, marc, fatima, noor, pieter, joris = (
        people[k] for k in ("ann", "bram", "els", "marc", "fatima", "noor", "pieter", "joris")
    )

    # A running Dutch circle in its fourth week, Ann's (journey 1 and 2).
    running = create_circle(
        ann,
        CircleDetails(
            name="Cirkel Digitale Overheid",
            language="nl",
            first_day=_next_weekday(today - timedelta(weeks=3, days=6), 1),
            local_time=time(12, 0),
            timezone="Europe/Brussels",
            kind="hybrid",
            place="Zaal 4.12, Kunstberg, Brussel",
            video_url="https://teams.example.org/l/meetup/cirkel-digitale-overheid",
            chat_url="https://engage.example.org/groups/cirkel-digitale-overheid",
            description="Vijf collega's van verschillende overheden die werken aan digitale "
            "dienstverlening.",
        ),
        join=True,
        today=today,
    )
    for person in (bram, marc, noor):
        join_circle(running, person)
    _mark_past_meetings_held(running, ann)

    # Next spring: crosses the DST change, with one week skipped and one moved (journey 4).
    spring = create_circle(
        ann,
        CircleDetails(
            name="Cirkel Voorjaar",
            language="nl",
            first_day=_first_tuesday_of_march(today),
            local_time=time(12, 0),
            timezone="Europe/Brussels",
            kind="in_person",
            place="Zaal Atrium, Gent",
        ),
        join=True,
        today=today,
    )
    join_circle(spring, pieter)
    join_circle(spring, bram)
    skip_meeting(spring, spring.meetings[4], ann, shift=True)
    week7 = spring.meetings[6]
    from zoneinfo import ZoneInfo

    local = week7.starts_at.astimezone(ZoneInfo("Europe/Brussels"))
    move_meeting(spring, week7, ann, local.date() + timedelta(days=2), time(14, 0))

    # An English online circle with a member in New York, organised by Els (not a member).
    online = create_circle(
        els,
        CircleDetails(
            name="Open Data Circle",
            language="en",
            first_day=_next_weekday(today - timedelta(weeks=1), 3),
            local_time=time(15, 0),
            timezone="Europe/Amsterdam",
            kind="online",
            video_url="https://zoom.example.org/j/123456789",
        ),
        join=False,
        today=today,
    )
    for person in (fatima, joris, noor):
        join_circle(online, person)
    _mark_past_meetings_held(online, fatima)

    # A circle still forming: two members, starting in two weeks.
    forming = create_circle(
        pieter,
        CircleDetails(
            name="Cirkel Zorg en Welzijn",
            language="nl",
            first_day=_next_weekday(today + timedelta(weeks=2), 0),
            local_time=time(9, 30),
            timezone="Europe/Brussels",
            kind="in_person",
            place="Stadskantoor Gent, lokaal 2.01",
        ),
        join=True,
        today=today,
    )
    join_circle(forming, marc)

    # A circle that stopped early, with its reason.
    stopped = create_circle(
        els,
        CircleDetails(
            name="Cirkel Beleid en Communicatie",
            language="nl",
            first_day=_next_weekday(today - timedelta(weeks=8), 2),
            local_time=time(8, 30),
            timezone="Europe/Brussels",
            kind="online",
            video_url="https://teams.example.org/l/meetup/beleid",
        ),
        join=True,
        today=today,
    )
    join_circle(stopped, pieter)
    join_circle(stopped, fatima)
    _mark_past_meetings_held(stopped, els, last_week=4)
    end_circle(
        stopped,
        els,
        "Twee leden kregen een andere functie; met drie lukte het niet meer "
        "om een vast moment te vinden.",
    )
    _health_demo(today, els, ann, bram, marc, fatima, noor, pieter, joris)
    from wol.rounds.demo import load_round_demo

    load_round_demo(els, [bram, noor, pieter, fatima, joris], today)
    db.session.flush()
    return listing


def _health_demo(today: date, els: User, *people: User) -> None:
    """Els's circles in every health status, each for a reason one meets in real programmes,
    so her dashboard (/organise) has something to say."""
    ann, bram, marc, fatima, noor, pieter, joris = people

    def circle(name, language, weeks_ago, weekday, members, *, at=time(12, 0), **place):
        first = _next_weekday(today - timedelta(weeks=weeks_ago), weekday)
        if first > today - timedelta(weeks=weeks_ago - 1) - timedelta(days=1):
            first -= timedelta(weeks=1)
        details = CircleDetails(
            name=name,
            language=language,
            first_day=first,
            local_time=at,
            timezone="Europe/Brussels",
            kind="in_person",
            place=place.get("place", "Herman Teirlinckgebouw, Brussel"),
        )
        # Registered while it ran: wol takes circles that started up to 12 weeks back.
        made = create_circle(els, details, join=False, today=first + timedelta(weeks=1))
        for person in members:
            join_circle(made, person)
        return made

    # Finished: all twelve weeks held, one or two people away now and then.
    done = circle("Cirkel Klantgericht Werken", "nl", 13, 0, (ann, bram, marc, noor, pieter))
    for week in range(1, 13):
        away = {3: (bram,), 7: (noor,), 8: (pieter, marc)}.get(week, ())
        _record(
            done,
            week,
            ann,
            present=tuple(p for p in (ann, bram, marc, noor, pieter) if p not in away),
        )
    from wol.harvest.demo import load_harvest_demo

    load_harvest_demo(done, ann, bram, noor)
    # Stalled: a good start, then the spring holidays and two meetings in a row not held.
    quiet = circle("Cirkel Mobiliteit", "nl", 6, 3, (bram, noor, pieter, joris))
    for week in range(1, 5):
        _record(quiet, week, noor, present=(bram, noor, pieter, joris)[: 4 - week % 2])
    _record(quiet, 5, pieter, held=False)
    _record(quiet, 6, pieter, held=False)
    # Stalled too: registered late, and nothing recorded since its first meeting.
    circle("Cirkel Open Overheid", "nl", 5, 2, (marc, fatima, joris, ann))
    # At risk: only two people came last week.
    thin = circle("Data Literacy Circle", "en", 3, 1, (fatima, joris, bram, noor))
    _record(thin, 1, fatima)
    _record(thin, 2, fatima, present=(fatima, joris, noor))
    _record(thin, 3, joris, present=(fatima, joris))
    # Active: three weeks in, everyone there.
    good = circle("Cirkel Wendbaar Werken", "nl", 3, 4, (ann, marc, pieter, noor, bram))
    for week in (1, 2, 3):
        _record(good, week, marc)
    # Forming: starts in ten days and still looks for a third and fourth member.
    soon = create_circle(
        els,
        CircleDetails(
            name="Cirkel Talent en Loopbaan",
            language="nl",
            first_day=_next_weekday(today + timedelta(days=10), 1),
            local_time=time(12, 30),
            timezone="Europe/Brussels",
            kind="online",
            video_url="https://teams.example.org/l/meetup/talent",
        ),
        join=False,
        today=today,
    )
    join_circle(soon, marc)
    join_circle(soon, noor)
