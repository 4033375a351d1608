"""Registering, signing in and out, rate limits, password resets."""

import re
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from wol.auth.models import PasswordReset, User, UserSession
from wol.extensions import db
from wol.mail.models import OutboxMail
from wol.ratelimits import RateCounter
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


def mailed_link(app, address: str, pattern: str) -> str:
    """The path matching ``pattern`` in the newest mail queued for ``address``."""
    with app.app_context():
        mail = db.session.scalars(
            select(OutboxMail).where(OutboxMail.to_addr == address).order_by(OutboxMail.id.desc())
        ).first()
        assert mail is not None, f"no mail to {address}"
        return re.search(r"http://wol\.test(" + pattern + r"\S*)", mail.body_text).group(1)


def confirm_registration(client, app, address="ann@example.org"):
    """Open the mailed registration link and press its button."""
    path = mailed_link(app, address, "/register/confirm/")
    assert client.get(path).status_code == 200
    return client.post(path)


def test_register_mails_a_link_that_creates_the_account_and_signs_in(client, app):
    response = register(client)
    assert response.status_code == 200
    assert "Check your mailbox" in response.get_data(as_text=True)
    assert count(app, User) == 0  # nothing exists before the address is confirmed
    response = confirm_registration(client, app)
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
    # The link works once.
    path = mailed_link(app, "ann@example.org", "/register/confirm/")
    client.post("/logout")
    assert client.get(path).status_code == 404


def test_register_keeps_a_local_next(client, app):
    register(client, next="/settings")
    assert confirm_registration(client, app).headers["Location"] == "/settings"


def test_a_registration_link_expires(client, app):
    from wol.auth.models import Registration

    register(client)
    with app.app_context():
        for row in db.session.scalars(select(Registration)):
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    path = mailed_link(app, "ann@example.org", "/register/confirm/")
    assert client.post(path).status_code == 404
    assert count(app, User) == 0


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil", "javascript:alert(1)", "http:/evil"],
)
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


def test_registering_a_taken_address_answers_the_same_and_tells_the_owner(client, app, make_user):
    make_user(email="Ann@Example.org", display_name="Ann", language="nl")
    taken = register(client, email="ann@EXAMPLE.org")
    fresh = app.test_client()
    fresh.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    new = register(fresh, email="new@example.org")
    assert taken.status_code == new.status_code == 200

    def page(response, address):
        text = response.get_data(as_text=True).replace(address, "X")
        return re.sub(r'name="csrf_token"[^>]*', "", text)

    assert page(taken, "ann@EXAMPLE.org") == page(new, "new@example.org")
    assert count(app, User) == 1
    with app.app_context():
        [mail] = db.session.scalars(
            select(OutboxMail).where(OutboxMail.to_addr == "Ann@Example.org")
        ).all()
        assert mail.kind == "account_exists"
        assert "/login" in mail.body_text and "/password/forgot" in mail.body_text
        assert mail.subject == "Je hebt al een wol-account"  # the owner's language


def test_registering_mails_an_address_at_most_three_times_an_hour(client, app):
    for _ in range(3):
        assert register(client).status_code == 200
    response = register(client)
    assert response.status_code == 429
    assert "3 times in the last hour" in response.get_data(as_text=True)
    assert count(app, OutboxMail) == 3


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("1234567890", "passwords people use most"),
        ("password123", "passwords people use most"),
        ("Password123", "passwords people use most"),
        ("ann@example.org", "too close to your email address or name"),
        ("annpeeters2026", "too close to your email address or name"),
        ("aaaaaaaaaaaa", "repeats one or two characters"),
    ],
)
def test_guessable_passwords_are_refused(client, app, password, message):
    response = register(client, password=password, confirm=password)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, OutboxMail) == 0


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
        for counter in db.session.scalars(select(RateCounter)):
            counter.window_started_at = utcnow() - timedelta(minutes=16)
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
    assert (
        client.post("/login", data={"email": "els@example.org", "password": PASSWORD}).status_code
        == 400
    )
    assert (
        client.post("/login", data={"email": "els@example.org", "password": new}).headers[
            "Location"
        ]
        == "/home"
    )
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
    response = client.post(
        path, data={"password": "another password", "confirm": "another password"}
    )
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
    client.post(path, data={"password": "a brand new password", "confirm": "a brand new password"})
    assert other_device.get("/home").status_code == 302


def test_forgot_password_says_the_same_for_unknown_addresses(client, app):
    response = client.post(
        "/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert "If there is an account for nobody@example.org" in response.get_data(as_text=True)
    assert count(app, OutboxMail) == 0


@pytest.mark.parametrize(("token", "status"), [("made-up", 404), ("x" * 300, 404), ("%00", 400)])
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


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("America/New_York", "America/New_York"),
        ("Mars/Olympus", "Europe/Brussels"),
        ("", "Europe/Brussels"),
    ],
)
def test_register_takes_the_browsers_time_zone_when_it_is_known(client, app, sent, stored):
    assert register(client, timezone=sent).status_code == 200
    assert confirm_registration(client, app).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User)).timezone == stored


# --- signing out means signed out ----------------------------------------------------------


