"""The no-English check of the Dutch journeys can fail, and says where."""

import pytest
from playwright.sync_api import expect

from tests.browser.language import assert_dutch, assert_dutch_text
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

DUTCH = """<!doctype html><html lang="nl"><head><title>Instellingen · wol</title></head><body>
<main><h1>Instellingen</h1>{body}
<section lang="en"><p>This part of the guide is not translated yet, so you read the English.</p>
</section><p>Cirkel of the Week</p></main></body></html>"""


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-BE")
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("<p>Save settings</p>", "Save settings"),  # a catalog message left in English
        ("<button aria-label='Close the menu'>×</button>", "Close the menu"),  # an accessible name
        ("<input type='submit' value='Opslaan en sluiten, please'>", "please"),  # a button's value
        ("<label>Taal <select><option>Dutch</option></select></label>", "Dutch"),  # an option
        ("<input placeholder='Type your name'>", "your"),  # a placeholder, a function word
        (
            "<select><optgroup label='Time zone'><option>Brussel</option></optgroup></select>",
            "Time zone",
        ),  # the heading of a group of options
        ("<p hidden>Copied to the clipboard</p>", "the"),  # hidden now, shown by a click later
    ],
)
def test_english_on_a_dutch_page_fails_and_is_named(page, body, named):
    page.set_content(DUTCH.format(body=body))

    with pytest.raises(AssertionError) as failure:
        assert_dutch(page, user_data=["Cirkel of the Week"])

    assert named in str(failure.value)


def test_dutch_user_data_and_english_on_purpose_pass(page):
    page.set_content(
        DUTCH.format(body="<p>Je instellingen zijn bewaard.</p><input value='The name Ann typed'>")
    )

    assert_dutch(page, user_data=["Cirkel of the Week"])


def test_an_english_page_is_not_a_dutch_page(page):
    page.set_content("<html lang='en'><body><p>Settings</p></body></html>")

    with pytest.raises(AssertionError, match="not a Dutch page"):
        assert_dutch(page)


def test_english_in_a_dutch_mail_fails_and_links_do_not():
    with pytest.raises(AssertionError, match="Accept the invitation in your calendar"):
        assert_dutch_text(
            "Welkom in de cirkel.\nAccept the invitation in your calendar.",
            what="the mail 'circle_welcome'",
        )

    assert_dutch_text(
        "Welkom in de cirkel.\nOpen http://wol.test/the/join/your-link", what="a Dutch mail"
    )


def test_a_language_named_in_its_own_language_says_so(app, live_server, new_page, make_user):
    # Found by the check: "English" among the Dutch round form's languages read as English.
    make_user(email="els@example.org", display_name="Els", roles={"organiser"}, language="nl")
    els = new_page(locale="nl-BE")
    els.goto(live_server + "/login")
    els.get_by_label("E-mailadres").fill("els@example.org")
    els.get_by_label("Wachtwoord").fill(PASSWORD)
    els.locator("#submit").click()
    els.goto(live_server + "/rounds/new")

    expect(els.locator("label", has_text="English")).to_have_attribute("lang", "en")
    assert_dutch(els, user_data=["Els"])
