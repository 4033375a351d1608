"""CSRF, cookies, headers, error pages, and the start-up check for SECRET_KEY."""

import pytest

from tests.conftest import PASSWORD, csrf_token_from
from wol import create_app
from wol.errors import ConfigError


@pytest.fixture
def csrf_client(app_config):
    """A client of an app with CSRF protection on, as in production."""
    app_config["WTF_CSRF_ENABLED"] = True
    app = create_app(app_config)
    return app.test_client()


@pytest.mark.parametrize(
    "path", ["/login", "/register", "/password/forgot", "/language", "/logout", "/settings"]
)
def test_every_post_needs_a_csrf_token(csrf_client, path):
    response = csrf_client.post(path, data={"email": "a@example.org", "lang": "en"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True) or "verlopen" in response.get_data(
        as_text=True
    )


def test_post_with_token_works(csrf_client, make_user):
    make_user(email="ann@example.org")
    token = csrf_token_from(csrf_client.get("/login").get_data(as_text=True))
    response = csrf_client.post(
        "/login", data={"email": "ann@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/home"


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_scripts_or_external_assets(client):
    page = client.get("/").get_data(as_text=True)
    assert "<script>" not in page and "onclick" not in page
    assert "http://" not in page.replace("http://wol.test", "") and "https://" not in page


def test_session_cookie_flags(client, make_user, auth):
    make_user(email="ann@example.org")
    response = auth.login("ann@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_and_secret_in_production(app_config, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({**app_config, "WOL_ENV": "production"})
    app = create_app({**app_config, "WOL_ENV": "production", "SECRET_KEY": "x" * 40})
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/nowhere", 404, "Page not found"),
        ("/admin/users", 302, None),
    ],
)
def test_friendly_error_pages(client, path, status, text):
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == status
    if text:
        assert text in response.get_data(as_text=True)
        assert 'href="#main"' in response.get_data(as_text=True)


def test_error_pages_speak_dutch(client):
    response = client.get("/nowhere", headers={"Accept-Language": "nl"})
    assert "Pagina niet gevonden" in response.get_data(as_text=True)


def test_forbidden_page(client, make_user, auth):
    make_user(email="ann@example.org")
    auth.login("ann@example.org")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "cannot open this page" in response.get_data(as_text=True)


def test_unexpected_error_gives_a_friendly_500(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "went wrong on our side" in response.get_data(as_text=True)


def test_too_large_body_is_413(client):
    response = client.post("/login", data={"email": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("path", "data"),
    [
        (
            "/register",
            {
                "email": "a@example.org",
                "display_name": "Ann\x00",
                "password": "x" * 12,
                "confirm": "x" * 12,
                "language": "nl",
            },
        ),
        ("/login", {"email": "a\x00@example.org", "password": "whatever it is"}),
        ("/password/forgot", {"email": "a@example.org\x00"}),
    ],
)
def test_nul_bytes_are_refused_with_400_and_nothing_stored(client, app, path, data):
    from sqlalchemy import func, select

    from wol.auth.models import User
    from wol.extensions import db

    response = client.post(path, data=data)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize(
    "path",
    ["/join/abc%00def", "/password/reset/abc%00def", "/calendar/x%00y.ics", "/guides/nl/?lang=%00"],
)
def test_nul_bytes_in_urls_are_refused(client, path):
    assert client.get(path).status_code in (400, 404)