def _login(client, email="bram@example.org", password=PASSWORD, remember=False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def test_sign_out_forgets_keep_me_signed_in(client, make_user):
    make_user(email="bram@example.org")
    _login(client, remember=True)
    assert client.get_cookie("remember_token") is not None
    response = client.post("/logout")
    assert any(
        header.startswith("remember_token=;") for header in response.headers.getlist("Set-Cookie")
    )
    assert client.get_cookie("remember_token") is None
    assert client.get("/home").headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "copied", [("session",), ("remember_token",), ("session", "remember_token")]
)
def test_cookies_copied_before_sign_out_stop_working(app, make_user, copied):
    make_user(email="bram@example.org")
    client = app.test_client()
    _login(client, remember=True)
    saved = {name: client.get_cookie(name).value for name in copied}
    thief = app.test_client()
    for name, value in saved.items():
        thief.set_cookie(name, value)
    assert thief.get("/home").status_code == 200  # the copy works while the session is open
    client.post("/logout")
    thief = app.test_client()
    for name, value in saved.items():
        thief.set_cookie(name, value)
    assert thief.get("/home").headers["Location"].startswith("/login")


def test_signing_out_on_one_device_keeps_the_others(app, make_user):
    make_user(email="bram@example.org")
    phone, laptop = app.test_client(), app.test_client()
    _login(phone)
    _login(laptop)
    laptop.post("/logout")
    assert phone.get("/home").status_code == 200
    assert count(app, UserSession) == 1


# --- limits that cost the guesser, not the owner -------------------------------------------


def from_address(app, address: str):
    """A client whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    return client


def test_a_guesser_locks_out_their_own_address_not_the_owner(app, make_user):
    make_user(email="bram@example.org")
    guesser = from_address(app, "203.0.113.9")
    for _ in range(5):
        assert _login(guesser, password="wrong password!!").status_code == 400
    assert _login(guesser).status_code == 429  # even the right password waits there
    owner = from_address(app, "198.51.100.7")
    assert _login(owner).headers["Location"] == "/home"


def test_an_account_under_attack_slows_down_addresses_that_failed(app, make_user):
    app.config.update(LOGIN_SLOWDOWN_AFTER=3, LOGIN_SLOWDOWN_SECONDS=10)
    make_user(email="bram@example.org")
    guessers = [from_address(app, f"203.0.113.{n}") for n in range(1, 4)]
    for guesser in guessers:
        assert _login(guesser, password="wrong password!!").status_code == 400
    assert _login(guessers[0], password="another guess!!").status_code == 400
    response = _login(guessers[0], password="a third guess!!")
    assert response.status_code == 429
    assert "Wait 10 seconds" in response.get_data(as_text=True)
    # The owner, from an address without failures, is not slowed down.
    assert _login(from_address(app, "198.51.100.7")).headers["Location"] == "/home"


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(app_config, app, make_user):
    from wol import create_app

    make_user(email="bram@example.org")
    proxied = create_app({**app_config, "TRUSTED_PROXIES": 1})
    client = proxied.test_client()
    for n in range(25):
        client.post(
            "/login",
            data={"email": f"nobody{n}@example.org", "password": "wrong!!"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
    response = client.post(
        "/login",
        data={"email": "bram@example.org", "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert response.headers["Location"] == "/home"


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(app, make_user):
    app.config["LOGIN_MAX_FAILURES_IP"] = 3
    make_user(email="bram@example.org")
    client = app.test_client()
    for n in range(3):
        client.post(
            "/login",
            data={"email": f"nobody{n}@example.org", "password": "wrong!!"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
    response = client.post(
        "/login",
        data={"email": "bram@example.org", "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert response.status_code == 429


@pytest.mark.slow
def test_forty_parallel_guesses_check_at_most_five_passwords(app, make_user, monkeypatch):
    import threading

    from wol.auth import service

    make_user(email="bram@example.org")
    checked = []
    real_check = service.check_password_hash

    def counting_check(stored, password):
        checked.append(password)
        return real_check(stored, password)

    monkeypatch.setattr(service, "check_password_hash", counting_check)
    for trial in range(3):
        checked.clear()
        clients = [from_address(app, f"203.0.113.{trial + 10}") for _ in range(40)]
        barrier = threading.Barrier(len(clients))
        statuses = []

        def guess(client, n, barrier=barrier, statuses=statuses):
            barrier.wait()
            statuses.append(_login(client, password=f"guess number {n}").status_code)

        threads = [threading.Thread(target=guess, args=(c, n)) for n, c in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Later trials may check fewer: by then the account is under attack and slowed down.
        assert len(checked) == 5 if trial == 0 else 1 <= len(checked) <= 5, len(checked)
        assert sorted(statuses) == [400] * len(checked) + [429] * (40 - len(checked))


def test_reset_links_are_limited_per_address_and_say_so(client, app, make_user):
    make_user(email="els@example.org")
    for address in ("els@example.org", "nobody@example.org"):
        for _ in range(3):
            assert client.post("/password/forgot", data={"email": address}).status_code == 302
        response = client.post("/password/forgot", data={"email": address.upper()})
        assert response.status_code == 429
        assert "3 times in the last hour" in response.get_data(as_text=True)
    assert count(app, OutboxMail) == 3
