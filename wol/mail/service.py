"""Queue mails in the outbox and deliver them over SMTP (or to files in development).

Delivery is safe when two ticks run at once: a mail is claimed with a conditional UPDATE that
only one of them can win, and the claim is committed before anything is sent. Each mail is
built and sent on its own: one that cannot be built, or that the server refuses for good (5xx),
ends as ``failed`` with the reason, and the others still leave. A server that does not answer
ends the tick's attempts; the rest waits for the next tick.

Delivery is at least once: when the process dies after the server accepted a mail and before
that was recorded, the mail is sent again after STALE_CLAIM, with the same Message-ID.
"""

import logging
import secrets
import smtplib
import unicodedata
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import or_, update

from wol.extensions import db
from wol.mail.models import FAILED, PENDING, SENDING, SENT, OutboxMail
from wol.timestamps import utcnow

log = logging.getLogger(__name__)

STALE_CLAIM = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=6)
# Temporary failures are retried with backoff; after this many attempts (about three days)
# the mail is given up as failed.
MAX_ATTEMPTS = 20


class PermanentFailure(Exception):
    """This mail can never be delivered as it is: retrying would not help."""


class ServerUnavailable(Exception):
    """The mail server did not answer or dropped the connection: stop trying for now."""


def header_text(value: str | None) -> str:
    """A value safe in a mail header: line breaks and other control characters become spaces.

    Names and circle names are checked when entered, but rows written before that check, or by
    other means, must not stop a mail from being built.
    """
    cleaned = "".join(
        " " if unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs") else char
        for char in value or ""
    )
    return " ".join(cleaned.split())


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
    msg["To"] = Address(display_name=header_text(mail.to_name), addr_spec=mail.to_addr)
    msg["Subject"] = header_text(mail.subject)
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
    """Hand one message to the configured SMTP server.

    Raises PermanentFailure for a 5xx answer, ServerUnavailable when the server cannot be
    reached, times out or hangs up, and smtplib's errors for other (temporary) refusals.
    """
    klass = smtplib.SMTP_SSL if config["SMTP_SSL"] else smtplib.SMTP
    try:
        with klass(
            config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]
        ) as smtp:
            if config["SMTP_STARTTLS"] and not config["SMTP_SSL"]:
                smtp.starttls()
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _message in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            raise PermanentFailure(_smtp_reason(exc.recipients)) from exc
        raise
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        if 500 <= exc.smtp_code < 600:
            raise PermanentFailure(f"{exc.smtp_code} {_decode(exc.smtp_error)}") from exc
        raise
    except (
        smtplib.SMTPServerDisconnected,
        smtplib.SMTPConnectError,
        TimeoutError,
        ConnectionError,
    ) as exc:
        raise ServerUnavailable(f"{type(exc).__name__}: {exc}") from exc


def _decode(text) -> str:
    """An SMTP answer as text."""
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def _smtp_reason(recipients: dict) -> str:
    """The server's answers for refused recipients, as one line."""
    return "; ".join(
        f"{addr}: {code} {_decode(message)}" for addr, (code, message) in recipients.items()
    )


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
    counts = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0, "left": 0}
    for position, mail_id in enumerate(due_ids):
        token = _claim(mail_id, now)
        if token is None:
            counts["skipped"] += 1
            continue
        outcome = _deliver_one(mail_id, token, config, now)
        if outcome == "unavailable":
            # The server is not answering: everything after this waits for the next tick.
            counts["retry"] += 1
            counts["left"] += len(due_ids) - position - 1
            break
        counts[outcome] += 1
    return counts


def _deliver_one(mail_id: int, token: str, config: dict, now: datetime) -> str:
    """Build and send one claimed mail and record the outcome; never raises for one mail."""
    mail = db.session.get(OutboxMail, mail_id, populate_existing=True)
    try:
        msg = build_message(mail, config)
    except Exception as exc:  # noqa: BLE001 - one bad row must not stop the others
        log.exception("mail %s cannot be built", mail_id)
        return _record(mail_id, token, now, FAILED, f"cannot be built: {type(exc).__name__}: {exc}")
    try:
        if config["MAIL_BACKEND"] == "smtp":
            _send_smtp(msg, config)
        else:
            _send_file(mail, msg, config)
    except PermanentFailure as exc:
        log.warning("mail %s refused for good: %s", mail_id, exc)
        return _record(mail_id, token, now, FAILED, f"refused: {exc}")
    except ServerUnavailable as exc:
        log.warning("mail server unavailable, the rest waits for the next tick: %s", exc)
        _record(mail_id, token, now, PENDING, str(exc))
        return "unavailable"
    except Exception as exc:  # noqa: BLE001 - retried later, like a temporary refusal
        log.warning("mail %s not delivered (attempt %s): %s", mail_id, mail.attempts + 1, exc)
        return _record(mail_id, token, now, PENDING, f"{type(exc).__name__}: {exc}")
    return _record(mail_id, token, now, SENT, None)


def _record(mail_id: int, token: str, now: datetime, status: str, error: str | None) -> str:
    """Write the outcome of an attempt (only while this tick still holds the claim)."""
    db.session.rollback()
    attempts = db.session.scalar(db.select(OutboxMail.attempts).where(OutboxMail.id == mail_id))
    attempts = (attempts or 0) + 1
    values = {
        "attempts": attempts,
        "claim": None,
        "status": status,
        "last_error": error[:500] if error else None,
    }
    outcome = {SENT: "sent", FAILED: "failed"}.get(status, "retry")
    if status == SENT:
        values["sent_at"] = now
    elif status == PENDING and attempts >= MAX_ATTEMPTS:
        values.update(status=FAILED, last_error=f"gave up after {attempts} attempts: {error}"[:500])
        outcome = "failed"
    elif status == PENDING:
        values["next_attempt_at"] = now + backoff(attempts)
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.claim == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return outcome
