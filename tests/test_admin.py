"""Roles: the admin page and `flask wol user create`."""

from wol.auth.models import User
from wol.extensions import db


def test_admin_grants_roles(client, app, make_user, auth):
    make_user(email="admin@example.org", roles={"admin"})
    marc = make_user(email="marc@example.org", display_name="Marc Dubois")
    auth.login("admin@example.org")
    page = client.get("/admin/users?q=marc").get_data(as_text=True)
    assert "Marc Dubois" in page and "admin@example.org" not in page
    response = client.post(f"/admin/users/{marc.id}/roles", data={"roles": ["translator"]})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, marc.id)
        assert user.is_translator and not user.is_organiser and not user.is_admin


def test_admin_cannot_drop_own_admin_role(client, app, make_user, auth):
    admin = make_user(email="admin@example.org", roles={"admin"})
    auth.login("admin@example.org")
    client.post(f"/admin/users/{admin.id}/roles", data={"roles": []})
    with app.app_context():
        assert db.session.get(User, admin.id).is_admin


def test_unknown_role_is_400(client, make_user, auth):
    make_user(email="admin@example.org", roles={"admin"})
    other = make_user()
    auth.login("admin@example.org")
    assert (
        client.post(f"/admin/users/{other.id}/roles", data={"roles": ["king"]}).status_code == 400
    )
    assert client.post("/admin/users/99999/roles", data={"roles": []}).status_code == 404


def test_non_admins_get_403(client, make_user, auth):
    make_user(email="org@example.org", roles={"organiser", "translator"})
    auth.login("org@example.org")
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users/1/roles", data={"roles": ["admin"]}).status_code == 403


def test_cli_creates_an_admin(runner, app):
    result = runner.invoke(
        args=[
            "wol",
            "user",
            "create",
            "--admin",
            "Root@Example.org",
            "--password",
            "long enough secret",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user.email_key == "root@example.org" and user.is_admin
    result = runner.invoke(
        args=[
            "wol",
            "user",
            "create",
            "--translator",
            "root@example.org",
            "--password",
            "whatever it is",
        ]
    )
    assert "exists" in result.output
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user.is_admin and user.is_translator


def test_cli_refuses_short_password(runner, app):
    result = runner.invoke(args=["wol", "user", "create", "x@example.org", "--password", "short"])
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.scalar(db.select(User)) is None


def test_demo_loads_once(runner, app):
    first = runner.invoke(args=["wol", "demo", "--if-empty"])
    assert "ann@example.org" in first.output
    second = runner.invoke(args=["wol", "demo", "--if-empty"])
    assert "not loaded" in second.output
    from wol.demo import DEMO_PEOPLE

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == len(DEMO_PEOPLE)
