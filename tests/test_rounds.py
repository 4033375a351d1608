"""Sign-up rounds in the app: open, sign up, form, move, confirm once, spreadsheets, CLI."""

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from wol.circles.models import Circle, Meeting, Membership, WaitlistEntry
from wol.extensions import db
from wol.mail.models import OutboxMail
from wol.rounds.models import Round, Signup

DEPTS = ("Finance", "Legal", "IT", "HR", "Policy")


def next_monday(weeks: int = 3) -> date:
    """A Monday some weeks from now."""
    today = date.today()
    return today + timedelta(days=7 * weeks - today.weekday())


def round_form(**overrides) -> dict:
    """Good values for the new-round form."""
    data = {
        "title": "Circles spring",
        "description": "Twelve weeks, across departments.",
        "languages": ["nl", "en"],
        "slots": "Tuesday 12:00\nThursday 08:30",
        "timezone": "Europe/Brussels",
        "first_week": next_monday().isoformat(),
        "deadline": (date.today() + timedelta(days=7)).isoformat(),
        "kind": "online",
        "place": "",
        "video_url": "https://teams.example.org/circles",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def count(app, model) -> int:
    """Rows of ``model``."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def els(make_user, auth):
    """Els, an organiser, signed in."""
    user = make_user(email="els@example.org", display_name="Els Janssens", roles={"organiser"})
    auth.login("els@example.org")
    return user


def open_round(client, **overrides) -> int:
    """Open a round through the form; return its id."""
    response = client.post("/rounds/new", data=round_form(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def token_of(app, round_id: int) -> str:
    """The round's current sign-up token."""
    with app.app_context():
        return db.session.get(Round, round_id).signup_token


def sign_up(
    app,
    make_user,
    round_id: int,
    n: int,
    *,
    slots=("1@12:00",),
    langs=("nl",),
    dept=None,
    be_with="",
    not_with="",
    language="en",
):
    """Person ``n`` registers and signs up through the page; return their email."""
    email = f"person{n}@example.org"
    make_user(email=email, display_name=f"Person {n}", language=language)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/login", data={"email": email, "password": PASSWORD})
    response = client.post(
        f"/signup/{token_of(app, round_id)}",
        data={
            "languages": list(langs),
            "slots": list(slots),
            "department": dept or DEPTS[n % 5],
            "be_with": be_with,
            "not_with": not_with,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return email


# --- opening a round ------------------------------------------------------------------------


def test_an_organiser_opens_a_round_and_gets_a_secret_link(client, app, els):
    round_id = open_round(client)
    page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Circles spring" in page and "Tuesday 12:00" in page and "Thursday 08:30" in page
    token = token_of(app, round_id)
    assert re.fullmatch(r"[\w-]{43}", token) and f"/signup/{token}" in page
    client.post(f"/rounds/{round_id}/link/rotate")
    assert token_of(app, round_id) != token
    assert app.test_client().get(f"/signup/{token}").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slots": ""}, "Offer at least one weekly time."),
        ({"slots": "someday"}, "is not a weekday and a time"),
        ({"languages": []}, "Offer at least one language."),
        ({"languages": ["de"]}, "Offer at least one language."),
        ({"title": ""}, "Give the round a title."),
        ({"title": "Spring\u0000"}, "Something in the request was not right"),
        ({"title": "Spr\u0085ing"}, "Remove the line breaks and other control characters."),
        ({"deadline": (date.today() - timedelta(days=1)).isoformat()}, "cannot be in the past"),
        ({"first_week": date.today().isoformat()}, "must come after the sign-up deadline"),
        ({"video_url": ""}, "need a video-call link"),
    ],
)
def test_bad_round_input_is_refused_and_nothing_is_written(client, app, els, overrides, message):
    response = client.post("/rounds/new", data=round_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Round) == 0


def test_only_organisers_open_rounds_and_only_theirs_are_shown(client, app, make_user, auth):
    make_user(email="bram@example.org")
    auth.login("bram@example.org")
    assert client.get("/rounds/new").status_code == 403
    other = app.test_client()
    make_user(email="ann@example.org", roles={"organiser"})
    other.post("/login", data={"email": "ann@example.org", "password": PASSWORD})
    round_id = open_round(other)
    assert client.get(f"/rounds/{round_id}").status_code == 403
    assert client.get(f"/rounds/{round_id}/proposal.csv").status_code == 403


# --- signing up -----------------------------------------------------------------------------


def test_a_newcomer_registers_on_the_way_and_comes_back(client, app, els, make_user):
    round_id = open_round(client)
    path = f"/signup/{token_of(app, round_id)}"
    visitor = app.test_client()
    visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = visitor.get(path).get_data(as_text=True)
    assert f"/register?next={path}" in page and "Sign me up" not in page
    response = visitor.post(
        "/register",
        data={
            "email": "bram@example.org",
            "display_name": "Bram",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "language": "en",
            "next": path,
        },
    )
    assert response.status_code == 200  # "check your mailbox": the mailed link finishes it
    with app.app_context():
        mail = db.session.scalars(
            select(OutboxMail)
            .where(OutboxMail.to_addr == "bram@example.org")
            .order_by(OutboxMail.id.desc())
        ).first()
        link = re.search(r"http://wol\.test(\S+)", mail.body_text).group(1)
    assert visitor.post(link).headers["Location"] == path
    assert "Sign me up" in visitor.get(path).get_data(as_text=True)
    response = visitor.post(
        path, data={"languages": ["nl"], "slots": ["1@12:00"], "department": "IT"}
    )
    assert response.headers["Location"] == path
    assert "You are signed up" in visitor.get(path).get_data(as_text=True)
    # Edit, then withdraw.
    visitor.post(path, data={"languages": ["en"], "slots": ["3@08:30"], "department": "Legal"})
    with app.app_context():
        signup = db.session.scalar(select(Signup))
        assert (signup.languages, signup.slots, signup.department) == ("en", "3@08:30", "Legal")
    visitor.post(f"{path}/withdraw")
    assert count(app, Signup) == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slots": []}, "Choose at least one time."),
        ({"languages": []}, "Choose at least one language."),
        ({"slots": ["6@23:00"]}, "Choose at least one of the times of this round."),
        ({"be_with": "bram@example.org"}, "That is your own address"),
        ({"be_with": "my manager"}, "This is not an email address"),
        ({"not_with": "BRAM@example.org"}, "That is your own address"),
        ({"not_with": "boss, not-an-address"}, "This is not an email address"),
        ({"department": ""}, "Say which department you work in."),
        ({"department": "IT\u0007"}, "Remove the line breaks and other control characters."),
        ({"department": "I\u200bT"}, "Remove the invisible characters"),
    ],
)
def test_bad_sign_ups_are_refused(client, app, els, make_user, auth, fields, message):
    round_id = open_round(client)
    make_user(email="bram@example.org")
    auth.logout()
    auth.login("bram@example.org")
    data = {"languages": ["nl"], "slots": ["1@12:00"], "department": "IT"}
    data.update(fields)
    response = client.post(f"/signup/{token_of(app, round_id)}", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Signup) == 0


