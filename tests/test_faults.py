"""When the database is gone, and what production adds: pages still answer, in the right
language, with the right status; HSTS in production."""

import pytest

from tests.conftest import PASSWORD
from wol import create_app


def unreachable(database_url: str) -> str:
    """A database address of the same kind where nothing answers."""
    if database_url.startswith("postgresql"):
        return "postgresql+psycopg://wol@127.0.0.1:9/wol"  # the discard port: refused
    return "sqlite:////nonexistent-folder/for-wol/wol.sqlite"


@pytest.fixture
def down_app(app_config, database_url):
    """The same app, configured like ``app`` but with a database that does not answer."""
    config = dict(app_config, SQLALCHEMY_DATABASE_URI=unreachable(database_url))
    config["SQLALCHEMY_ENGINE_OPTIONS"] = (
        {"connect_args": {"connect_timeout": 2}} if (database_url.startswith("postgresql")) else {}
    )
    return create_app(config)


def test_a_signed_in_person_gets_a_503_page_in_their_language(app, down_app, make_user):
    make_user(email="bram@example.org", language="nl")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/login", data={"email": "bram@example.org", "password": PASSWORD})
    session_cookie = client.get_cookie("session").value
    down = down_app.test_client()
    down.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    down.set_cookie("session", session_cookie)
    response = down.get("/home")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert '<html lang="nl">' in page
    assert "wol is even niet beschikbaar" in page
    assert "Internal Server Error" not in page


def test_visitors_get_the_503_page_in_their_browser_language(down_app):
    client = down_app.test_client()
    response = client.post(
        "/login",
        data={"email": "bram@example.org", "password": PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 503
    assert "not available for a moment" in response.get_data(as_text=True)
    # Pages that need no database still work.
    assert client.get("/login", headers={"Accept-Language": "nl"}).status_code == 200


def test_healthz_says_503_when_the_database_is_gone(app, down_app):
    assert app.test_client().get("/healthz").status_code == 200
    response = down_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "database unavailable"}


def test_production_sends_hsts(app_config):
    production = create_app(dict(app_config, WOL_ENV="production", SECRET_KEY="s" * 40))
    response = production.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    quiet = create_app(dict(app_config, WOL_ENV="production", SECRET_KEY="s" * 40, HSTS_SECONDS=0))
    assert "Strict-Transport-Security" not in quiet.test_client().get("/login").headers
    assert (
        "Strict-Transport-Security"
        not in create_app(app_config).test_client().get("/login").headers
    )


def test_the_database_going_away_in_the_middle_of_a_request_gives_the_503_page(
    app, make_user, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    from wol.main import routes

    make_user(email="bram@example.org", language="nl")
    client = app.test_client()
    client.post("/login", data={"email": "bram@example.org", "password": PASSWORD})

    def database_gone(*args, **kwargs):
        raise OperationalError(
            "SELECT ...", {}, Exception("server closed the connection"), connection_invalidated=True
        )

    monkeypatch.setattr(routes, "home_cards", database_gone)
    response = client.get("/home")  # the person was loaded, then the database went away
    assert response.status_code == 503
    assert "wol is even niet beschikbaar" in response.get_data(as_text=True)
