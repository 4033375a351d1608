"""In a real Chromium: after week 12 a member writes a harvest and shares it, a colleague reads
it on the stories page (in Dutch) and starts the next round for the whole circle, and the
member confirms the invitation from their home page."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import axe_script, serious_violations  # noqa: F401
from tests.conftest import PASSWORD
from tests.harvest_helpers import finished_circle

pytestmark = pytest.mark.browser


def sign_in(page, base: str, email: str) -> None:
    """Sign in through the form."""
    page.goto(base + "/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/home$"))


def test_a_harvest_is_shared_on_the_stories_page_and_the_circle_goes_on(
    live_server,
    new_page,
    make_user,
    app,
    axe_script,  # noqa: F811 - the fixture
):
    ann = make_user(email="ann@example.org", display_name="Ann Peeters")
    bram = make_user(email="bram@example.org", display_name="Bram Claes")
    fatima = make_user(email="fatima@example.org", display_name="Fatima El Amrani", language="nl")
    joris = make_user(email="joris@example.org", display_name="Joris Maes")
    circle = finished_circle(app, ann, [bram, fatima, joris], name="Cirkel Open Overheid")

    # Bram writes his harvest from the finished circle's page and shares it.
    page = new_page(locale="en-GB", timezone_id="Europe/Brussels", bypass_csp=True)
    sign_in(page, live_server, "bram@example.org")
    page.goto(f"{live_server}/circles/{circle.id}")
    expect(page.get_by_role("heading", name="Well done: the circle is finished")).to_be_visible()
    page.get_by_role("link", name="Write your harvest").click()
    page.get_by_label("What did you set out to do?").fill("Meet the people behind open data")
    page.get_by_label("What did you learn?").fill("A small question\nopens a big door")
    page.get_by_label("Share it on the stories page").check()
    # Too long: the reason is beside the box and nothing typed is lost.
    too_long = "Veel gebeurd. " * 150
    page.get_by_label("What happened?").fill(too_long)
    page.get_by_role("button", name="Save my harvest").click()
    expect(page.locator("#happened-error")).to_contain_text("at most 2000 characters")
    expect(page.get_by_label("What happened?")).to_have_value(too_long)
    expect(page.get_by_label("What did you learn?")).to_have_value(
        "A small question\nopens a big door"
    )
    problems = {"harvest with errors": serious_violations(page, axe_script)}
    page.get_by_label("What happened?").fill("I met the archive team")
    page.get_by_role("button", name="Save my harvest").click()
    expect(page.get_by_text("Your harvest is on the stories page.").first).to_be_visible()
    problems["harvest"] = serious_violations(page, axe_script)

    # Fatima reads it on the stories page, in Dutch, with Bram's first name only.
    other = new_page(locale="nl-BE", timezone_id="Europe/Brussels", bypass_csp=True)
    sign_in(other, live_server, "fatima@example.org")
    other.get_by_role("link", name="Verhalen").click()
    story = other.locator("article.story").first
    expect(story.get_by_role("heading", name="Cirkel Open Overheid")).to_be_visible()
    expect(story).to_contain_text("Bram")
    expect(story).not_to_contain_text("Claes")
    expect(story).to_contain_text("opens a big door")
    problems["stories"] = serious_violations(other, axe_script)

    # She starts the next round for everyone: same weekday and time, from a day she picks.
    other.goto(f"{live_server}/circles/{circle.id}")
    other.get_by_role("link", name="Samen verder").click()
    problems["go on together"] = serious_violations(other, axe_script)
    start = date.today() + timedelta(days=14)
    other.get_by_label("Starten vanaf").fill(start.isoformat())
    other.get_by_role("button", name="Start de nieuwe cirkel").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Cirkel Open Overheid, ronde 2")
    new_url = other.url

    # Bram sees the invitation on his home page and confirms: now he is a member.
    page.goto(f"{live_server}/home")
    page.get_by_role("link", name="Confirm or say no").click()
    problems["invitation"] = serious_violations(page, axe_script)
    page.get_by_role("button", name="Yes, I go on").click()
    expect(page).to_have_url(new_url)
    expect(page.locator("ul.members")).to_contain_text("Bram Claes")
    expect(page.locator("ul.members")).to_contain_text("Fatima El Amrani")
    expect(page.locator("ul.members")).not_to_contain_text("Joris Maes")
    found = {name: issues for name, issues in problems.items() if issues}
    assert not found, found
