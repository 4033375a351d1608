"""The directory's version: one number, raised by every transaction that changes what it shows.

Which circles are open in the directory, how many fit a filter and which places they meet in
are facts about every listed circle of the organisation: reading them costs in proportion to
its size (at 20,000 circles, 60 ms of SQL a page on SQLite). A process keeps them instead, under
the number in ``directory_version`` it read first (wol/directory/listing.py), and reads them
again only when the number moved on.

The number moves on when a transaction that changed a circle (any column but the health tick's
and the nudge's) or a meeting's circle, week, start or skip commits: the session notes such
changes as they are flushed or executed (an ORM flush, a bulk ``update(Circle)``, an
``insert(Meeting)``), and raises the number once as its last statement before COMMIT, so the
row is locked for as short as can be and always last (no deadlock with the circles' own rows).
A reader reads the number before the rows it keeps under it: what it keeps is never older than
the number says, and a change committed by any process shows on the next page.

A change made outside wol's sessions (SQL typed into a database console) must raise the number
itself: ``UPDATE directory_version SET n = n + 1``. A session with such changes not yet committed
reads no kept copy (``version`` answers None).
"""

import re

from sqlalchemy import TextClause, select
from sqlalchemy.orm import Session

from wol.circles.models import Circle, Meeting
from wol.directory.models import DirectoryVersion
from wol.extensions import db
from wol.session_changes import changed_columns, count_up, forget_when_done, listen, update_columns

PENDING = "wol_directory_changed"
_MEMO = "wol_directory_version"
# Columns whose change the directory does not show (the tick writes them every few minutes).
IGNORED_CIRCLE_COLUMNS = frozenset({"health_status", "health_changed_at", "organiser_nudged_at"})
WATCHED_MEETING_COLUMNS = frozenset({"circle_id", "week", "starts_at", "skipped_at"})
_forget = forget_when_done(PENDING)
_WRITE_TEXT = re.compile(r"^\s*(update|insert|delete)\b.*\b(circles|meetings)\b", re.I | re.S)


def version() -> int | None:
    """The directory's version, or None when nothing may be kept (this session has changes of
    its own not yet committed, or the counter's row is missing).

    Read once per transaction: a page asks for it more than once, and what it reads after the
    number is, if anything, newer than the number says.
    """
    session = db.session()
    transaction = session.get_transaction()
    memo = session.info.get(_MEMO)
    if (
        memo is not None
        and transaction is not None
        and memo[0] is transaction
        and not (session.new or session.dirty or session.deleted or session.info.get(PENDING))
    ):
        return memo[1]
    number = session.scalar(select(DirectoryVersion.n).where(DirectoryVersion.id == 1))
    # Read first: the query flushed what was pending, so the flag below is up to date.
    if session.info.get(PENDING):
        return None
    session.info[_MEMO] = (session.get_transaction(), number)
    return number


def _shows(table: str | None, columns: set[str] | None) -> bool:
    """Whether a change of ``columns`` (None: unknown, or whole rows) of ``table`` is one the
    directory shows."""
    if table == Circle.__tablename__:
        return columns is None or not columns <= IGNORED_CIRCLE_COLUMNS
    if table == Meeting.__tablename__:
        return columns is None or bool(columns & WATCHED_MEETING_COLUMNS)
    return False


def _note_flush(session: Session, _context) -> None:
    """After a flush: note when it inserted, deleted or changed what the directory shows."""
    if session.info.get(PENDING):
        return
    for instance in (*session.new, *session.deleted):
        if isinstance(instance, Circle | Meeting):
            session.info[PENDING] = True
            return
    for instance in session.dirty:
        if isinstance(instance, Circle | Meeting) and _shows(
            instance.__tablename__, changed_columns(instance)
        ):
            session.info[PENDING] = True
            return


def _note_statement(state) -> None:
    """Before a statement: note a bulk UPDATE, INSERT or DELETE of circles or meetings."""
    session, statement = state.session, state.statement
    if session.info.get(PENDING):
        return
    if isinstance(statement, TextClause):
        if _WRITE_TEXT.match(statement.text):
            session.info[PENDING] = True
        return
    if not (state.is_update or state.is_insert or state.is_delete):
        return
    table = getattr(getattr(statement, "table", None), "name", None)
    columns = update_columns(statement) if state.is_update else None
    if _shows(table, columns):
        session.info[PENDING] = True


def _raise_before_commit(session: Session) -> None:
    """Raise the version once, last, when this transaction changed what the directory shows."""
    # What is still pending would be flushed by the commit after this hook: flushed first, the
    # counter's row is locked after the circles' own rows, never before.
    session.flush()
    if not session.info.pop(PENDING, False):
        return
    # Puts the row back if it was deleted (the tests empty every table).
    count_up(session, DirectoryVersion, [1])


def install() -> None:
    """Listen to every session (once per process)."""
    listen(_note_flush, _note_statement, _raise_before_commit, _forget)
