"""Alert mails: a person who saved a directory search hears about newly listed circles.

At most one mail per alert per day, with every new match in it. The tick claims an alert with
a conditional UPDATE on the moment it last looked (``seen_until``) before it queues the mail,
so two ticks at once send it once.
"""

from datetime import datetime, timedelta
from urllib.parse import parse_qsl

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from wol.circles.models import MAX_MEMBERS, Circle, Membership
from wol.directory.filters import DirectoryFilter
from wol.directory.models import CircleAlert
from wol.directory.service import alert_token, circle_facts, is_open
from wol.extensions import db
from wol.i18n import ngettext
from wol.mail.service import queue_mail
from wol.urls import external_url

ALERT_INTERVAL = timedelta(days=1)


def send_alerts(now: datetime) -> int:
    """Mail each due alert the circles listed since it last looked that match it."""
    due = list(
        db.session.scalars(
            select(CircleAlert)
            .where(
                or_(CircleAlert.mailed_at.is_(None), CircleAlert.mailed_at <= now - ALERT_INTERVAL)
            )
            .options(selectinload(CircleAlert.user))
            .order_by(CircleAlert.id)
        )
    )
    if not due:
        return 0
    since = min(alert.seen_until for alert in due)
    fresh = [
        circle
        for circle in db.session.scalars(
            select(Circle)
            .where(
                Circle.listed.is_(True),
                Circle.ended_at.is_(None),
                Circle.seats_taken < MAX_MEMBERS,
                Circle.listed_at > since,
                Circle.listed_at <= now,
            )
            .options(selectinload(Circle.meetings))
            .order_by(Circle.first_day, Circle.local_time, Circle.id)
        )
        if is_open(circle, now)
    ]
    rows = (
        db.session.execute(
            select(Membership.user_id, Membership.circle_id).where(
                Membership.circle_id.in_([c.id for c in fresh]), Membership.left_at.is_(None)
            )
        )
        if fresh
        else []
    )
    members = {(row.user_id, row.circle_id) for row in rows}
    sent = 0
    for alert in due:
        news = [c for c in fresh if c.listed_at > alert.seen_until]
        if not news:
            continue
        filt, _ignored = DirectoryFilter.parse(dict(parse_qsl(alert.query)))
        user = alert.user
        matches = [
            c
            for c in news
            if c.organiser_id != user.id
            and (user.id, c.id) not in members
            and filt.matches(circle_facts(c), user.timezone)
        ]
        newest = max(c.listed_at for c in news)
        claim = (
            update(CircleAlert)
            .where(CircleAlert.id == alert.id, CircleAlert.seen_until == alert.seen_until)
            .execution_options(synchronize_session=False)
        )
        if not matches:
            db.session.execute(claim.values(seen_until=newest))
            continue
        claimed = db.session.execute(
            claim.where(
                or_(CircleAlert.mailed_at.is_(None), CircleAlert.mailed_at <= now - ALERT_INTERVAL)
            ).values(seen_until=newest, mailed_at=now)
        )
        if claimed.rowcount != 1:
            continue  # another tick took it
        _mail_alert(alert, filt, matches)
        sent += 1
    db.session.flush()
    return sent


def _mail_alert(alert: CircleAlert, filt: DirectoryFilter, matches: list[Circle]) -> None:
    """Queue the mail for one alert, in the person's language and time zone."""
    user = alert.user
    search = external_url("directory.index", **filt.args())
    with force_locale(user.language):
        subject = ngettext(
            "A new circle fits your search: %(name)s",
            "%(num)d new circles fit your search",
            len(matches),
            name=matches[0].name,
        )
        body = render_template(
            "mail/circle_alert.txt",
            user=user,
            circles=matches,
            tz=user.timezone,
            filt=filt,
            search=search,
            links={
                c.id: external_url("directory.index", **filt.args(), _anchor=f"circle-{c.id}")
                for c in matches
            },
            off=external_url("directory.alert_off", token=alert_token(alert)),
            settings=external_url("settings.edit", _anchor="alerts"),
        )
    queue_mail(user.email, subject, body, to_name=user.display_name, kind="circle_alert")
