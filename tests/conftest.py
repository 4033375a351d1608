"""Shared fixtures: an app on a migrated database, a client, a CLI runner and helpers.

The database is SQLite in a temporary folder, or PostgreSQL when WOL_TEST_DATABASE_URL is set
(CI runs both). It is migrated once per session; every test starts from empty tables.
"""

import os
import re
import socket
import threading
from contextlib import closing

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from wol import create_app
from wol.auth.models import User
from wol.auth.service import register_user, set_roles
from wol.extensions import db
from wol.paths import resource_dir

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The test database, migrated to head once for the whole session."""
    url = os.environ.get("WOL_TEST_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'wol-test.sqlite'}"
    else:
        # Start from nothing, so the migrations (not leftovers) build the schema.
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"WOL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(resource_dir("migrations")))
        db.engine.dispose()
    return url


def _empty_tables() -> None:
    """Delete every row, children first."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app_config(database_url, tmp_path):
    """Configuration of the app under test; tests may change it before using ``app``."""
    engine_options = {}
    if database_url.startswith("postgresql"):
        # No pool: a connection closes when a request or test is done with it, so apps that
        # tests create and drop never leave an open PostgreSQL connection behind.
        engine_options = {"poolclass": NullPool}
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "WOL_ENV": "testing",
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": str(tmp_path / "mail"),
        "BASE_URL": "http://wol.test",
        "SERVER_NAME": None,
        # Still scrypt, at a cost that keeps hundreds of sign-ins in the suite quick.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        # No holiday warnings on the new-circle form, whatever today's date: the tests of the
        # quiet periods (tests/test_quiet_periods.py) switch them on with known dates.
        "WOL_QUIET_PERIODS_FILE": "none",
    }


@pytest.fixture
def app(app_config):
    """A wol app on empty tables."""
    application = create_app(app_config)
    with application.app_context():
        _empty_tables()
    yield application
    with application.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client of an English-speaking browser (tests for Dutch say so explicitly)."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return test_client


@pytest.fixture
def runner(app):
    """A CLI runner for `flask wol ...` commands."""
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Factory: ``make_user(email=..., roles={...}, **overrides)`` creates a committed user."""
    counter = iter(range(1, 10_000))

    def factory(**overrides) -> User:
        n = next(counter)
        roles = overrides.pop("roles", set())
        password = overrides.pop("password", PASSWORD)
        with app.app_context():
            user = register_user(
                overrides.pop("email", f"person{n}@example.org"),
                overrides.pop("display_name", f"Person {n}"),
                password,
                language=overrides.pop("language", "en"),
                timezone=overrides.pop("timezone", "Europe/Brussels"),
            )
            for key, value in overrides.items():
                setattr(user, key, value)
            set_roles(user, roles)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return factory


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, **kwargs):
        """Post the sign-in form."""
        return self.client.post("/login", data={"email": email, "password": password}, **kwargs)

    def logout(self):
        """Post the sign-out form."""
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    """Sign-in helper bound to ``client``."""
    return AuthActions(client)


def csrf_token_from(html: str) -> str:
    """Pull the CSRF token out of a rendered form."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        """Store the message and accept it."""
        with self.lock:
            self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that records what it receives."""
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.handler_ref = handler
    yield controller
    controller.stop()
