"""The scheduled work behind `flask wol tick`; safe when two ticks run at once."""

from datetime import datetime

from wol.circles.service import expire_offers
from wol.extensions import db
from wol.mail.service import deliver_outbox
from wol.timestamps import utcnow


def run_tick(config: dict, now: datetime | None = None) -> dict:
    """Run every scheduled job once and report what each did."""
    now = now or utcnow()
    report = {"offers_expired": expire_offers(now)}
    db.session.commit()
    # Mail last, so that what the jobs above queued leaves in the same tick.
    mail = deliver_outbox(config, now)
    report.update({f"mail_{key}": value for key, value in mail.items()})
    return report
