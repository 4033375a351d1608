"""Translators hear about English changes once, from the first tick after a deploy."""

import threading

from sqlalchemy import select

from tests.guides.conftest import edit
from tests.guides.test_cli import guides
from wol.extensions import db
from wol.guides.notifications import tell_translators_of_english_changes
from wol.mail.models import OutboxMail
from wol.timestamps import utcnow

OLD_LINE = "The timekeeper leads this round. What people say here stays in the circle."
NEW_LINE = "The timekeeper leads this round. What is said here stays in the circle."


def tick(app) -> int:
    """One run of the translators' job, as the tick runs it (own request context, commit)."""
    with app.test_request_context(base_url="http://wol.test"):
        sent = tell_translators_of_english_changes(utcnow())
        db.session.commit()
        return sent


def mails(app) -> list[OutboxMail]:
    """Every queued mail about guide changes."""
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxMail)
                .where(OutboxMail.kind == "guides_english_changed")
                .order_by(OutboxMail.to_addr)
            )
        )


def people(make_user):
    """Two Dutch translators, an English-speaking one, and a Dutch reader who translates not."""
    make_user(email="marc@example.org", display_name="Marc", roles={"translator"}, language="nl")
    make_user(email="lies@example.org", display_name="Lies", roles={"translator"}, language="nl")
    make_user(email="tom@example.org", display_name="Tom", roles={"translator"}, language="en")
    make_user(email="ann@example.org", display_name="Ann", language="nl")


def test_one_mail_per_translator_of_the_language_listing_what_changed(guides_dir, app, make_user):
    people(make_user)
    assert tick(app) == 0  # the first tick only notes what the English is

    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)
    edit(guides_dir / "en" / "week-07.md", "  check-in: 8\n", "  check-in: 10\n")

    assert tick(app) == 2
    sent = mails(app)
    assert [m.to_addr for m in sent] == ["lies@example.org", "marc@example.org"]
    body = sent[0].body_text
    assert sent[0].subject == "De Engelse gidsen zijn veranderd: 2 week/weken om na te kijken"
    assert "Week 4: One step closer" in body
    assert "How is our circle doing? (circle-health-check)" in body
    assert "http://wol.test/translate/nl/week/4" in body
    assert "Week 7" in body and "agenda" in body and "http://wol.test/translate/nl/week/7" in body
    assert "Week 5" not in body

    assert tick(app) == 0  # told once
    assert len(mails(app)) == 2


def test_two_ticks_at_once_send_each_mail_once(guides_dir, app, make_user):
    people(make_user)
    tick(app)
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)
    results, errors = [], []
    start = threading.Barrier(2)

    def run():
        try:
            start.wait()
            results.append(tick(app))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [0, 2]
    assert len(mails(app)) == 2


def test_strict_status_fails_when_anything_is_outdated(guides_dir, runner):
    assert guides(runner, "status", "nl", "--strict").exit_code == 0

    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)
    strict = guides(runner, "status", "nl", "--strict")

    assert strict.exit_code == 1
    assert "1 week(s) not up to date (--strict)" in strict.output
    assert guides(runner, "status", "nl").exit_code == 0
