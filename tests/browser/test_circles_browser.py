"""In a real Chromium: Ann starts a circle, Bram joins through the invite link."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.mailbox import finish_registration
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_two_people_form_a_circle_through_an_invite_link(live_server, new_page, make_user, app):
    make_user(email="ann@example.org", display_name="Ann Peeters", language="nl")
    ann = new_page(locale="nl-BE")
    ann.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    ann.goto(live_server + "/login")
    ann.get_by_label("E-mailadres").fill("ann@example.org")
    ann.get_by_label("Wachtwoord").fill(PASSWORD)
    ann.locator("#submit").click()
    ann.get_by_role("link", name="Start een cirkel").click()

    first = date.today() + timedelta(days=(1 - date.today().weekday()) % 7 or 7)
    ann.get_by_label("Naam van de cirkel").fill("Cirkel Digitale Overheid")
    ann.get_by_label("Datum van de eerste bijeenkomst").fill(first.isoformat())
    ann.get_by_label("Tijd", exact=True).fill("12:00")
    ann.get_by_label("Waar komen jullie samen?").select_option("in_person")
    ann.get_by_label("Ruimte of plek").fill("Zaal 4.12")
    ann.get_by_role("button", name="Start de cirkel").click()
    expect(ann.get_by_role("heading", level=1)).to_have_text("Cirkel Digitale Overheid")
    expect(ann.locator("tr#week-12")).to_be_visible()

    ann.get_by_role("button", name="Kopieer de link").click()
    link = ann.evaluate("navigator.clipboard.readText()")
    assert re.search(r"/join/[\w-]{43}$", link)

    bram = new_page(
        locale="en-GB", timezone_id="Europe/Amsterdam", viewport={"width": 390, "height": 844}
    )
    bram.goto(link)
    expect(bram.get_by_role("heading", level=1)).to_have_text("Cirkel Digitale Overheid")
    expect(bram.get_by_text("Ann", exact=True)).to_be_visible()
    expect(bram.get_by_text("4 / 5")).to_be_visible()
    bram.get_by_role("link", name="Create an account").first.click()
    bram.get_by_label("Email address").fill("bram@example.org")
    bram.get_by_label("Your name").fill("Bram de Vries")
    bram.get_by_label("Password", exact=True).fill(PASSWORD)
    bram.get_by_label("Password again").fill(PASSWORD)
    bram.get_by_label("Language", exact=True).select_option("en")
    bram.get_by_role("button", name="Create my account").click()
    finish_registration(bram, app, "bram@example.org")
    expect(bram).to_have_url(link)
    bram.get_by_role("button", name="Join this circle").click()
    expect(bram.get_by_role("heading", level=1)).to_have_text("Cirkel Digitale Overheid")
    expect(bram.get_by_text("Bram de Vries")).to_be_visible()

    ann.reload()
    expect(ann.get_by_role("heading", name=re.compile("Leden"))).to_contain_text("2/5")
    expect(ann.locator(".members")).to_contain_text("Bram de Vries")


def test_a_visitor_in_another_zone_sees_their_own_clock_and_keeps_it(
    live_server, new_page, make_user, app
):
    from tests.circles_helpers import make_circle
    from wol.auth.models import User
    from wol.extensions import db

    circle = make_circle(app, make_user(display_name="Ann Peeters"))
    joris = new_page(locale="en-US", timezone_id="America/New_York")
    joris.goto(f"{live_server}/join/{circle.invite_token}")
    expect(joris.locator(".browser-time")).to_have_text(
        "On this device's clock (Eastern Time): every Tuesday at 06:00."
    )
    joris.get_by_role("link", name="Create an account").first.click()
    joris.get_by_label("Email address").fill("joris@example.org")
    joris.get_by_label("Your name").fill("Joris Wouters")
    joris.get_by_label("Password", exact=True).fill(PASSWORD)
    joris.get_by_label("Password again").fill(PASSWORD)
    joris.get_by_role("button", name="Create my account").click()
    finish_registration(joris, app, "joris@example.org")
    expect(joris.get_by_text("Every Tuesday at 06:00, twelve weeks")).to_be_visible()
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email_key == "joris@example.org"))
        assert user.timezone == "America/New_York"
