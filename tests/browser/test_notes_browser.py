"""In a real Chromium: a member keeps private notes and ticks exercises on a meeting page,
saved without a reload (with the CSRF token, announced politely), and the same with
JavaScript off through a plain form post."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import axe_script, serious_violations  # noqa: F401
from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD
from wol.personal.models import MAX_NOTE_CHARS

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(app_config):
    """CSRF on, as in production: the script must send the form's token."""
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def sign_in(page, base: str, email: str) -> None:
    """Sign in through the form."""
    page.goto(base + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/home$"))


def _circle(app, make_user):
    ann = make_user(email="ann@example.org", display_name="Ann Peeters")
    bram = make_user(email="bram@example.org", display_name="Bram De Smet")
    return make_circle(app, ann, members=[bram], language="en")


def test_notes_save_without_a_reload(live_server, new_page, make_user, app, axe_script):  # noqa: F811
    circle = _circle(app, make_user)
    page = new_page()
    sign_in(page, live_server, "bram@example.org")
    page.goto(f"{live_server}/circles/{circle.id}/week/1")
    page.evaluate("window.stillTheSamePage = true")
    notes = page.locator("#my-notes")
    status = notes.locator("[data-notes-status]")
    expect(status).to_have_attribute("aria-live", "polite")

    notes.get_by_label("Live with your goal.", exact=False).check()
    expect(status).to_have_text("Your notes are saved.")
    notes.get_by_label("My notes").fill("Ask Els about plain language.")
    notes.get_by_role("button", name="Save my notes").click()
    expect(status).to_have_text("Your notes are saved.")
    assert page.evaluate("window.stillTheSamePage") is True

    # Typing alone saves too, after a pause.
    notes.get_by_label("My notes").fill("Ask Els about plain language. And Noor.")
    page.wait_for_timeout(2500)
    expect(status).to_have_text("Your notes are saved.")

    # Too long: the reason beside the box, the text still in it, nothing saved.
    long_text = "x" * (MAX_NOTE_CHARS + 1)
    notes.get_by_label("My notes").fill(long_text)
    notes.get_by_role("button", name="Save my notes").click()
    expect(notes.locator("#notes-body-error")).to_contain_text("use at most")
    expect(notes.get_by_label("My notes")).to_have_value(long_text)

    page.reload()
    expect(notes.get_by_label("My notes")).to_have_value("Ask Els about plain language. And Noor.")
    expect(notes.get_by_label("Live with your goal.", exact=False)).to_be_checked()

    # Ann, in the same circle, sees her own empty box, not Bram's notes.
    ann = new_page(bypass_csp=True)  # only to add axe to the page
    sign_in(ann, live_server, "ann@example.org")
    ann.goto(f"{live_server}/circles/{circle.id}/week/1")
    expect(ann.locator("#my-notes").get_by_label("My notes")).to_have_value("")
    expect(ann.get_by_text("And Noor.")).to_have_count(0)
    assert serious_violations(ann, axe_script) == []


def test_notes_save_with_javascript_off(live_server, new_page, make_user, app):
    circle = _circle(app, make_user)
    page = new_page(java_script_enabled=False)
    sign_in(page, live_server, "bram@example.org")
    page.goto(f"{live_server}/circles/{circle.id}/week/1")
    notes = page.locator("#my-notes")
    notes.get_by_label("Check your calendar.", exact=False).check()
    notes.get_by_label("My notes").fill("Written without JavaScript.")
    notes.get_by_role("button", name="Save my notes").click()
    expect(page).to_have_url(re.compile(rf"/circles/{circle.id}/week/1#my-notes$"))
    expect(page.get_by_text("Your notes are saved.")).to_be_visible()
    expect(notes.get_by_label("My notes")).to_have_value("Written without JavaScript.")
    expect(notes.get_by_label("Check your calendar.", exact=False)).to_be_checked()

    notes.get_by_label("My notes").fill("y" * (MAX_NOTE_CHARS + 1) + " the end")
    notes.get_by_role("button", name="Save my notes").click()
    expect(notes.locator("#notes-body-error")).to_contain_text("use at most")
    expect(notes.get_by_label("My notes")).to_have_value(re.compile(r" the end$"))