def test_no_sign_up_after_the_deadline(client, app, els, make_user, auth):
    round_id = open_round(client)
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        round_.deadline_at = round_.deadline_at - timedelta(days=30)
        db.session.commit()
    make_user(email="bram@example.org")
    auth.logout()
    auth.login("bram@example.org")
    path = f"/signup/{token_of(app, round_id)}"
    assert "Sign-up for this round has closed." in client.get(path).get_data(as_text=True)
    response = client.post(
        path, data={"languages": ["nl"], "slots": ["1@12:00"], "department": "IT"}
    )
    assert response.status_code == 409
    assert "Sign-up for this round has closed." in response.get_data(as_text=True)
    assert count(app, Signup) == 0


def test_the_sign_up_page_never_tells_whether_an_address_signed_up(client, app, els, make_user):
    round_id = open_round(client)
    sign_up(app, make_user, round_id, 1)
    pages = []
    for n, named in ((2, "person1@example.org"), (3, "nobody@example.org")):
        sign_up(app, make_user, round_id, n, be_with=named, not_with=named, dept="IT")
        viewer = app.test_client()
        viewer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        viewer.post("/login", data={"email": f"person{n}@example.org", "password": PASSWORD})
        page = viewer.get(f"/signup/{token_of(app, round_id)}").get_data(as_text=True)
        page = re.sub(r'name="csrf_token"[^>]*', "", page)
        pages.append(page.replace(named, "ADDRESS").replace(f"Person {n}", "ME"))
    assert pages[0] == pages[1]
    assert "person1@example.org" not in pages[0] and "Person 1" not in pages[0]


def test_the_organiser_sees_counts_and_requests_but_never_a_not_with_list(
    client, app, els, make_user
):
    round_id = open_round(client)
    sign_up(app, make_user, round_id, 1, slots=("1@12:00", "3@08:30"))
    sign_up(
        app, make_user, round_id, 2, be_with="ghost@example.org", not_with="secret-boss@example.org"
    )
    page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "2 sign-ups" in page
    assert "of which 1 name someone who has not signed up" in page
    assert "secret-boss" not in page
    client.post(f"/rounds/{round_id}/form")
    assert "secret-boss" not in client.get(f"/rounds/{round_id}/proposal").get_data(as_text=True)


