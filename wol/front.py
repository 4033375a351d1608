"""The front: an answer given again, before Flask's request machinery runs, while what it was
drawn from is unchanged.

A signed-in page costs about half its time before its view runs: the session cookie opened,
the person loaded as an ORM object, locale and time zone chosen, the hooks run. Between two
changes, most visits to a page (an organiser looking at the dashboard again, a member opening
the circle page from a phone and a desk) answer exactly the same bytes. The front keeps such
an answer per process and gives it again on a visit that sends the same request, after reading
in one connection that everything the view named is as it was.

- **The same request** is the same path, query, host, scheme, client address, cookies,
  languages asked for, browser and conditional headers (``KEY_FIELDS``). The raw ``Cookie``
  header holds the whole session: the signed-in person, the session's form token, messages.
- **What it was drawn from** (``Check``): the person's account row and the open session's row
  (signing out deletes the session: the next visit goes to Flask, which sends them to sign
  in), and whatever the view names with ``keep`` (its circles' version numbers,
  wol/circles/versions.py; the reader's own notes; a feed's version rows; the guides'
  published layer), and the guide files this process loaded. Each check is one statement
  whose rows are compared in full. The front reads the person's rows before Flask runs, a
  view reads its checks before it loads what it draws: what was drawn is never older than
  what the answer is kept under.
- **Never longer than the minute** it was drawn in: pages say "starts in 5 minutes", a
  check-in opens, and those moments arrive without any change in the database. Nor past the
  moment the session cookie ages out.
- **Pages that keep nothing** cost the front no statement: it learns which pages call
  ``keep`` (the first visit to each, per process, is not kept) and reads nothing before
  Flask for any other.
- **Only** answers 200 or 304 to a GET that set no cookie (a session that changed, such as a
  first form token or a message shown, is drawn again), from a view that called ``keep``
  without changes of its own in its session, in a process that keeps drawn pages at all
  (not while templates are edited).
"""

from __future__ import annotations

import functools
import math
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, request
from sqlalchemy import bindparam, create_engine, select
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_cookie

from wol.cache import keeping

ENVIRON_KEY = "wol.front"
# A process keeps at most this many answers and bytes of them (a circle page is some 12 kB,
# the page of a round of 500 sign-ups some 100 kB); when full, it starts again empty.
ANSWERS_KEPT = 2_000
BYTES_KEPT = 48 * 1024 * 1024
# What makes two requests the same request (WSGI environ names).
KEY_FIELDS = (
    "PATH_INFO",
    "QUERY_STRING",
    "SCRIPT_NAME",
    "HTTP_HOST",
    "wsgi.url_scheme",
    "REMOTE_ADDR",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_COOKIE",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_USER_AGENT",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
)
KEPT_STATUSES = ("200 ", "304 ")


@dataclass(frozen=True)
class Check:
    """One statement (a SQLAlchemy select, built once) with its parameters: the rows it reads
    are part of what a kept answer was drawn from."""

    statement: Any
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, statement, **params) -> Check:
        return cls(statement, tuple(sorted(params.items())))


@dataclass
class Answer:
    """A kept answer and what it was drawn from."""

    checks: tuple[Check, ...]
    basis: tuple
    minute: int
    until: float
    status: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Pending:
    """A request the front let through: what its answer would be kept under."""

    minute: int
    until: float
    checks: list[Check] = field(default_factory=list)
    basis: list = field(default_factory=list)
    keep: bool = False
    # The rows of checks read a moment ago, before Flask ran (those of a kept answer that
    # turned out to be out of date): read again, they would only be newer.
    known: dict = field(default_factory=dict)
    # Set for a request to a page not yet known to keep its answers: nothing was read before
    # Flask ran, so this answer is not kept; the page is known from now on.
    learning: str | None = None


