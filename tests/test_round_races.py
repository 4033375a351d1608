"""Sign-up rounds under races: two confirmations at the same instant make one set of circles,
and a sign-up racing the confirmation is either in the proposal's round or refused. Real
threads, many trials; on PostgreSQL the requests truly overlap."""

from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.test_rounds import open_round, sign_up, token_of
from tests.test_seat_races import at_once
from wol.circles.models import Circle
from wol.extensions import db
from wol.mail.models import OutboxMail
from wol.rounds.models import Round, RoundCircle, Signup

TRIALS = 6


def signed_in(app, email: str):
    """A client signed in as ``email``."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_two_confirmations_at_once_make_one_set_of_circles(app, make_user):
    make_user(email="els@example.org", roles={"organiser"})
    make_user(email="admin@example.org", roles={"admin"})
    els, admin = signed_in(app, "els@example.org"), signed_in(app, "admin@example.org")
    for trial in range(TRIALS):
        round_id = open_round(els, title=f"Round {trial}")
        for n in range(9):
            sign_up(app, make_user, round_id, trial * 100 + n)
        els.post(f"/rounds/{round_id}/form")
        statuses = at_once(
            [(els, f"/rounds/{round_id}/confirm", {}), (admin, f"/rounds/{round_id}/confirm", {})]
        )
        assert sorted(statuses) == [302, 409], statuses
        with app.app_context():
            made = db.session.scalar(
                select(func.count())
                .select_from(RoundCircle)
                .where(RoundCircle.round_id == round_id)
            )
            assert made == 2
            placed = db.session.scalar(
                select(func.count())
                .select_from(OutboxMail)
                .where(
                    OutboxMail.kind == "round_placed",
                    OutboxMail.to_addr.like(f"person{trial * 100}%"),
                )
            )
            assert placed == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Circle)) == 2 * TRIALS


def test_a_sign_up_racing_the_confirmation_is_never_lost_silently(app, make_user):
    make_user(email="els@example.org", roles={"organiser"})
    els = signed_in(app, "els@example.org")
    for trial in range(TRIALS):
        round_id = open_round(els, title=f"Round {trial}")
        for n in range(8):
            sign_up(app, make_user, round_id, trial * 100 + n)
        els.post(f"/rounds/{round_id}/form")
        late = f"late{trial}@example.org"
        make_user(email=late)
        person = signed_in(app, late)
        statuses = at_once(
            [
                (els, f"/rounds/{round_id}/confirm", {}),
                (
                    person,
                    f"/signup/{token_of(app, round_id)}",
                    {"languages": ["nl"], "slots": ["1@12:00"], "department": "IT"},
                ),
            ]
        )
        with app.app_context():
            round_ = db.session.get(Round, round_id)
            signed = db.session.scalar(
                select(func.count())
                .select_from(Signup)
                .where(Signup.round_id == round_id, Signup.email_key == late)
            )
            if round_.is_confirmed:
                # Confirmed first: the late sign-up was refused, not kept behind a closed door.
                assert statuses == [302, 409] and signed == 0, statuses
            else:
                # Signed up first: the proposal was stale, so nothing was confirmed.
                assert statuses == [409, 302] and signed == 1, statuses