# --- forming, moving, confirming ------------------------------------------------------------


def twelve_people(app, make_user, round_id: int) -> list[str]:
    """Nine on Tuesday in Dutch, three on Thursday in English (too few)."""
    emails = [sign_up(app, make_user, round_id, n) for n in range(9)]
    emails += [
        sign_up(app, make_user, round_id, n, slots=("3@08:30",), langs=("en",))
        for n in range(9, 12)
    ]
    return emails


def test_form_move_and_confirm(client, app, els, make_user):
    round_id = open_round(client)
    twelve_people(app, make_user, round_id)
    response = client.post(f"/rounds/{round_id}/form")
    assert response.headers["Location"] == f"/rounds/{round_id}/proposal"
    page = client.get(f"/rounds/{round_id}/proposal").get_data(as_text=True)
    assert "9 of 12 people (at most 9 can be placed)" in page
    assert "Circle 1: Tuesday 12:00, Dutch" in page and "Circle 2: Tuesday 12:00, Dutch" in page
    assert "only 3 people chose Thursday 08:30 in English" in page

    with app.app_context():
        data = db.session.get(Round, round_id).proposal_data()
    four = next(c for c in data["circles"] if len(c["members"]) == 4)
    five = next(c for c in data["circles"] if len(c["members"]) == 5)
    i4, i5 = data["circles"].index(four), data["circles"].index(five)
    # Refused: the circle of four would keep three; an English Thursday person in Dutch.
    refused = client.post(
        f"/rounds/{round_id}/proposal/move", data={"person": four["members"][0], "target": str(i5)}
    )
    assert refused.status_code == 400
    assert "would keep only three members" in refused.get_data(as_text=True)
    refused = client.post(
        f"/rounds/{round_id}/proposal/move",
        data={"person": "person9@example.org", "target": str(i4)},
    )
    assert "did not choose Dutch" in refused.get_data(as_text=True)
    # Allowed: one from the circle of five to the circle of four.
    moved = five["members"][0]
    assert (
        client.post(
            f"/rounds/{round_id}/proposal/move", data={"person": moved, "target": str(i4)}
        ).status_code
        == 302
    )
    with app.app_context():
        data = db.session.get(Round, round_id).proposal_data()
    assert moved in data["circles"][i4]["members"]

    assert client.post(f"/rounds/{round_id}/confirm").status_code == 302
    with app.app_context():
        circles = list(db.session.scalars(select(Circle).order_by(Circle.id)))
        assert len(circles) == 2
        assert all(len(c.members) in (4, 5) for c in circles)
        assert moved in {u.email_key for u in circles[i4].members}
        assert {len(c.meetings) for c in circles} == {12}
        assert all(c.seats_taken == len(c.members) for c in circles)
        kinds = [m.kind for m in db.session.scalars(select(OutboxMail))]
    assert kinds.count("round_placed") == 9
    assert kinds.count("round_left_out") == 3
    assert sum(1 for k in kinds if "calendar" in k or "invitation" in k) >= 2
    page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Circles spring 1" in page and "Circles spring 2" in page

    # Confirming twice makes one set of circles.
    again = client.post(f"/rounds/{round_id}/confirm")
    assert again.status_code == 409
    assert "already confirmed" in again.get_data(as_text=True)
    assert count(app, Circle) == 2


def test_a_round_where_nobody_can_be_placed(client, app, els, make_user):
    round_id = open_round(client)
    for n in range(3):
        sign_up(app, make_user, round_id, n)
    client.post(f"/rounds/{round_id}/form")
    page = client.get(f"/rounds/{round_id}/proposal").get_data(as_text=True)
    assert "0 of 3 people" in page and "only 3 people chose Tuesday 12:00 in Dutch" in page
    response = client.post(f"/rounds/{round_id}/confirm")
    assert response.status_code == 409
    assert "Nobody can be placed yet" in response.get_data(as_text=True)
    assert count(app, Circle) == 0


def test_sign_ups_after_forming_make_the_proposal_stale(client, app, els, make_user):
    round_id = open_round(client)
    for n in range(4):
        sign_up(app, make_user, round_id, n)
    client.post(f"/rounds/{round_id}/form")
    sign_up(app, make_user, round_id, 4)
    page = client.get(f"/rounds/{round_id}/proposal").get_data(as_text=True)
    assert "Sign-ups changed since these circles were formed" in page
    response = client.post(f"/rounds/{round_id}/confirm")
    assert response.status_code == 409 and count(app, Circle) == 0


