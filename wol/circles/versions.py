"""A version per circle: a number raised by every transaction that changes what its page shows.

A circle page is the same between two changes of its circle (its health as the tick stores it
too), meetings, members (and their names), check-ins, waiting list, harvests or follow-ups. A
process keeps the page drawn for a reader under the circle's number and the number of row 0
(wol/circles/views.py), and on the next visit reads those two numbers instead of the circle,
its meetings and its members. The home cards and the organisers' dashboard keep their rows
the same way (wol/organise/views.py).

The numbers move on when a transaction that changed any of these commits. The session notes
what it changed as it flushes or executes: the circles of changed rows that hold a circle
(``circle_id``, ``from_circle_id``, a circle itself), the meetings of changed check-ins, the
people whose name, address, organisation or erasure changed, and "any circle" (row 0) for a
new list of holidays, which every circle page warns of; a bulk UPDATE, INSERT or DELETE or a
hand-written statement of such a table, whose circles cannot be told, is noted as "any
circle" (row 0).
As its last statement before COMMIT, after the directory's counter (wol/directory/changes.py),
the session raises the rows of those circles in the order of their ids: locked for as short as
can be, always in the same order, never before a circle's own rows.

A change made outside wol's sessions (SQL typed into a database console) must raise row 0
itself, as README shows: ``INSERT INTO circle_versions (circle_id, n) VALUES (0, 1) ON CONFLICT
(circle_id) DO UPDATE SET n = circle_versions.n + 1``. A session with changes of its own not
yet committed reads no number (``stamp`` answers None), so it never keeps or reuses a page
drawn from them.
"""

import functools
import re

from sqlalchemy import Column, TextClause, bindparam, func, inspect, select, union
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

from wol.auth.models import User
from wol.checkins.models import CheckinRecord, MeetingAttendance
from wol.circles.models import Circle, CircleVersion, Meeting, Membership
from wol.extensions import db
from wol.session_changes import changed_columns, count_up, forget_when_done, listen, update_columns

ANY_CIRCLE = 0
_CIRCLES = "wol_circles_changed"
_MEETINGS = "wol_circle_meetings_changed"
_PEOPLE = "wol_circle_people_changed"
_NOTES = (_CIRCLES, _MEETINGS, _PEOPLE)
# Of a person, the pages kept under a circle's version show the name, to themselves the
# address, and on the organisers' dashboard the organiser's organisation.
WATCHED_USER_COLUMNS = frozenset({"display_name", "email", "erased_at", "organisation"})
CHECKIN_TABLES = frozenset({MeetingAttendance.__tablename__, CheckinRecord.__tablename__})
# Tables every circle page reads: the holidays it warns of (saved by an admin).
EVERY_CIRCLE_TABLES = frozenset({"quiet_periods_versions"})
# Tables whose bulk or hand-written changes may change any circle page.
WATCHED_TABLES = frozenset(
    {
        "circles",
        "meetings",
        "memberships",
        "waitlist_entries",
        "harvests",
        "circle_follow_ups",
        "follow_up_invitations",
        "users",
        *CHECKIN_TABLES,
        *EVERY_CIRCLE_TABLES,
    }
)
_forget = forget_when_done(*_NOTES)
_WRITE_TEXT = re.compile(
    r"^\s*(update|insert|delete)\b.*\b(" + "|".join(sorted(WATCHED_TABLES)) + r")\b", re.I | re.S
)


@functools.cache
def stamp_query():
    """The two numbers of a circle page, as one statement built once."""
    return select(CircleVersion.circle_id, CircleVersion.n).where(
        CircleVersion.circle_id.in_([bindparam("circle_id"), ANY_CIRCLE])
    )


def stamped(circle_id):
    """A statement reading the column ``circle_id`` (of circles) with each circle's number
    (``n``, 0 for a row not written yet) and row 0's (``anyone``); filter and order it."""
    table = CircleVersion.__table__
    anyone = select(table.c.n).where(table.c.circle_id == ANY_CIRCLE).scalar_subquery()
    return select(
        circle_id,
        func.coalesce(table.c.n, 0).label("n"),
        func.coalesce(anyone, 0).label("anyone"),
    ).outerjoin(table, table.c.circle_id == circle_id)


def rows_with_numbers(table, column: str):
    """A statement: the rows of ``table`` whose ``column`` is the parameter of that name, each
    with the number of the circle in its ``circle_id``, in order of id (for the front's checks,
    wol/front.py: a row and the circle it names both as they are)."""
    numbers = CircleVersion.__table__
    return (
        select(table, numbers.c.n)
        .outerjoin(numbers, numbers.c.circle_id == table.c.circle_id)
        .where(table.c[column] == bindparam(column))
        .order_by(table.c.id)
    )


def stamp(circle_id: int) -> tuple[int, int] | None:
    """The circle's number and row 0's (0 for a row not written yet), or None when this
    session has changes of its own not yet committed."""
    session = db.session()
    if pending(session):
        return None
    found = dict(session.execute(stamp_query(), {"circle_id": circle_id}).all())
    if pending(session):  # the query flushed what was pending
        return None
    return found.get(circle_id, 0), found.get(ANY_CIRCLE, 0)


