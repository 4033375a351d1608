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

from collections.abc import Callable
from datetime import datetime

from flask import request
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from wol.cache import TOKEN_PLACEHOLDER, drawn_once
from wol.health.service import SummaryRows

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
