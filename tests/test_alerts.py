"""Tell me when one opens: a saved search mails newly listed circles that fit, once a day at
most, never an invite-only circle; alerts are listed and removed in settings and by mail."""

import re
import threading
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from tests.circles_helpers import make_circle
from tests.test_directory import TODAY, next_weekday
from wol.directory.models import CircleAlert
from wol.extensions import db
from wol.mail.models import OutboxMail
from wol.tick import run_tick
from wol.timestamps import utcnow


def tick(app, now=None) -> dict:
    """One tick, an hour from now unless told."""
    with app.test_request_context():
        return run_tick(app.config, now=now or utcnow() + timedelta(hours=1))


def alert_mails(app) -> list[OutboxMail]:
    """Alert mails in the outbox, detached."""
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(OutboxMail).where(OutboxMail.kind == "circle_alert").order_by(OutboxMail.id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        return rows


def new_circle(app, organiser, name, **overrides):
    """A circle listed now, starting in a week or two."""
    values = {"first_day": next_weekday(1), "local_time": time(12, 0), "today": TODAY, "name": name}
    values.update(overrides)
    return make_circle(app, organiser, **values)


@pytest.fixture
def ann(make_user):
    return make_user(email="ann@example.org", display_name="Ann")


@pytest.fixture
def bram(make_user, client, auth):
    """Bram, signed in, with an alert for Dutch circles on Tuesdays."""
    user = make_user(email="bram@example.org", display_name="Bram", language="nl")
    auth.login("bram@example.org")
    response = client.post("/circles/alerts", data={"lang": "nl", "day": "tue"})
    assert response.headers["Location"].endswith("/circles?lang=nl&day=tue")
    return user


def test_a_matching_new_circle_brings_one_mail_with_links(app, client, ann, bram):
    new_circle(app, ann, "Cirkel Digitale Overheid")
    new_circle(app, ann, "Cirkel Wonen")
    new_circle(app, ann, "English circle", language="en")
    new_circle(app, ann, "Geheime cirkel", listed=False)
    new_circle(app, ann, "Donderdagcirkel", first_day=next_weekday(3))
    assert tick(app)["alert_mails"] == 1
    [mail] = alert_mails(app)
    assert mail.to_addr == "bram@example.org"
    assert mail.subject == "2 nieuwe cirkels passen bij je zoekopdracht"  # Bram reads Dutch
    assert "passen bij je zoekopdracht (Nederlands, dinsdag):\n" in mail.body_text
    assert "Cirkel Digitale Overheid" in mail.body_text and "Cirkel Wonen" in mail.body_text
    for other in ("English circle", "Geheime cirkel", "Donderdagcirkel"):
        assert other not in mail.body_text
    assert "http://wol.test/circles?lang=nl&day=tue#circle-" in mail.body_text
    assert "http://wol.test/alerts/off/" in mail.body_text


def test_at_most_one_mail_per_alert_per_day(app, client, ann, bram):
    new_circle(app, ann, "Eerste cirkel")
    now = utcnow() + timedelta(hours=1)
    tick(app, now)
    new_circle(app, ann, "Tweede cirkel")
    tick(app, now + timedelta(hours=2))
    assert len(alert_mails(app)) == 1
    tick(app, now + timedelta(days=1, minutes=1))
    mails = alert_mails(app)
    assert len(mails) == 2
    assert "Tweede cirkel" in mails[1].body_text and "Eerste cirkel" not in mails[1].body_text
    # Nothing new: nothing more, however long it stays quiet.
    tick(app, now + timedelta(days=3))
    assert len(alert_mails(app)) == 2


def test_invite_only_circles_never_reach_an_alert(app, client, ann, bram):
    new_circle(app, ann, "Geheime cirkel", listed=False)
    assert tick(app)["alert_mails"] == 0
    assert alert_mails(app) == []


def test_your_own_circle_is_no_news_for_you(app, client, bram):
    new_circle(app, bram, "Mijn cirkel")
    assert tick(app)["alert_mails"] == 0


def test_circles_listed_before_the_alert_are_not_news(app, client, ann, make_user, auth):
    new_circle(app, ann, "Oude cirkel")
    make_user(email="cor@example.org")
    auth.logout()
    auth.login("cor@example.org")
    client.post("/circles/alerts", data={})
    assert tick(app)["alert_mails"] == 0


def test_alerts_are_listed_and_removed_in_settings(app, client, ann, bram):
    page = client.get("/settings").get_data(as_text=True)
    assert 'id="alerts"' in page and "/circles?lang=nl&amp;day=tue" in page
    # The same search twice is one alert.
    response = client.post("/circles/alerts", data={"lang": "nl", "day": "tue"})
    assert response.status_code == 409
    with app.app_context():
        alert_id = db.session.scalar(select(CircleAlert.id))
    client.post(f"/circles/alerts/{alert_id}/remove")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CircleAlert)) == 0


def test_someone_else_cannot_remove_your_alert(app, client, bram, make_user, auth):
    with app.app_context():
        alert_id = db.session.scalar(select(CircleAlert.id))
    make_user(email="eve@example.org")
    auth.logout()
    auth.login("eve@example.org")
    assert client.post(f"/circles/alerts/{alert_id}/remove").status_code == 404
    with app.app_context():
        assert db.session.get(CircleAlert, alert_id) is not None


def test_the_signed_link_in_the_mail_removes_the_alert_after_asking(app, client, ann, bram, auth):
    new_circle(app, ann, "Cirkel")
    tick(app)
    [mail] = alert_mails(app)
    link = re.search(r"http://wol.test(/alerts/off/\S+)", mail.body_text).group(1)
    auth.logout()
    anonymous = app.test_client()
    anonymous.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = anonymous.get(link)
    assert page.status_code == 200  # a mail scanner opening the link removes nothing
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CircleAlert)) == 1
    assert "Stop this alert?" in page.get_data(as_text=True)
    assert "The alert is removed" in anonymous.post(link).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CircleAlert)) == 0
    assert anonymous.get(link).status_code == 404
    assert anonymous.get(link[:-3] + "abc").status_code == 404


def test_ten_alerts_at_most(app, client, bram):
    for n in range(9):
        assert client.post("/circles/alerts", data={"place": f"Site {n}"}).status_code == 303
    response = client.post("/circles/alerts", data={"place": "One too many"})
    assert response.status_code == 409


@pytest.mark.parametrize("trial", range(6))
def test_two_ticks_at_once_send_the_alert_once(app, client, ann, bram, trial):
    new_circle(app, ann, "Cirkel")
    now = utcnow() + timedelta(hours=1)
    barrier = threading.Barrier(2)
    errors = []

    def one():
        try:
            with app.test_request_context():
                barrier.wait()
                run_tick(app.config, now=now)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(alert_mails(app)) == 1


def test_a_long_search_in_any_script_is_saved(app, client, bram):
    place = "Ŝ🙂" * 40  # 80 characters, several bytes each once in a URL
    response = client.post("/circles/alerts", data={"place": place, "lang": "nl"})
    assert response.status_code == 303
    page = client.get("/settings").get_data(as_text=True)
    assert place in page
