"""In development every mail wol queued can be read in the browser; elsewhere that page is gone."""

import pytest

from wol import create_app
from wol.extensions import db
from wol.mail.service import queue_mail

CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//wol//test//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:c1@wol.test\r\nDTSTAMP:20260301T100000Z\r\n"
    "DTSTART:20260303T110000Z\r\nDTEND:20260303T120000Z\r\nRRULE:FREQ=WEEKLY;COUNT=12\r\n"
    "SUMMARY:Cirkel Digitale Overheid\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture
def dev_app(app_config, app):
    """The same database, served as `make run` serves it: in development mode."""
    return create_app({**app_config, "WOL_ENV": "development", "TESTING": True})


def _queue_two(application):
    with application.app_context():
        queue_mail(
            "bram@example.org",
            "Welcome to Cirkel Digitale Overheid",
            "Hello Bram,\n\nsee you",
            to_name="Bram",
        )
        queue_mail(
            "ann@example.org",
            "Invitation: Cirkel Digitale Overheid",
            "The 12 meetings",
            calendar=CALENDAR,
            calendar_method="REQUEST",
        )
        db.session.commit()


def test_development_lists_every_mail_with_its_calendar_events(dev_app):
    _queue_two(dev_app)
    client = dev_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/dev/mail").get_data(as_text=True)
    assert "Welcome to Cirkel Digitale Overheid" in page and "bram@example.org" in page
    assert page.index("Invitation: Cirkel") < page.index("Welcome to Cirkel"), "newest first"
    assert 'href="/dev/mail"' in client.get("/").get_data(as_text=True), "linked from the footer"
    with dev_app.app_context():
        from wol.mail.models import OutboxMail

        invitation = db.session.scalars(
            db.select(OutboxMail).filter_by(to_addr="ann@example.org")
        ).one()
    shown = client.get(f"/dev/mail/{invitation.id}").get_data(as_text=True)
    assert "The 12 meetings" in shown
    assert "REQUEST" in shown and "FREQ=WEEKLY;COUNT=12" in shown
    assert "Cirkel Digitale Overheid" in shown
    dutch = client.get("/dev/mail", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Mail verstuurd door wol" in dutch


def test_development_mailbox_refuses_nonsense_with_a_404(dev_app):
    client = dev_app.test_client()
    assert client.get("/dev/mail/999999").status_code == 404
    assert client.get(f"/dev/mail/{2**70}").status_code == 404
    assert client.get(f"/dev/mail?page={2**70}").status_code == 200


@pytest.mark.parametrize("mode", ["testing", "production"])
def test_no_mailbox_outside_development(app_config, app, mode):
    config = {**app_config, "WOL_ENV": mode, "SECRET_KEY": "x" * 40}
    application = create_app(config)
    _queue_two(application)
    client = application.test_client()
    assert client.get("/dev/mail").status_code == 404
    assert "/dev/mail" not in client.get("/").get_data(as_text=True)
