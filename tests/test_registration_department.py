"""The organisation or department can be given when registering, not only in settings."""

from sqlalchemy import select

from tests.test_auth import confirm_registration, count, register
from wol.auth.models import Registration, User
from wol.extensions import db


def _user(app, address="ann@example.org") -> User:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email_key == address))


def test_department_given_when_registering_is_on_the_account(client, app):
    response = register(client, organisation="  FOD Financiën  ")
    assert response.status_code == 200
    assert count(app, User) == 0  # nothing before the mailed link is followed
    assert confirm_registration(client, app).status_code == 302
    assert _user(app).organisation == "FOD Financiën"
    page = client.get("/settings").get_data(as_text=True)
    assert 'value="FOD Financiën"' in page


def test_department_is_optional(client, app):
    assert register(client).status_code == 200
    confirm_registration(client, app)
    assert _user(app).organisation is None


def test_register_form_does_not_list_the_departments_in_use_to_strangers(client, app, make_user):
    make_user(email="els@example.org", organisation="Stad Gent, dienst ICT")
    page = client.get("/register").get_data(as_text=True)
    assert 'name="organisation"' in page
    assert "Stad Gent, dienst ICT" not in page


def test_register_form_in_dutch_names_the_field(client, app):
    page = client.get("/register?lang=nl").get_data(as_text=True)
    assert "Organisatie of afdeling (optioneel)" in page


def test_bad_department_gets_an_error_beside_the_field_and_no_row(client, app):
    too_long = register(client, organisation="x" * 121)
    assert too_long.status_code == 400
    assert "at most 120 characters" in too_long.get_data(as_text=True)
    hidden = register(client, organisation="Dienst\u202eICT")
    assert hidden.status_code == 400
    assert "invisible characters" in hidden.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Registration)).all() == []
