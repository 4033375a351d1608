"""What a session's transaction changes, noted as it flushes or executes, and counters raised
as its last statement before COMMIT: the directory's version (wol/directory/changes.py) and
the circles' versions (wol/circles/versions.py) are both made of these parts."""

from collections.abc import Callable, Iterable

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session


def changed_columns(instance) -> set[str]:
    """The column attributes of a loaded object that this flush changes."""
    state = inspect(instance)
    return {
        attr.key
        for attr in state.mapper.column_attrs
        if state.attrs[attr.key].history.has_changes()
    }


def update_columns(statement) -> set[str] | None:
    """The columns a bulk UPDATE sets (None when they cannot be told)."""
    values = getattr(statement, "_values", None)
    if not values:
        return None
    return {getattr(key, "key", None) or str(key) for key in values}


def count_up(session: Session, model, keys: Iterable) -> None:
    """Add one to ``n`` in the rows of ``model`` with these primary keys, in the order given,
    and insert a row with 1 where there is none (PostgreSQL and SQLite)."""
    table = model.__table__
    key = next(iter(table.primary_key.columns))
    if session.get_bind(mapper=inspect(model)).dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(
        insert(table)
        .values([{key.name: value, "n": 1} for value in keys])
        .on_conflict_do_update(index_elements=[key], set_={"n": table.c.n + 1})
    )


def forget_when_done(*names: str) -> Callable:
    """A listener for ``after_transaction_end`` that drops the notes ``names`` when a session's
    outermost transaction ends: what they noted is then committed (and counted) or rolled
    back. A savepoint that rolls back leaves the notes of what came before it."""

    def forget(session: Session, transaction) -> None:
        if transaction.parent is None:
            for name in names:
                session.info.pop(name, None)

    return forget


def listen(
    note_flush: Callable, note_statement: Callable, raise_before_commit: Callable, forget: Callable
) -> None:
    """Listen to every session, once per process: ``note_flush`` after each flush,
    ``note_statement`` before each ORM statement, ``raise_before_commit`` before COMMIT and
    ``forget`` when a transaction ends."""
    for name, listener in (
        ("after_flush", note_flush),
        ("do_orm_execute", note_statement),
        ("before_commit", raise_before_commit),
        ("after_transaction_end", forget),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
