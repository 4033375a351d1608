"""The organisers' dashboard, drawn once a minute for what it shows and kept per process.

An organiser of forty circles opened a dashboard that worked out forty healths and drew
twenty-five table rows with their reasons and sparklines, the survival chart and the completion
rate: 10 ms of CPU on every visit. Everything below the page header is made from the summary
rows (wol/health/service.py ``summary_rows``: every column that goes into a summary, read on
every visit), the moment, the reader and the address; so it is drawn once for each of these and
kept. The moment counts to the minute: a meeting that starts, or a check-in that becomes late,
shows within the minute. A change by any process changes the rows, and so draws the page anew
on the next visit. The form token is the session's, put in on the way out.
"""

import functools
from collections.abc import Callable
from datetime import datetime

from flask import current_app, request
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import bindparam

from wol.cache import TOKEN_PLACEHOLDER, drawn_once, keeping, kept
from wol.circles import versions
from wol.circles.models import Circle
from wol.extensions import db
from wol.front import Check
from wol.health.service import SummaryRows, scope_of, summary_rows

MAX_KEPT = 256


def dashboard_body(user, rows: SummaryRows, now: datetime, draw: Callable[[], str]) -> Markup:
    """The dashboard's body for ``user`` at ``now``: ``draw()`` once per minute, rows, reader,
    language and address (``draw`` renders with ``csrf_token`` giving the placeholder)."""
    key = (
        hash(rows),
        user.id,
        user.is_admin,
        user.timezone,
        str(get_locale()),
        request.full_path,
        request.script_root,
        now.replace(second=0, microsecond=0),
    )
    # The rows themselves are compared, not only their hash: equal rows, equal page.
    body = drawn_once("dashboard-bodies", key, draw, basis=rows, limit=MAX_KEPT)
    return Markup(body.replace(TOKEN_PLACEHOLDER, generate_csrf()))  # noqa: S704 - as drawn


@functools.cache
def _stamps_query():
    """An organiser's circles with their version numbers and row 0's (built once)."""
    return (
        versions.stamped(Circle.id)
        .where(Circle.organiser_id == bindparam("user_id"))
        .order_by(Circle.id)
    )


def front_checks(user) -> tuple[Check, ...]:
    """What an organiser's dashboard is drawn from, for the front (wol/front.py): their
    circles with their version numbers and row 0's. An admin's covers every circle: not
    kept."""
    return () if user.is_admin else (Check.of(_stamps_query(), user_id=user.id),)


def rows_for(user) -> SummaryRows:
    """The dashboard's summary rows for ``user``.

    An organiser's rows are kept per process under the version numbers of their circles
    (wol/circles/versions.py): a visit reads those forty numbers, and the rows of forty circles
    and their five hundred meetings only after one of them changed. An admin's dashboard
    covers every circle and reads its rows as before, as does a session with changes of its
    own."""
    scope = scope_of(user)
    if user.is_admin or not keeping(current_app) or versions.pending(db.session()):
        return summary_rows(scope)
    stamps = tuple(map(tuple, db.session.execute(_stamps_query(), {"user_id": user.id})))
    store = kept(current_app, "dashboard-rows", MAX_KEPT)
    found = store.get(user.id)
    if found is not None and found[0] == stamps:
        return found[1]
    rows = summary_rows(scope)
    store[user.id] = (stamps, rows)
    return rows
