"""Delete my account (Settings) and `flask wol user erase`: what goes, what circles keep."""

from datetime import timedelta

from sqlalchemy import func, select

from tests.circles_helpers import make_circle, meetings_of
from tests.conftest import PASSWORD
from tests.test_seat_races import assert_seats_add_up, full_circle, signed_in
from wol.auth.models import User, UserSession
from wol.checkins import service as checkins
from wol.checkins.models import MeetingAttendance
from wol.circles.models import Circle, Meeting, Membership, WaitlistEntry
from wol.extensions import db
from wol.health.service import health_of, summaries
from wol.mail.models import OutboxMail
from wol.organise.service import completion, status_counts
from wol.personal.models import ExerciseTick, PrivateNote
from wol.timestamps import utcnow


def hold_meetings(app, circle_id: int, by_id: int, weeks) -> None:
    """Record ``weeks`` as held by ``by_id``, each an hour after it started."""
    with app.test_request_context():
        circle = db.session.get(Circle, circle_id)
        by = db.session.get(User, by_id)
        for meeting in circle.meetings:
            if meeting.week in weeks:
                checkins.record(
                    circle, meeting, by, held=True, now=meeting.starts_at + timedelta(hours=1)
                )
        db.session.commit()


def numbers(app, circle_id: int) -> dict:
    """What health and the organisers' dashboard say about a circle (and all circles)."""
    now = utcnow()
    with app.test_request_context():
        circle = db.session.get(Circle, circle_id)
        health = health_of(circle, now)
        rows = summaries([], now)
        mine = next(r for r in rows if r.id == circle_id)
        return {
            "status": health.status,
            "members": mine.members,
            "attendance": mine.attendance(now),
            "counts": status_counts(rows),
            "completion": completion(rows, now),
            "held": [m.held_at is not None for m in circle.meetings],
            "attended": [m.attended for m in circle.meetings],
        }


def delete_account(client, password=PASSWORD, **handovers):
    """Post the delete form."""
    data = {"password": password}
    data.update({f"handover-{k}": v for k, v in handovers.items()})
    return client.post("/settings/delete", data=data)


def test_erased_member_leaves_only_counts(app, client, make_user, auth):
    """A finished circle keeps its status, attendance and dashboard numbers after an erase."""
    ann = make_user(email="ann@example.org")
    bram = make_user(email="bram@example.org", display_name="Bram De Smet")
    others = [make_user() for _ in range(2)]
    circle = make_circle(app, ann, members=[bram, *others], language="en")
    hold_meetings(app, circle.id, ann.id, range(1, 13))
    auth.login("bram@example.org")
    client.post(
        f"/circles/{circle.id}/week/1/notes",
        data={"body": "secret plan", "done": ["live-with-goal"]},
    )
    with app.app_context():
        feed_token = db.session.get(User, bram.id).feed_token
    assert client.get(f"/calendar/{feed_token}.ics").status_code == 200
    before = numbers(app, circle.id)
    assert before["status"] == "finished" and before["attended"] == [4] * 12

    answer = delete_account(client)
    assert answer.status_code == 302
    assert "Your account is deleted" in client.get("/").get_data(as_text=True)

    assert numbers(app, circle.id) == before
    with app.app_context():
        erased = db.session.get(User, bram.id)
        assert erased.erased_at is not None
        assert "bram" not in erased.email and erased.display_name != "Bram De Smet"
        assert db.session.scalar(select(func.count()).select_from(PrivateNote)) == 0
        assert db.session.scalar(select(func.count()).select_from(ExerciseTick)) == 0
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(MeetingAttendance)
                .where(MeetingAttendance.user_id == bram.id)
            )
            == 0
        )
        assert (
            db.session.scalar(
                select(func.count()).select_from(UserSession).where(UserSession.user_id == bram.id)
            )
            == 0
        )
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(OutboxMail)
                .where(func.lower(OutboxMail.to_addr) == "bram@example.org")
            )
            == 0
        )
    # Signed out, and the address signs in no more; the old feed address is gone.
    assert client.get("/settings").status_code == 302
    assert auth.login("bram@example.org").status_code == 400
    assert client.get("/settings").status_code == 302
    assert client.get(f"/calendar/{feed_token}.ics").status_code == 404


def test_organiser_hands_a_running_circle_over(app, client, make_user, auth):
    """The delete page asks who takes over; without a choice nothing is erased."""
    ann = make_user(email="ann@example.org")
    bram = make_user(email="bram@example.org", display_name="Bram De Smet")
    circle = make_circle(app, ann, members=[bram], language="en")
    auth.login("ann@example.org")
    page = client.get("/settings/delete").get_data(as_text=True)
    assert "Cirkel Digitale Overheid" in page and "Bram De Smet" in page
    refused = delete_account(client)
    assert refused.status_code == 400
    assert "Choose who takes over Cirkel Digitale Overheid" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, ann.id).erased_at is None
    assert delete_account(client, **{str(circle.id): str(bram.id)}).status_code == 302
    with app.app_context():
        moved = db.session.get(Circle, circle.id)
        assert moved.organiser_id == bram.id and moved.ended_at is None
        assert [m.user_id for m in moved.active_memberships] == [bram.id]
        assert moved.seats_taken == 1