def test_left_out_people_wait_for_the_next_seat_of_their_language_and_slot(
    client, app, els, make_user
):
    round_id = open_round(client)
    emails = [sign_up(app, make_user, round_id, n) for n in range(5)]
    # A sixth can only do Tuesday in Dutch but must not be with person0.
    sixth = sign_up(app, make_user, round_id, 5, not_with="person0@example.org")
    client.post(f"/rounds/{round_id}/form")
    client.post(f"/rounds/{round_id}/confirm")
    with app.app_context():
        circle = db.session.scalar(select(Circle))
        assert sixth not in {u.email_key for u in circle.members}
        # person0 is in the circle, so person5 does not wait for it.
        assert db.session.scalar(select(func.count()).select_from(WaitlistEntry)) == 0
    assert len(emails) == 5


def test_a_left_out_person_is_offered_the_next_free_seat(client, app, els, make_user):
    from wol.auth.models import User
    from wol.circles.service import join_circle, leave_circle

    round_id = open_round(client)
    for n in range(11):
        sign_up(app, make_user, round_id, n)
    client.post(f"/rounds/{round_id}/form")
    with app.app_context():
        data = db.session.get(Round, round_id).proposal_data()
    assert [len(c["members"]) for c in data["circles"]] == [5, 5]
    out = data["left_out"][0]["key"]
    client.post(f"/rounds/{round_id}/confirm")
    with app.test_request_context():
        first, second = db.session.scalars(select(Circle).order_by(Circle.id))
        waiting = [
            (e.circle_id, e.user.email_key)
            for e in db.session.scalars(select(WaitlistEntry).order_by(WaitlistEntry.circle_id))
        ]
        assert waiting == [(first.id, out), (second.id, out)]
        mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "round_left_out"))
        assert mail.to_addr == out and "waiting list" in mail.body_text
        leaver = first.members[0]
        leave_circle(first, db.session.get(User, leaver.id))
        db.session.commit()
        offer = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "seat_offer"))
        assert offer is not None and offer.to_addr == out
        # Taking the seat takes them off the round's other waiting list.
        join_circle(first, db.session.scalar(select(User).where(User.email_key == out)))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(WaitlistEntry)) == 0
    assert "waiting for" not in client.get(f"/rounds/{round_id}").get_data(as_text=True)


# --- spreadsheets ---------------------------------------------------------------------------


CSV_GOOD = """email,name,department,languages,slots,be-with,not-with
ann@example.org,Ann,Finance,nl,Tuesday 12:00,,
bram@example.org,Bram,Legal,nl;en,Tuesday 12:00;Thursday 08:30,ann@example.org,
carla@example.org,Carla,IT,Dutch,1@12:00,,eve@example.org
dirk@example.org,Dirk,HR,nl,di 12:00,,
"""


def upload(client, round_id: int, text: str | bytes):
    """Post a CSV file to the import form."""
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        f"/rounds/{round_id}/import",
        data={"file": (io.BytesIO(data), "signups.csv")},
        content_type="multipart/form-data",
    )


def test_import_sign_ups_then_form_export_and_confirm_with_new_accounts(client, app, els):
    round_id = open_round(client)
    response = upload(client, round_id, CSV_GOOD)
    assert response.status_code == 302
    assert "Sign-ups imported: 4." in client.get(f"/rounds/{round_id}").get_data(as_text=True)
    client.post(f"/rounds/{round_id}/form")
    csv_text = client.get(f"/rounds/{round_id}/proposal.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0] == "email,circle,slot,language"
    assert "ann@example.org,1,1@12:00,nl" in csv_text
    client.post(f"/rounds/{round_id}/confirm")
    with app.app_context():
        circle = db.session.scalar(select(Circle))
        assert sorted(u.email_key for u in circle.members) == [
            "ann@example.org",
            "bram@example.org",
            "carla@example.org",
            "dirk@example.org",
        ]
        mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "round_placed"))
        assert "/password/forgot" in mail.body_text  # a new account: choose a password


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("email,colour\nann@example.org,red\n", "unknown column"),
        ("email,languages,slots\nann@example.org,nl,\n", "line 2: no slot"),
        (
            "email,languages,slots\nann@example.org,nl,Tue 12:00\nann@example.org,nl,Tue 12:00\n",
            "line 3: ann@example.org appears twice",
        ),
        (
            "email,languages,slots,be-with\nann@example.org,nl,Tue 12:00,ann@example.org\n",
            "be-with names the person themself",
        ),
        ("email,languages,slots\nann@example.org,nl,Sunday 23:00\n", "line 2: times must be"),
        ("email,languages,slots\nann@example.org,de,Tue 12:00\n", "line 2: languages must be"),
        (
            "email,name,languages,slots\nann@example.org,Ann\tX,nl,Tue 12:00\n",
            "line 2: a cell holds a control character",
        ),
    ],
)
def test_bad_spreadsheets_are_refused_by_line(client, app, els, text, message):
    round_id = open_round(client)
    response = upload(client, round_id, text)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Signup) == 0


