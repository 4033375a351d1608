"""Registering, signing in and out, rate limits, password resets."""

import re
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from wol.auth.models import LoginFailure, PasswordReset, User
from wol.extensions import db
from wol.mail.models import OutboxMail
from wol.timestamps import utcnow


def count(app, model) -> int:
    """Number of rows of ``model``."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def register(client, **overrides):
    """Post the registration form with good values, changed by ``overrides``."""
    data = {
        "email": "ann@example.org",
        "display_name": "Ann Peeters",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "language": "nl",
    }
    data.update(overrides)
    return client.post("/register", data=data)


def test_register_signs_in_and_lands_home(client, app):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    home = client.get("/home")
    assert "Ann Peeters" in home.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email_key == "ann@example.org"
        assert user.password_hash.startswith("scrypt:")
        assert user.language == "nl"
        assert user.timezone == "Europe/Brussels"


def test_register_keeps_a_local_next(client):
    response = register(client, next="/settings")
    assert response.headers["Location"] == "/settings"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil",
                                    "javascript:alert(1)", "http:/evil"])
def test_next_never_leaves_the_site(client, make_user, auth, target):
    user = make_user()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "next": target}
    )
    assert response.headers["Location"] == "/home"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": ""}, "Enter your email address."),
        ({"email": "not-an-address"}, "Enter a valid email address"),
        ({"email": "a" * 250 + "@example.org"}, "at most 254 characters"),
        ({"display_name": ""}, "Enter the name other members will see."),
        ({"display_name": "x" * 81}, "at most 80 characters"),
        ({"password": "short", "confirm": "short"}, "at least 10 characters"),
        ({"confirm": "something else entirely"}, "The two passwords are not the same."),
        ({"language": "fr"}, "Choose Dutch or English."),
        ({"password": "p" * 201, "confirm": "p" * 201}, "at least 10 characters"),
    ],
)
def test_register_bad_input_gets_a_form_error_and_no_row(client, app, overrides, message):
    response = register(client, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, User) == 0


def test_email_is_unique_regardless_of_case(client, app, make_user):
    make_user(email="Ann@Example.org")
    response = register(client, email="ann@EXAMPLE.org")
    assert response.status_code == 400
    assert "already an account" in response.get_data(as_text=True)
    assert count(app, User) == 1


def test_login_with_other_capitals_and_logout(client, make_user, auth):
    make_user(email="bram@example.org")
    response = auth.login("BRAM@example.org")
    assert response.headers["Location"] == "/home"
    assert client.get("/home").status_code == 200
    response = auth.logout()
    assert response.headers["Location"] == "/"
    assert client.get("/home").headers["Location"].startswith("/login?next=")


def test_logout_is_post_only(client, make_user, auth):
    make_user(email="bram@example.org")
    auth.login("bram@example.org")
    assert client.get("/logout").status_code == 405
    assert client.get("/home").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, make_user, auth, app):
    make_user(email="bram@example.org")
    response = auth.login("bram@example.org", "wrong password!!")
    assert response.status_code == 400
    assert "do not match" in response.get_data(as_text=True)
    assert count(app, LoginFailure) == 1
    assert client.get("/home").status_code == 302


def test_login_is_rate_limited_per_account(client, make_user, auth, app):
    make_user(email="bram@example.org")
    for _ in range(5):
        auth.login("bram@example.org", "wrong password!!")
    response = auth.login("bram@example.org")  # even the right password waits now
    assert response.status_code == 429
    assert "Too many failed attempts for this account" in response.get_data(as_text=True)
    with app.app_context():
        # Failures older than the window no longer count.
        for failure in db.session.scalars(select(LoginFailure)):
            failure.at = utcnow() - timedelta(minutes=16)
        db.session.commit()
    assert auth.login("bram@example.org").headers["Location"] == "/home"


def test_login_is_rate_limited_per_ip(client, make_user, auth, app):
    app.config["LOGIN_MAX_FAILURES_IP"] = 3
    make_user(email="bram@example.org")
    for n in range(3):
        auth.login(f"nobody{n}@example.org", "wrong password!!")
    response = auth.login("bram@example.org")
    assert response.status_code == 429
    assert "from your network" in response.get_data(as_text=True)


def test_rate_limit_message_is_in_dutch_for_a_dutch_visitor(client, make_user, auth):
    make_user(email="bram@example.org")
    for _ in range(5):
        auth.login("bram@example.org", "wrong password!!")
    response = client.post(
        "/login?lang=nl", data={"email": "bram@example.org", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "Te veel" in response.get_data(as_text=True)


def test_session_is_renewed_at_login(client, make_user, auth):
    make_user(email="bram@example.org")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login("bram@example.org")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def _reset_link(tmp_mail_dir: Path) -> str:
    """Deliver the outbox to files and return the reset link in the newest mail."""
    files = sorted(tmp_mail_dir.glob("*.eml"))
    message = message_from_bytes(files[-1].read_bytes())
    body = message.get_payload(decode=True).decode()
    return re.search(r"http://wol\.test(/password/reset/\S+)", body).group(1)


def test_password_reset_round_trip(client, app, make_user, runner, app_config):
    make_user(email="els@example.org", language="nl")
    response = client.post("/password/forgot", data={"email": "ELS@example.org"})
    assert response.headers["Location"] == "/login"
    with app.app_context():
        mail = db.session.scalar(select(OutboxMail))
        assert mail.to_addr == "els@example.org"
        assert mail.subject == "Kies een nieuw wachtwoord voor wol"  # her language, not ours
    assert runner.invoke(args=["wol", "tick"]).exit_code == 0
    path = _reset_link(Path(app_config["MAIL_FILE_DIR"]))
    assert client.get(path).status_code == 200
    new = "a brand new password"
    response = client.post(path, data={"password": new, "confirm": new})
    assert response.headers["Location"] == "/home"
    client.post("/logout")
    assert client.post("/login", data={"email": "els@example.org", "password": PASSWORD}
                       ).status_code == 400
    assert client.post("/login", data={"email": "els@example.org", "password": new}
                       ).headers["Location"] == "/home"
    # Single use: the same link no longer works.
    client.post("/logout")
    assert client.get(path).status_code == 404
    assert "no longer works" in client.get(path).get_data(as_text=True)


def test_password_reset_expires(client, app, make_user, runner, app_config):
    make_user(email="els@example.org")
    client.post("/password/forgot", data={"email": "els@example.org"})
    runner.invoke(args=["wol", "tick"])
    path = _reset_link(Path(app_config["MAIL_FILE_DIR"]))
    with app.app_context():
        reset = db.session.scalar(select(PasswordReset))
        reset.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.post(path, data={"password": "another password", "confirm":
                                       "another password"})
    assert response.status_code == 404


def test_password_reset_signs_out_other_sessions(app, make_user, runner, app_config):
    make_user(email="els@example.org")
    other_device = app.test_client()
    other_device.post("/login", data={"email": "els@example.org", "password": PASSWORD})
    assert other_device.get("/home").status_code == 200
    client = app.test_client()
    client.post("/password/forgot", data={"email": "els@example.org"})
    runner.invoke(args=["wol", "tick"])
    path = _reset_link(Path(app_config["MAIL_FILE_DIR"]))
    client.post(path, data={"password": "a brand new password", "confirm":
                            "a brand new password"})
    assert other_device.get("/home").status_code == 302


def test_forgot_password_says_the_same_for_unknown_addresses(client, app):
    response = client.post("/password/forgot", data={"email": "nobody@example.org"},
                           follow_redirects=True)
    assert "If there is an account for nobody@example.org" in response.get_data(as_text=True)
    assert count(app, OutboxMail) == 0


@pytest.mark.parametrize(("token", "status"), [("made-up", 404), ("x" * 300, 404),
                                               ("%00", 400)])
def test_made_up_reset_tokens_are_refused(client, token, status):
    assert client.get(f"/password/reset/{token}").status_code == status


def test_reset_form_bad_input(client, app, make_user, runner, app_config):
    make_user(email="els@example.org")
    client.post("/password/forgot", data={"email": "els@example.org"})
    runner.invoke(args=["wol", "tick"])
    path = _reset_link(Path(app_config["MAIL_FILE_DIR"]))
    response = client.post(path, data={"password": "short", "confirm": "short"})
    assert response.status_code == 400
    response = client.post(path, data={"password": "long enough one", "confirm": "different!"})
    assert response.status_code == 400
    assert "not the same" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(PasswordReset)).used_at is None


@pytest.mark.parametrize(("sent", "stored"), [("America/New_York", "America/New_York"),
                                              ("Mars/Olympus", "Europe/Brussels"),
                                              ("", "Europe/Brussels")])
def test_register_takes_the_browsers_time_zone_when_it_is_known(client, app, sent, stored):
    assert register(client, timezone=sent).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User)).timezone == stored
