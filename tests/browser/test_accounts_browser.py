"""In a real Chromium: register, sign out and in, switch to Dutch, see Dutch pages."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.language import assert_dutch
from tests.browser.mailbox import finish_registration

pytestmark = pytest.mark.browser


def test_register_login_and_switch_to_dutch(app, live_server, new_page):
    page = new_page(locale="en-GB")
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Create an account").first.click()

    # A mistake first: the error is shown beside the field, nothing is created.
    page.get_by_label("Email address").fill("ann@example.org")
    page.get_by_label("Your name").fill("Ann Peeters")
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_label("Password again").fill("something else")
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator("#confirm-error")).to_have_text("The two passwords are not the same.")

    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_label("Password again").fill("correct horse battery")
    page.get_by_label("Language", exact=True).select_option("en")
    page.get_by_role("button", name="Create my account").click()
    finish_registration(page, app, "ann@example.org")
    expect(page).to_have_url(re.compile(r"/home$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Ann Peeters")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email address").fill("ANN@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/home$"))

    page.get_by_role("button", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("link", name="Instellingen")).to_be_visible()
    page.get_by_role("link", name="Instellingen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Instellingen")
    expect(page.get_by_label("Taal", exact=True)).to_have_value("nl")
    assert_dutch(page, user_data=["Ann Peeters", "ann@example.org"])


def test_skip_link_and_keyboard_focus(live_server, new_page):
    page = new_page(locale="nl-BE")
    page.goto(live_server + "/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Naar de inhoud")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
