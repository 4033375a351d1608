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

from sqlalchemy import TextClause, event, inspect, select, update
from sqlalchemy.orm import Session

from wol.circles.models import Circle, Meeting
from wol.directory.models import DirectoryVersion
from wol.extensions import db

PENDING = "wol_directory_changed"
_MEMO = "wol_directory_version"
# Columns whose change the directory does not show (the tick writes them every few minutes).
IGNORED_CIRCLE_COLUMNS = frozenset({"health_status", "health_changed_at", "organiser_nudged_at"})
WATCHED_MEETING_COLUMNS = frozenset({"circle_id", "week", "starts_at", "skipped_at"})
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


def _changed_columns(instance) -> set[str]:
    """The column attributes of a loaded object that this flush changes."""
    state = inspect(instance)
    return {
        attr.key
        for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.has_changes()
    }


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
            instance.__tablename__, _changed_columns(instance)
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
    columns = None
    if state.is_update:
        values = getattr(statement, "_values", None)
        if values:
            columns = {getattr(key, "key", None) or str(key) for key in values}
    if _shows(table, columns):
        session.info[PENDING] = True


def _raise_before_commit(session: Session) -> None:
    """Raise the version once, last, when this transaction changed what the directory shows."""
    # What is still pending would be flushed by the commit after this hook: flushed first, the
    # counter's row is locked after the circles' own rows, never before.
    session.flush()
    if not session.info.pop(PENDING, False):
        return
    bind = session.get_bind(mapper=inspect(DirectoryVersion))
    table = DirectoryVersion.__table__
    if bind.dialect.name in ("postgresql", "sqlite"):
        if bind.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        # Puts the row back if it was deleted (the tests empty every table).
        statement = (
            insert(table)
            .values(id=1, n=1)
            .on_conflict_do_update(index_elements=[table.c.id], set_={"n": table.c.n + 1})
        )
    else:
        statement = update(table).where(table.c.id == 1).values(n=table.c.n + 1)
    session.execute(statement)


def _forget(session: Session, transaction) -> None:
    """When a session's outermost transaction ends: whatever it noted is committed (and counted)
    or rolled back. A savepoint that rolls back leaves the notes of what came before it."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def install() -> None:
    """Listen to every session (once per process)."""
    for name, listener in (
        ("after_flush", _note_flush),
        ("do_orm_execute", _note_statement),
        ("before_commit", _raise_before_commit),
        ("after_transaction_end", _forget),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
