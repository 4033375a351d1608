"""Private notes and exercise ticks: what a member keeps for themselves on a meeting page.

Only the member reads or writes their own rows; every query here is bound to one user.
"""

import functools
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from wol.auth.models import User
from wol.circles.models import Circle, Meeting
from wol.circles.service import membership_of
from wol.errors import DomainError, NotAllowed
from wol.extensions import db
from wol.forms import text_problem
from wol.front import Check
from wol.guides.document import Exercise, exercises
from wol.guides.service import SOURCE_LANG, guide_service, guide_view
from wol.i18n import gettext as _
from wol.personal.models import MAX_NOTE_CHARS, ExerciseTick, PrivateNote
from wol.timestamps import utcnow


@dataclass(frozen=True)
class ChecklistItem:
    """One exercise on a member's checklist, and whether they ticked it."""

    exercise: Exercise
    lang: str  # language of the exercise's text
    done: bool


def week_exercises(lang: str, week: int) -> tuple[tuple[Exercise, str], ...]:
    """The week's exercises in the English order, worded in ``lang`` where it has them (made
    once per guide library: they are read from the guides' Markdown)."""
    return guide_service().derived(("exercises", lang, week), lambda: _week_exercises(lang, week))


def _week_exercises(lang: str, week: int) -> tuple[tuple[Exercise, str], ...]:
    english = guide_view(SOURCE_LANG, week).doc
    own_doc = guide_view(lang, week).doc if lang != SOURCE_LANG else None
    own = {ex.id: ex for ex in exercises(own_doc)} if own_doc and own_doc.lang == lang else {}
    listed = []
    for ex in exercises(english) if english else ():
        listed.append((own[ex.id], lang) if ex.id in own else (ex, SOURCE_LANG))
    return tuple(listed)


def _insert():
    """The dialect's INSERT, for ON CONFLICT DO NOTHING."""
    dialect = db.session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


@functools.cache
def _note_query():
    """A person's note of a meeting (built once: every meeting page asks)."""
    return select(PrivateNote.body).where(
        PrivateNote.user_id == bindparam("user_id"),
        PrivateNote.meeting_id == bindparam("meeting_id"),
    )


@functools.cache
def _ticks_query():
    """A person's ticks of a meeting (built once: every meeting page asks)."""
    return select(ExerciseTick.exercise_id).where(
        ExerciseTick.user_id == bindparam("user_id"),
        ExerciseTick.meeting_id == bindparam("meeting_id"),
    )


def note_of(user: User, meeting: Meeting) -> str:
    """What ``user`` wrote for ``meeting`` ("" when nothing)."""
    return note_by(user, meeting.id)


def note_by(user: User, meeting_id: int) -> str:
    """What ``user`` wrote for the meeting with id ``meeting_id`` ("" when nothing)."""
    body = db.session.scalar(_note_query(), {"user_id": user.id, "meeting_id": meeting_id})
    return body or ""


def ticks_of(user: User, meeting: Meeting) -> set[str]:
    """Ids of the exercises ``user`` ticked for ``meeting``."""
    return _ticks_by(user, meeting.id)


def _ticks_by(user: User, meeting_id: int) -> set[str]:
    found = db.session.scalars(_ticks_query(), {"user_id": user.id, "meeting_id": meeting_id})
    return set(found)


def checklist(
    user: User, meeting: Meeting, lang: str, ticked: set[str] | None = None
) -> list[ChecklistItem]:
    """The week's exercises with the member's ticks (or ``ticked``, when re-showing a form)."""
    return checklist_by(user, meeting.id, meeting.circle.guide_week(meeting.week), lang, ticked)


def checklist_by(
    user: User, meeting_id: int, guide_week: int, lang: str, ticked: set[str] | None = None
) -> list[ChecklistItem]:
    """As checklist, for the meeting with id ``meeting_id`` that reads guide week
    ``guide_week`` (a kept meeting page has no loaded meeting)."""
    done = _ticks_by(user, meeting_id) if ticked is None else ticked
    return [
        ChecklistItem(ex, ex_lang, ex.id in done)
        for ex, ex_lang in week_exercises(lang, guide_week)
    ]


def may_keep_notes(circle: Circle, user: User) -> bool:
    """Only the circle's current members have notes on its meeting pages."""
    return user.is_authenticated and membership_of(circle, user) is not None


def save_notes(circle: Circle, meeting: Meeting, user: User, *, body: str, done: list[str]) -> None:
    """Save ``user``'s notes and ticks for ``meeting``, replacing what was there."""
    if not may_keep_notes(circle, user):
        raise NotAllowed(_("Only the members of this circle keep notes on its meetings."))
    body = body or ""
    if len(body) > MAX_NOTE_CHARS:
        raise DomainError(
            _("Your notes are too long: use at most %(max)d characters.", max=MAX_NOTE_CHARS),
            field="body",
        )
    if text_problem(body, multiline=True):
        raise DomainError(_("Remove the control characters (tabs and the like)."), field="body")
    known = {ex.id for ex, _lang in week_exercises(SOURCE_LANG, circle.guide_week(meeting.week))}
    wanted = {exercise_id for exercise_id in done if exercise_id in known}
    now = utcnow()
    insert = _insert()
    # Two saves at once (a quick second edit) may both insert: the second one updates.
    db.session.execute(
        insert(PrivateNote)
        .values(user_id=user.id, meeting_id=meeting.id, body=body, updated_at=now)
        .on_conflict_do_update(
            index_elements=["user_id", "meeting_id"], set_={"body": body, "updated_at": now}
        )
    )
    db.session.execute(
        delete(ExerciseTick)
        .where(
            ExerciseTick.user_id == user.id,
            ExerciseTick.meeting_id == meeting.id,
            ExerciseTick.exercise_id.not_in(wanted),
        )
        .execution_options(synchronize_session=False)
    )
    for exercise_id in sorted(wanted):
        db.session.execute(
            insert(ExerciseTick)
            .values(user_id=user.id, meeting_id=meeting.id, exercise_id=exercise_id, ticked_at=now)
            .on_conflict_do_nothing(index_elements=["user_id", "meeting_id", "exercise_id"])
        )
    db.session.flush()


@functools.cache
def _own_rows_queries():
    """A member's note and ticks of one circle's week (built once)."""
    queries = []
    for model in (PrivateNote, ExerciseTick):
        table = model.__table__
        queries.append(
            select(table)
            .join(Meeting.__table__, Meeting.id == table.c.meeting_id)
            .where(
                table.c.user_id == bindparam("user_id"),
                Meeting.circle_id == bindparam("circle_id"),
                Meeting.week == bindparam("week"),
            )
            .order_by(*table.primary_key.columns)
        )
    return tuple(queries)


def front_checks(user_id: int, circle_id: int, week: int) -> tuple[Check, ...]:
    """The reader's own note and ticks on a meeting page, for the front (wol/front.py): they
    raise no circle's version, so a kept meeting page reads them."""
    return tuple(
        Check.of(query, user_id=user_id, circle_id=circle_id, week=week)
        for query in _own_rows_queries()
    )
