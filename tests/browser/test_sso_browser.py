"""Signing in with the organisation's account, in Chromium, against a real provider.

The provider is oidc-provider (tests/oidc); its sign-in page takes an account name and the
password "pw". wol runs in a live server on another free port of 127.0.0.1.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests import sso_helpers
from tests.conftest import PASSWORD
from wol.auth.models import User
from wol.extensions import db
from wol.sso.models import SsoIdentity

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("sso_config")]

oidc_provider = sso_helpers.oidc_provider
sso_config = sso_helpers.sso_config

LABEL = "Aanmelden met je Vlaamse overheid-account"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _at_the_provider(page, account: str) -> None:
    """Fill in the provider's own sign-in page."""
    expect(page.get_by_role("heading", name="Sign in at the test provider")).to_be_visible()
    page.get_by_label("Account").fill(account)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()


def _sign_in(page, base: str, account: str) -> None:
    page.goto(base + "/login")
    page.get_by_role("link", name=LABEL).click()
    _at_the_provider(page, account)


def test_first_sign_in_makes_the_account_the_second_finds_it(app, live_server, new_page):
    page = new_page(locale="en-GB")
    _sign_in(page, live_server, "ann")
    page.wait_for_url(live_server + "/home")
    # Ann's provider says nl-BE: her new account speaks Dutch.
    expect(page.get_by_text("Welkom, Ann Peeters!")).to_be_visible()
    # Her group wol-organisers makes her an organiser.
    expect(page.get_by_role("link", name="Cirkels die ik opvolg")).to_be_visible()
    assert _count(app, User) == 1

    # Signing out ends wol's session and the provider's, then comes back to wol.
    page.get_by_role("button", name="Afmelden").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(live_server + "/")
    # Signed out, the page speaks the browser's language again.
    expect(page.get_by_text("You are signed out.")).to_be_visible()

    # The provider asks again (its session ended too) and wol finds the same account.
    _sign_in(page, live_server, "ann")
    page.wait_for_url(live_server + "/home")
    expect(page.get_by_role("button", name="Afmelden")).to_be_visible()
    assert _count(app, User) == 1
    assert _count(app, SsoIdentity) == 1


def test_an_invite_link_leads_back_to_where_the_person_was_going(app, live_server, new_page):
    page = new_page(locale="en-GB")
    page.goto(live_server + "/settings")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.get_by_role("link", name=LABEL).click()
    _at_the_provider(page, "bram")
    page.wait_for_url(live_server + "/settings")
    expect(page.get_by_label("Name")).to_have_value("Bram de Vries")


REFUSALS = [
    ("tampered", "en-GB", "Signing in did not work"),
    ("audience", "nl-BE", "Aanmelden is niet gelukt"),
    ("expired", "en-GB", "Signing in did not work"),
    ("unknown-key", "nl-BE", "Aanmelden is niet gelukt"),
]


@pytest.mark.parametrize(("mode", "locale", "heading"), REFUSALS)
def test_an_untrustworthy_answer_is_refused_in_the_persons_language(
    app, live_server, new_page, oidc_provider, mode, locale, heading
):
    oidc_provider.evil(mode)
    page = new_page(locale=locale)
    _sign_in(page, live_server, "ann")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_role("alert")).to_be_visible()
    assert _count(app, User) == 0
    assert _count(app, SsoIdentity) == 0


def test_a_replayed_sign_in_answer_is_refused(app, live_server, new_page):
    page = new_page(locale="nl-BE")
    callbacks = []
    page.on("request", lambda r: callbacks.append(r.url) if "/sso/callback" in r.url else None)
    _sign_in(page, live_server, "bram")
    page.wait_for_url(live_server + "/home")
    page.goto(callbacks[0])
    # Bram's account speaks English (his provider says en-GB), whatever the browser says.
    expect(page.get_by_role("heading", name="Signing in did not work")).to_be_visible()
    expect(page.get_by_text("This sign-in link has expired or was already used.")).to_be_visible()
    assert _count(app, User) == 1


def test_an_existing_password_account_is_linked_after_its_password(
    app, live_server, new_page, make_user
):
    make_user(email="bram@agency.example", display_name="Bram")
    page = new_page(locale="en-GB")
    _sign_in(page, live_server, "bram")
    expect(page.get_by_role("heading", name="You already have a wol account")).to_be_visible()
    assert _count(app, SsoIdentity) == 0
    page.get_by_label("Your wol password").fill("not my password")
    page.get_by_role("button", name="Link with my password").click()
    expect(page.get_by_text("This password is not right.").first).to_be_visible()
    assert _count(app, SsoIdentity) == 0
    page.get_by_label("Your wol password").fill(PASSWORD)
    page.get_by_role("button", name="Link with my password").click()
    page.wait_for_url(live_server + "/home")
    assert _count(app, SsoIdentity) == 1
    assert _count(app, User) == 1
