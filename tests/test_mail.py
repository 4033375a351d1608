"""The mail outbox against a real SMTP server: delivery, outage, retry, no duplicates."""

import threading
from datetime import timedelta
from email import message_from_bytes

from sqlalchemy import select

from tests.conftest import free_port
from wol.extensions import db
from wol.mail.models import PENDING, SENDING, SENT, OutboxMail
from wol.mail.service import backoff, deliver_outbox, queue_mail
from wol.timestamps import utcnow


def smtp_config(app, port: int) -> dict:
    """The app's config pointed at an SMTP server on ``port``."""
    config = dict(app.config)
    config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=5)
    return config


def test_a_queued_mail_is_delivered_over_smtp(app, smtp_server):
    with app.app_context():
        queue_mail("bram@example.org", "Welkom in de cirkel", "Tot dinsdag!", to_name="Bram")
        db.session.commit()
        report = deliver_outbox(smtp_config(app, smtp_server.port))
        assert report == {"sent": 1, "failed": 0, "retry": 0, "skipped": 0, "left": 0}
        mail = db.session.scalar(select(OutboxMail))
        assert mail.status == SENT and mail.sent_at is not None
    [envelope] = smtp_server.handler_ref.messages
    assert envelope.rcpt_tos == ["bram@example.org"]
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == "Welkom in de cirkel"
    assert message["Message-ID"].startswith("<wol-outbox-")
    assert "Tot dinsdag!" in message.get_payload(decode=True).decode()


def test_a_calendar_mail_has_an_rfc6047_part(app, smtp_server):
    ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    with app.app_context():
        queue_mail(
            "bram@example.org",
            "Uitnodiging",
            "Zie bijlage",
            calendar=ics,
            calendar_method="REQUEST",
        )
        db.session.commit()
        deliver_outbox(smtp_config(app, smtp_server.port))
    message = message_from_bytes(smtp_server.handler_ref.messages[0].content)
    parts = {part.get_content_type(): part for part in message.walk()}
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    assert parts["text/calendar"].get_payload(decode=True).decode() == ics
    assert "application/ics" in parts


def test_smtp_down_keeps_the_mail_and_retries_after_backoff(app):
    port = free_port()  # nothing listens here yet
    with app.app_context():
        queue_mail("bram@example.org", "Onderwerp", "Tekst")
        db.session.commit()
        now = utcnow()
        report = deliver_outbox(smtp_config(app, port), now)
        assert report["retry"] == 1 and report["failed"] == 0
        mail = db.session.scalar(select(OutboxMail))
        assert mail.status == PENDING and mail.attempts == 1
        assert mail.last_error and mail.next_attempt_at == now + timedelta(minutes=1)
        # Not due yet: a tick right after does not hammer the server.
        assert deliver_outbox(smtp_config(app, port), now + timedelta(seconds=30))["retry"] == 0

    from aiosmtpd.controller import Controller

    from tests.conftest import RecordingHandler

    handler = RecordingHandler()
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        with app.app_context():
            report = deliver_outbox(smtp_config(app, port), now + timedelta(minutes=2))
            assert report["sent"] == 1
            assert db.session.scalar(select(OutboxMail)).status == SENT
            # A later tick sends nothing again.
            assert deliver_outbox(smtp_config(app, port), now + timedelta(hours=1))["sent"] == 0
    finally:
        server.stop()
    assert len(handler.messages) == 1


def test_backoff_grows_and_is_capped():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(40) == timedelta(hours=6)


def test_two_ticks_at_once_send_each_mail_once(app, smtp_server):
    with app.app_context():
        for n in range(12):
            queue_mail(f"person{n}@example.org", f"Mail {n}", "Tekst")
        db.session.commit()
    config = smtp_config(app, smtp_server.port)
    results = []

    def tick():
        with app.app_context():
            results.append(deliver_outbox(config))
            db.session.remove()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recipients = [env.rcpt_tos[0] for env in smtp_server.handler_ref.messages]
    assert sorted(recipients) == sorted(f"person{n}@example.org" for n in range(12))
    assert sum(r["sent"] for r in results) == 12


def test_a_stale_claim_is_picked_up_again(app, smtp_server):
    with app.app_context():
        mail = queue_mail("bram@example.org", "Onderwerp", "Tekst")
        mail.status = SENDING
        mail.claimed_at = utcnow() - timedelta(minutes=30)
        db.session.commit()
        assert deliver_outbox(smtp_config(app, smtp_server.port))["sent"] == 1


def test_development_backend_writes_eml_files(app, runner, app_config):
    from pathlib import Path

    with app.app_context():
        queue_mail("bram@example.org", "Onderwerp", "Tekst")
        db.session.commit()
    result = runner.invoke(args=["wol", "tick"])
    assert "mail_sent=1" in result.output
    files = list(Path(app_config["MAIL_FILE_DIR"]).glob("*.eml"))
    assert len(files) == 1
    assert b"Onderwerp" in files[0].read_bytes()