def pending(session: Session) -> bool:
    """Whether ``session`` holds changes not yet committed (flushed or not) that may raise a
    circle's number: what it reads then may be newer than the numbers say."""
    return bool(
        session.new
        or session.dirty
        or session.deleted
        or any(session.info.get(name) for name in _NOTES)
    )


def _note(session: Session, name: str, values) -> None:
    session.info.setdefault(name, set()).update(v for v in values if v is not None)


def _values_of(instance, key: str) -> list:
    """The value of column ``key`` of ``instance`` now and before this flush."""
    history = inspect(instance).attrs[key].history
    return [*history.added, *history.unchanged, *history.deleted]


def _note_flush(session: Session, _context) -> None:
    """After a flush: note the circles, meetings and people whose changes it wrote."""
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, Circle):
            _note(session, _CIRCLES, [instance.id])
        elif isinstance(instance, User):
            if instance in session.dirty and changed_columns(instance) & WATCHED_USER_COLUMNS:
                _note(session, _PEOPLE, [instance.id])
        elif instance.__tablename__ in EVERY_CIRCLE_TABLES:
            _note(session, _CIRCLES, [ANY_CIRCLE])
        elif instance.__tablename__ in CHECKIN_TABLES:
            _note(session, _MEETINGS, _values_of(instance, "meeting_id"))
        else:
            columns = inspect(instance).mapper.columns
            for key in ("circle_id", "from_circle_id"):
                if key in columns:
                    _note(session, _CIRCLES, _values_of(instance, key))


def _note_statement(state) -> None:
    """Before a statement: note a bulk or hand-written change of a watched table."""
    session, statement = state.session, state.statement
    if isinstance(statement, TextClause):
        if _WRITE_TEXT.match(statement.text):
            _note(session, _CIRCLES, [ANY_CIRCLE])
        return
    if not (state.is_update or state.is_insert or state.is_delete):
        return
    table = getattr(getattr(statement, "table", None), "name", None)
    if table not in WATCHED_TABLES:
        return
    if state.is_update and table == "users":
        columns = update_columns(statement)
        if columns and not columns & WATCHED_USER_COLUMNS:
            return
    scope = _scope_of(table, statement) if not state.is_insert else None
    if scope is None:
        _note(session, _CIRCLES, [ANY_CIRCLE])
    else:
        _note(session, *scope)


# Of a bulk UPDATE or DELETE of a watched table, a condition ``column == value`` (or ``column
# IN values``) among those its WHERE requires names whose rows it can change: circles, meetings
# (their circles are raised at COMMIT) or people (their circles too).
_SCOPE_COLUMNS = {
    "circle_id": _CIRCLES,
    "from_circle_id": _CIRCLES,
    "meeting_id": _MEETINGS,
}
_OWN_ID = {"circles": _CIRCLES, "meetings": _MEETINGS, "users": _PEOPLE}


def _scope_of(table: str, statement) -> tuple[str, list] | None:
    """The circles, meetings or people a bulk UPDATE or DELETE of ``table`` can change, when
    its WHERE requires them by value; None when it cannot be told (then: any circle)."""
    where = getattr(statement, "whereclause", None)
    if where is None or table in EVERY_CIRCLE_TABLES:
        return None
    required = where.clauses if getattr(where, "operator", None) is operators.and_ else [where]
    for clause in required:
        column, values = _required_values(clause)
        if column is None or getattr(getattr(column, "table", None), "name", None) != table:
            continue
        note = _OWN_ID.get(table) if column.key == "id" else _SCOPE_COLUMNS.get(column.key)
        if note is not None and values:
            return note, values
    return None


def _required_values(clause) -> tuple:
    """(column, values) of ``column == value`` or ``column IN (values)`` with bound values;
    (None, None) for anything else."""
    if not isinstance(clause, BinaryExpression) or not isinstance(clause.left, Column):
        return None, None
    right = clause.right
    if not isinstance(right, BindParameter):
        return None, None
    value = right.effective_value
    if clause.operator is operators.eq and isinstance(value, int):
        return clause.left, [value]
    if clause.operator is operators.in_op and isinstance(value, list | tuple):
        if value and all(isinstance(v, int) for v in value):
            return clause.left, list(value)
    return None, None


def _circles_to_raise(session: Session) -> list[int]:
    """The circles this transaction changed, in the order their rows are raised."""
    circles = set(session.info.pop(_CIRCLES, ()))
    meetings = session.info.pop(_MEETINGS, None)
    people = session.info.pop(_PEOPLE, None)
    queries = []
    if meetings:
        queries.append(select(Meeting.circle_id).where(Meeting.id.in_(meetings)))
    if people:
        queries.append(select(Membership.circle_id).where(Membership.user_id.in_(people)))
        queries.append(select(Circle.id).where(Circle.organiser_id.in_(people)))
    if queries:
        circles.update(session.scalars(union(*queries)))
    return sorted(circles)


def _raise_before_commit(session: Session) -> None:
    """Raise the numbers of the circles this transaction changed, last, in order of id."""
    session.flush()
    if not any(session.info.get(name) for name in _NOTES):
        return
    circles = _circles_to_raise(session)
    if not circles:
        return
    count_up(session, CircleVersion, circles)


def install() -> None:
    """Listen to every session (once per process), after the directory's counter."""
    listen(_note_flush, _note_statement, _raise_before_commit, _forget)
