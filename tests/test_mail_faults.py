"""Mail under faults: a bad row, a refusing server and a frozen server never stop the rest."""

import socket
import threading
import time
from email import message_from_bytes

from sqlalchemy import select

from tests.conftest import RecordingHandler, free_port
from tests.test_mail import smtp_config
from wol.auth.models import User
from wol.extensions import db
from wol.mail.models import FAILED, PENDING, SENT, OutboxMail
from wol.mail.service import build_message, deliver_outbox, queue_mail


def statuses(app) -> dict[str, str]:
    """Status of every outbox row, by recipient."""
    with app.app_context():
        return {m.to_addr: m.status for m in db.session.scalars(select(OutboxMail))}


def test_rows_that_cannot_be_built_fail_alone_and_the_rest_leaves(app, smtp_server):
    with app.app_context():
        # Rows written before names were checked at the door, or by other means.
        for n in range(3):
            queue_mail(f"broken{n}@exa\nmple.org", "Welkom", "Tekst")
        queue_mail(
            "ann@example.org",
            "Cirkel\nDigitale\u2028Overheid\x1c",
            "Tekst",
            to_name="Ann\r\nBcc: everyone@example.org",
        )
        queue_mail(
            "els@example.org", "Kies een nieuw wachtwoord voor wol", "Link", kind="password_reset"
        )
        db.session.commit()
        report = deliver_outbox(smtp_config(app, smtp_server.port))
    assert report["sent"] == 2 and report["failed"] == 3
    assert statuses(app) == {
        "broken0@exa\nmple.org": FAILED,
        "broken1@exa\nmple.org": FAILED,
        "broken2@exa\nmple.org": FAILED,
        "ann@example.org": SENT,
        "els@example.org": SENT,
    }
    with app.app_context():
        broken = db.session.scalars(select(OutboxMail).where(OutboxMail.status == FAILED)).all()
        assert all("cannot be built" in m.last_error and m.claim is None for m in broken)
    received = {
        env.rcpt_tos[0]: message_from_bytes(env.content) for env in smtp_server.handler_ref.messages
    }
    assert set(received) == {"ann@example.org", "els@example.org"}
    ann = received["ann@example.org"]
    assert ann["Subject"] == "Cirkel Digitale Overheid"
    assert ann["Bcc"] is None and "\n" not in ann["To"]


def test_names_with_line_breaks_already_in_the_database_still_get_their_mail(
    app, make_user, smtp_server
):
    user = make_user(email="ann@example.org")
    with app.app_context():
        db.session.get(User, user.id).display_name = "Ann\nPeeters"
        db.session.commit()
    client = app.test_client()
    client.post("/password/forgot", data={"email": "ann@example.org"})
    with app.app_context():
        assert deliver_outbox(smtp_config(app, smtp_server.port))["sent"] == 1


class RefusingHandler(RecordingHandler):
    """An SMTP server that refuses one recipient for good."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        """550 for the address that does not exist, accept the others."""
        if address.startswith("gone@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_permanent_refusal_fails_once_with_the_reason(app):
    from aiosmtpd.controller import Controller

    handler = RefusingHandler()
    server = Controller(handler, hostname="127.0.0.1", port=free_port())
    server.start()
    try:
        with app.app_context():
            queue_mail("gone@example.org", "Welkom", "Tekst")
            queue_mail("ann@example.org", "Welkom", "Tekst")
            db.session.commit()
            config = smtp_config(app, server.port)
            report = deliver_outbox(config)
            assert report["failed"] == 1 and report["sent"] == 1
            gone = db.session.scalar(
                select(OutboxMail).where(OutboxMail.to_addr == "gone@example.org")
            )
            assert gone.status == FAILED and "550" in gone.last_error
            assert gone.attempts == 1
            # Never tried again.
            from datetime import timedelta

            from wol.timestamps import utcnow

            later = deliver_outbox(config, utcnow() + timedelta(days=3))
            assert later["sent"] == later["failed"] == later["retry"] == 0
    finally:
        server.stop()


def test_admins_see_undelivered_mail_with_the_reason(app, make_user, client):
    make_user(email="admin@example.org", roles={"admin"})
    make_user(email="bram@example.org")
    with app.app_context():
        mail = queue_mail("gone@example.org", "Welkom in de cirkel", "Tekst")
        mail.status, mail.last_error = FAILED, "refused: gone@example.org: 550 No such user"
        db.session.commit()
    client.post("/login", data={"email": "bram@example.org", "password": "correct horse battery"})
    assert client.get("/admin/mail").status_code == 403
    client.post("/logout")
    client.post("/login", data={"email": "admin@example.org", "password": "correct horse battery"})
    page = client.get("/admin/mail").get_data(as_text=True)
    assert "Welkom in de cirkel" in page and "550 No such user" in page


def frozen_smtp_server():
    """A server that accepts connections and never says a word; returns (port, stop)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(50)
    held = []
    stopped = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stopped.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()

    def stop():
        stopped.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()

    return listener.getsockname()[1], stop


def test_a_frozen_server_costs_one_timeout_and_the_rest_waits(app):
    port, stop = frozen_smtp_server()
    try:
        with app.app_context():
            for n in range(6):
                queue_mail(f"person{n}@example.org", f"Mail {n}", "Tekst")
            db.session.commit()
            config = dict(smtp_config(app, port), SMTP_TIMEOUT=0.5)
            started = time.monotonic()
            report = deliver_outbox(config)
            elapsed = time.monotonic() - started
    finally:
        stop()
    assert elapsed < 2, elapsed  # one timeout, not six
    assert report["retry"] == 1 and report["left"] == 5 and report["sent"] == 0
    with app.app_context():
        rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
        assert all(m.status == PENDING for m in rows)
        assert [m.attempts for m in rows] == [1, 0, 0, 0, 0, 0]


def test_the_message_id_is_the_same_on_every_attempt(app):
    with app.app_context():
        mail = queue_mail("ann@example.org", "Welkom", "Tekst")
        db.session.commit()
        first = build_message(mail, app.config)["Message-ID"]
        mail.attempts = 3
        assert build_message(mail, app.config)["Message-ID"] == first
        assert first.startswith("<wol-outbox-") and first.endswith("@localhost>")
