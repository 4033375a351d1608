"""Queue mails in the outbox and deliver them over SMTP (or to files in development).

Delivery is safe when two ticks run at once: a mail is claimed with a conditional UPDATE that
only one of them can win, and the claim is committed before anything is sent.
"""

import logging
import secrets
import smtplib
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import or_, update

from wol.extensions import db
from wol.mail.models import PENDING, SENDING, SENT, OutboxMail
from wol.timestamps import utcnow

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=6)


def queue_mail(
    to_addr: str,
    subject: str,
    body_text: str,
    *,
    to_name: str | None = None,
    calendar: str | None = None,
    calendar_method: str | None = None,
    kind: str = "general",
) -> OutboxMail:
    """Store a mail in the outbox; it leaves with the next tick."""
    mail = OutboxMail(
        to_addr=to_addr,
        to_name=to_name,
        subject=subject[:255],
        body_text=body_text,
        calendar=calendar,
        calendar_method=calendar_method,
        kind=kind,
        next_attempt_at=utcnow(),
    )
    db.session.add(mail)
    db.session.flush()
    return mail


def backoff(attempts: int) -> timedelta:
    """Wait before retry number ``attempts``: 1, 2, 4 ... minutes, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def build_message(mail: OutboxMail, config: dict) -> EmailMessage:
    """Turn an outbox row into a MIME message with a stable Message-ID."""
    msg = EmailMessage()
    msg["From"] = config["MAIL_FROM"]
    msg["To"] = Address(display_name=mail.to_name or "", addr_spec=mail.to_addr)
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.created_at)
    domain = config["MAIL_FROM"].rsplit("@", 1)[-1].strip(" >") or "localhost"
    # Stable per row: a retry after an uncertain failure carries the same id, so mail systems
    # can recognise the duplicate.
    msg["Message-ID"] = f"<wol-outbox-{mail.id}-{int(mail.created_at.timestamp())}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.body_text)
    if mail.calendar:
        method = mail.calendar_method or "PUBLISH"
        msg.add_alternative(
            mail.calendar.encode("utf-8"),
            maintype="text",
            subtype="calendar",
            params={"method": method, "charset": "utf-8"},
            cte="base64",
        )
        msg.add_attachment(
            mail.calendar.encode("utf-8"),
            maintype="application",
            subtype="ics",
            filename="invite.ics",
        )
    return msg


def _send_smtp(msg: EmailMessage, config: dict) -> None:
    """Hand one message to the configured SMTP server."""
    klass = smtplib.SMTP_SSL if config["SMTP_SSL"] else smtplib.SMTP
    with klass(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
        if config["SMTP_STARTTLS"] and not config["SMTP_SSL"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(msg)


def _send_file(mail: OutboxMail, msg: EmailMessage, config: dict) -> None:
    """Development delivery: write the message as an .eml file and log a line."""
    folder = Path(config["MAIL_FILE_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{mail.created_at:%Y%m%d-%H%M%S}-{mail.id:06d}.eml"
    path.write_bytes(bytes(msg))
    log.warning("mail to %s saved as %s: %s", mail.to_addr, path, mail.subject)


def _claim(mail_id: int, now: datetime) -> str | None:
    """Claim one mail for sending; return the claim token, or None when another tick won."""
    token = secrets.token_hex(16)
    result = db.session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == mail_id,
            or_(
                (OutboxMail.status == PENDING) & (OutboxMail.next_attempt_at <= now),
                (OutboxMail.status == SENDING) & (OutboxMail.claimed_at < now - STALE_CLAIM),
            ),
        )
        .values(status=SENDING, claim=token, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token if result.rowcount == 1 else None


def deliver_outbox(config: dict, now: datetime | None = None, limit: int = 200) -> dict:
    """Send the mails that are due; return counts of sent, failed and skipped mails."""
    now = now or utcnow()
    due_ids = list(
        db.session.scalars(
            db.select(OutboxMail.id)
            .where(
                or_(
                    (OutboxMail.status == PENDING) & (OutboxMail.next_attempt_at <= now),
                    (OutboxMail.status == SENDING) & (OutboxMail.claimed_at < now - STALE_CLAIM),
                )
            )
            .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
            .limit(limit)
        )
    )
    db.session.commit()
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for mail_id in due_ids:
        token = _claim(mail_id, now)
        if token is None:
            counts["skipped"] += 1
            continue
        mail = db.session.get(OutboxMail, mail_id, populate_existing=True)
        try:
            msg = build_message(mail, config)
            if config["MAIL_BACKEND"] == "smtp":
                _send_smtp(msg, config)
            else:
                _send_file(mail, msg, config)
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            mail.status = PENDING
            mail.attempts += 1
            mail.claim = None
            mail.next_attempt_at = now + backoff(mail.attempts)
            mail.last_error = f"{type(exc).__name__}: {exc}"[:500]
            db.session.commit()
            counts["failed"] += 1
            log.warning("mail %s not delivered (attempt %s): %s", mail.id, mail.attempts, exc)
            continue
        db.session.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail_id, OutboxMail.claim == token)
            .values(status=SENT, sent_at=now, attempts=OutboxMail.attempts + 1, last_error=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        counts["sent"] += 1
    return counts
