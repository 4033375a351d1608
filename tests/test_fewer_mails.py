"""One change, one mail: a moved or skipped week reaches each member once, with the calendar
update inside; switching to the feed says what happens; the waiting list confirms a place."""

from tests.circles_helpers import last_mail_id, mails_since, make_circle


def test_a_moved_week_is_one_mail_that_carries_the_calendar_update(client, app, make_user, auth):
    bram = make_user(email="bram@example.org", language="nl")
    noor = make_user(email="noor@example.org", calendar_delivery="feed")
    circle = make_circle(app, make_user(email="ann@example.org"), members=[bram, noor])
    since = last_mail_id(app)
    auth.login("ann@example.org")
    client.post(f"/circles/{circle.id}/meetings/7/move", data={"day": "2026-04-16", "at": "14:00"})
    [mail] = mails_since(app, "bram@example.org", since)
    assert mail.subject == "Cirkel Digitale Overheid: week 7 verplaatst"
    assert mail.calendar_method == "REQUEST" and "SEQUENCE" in mail.calendar
    assert "donderdag 16 april 2026, 14:00" in mail.body_text
    assert "agenda" in mail.body_text  # it says the calendar follows
    # Feed people get the notice alone; the one who moved it, the calendar update alone.
    [notice] = mails_since(app, "noor@example.org", since)
    assert notice.calendar is None and "week 7" in notice.subject
    [update] = mails_since(app, "ann@example.org", since)
    assert update.calendar_method == "REQUEST"


def test_a_skipped_week_is_one_mail_with_the_cancel_inside(client, app, make_user, auth):
    bram = make_user(email="bram@example.org")
    circle = make_circle(app, make_user(email="ann@example.org"), members=[bram])
    since = last_mail_id(app)
    auth.login("ann@example.org")
    client.post(f"/circles/{circle.id}/meetings/5/skip", data={"shift": "no"})
    [mail] = mails_since(app, "bram@example.org", since)
    assert "week 5" in mail.subject and mail.calendar_method == "CANCEL"
    assert "out of your calendar" in mail.body_text


def test_switching_to_the_feed_does_not_read_as_a_cancelled_circle(client, app, make_user, auth):
    ann = make_user(email="ann@example.org")
    make_circle(app, ann)
    since = last_mail_id(app)
    auth.login("ann@example.org")
    client.post("/settings/calendar", data={"delivery": "feed"})
    [mail] = mails_since(app, "ann@example.org", since)
    assert not mail.subject.startswith(("Cancelled", "Geannuleerd"))
    assert "calendar feed" in mail.subject
    assert mail.calendar_method == "CANCEL"  # the invited copies still leave the calendar


def test_joining_the_waiting_list_confirms_the_place(client, app, make_user, auth):
    members = [make_user() for _ in range(4)]
    circle = make_circle(app, make_user(email="ann@example.org"), members=members)
    make_user(email="first@example.org")
    make_user(email="second@example.org", language="nl")
    for address in ("first@example.org", "second@example.org"):
        auth.login(address)
        assert client.post(f"/join/{circle.invite_token}/waitlist").status_code == 302
        auth.logout()
    [first] = [m for m in mails_since(app, "first@example.org") if m.kind == "waitlist_joined"]
    assert "You are first on the waiting list" in first.body_text
    [second] = [m for m in mails_since(app, "second@example.org") if m.kind == "waitlist_joined"]
    assert "wachtlijst" in second.subject and "2" in second.body_text


def test_an_invitation_subject_does_not_say_circle_twice(client, app, make_user, auth):
    ann = make_user(email="ann@example.org", display_name="Ann Peeters", language="nl")
    circle = make_circle(app, ann)
    auth.login("ann@example.org")
    client.post(f"/circles/{circle.id}/invite/email", data={"addresses": "bram@example.org"})
    [mail] = mails_since(app, "bram@example.org")
    assert mail.subject == "Ann Peeters nodigt je uit voor Cirkel Digitale Overheid"