def test_a_circle_with_nobody_else_can_be_ended(app, client, make_user, auth):
    """With no other member, the page offers to end the circle."""
    ann = make_user(email="ann@example.org")
    circle = make_circle(app, ann, language="en")
    auth.login("ann@example.org")
    assert "end the circle" in client.get("/settings/delete").get_data(as_text=True)
    assert delete_account(client, **{str(circle.id): "end"}).status_code == 302
    with app.app_context():
        assert db.session.get(Circle, circle.id).ended_at is not None


def test_wrong_password_changes_nothing(app, client, make_user, auth):
    """The password is asked again; a wrong one is refused beside the field."""
    make_user(email="bram@example.org")
    auth.login("bram@example.org")
    answer = delete_account(client, password="not my password")
    assert answer.status_code == 400
    assert "That is not your password." in answer.get_data(as_text=True)
    assert client.get("/settings").status_code == 200


def test_last_admin_is_refused_with_a_reason(app, client, make_user, auth, runner):
    """Web and command line refuse to erase the only admin, and say why."""
    make_user(email="boss@example.org", roles={"admin"})
    auth.login("boss@example.org")
    answer = delete_account(client)
    assert answer.status_code == 400
    assert "only admin account" in answer.get_data(as_text=True)
    result = runner.invoke(args=["wol", "user", "erase", "boss@example.org", "--yes"])
    assert result.exit_code == 1 and "only admin account" in result.output
    make_user(email="second@example.org", roles={"admin"})
    assert delete_account(client).status_code == 302


def test_dutch_person_reads_dutch(app, make_user):
    """Messages follow the person's language."""
    make_user(email="els@example.org", language="nl")
    client = app.test_client()
    client.post("/login", data={"email": "els@example.org", "password": PASSWORD})
    answer = client.post("/settings/delete", data={"password": "fout wachtwoord"})
    assert "Dat is niet je wachtwoord." in answer.get_data(as_text=True)
    client.post("/settings/delete", data={"password": PASSWORD})
    assert "Je account is verwijderd" in client.get("/").get_data(as_text=True)


def test_waiting_list_place_is_freed_and_its_seat_passed_on(app, make_user):
    """An erased person holding a seat offer passes it to the next in line."""
    circle, _organiser, members, waiters = full_circle(app, make_user, waiting=2)
    signed_in(app, members[0]).post(f"/circles/{circle.id}/leave", data={"confirmed": "yes"})
    with app.app_context():
        offered = db.session.scalar(
            select(WaitlistEntry.user_id).where(WaitlistEntry.offered_at.is_not(None))
        )
    assert offered == waiters[0].id
    client = signed_in(app, waiters[0])
    assert client.post("/settings/delete", data={"password": PASSWORD}).status_code == 302
    with app.app_context():
        entries = db.session.execute(select(WaitlistEntry.user_id, WaitlistEntry.offered_at)).all()
    assert [(user_id, at is not None) for user_id, at in entries] == [(waiters[1].id, True)]
    assert_seats_add_up(app, circle.id)


def test_admin_erases_on_request_from_the_command_line(app, make_user, runner):
    """`flask wol user erase EMAIL` asks first, names the hand-overs it needs, then erases."""
    make_user(email="boss@example.org", roles={"admin"})
    ann = make_user(email="ann@example.org")
    bram = make_user(email="bram@example.org", display_name="Bram De Smet")
    circle = make_circle(app, ann, members=[bram], language="en")
    result = runner.invoke(args=["wol", "user", "erase", "bram@example.org"], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    result = runner.invoke(args=["wol", "user", "erase", "ann@example.org", "--yes"])
    assert result.exit_code == 1
    assert f"--hand-over {circle.id}=bram@example.org" in result.output
    printed = result.output.strip().splitlines()[-1].split()
    assert printed[:4] == ["flask", "wol", "user", "erase"]
    result = runner.invoke(args=[*printed[1:], "--yes"])
    assert result.exit_code == 0, result.output
    assert "Erased the account of ann@example.org" in result.output
    assert "now organised by Bram De Smet" in result.output
    with app.app_context():
        assert db.session.get(Circle, circle.id).organiser_id == bram.id
    result = runner.invoke(args=["wol", "user", "erase", "ann@example.org", "--yes"])
    assert result.exit_code == 1 and "No account" in result.output
    assert meetings_of(app, circle.id)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Membership).where(Membership.user_id == ann.id)
            )
            == 1
        )
        assert db.session.scalar(select(func.count()).select_from(Meeting)) == 12


def test_an_account_without_password_is_not_deleted_by_typing_its_address(
    app, client, make_user, auth
):
    """An account without a password (made by single sign-on) cannot be deleted by typing
    something anyone at the screen knows; with single sign-on off it is told what to do."""
    noor = make_user(email="noor@example.org")
    auth.login("noor@example.org")
    with app.app_context():
        account = db.session.get(User, noor.id)
        account.password_hash = None  # as if the account came through single sign-on
        db.session.commit()
    page = client.get("/settings/delete").get_data(as_text=True)
    assert "Forgot your password?" in page and 'name="password"' not in page
    refused = client.post("/settings/delete", data={"password": "noor@example.org"})
    assert refused.status_code == 400
    assert "Confirm who you are first" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.erased_at).where(User.id == noor.id)) is None
