"""The scheduled work behind `flask wol tick`; safe when two ticks run at once."""

from datetime import datetime

from wol.mail.service import deliver_outbox
from wol.timestamps import utcnow


def run_tick(config: dict, now: datetime | None = None) -> dict:
    """Run every scheduled job once and report what each did."""
    now = now or utcnow()
    mail = deliver_outbox(config, now)
    return {f"mail_{key}": value for key, value in mail.items()}