def _minute() -> int:
    return int(time.time() // 60)


def keep(*checks: Check) -> bool:
    """Let the front give this request's answer again while the rows of ``checks`` (read now,
    so call this before loading what the page shows) and the reader's account and session are
    unchanged, within the minute; whether it may. Nothing is kept when the request's session
    has changes of its own."""
    pending = request.environ.get(ENVIRON_KEY)
    if pending is None:
        return False
    if pending.learning is not None:
        request.environ["wol.front.app"].keeping_endpoints.add(pending.learning)
        return False
    from wol.circles import versions
    from wol.extensions import db

    session = db.session()
    if versions.pending(session):
        return False
    front = request.environ["wol.front.app"]
    unread = [check for check in checks if check not in pending.known]
    read = dict(zip(unread, front.read(unread, session.connection().connection), strict=True))
    pending.basis.extend(pending.known[c] if c in pending.known else read[c] for c in checks)
    pending.checks.extend(checks)
    pending.keep = True
    return True


class Front:
    """WSGI middleware in front of the Flask app: gives kept answers again (see the module)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.inner = app.wsgi_app
        self._statements: dict[int, tuple[str, tuple | None, dict]] = {}
        self._engine = None
        self.answers: dict[tuple, Answer] = {}
        self._bytes = 0
        # The pages that ask to keep their answers (``keep``), learnt as they do: a request
        # to any other page goes to Flask without the front reading anything first.
        self.keeping_endpoints: set[str] = set()
        # Called with each statement the front runs itself, on a DBAPI connection where
        # SQLAlchemy's events do not see it (the tests count a page's statements).
        self.listeners: list[Callable[[str], None]] = []

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or not keeping(self.app):
            return self.inner(environ, start_response)
        key = tuple(environ.get(name) for name in KEY_FIELDS)
        answer = self.answers.get(key)
        known: dict = {}
        if answer is not None and answer.minute == _minute() and time.time() < answer.until:
            now = self._read_now(answer.checks)
            if now == answer.basis:
                start_response(answer.status, answer.headers)
                return [answer.body]
            if now is not None and now[0] == answer.basis[0]:
                known = dict(zip(answer.checks, now[1:], strict=True))
        endpoint = self._endpoint(environ)
        if endpoint is None:
            return self.inner(environ, start_response)
        if endpoint in self.keeping_endpoints:
            pending = self._pending(environ, known)
        else:
            pending = Pending(0, 0.0, learning=endpoint)
        if pending is None:
            return self.inner(environ, start_response)
        environ[ENVIRON_KEY] = pending
        environ["wol.front.app"] = self
        seen: list = []

        def starting(status, headers, exc_info=None):
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.inner(environ, starting)
        if not (pending.keep and seen and self._keepable(seen[0], seen[1])):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        if pending.minute == _minute():
            self._keep(
                key,
                Answer(
                    tuple(pending.checks),
                    tuple(pending.basis),
                    pending.minute,
                    pending.until,
                    seen[0],
                    list(seen[1]),
                    data,
                ),
            )
        return [data]

    def _endpoint(self, environ) -> str | None:
        """The endpoint a GET of this path goes to, None when it goes to none."""
        try:
            adapter = self.app.url_map.bind_to_environ(
                environ, server_name=self.app.config["SERVER_NAME"]
            )
            return adapter.match()[0]
        except HTTPException:  # not found, another method, a redirect: Flask answers
            return None

    def _keep(self, key: tuple, answer: Answer) -> None:
        if len(self.answers) >= ANSWERS_KEPT or self._bytes + len(answer.body) > BYTES_KEPT:
            self.answers.clear()
            self._bytes = 0
        replaced = self.answers.get(key)
        self.answers[key] = answer
        self._bytes += len(answer.body) - (len(replaced.body) if replaced else 0)

    @staticmethod
    def _keepable(status: str, headers: list[tuple[str, str]]) -> bool:
        return status.startswith(KEPT_STATUSES) and not any(
            name.lower() == "set-cookie" for name, _ in headers
        )

    def _read_now(self, checks: Iterable[Check]) -> tuple | None:
        """The guides' generation and the rows of ``checks`` as they are now, as a kept
        answer's basis is made; None when the database cannot tell."""
        try:
            connection = self._engine_of().raw_connection()
        except Exception:  # noqa: BLE001 - the database is away: Flask says so
            return None
        try:
            return self._guides() + self.read(checks, connection, batched=True)
        except Exception:  # noqa: BLE001 - any doubt: let Flask answer (and report) it
            connection.invalidate()  # a broken connection is not given out again
            return None
        finally:
            connection.close()

    def _pending(self, environ, known: dict) -> Pending | None:
        """What this request's answer would be kept under, starting with the guides and the
        signed-in person's rows, read before Flask runs (or ``known``: read a moment ago);
        None when it may not be kept."""
        until = math.inf  # no session cookie to age out
        checks: list[Check] = []
        name = self.app.config["SESSION_COOKIE_NAME"]
        cookie = parse_cookie(environ.get("HTTP_COOKIE", "")).get(name)
        if cookie:
            serializer = self.app.session_interface.get_signing_serializer(self.app)
            lifetime = int(self.app.permanent_session_lifetime.total_seconds())
            try:
                data, signed_at = serializer.loads(cookie, max_age=lifetime, return_timestamp=True)
            except Exception:  # noqa: BLE001 - a broken cookie: Flask decides what it means
                return None
            if data.get("_flashes"):
                return None
            until = signed_at.timestamp() + lifetime
            person = person_check(data.get("_user_id"))
            if person is not None:
                checks.append(person)
        pending = Pending(_minute(), until, checks, known=known)
        if checks and checks[0] in known:
            pending.basis = [self._guides()[0], known[checks[0]]]
            return pending
        now = self._read_now(checks)
        if now is None:
            return None
        pending.basis = list(now)
        return pending

    def _engine_of(self):
        """Where the front reads: the app's engine on SQLite. On PostgreSQL an engine of its
        own whose connections read in autocommit, without the app's ping on every checkout:
        a read then needs no BEGIN, ROLLBACK or ping, only its statements, sent together
        (``read``). A broken connection is dropped when a read on it fails."""
        if self._engine is None:
            from wol.extensions import db

            with self.app.app_context():
                engine = db.engine
            if engine.dialect.name == "postgresql":
                engine = create_engine(
                    engine.url,
                    isolation_level="AUTOCOMMIT",
                    pool_reset_on_return=None,
                    pool_size=2,
                    max_overflow=8,
                )
                # Its connections are closed with the app, not left to the garbage collector.
                weakref.finalize(self.app, engine.dispose)
            self._engine = engine
        return self._engine

    def _guides(self) -> tuple:
        """The generation of the guide files this process serves (titles show on pages)."""
        from wol.guides.service import guide_service

        return (guide_service(self.app).generation,)

    def read(self, checks: Iterable[Check], connection, batched: bool = False) -> tuple:
        """The rows of ``checks``, read on a (pooled) DBAPI ``connection``; ``batched``: sent
        to PostgreSQL together and answered in one round trip (psycopg's pipeline)."""
        statements = []
        for check in checks:
            sql, order, defaults = self._statement(check.statement)
            params = {**defaults, **dict(check.params)}
            for listener in self.listeners:
                listener(sql)
            statements.append((sql, tuple(params[n] for n in order) if order else params))
        driver = getattr(connection, "driver_connection", connection)
        if batched and len(statements) > 1 and hasattr(driver, "pipeline"):
            with driver.pipeline():
                cursors = [driver.cursor() for _ in statements]
                for cursor, (sql, params) in zip(cursors, statements, strict=True):
                    cursor.execute(sql, params)
                return tuple(tuple(map(tuple, cursor.fetchall())) for cursor in cursors)
        cursor = connection.cursor()
        try:
            found = []
            for sql, params in statements:
                cursor.execute(sql, params)
                found.append(tuple(map(tuple, cursor.fetchall())))
            return tuple(found)
        finally:
            cursor.close()

    def _statement(self, statement) -> tuple[str, tuple | None, dict]:
        """``statement`` as SQL for this database, compiled once."""
        found = self._statements.get(id(statement))
        if found is None or found[3] is not statement:
            compiled = statement.compile(dialect=self._engine_of().dialect)
            order = tuple(compiled.positiontup) if compiled.positional else None
            found = (str(compiled), order, dict(compiled.params), statement)
            self._statements[id(statement)] = found
        return found[:3]


def person_check(session_id: str | None) -> Check | None:
    """The rows of a signed-in person and their open session, for a session id from a cookie
    (``user id:secret``, as wol/auth/service.py load_session_user reads it)."""
    from wol.auth.service import session_key

    key = session_key(session_id)
    if key is None:
        return None
    return Check.of(_person_statement(), user_id=key[0], token_hash=key[2])


@functools.cache
def _person_statement():
    """A person's row with the row of one open session of theirs (built once)."""
    from wol.auth.models import User, UserSession

    users, sessions = User.__table__, UserSession.__table__
    return (
        select(users, sessions)
        .join(sessions, sessions.c.user_id == users.c.id)
        .where(
            users.c.id == bindparam("user_id"),
            sessions.c.token_hash == bindparam("token_hash"),
        )
    )


def install(app: Flask) -> None:
    """Put the front before ``app``, outside any proxy fix: it keys on the request as it
    arrived, forwarded headers included."""
    app.wsgi_app = Front(app)
