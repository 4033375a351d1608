"""The scheduled work behind `flask wol tick`; safe when two ticks run at once.

Every job claims its work with a conditional UPDATE before it queues a mail, and commits the
claim together with the mails: two ticks at the same moment send each mail once.
"""

from datetime import datetime

from sqlalchemy import func, select

from wol.checkins.notifications import send_checkin_requests, send_reminders
from wol.circles.service import expire_offers
from wol.directory.notifications import send_alerts
from wol.extensions import db
from wol.guides.notifications import tell_translators_of_english_changes
from wol.health.notifications import status_nudges, weekly_digests
from wol.health.service import record_changes
from wol.mail.models import PENDING, OutboxMail
from wol.mail.service import deliver_outbox
from wol.timestamps import utcnow


def _health(now: datetime) -> dict:
    """Note each circle's change of health; nudge the members of those that falter."""
    changes = record_changes(now)
    return {"health_changes": len(changes), "nudges": status_nudges(changes, now)}


def run_tick(config: dict, now: datetime | None = None, *, dry_run: bool = False) -> dict:
    """Run every scheduled job once and report what each did.

    With ``dry_run`` nothing is written or sent: the report gets ``would_send``, the mails a
    real tick would deliver now (already queued ones and those the jobs would queue).
    """
    now = now or utcnow()
    queued_before = db.session.scalar(select(func.max(OutboxMail.id))) or 0

    def done() -> None:
        """Keep a job's work: commit it, or in a dry run keep it only until the rollback."""
        if dry_run:
            db.session.flush()
        else:
            db.session.commit()

    report = {"offers_expired": expire_offers(now)}
    done()
    report.update(_health(now))
    done()
    report["checkin_mails"] = send_checkin_requests(now)
    done()
    report["reminders"] = send_reminders(now)
    done()
    report["digests"] = weekly_digests(now)
    done()
    report["alert_mails"] = send_alerts(now)
    done()
    report["guide_change_mails"] = tell_translators_of_english_changes(now)
    done()
    if dry_run:
        report["would_send"] = [
            (mail.kind, mail.to_addr, mail.subject)
            for mail in db.session.scalars(
                select(OutboxMail)
                .where(
                    OutboxMail.status == PENDING,
                    (OutboxMail.next_attempt_at <= now) | (OutboxMail.id > queued_before),
                )
                .order_by(OutboxMail.id)
            )
        ]
        db.session.rollback()
        return report
    # Mail last, so that what the jobs above queued leaves in the same tick.
    mail = deliver_outbox(config, now)
    report.update({f"mail_{key}": value for key, value in mail.items()})
    return report