def test_a_file_over_the_upload_limit_gets_a_clear_message(client, app, els):
    round_id = open_round(client)
    # A raw body: the test client spools large multipart forms to a temporary file.
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="s.csv"\r\n\r\n'
        + b"x" * (2 * 1024 * 1024)
        + b"\r\n--b--\r\n"
    )
    response = client.post(
        f"/rounds/{round_id}/import", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413
    assert "larger than 1 MB" in response.get_data(as_text=True)


# --- the command line -----------------------------------------------------------------------


def test_form_circles_command_writes_the_proposal_and_a_summary(runner, tmp_path, app):
    rows = ["email,name,department,languages,slots,be-with,not-with"]
    rows += [f"p{n}@example.org,P {n},{DEPTS[n % 5]},nl,Tue 12:00;Thu 08:30,," for n in range(9)]
    rows += [f"q{n}@example.org,Q {n},IT,fr,Fri 10:00,," for n in range(2)]
    path = tmp_path / "signups.csv"
    path.write_text("\n".join(rows) + "\n")
    result = runner.invoke(args=["wol", "form-circles", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "email,circle,slot,language" and len(lines) == 12
    assert "q0@example.org,,," in lines
    assert "placed: 9 of 11 in 2 circles" in result.stderr
    assert "upper bound: 9" in result.stderr and "time:" in result.stderr
    assert "only 2 people chose Fri 10:00 in fr" in result.stderr
    assert count(app, Signup) == 0


def test_form_circles_command_reports_bad_rows_by_line(runner, tmp_path):
    path = tmp_path / "signups.csv"
    path.write_text(
        "email,languages,slots\na@example.org,nl,\nb@example.org,nl,Tue\nb@example.org,nl,Tue\n"
    )
    result = runner.invoke(args=["wol", "form-circles", str(path)])
    assert result.exit_code == 2
    assert "line 2: no slot" in result.stderr
    assert "line 4: b@example.org appears twice (first on line 3)" in result.stderr
    assert result.stdout == ""


def test_form_circles_command_refuses_huge_files(runner, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "email,languages,slots\n" + "".join(f"p{n}@example.org,nl,Tue\n" for n in range(100_000))
    )
    result = runner.invoke(args=["wol", "form-circles", str(rows)])
    assert result.exit_code == 2 and "more than 50,000 sign-ups" in result.stderr
    assert result.stdout == ""
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing to read
    result = runner.invoke(args=["wol", "form-circles", str(big)])
    assert result.exit_code == 2
    assert "50 MB is more than the limit of 20 MB" in result.stderr


def test_a_confirmation_that_fails_writes_nothing(client, app, els, make_user):
    round_id = open_round(client)
    for n in range(4):
        sign_up(app, make_user, round_id, n)
    client.post(f"/rounds/{round_id}/form")
    with app.app_context():
        # The first week is long gone by the time the organiser confirms.
        round_ = db.session.get(Round, round_id)
        round_.first_week = round_.first_week - timedelta(weeks=30)
        db.session.commit()
    response = client.post(f"/rounds/{round_id}/confirm")
    assert response.status_code == 400
    assert "at most 12 weeks ago" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Round, round_id).state == "open"
    assert count(app, Circle) == 0 and count(app, Membership) == 0
    assert count(app, Meeting) == 0 and count(app, OutboxMail) == 0


# --- page work -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["/rounds", "/rounds/{id}", "/rounds/{id}/proposal", "/rounds/{id}/proposal.csv"]
)
def test_round_pages_do_not_issue_more_queries_with_more_sign_ups(
    client, app, els, make_user, page
):
    from tests.test_query_counts import queries_for

    round_id = open_round(client)
    for n in range(5):
        sign_up(app, make_user, round_id, n)
    client.post(f"/rounds/{round_id}/form")
    small = queries_for(app, client, page.format(id=round_id))
    for n in range(5, 25):
        sign_up(
            app,
            make_user,
            round_id,
            n,
            slots=("1@12:00", "3@08:30"),
            be_with=f"person{n - 1}@example.org",
        )
    client.post(f"/rounds/{round_id}/form")
    assert queries_for(app, client, page.format(id=round_id)) == small
