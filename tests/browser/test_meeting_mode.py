"""In a real Chromium: meeting mode on the meeting page, by mouse and by keyboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.guides.conftest import start_circle

pytestmark = pytest.mark.browser


@pytest.fixture
def meeting_page(app, live_server, new_page, make_user):
    """Ann, signed in, on the week-4 page of her English circle; the page collects errors."""
    ann = make_user(email="ann@example.org", display_name="Ann Peeters", language="en")
    circle_id = start_circle(app, ann, language="en", name="Digital Government")

    def open_page(**options):
        """A new browser page, signed in as Ann; returns it with the meeting page's URL."""
        page = new_page(**options)
        page.errors = []
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.goto(live_server + "/login")
        page.get_by_label("Email address").fill("ann@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(re.compile(r"/home$"))
        return page, f"{live_server}/circles/{circle_id}/week/4"

    return open_page


def test_start_run_next_and_pause(meeting_page):
    page, url = meeting_page()
    page.goto(url)
    clock = page.locator("[data-timer-clock]")
    title = page.locator("[data-timer-title]")
    status = page.locator("[data-timer-status]")
    expect(page.get_by_role("timer")).to_be_hidden()

    page.get_by_role("button", name="Start meeting").click()

    expect(clock).to_have_text("10:00")
    expect(title).to_have_text("Check-in")
    expect(page.locator("[data-timer-position]")).to_have_text("Part 1 of 5")
    expect(status).to_have_text("Now: Check-in, 10 minutes.")
    expect(page.get_by_role("button", name="Previous part")).to_be_disabled()

    page.get_by_role("button", name="Start", exact=True).click()
    expect(status).to_have_text("The timer is running.")
    expect(clock).not_to_have_text("10:00", timeout=3000)  # the countdown runs
    expect(clock).to_have_text(re.compile(r"^09:5\d$"))

    page.get_by_role("button", name="Next part").click()
    expect(title).to_have_text("Review your list")
    expect(page.locator("[data-timer-position]")).to_have_text("Part 2 of 5")
    expect(status).to_have_text("Now: Review your list, 10 minutes.")
    expect(page.locator("[data-timer-item][aria-current=step]")).to_contain_text("Review your list")

    page.get_by_role("button", name="Pause").click()
    expect(status).to_have_text("The timer is paused.")
    paused_at = clock.text_content()
    page.wait_for_timeout(1500)
    expect(clock).to_have_text(paused_at)
    expect(page.get_by_role("button", name="Start", exact=True)).to_be_visible()

    page.get_by_role("button", name="Close meeting mode").click()
    expect(page.get_by_role("timer")).to_be_hidden()
    expect(page.get_by_role("button", name="Start meeting")).to_be_focused()
    assert page.errors == []


def test_keyboard_only(meeting_page):
    page, url = meeting_page()
    page.goto(url)
    clock = page.locator("[data-timer-clock]")
    title = page.locator("[data-timer-title]")

    page.get_by_role("button", name="Start meeting").focus()
    page.keyboard.press("Enter")
    toggle = page.get_by_role("button", name="Start", exact=True)
    expect(toggle).to_be_focused()  # focus moves into the timer
    page.keyboard.press("Space")  # presses the focused button
    expect(clock).not_to_have_text("10:00", timeout=3000)

    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Next part")).to_be_focused()
    page.keyboard.press("Enter")
    expect(title).to_have_text("Review your list")

    # Shortcuts work when no control has the focus.
    page.locator("[data-timer-title]").click()
    page.keyboard.press("n")
    expect(title).to_have_text("From attention to conversation")
    page.keyboard.press("p")
    expect(title).to_have_text("Review your list")
    page.keyboard.press("Space")
    expect(page.locator("[data-timer-status]")).to_have_text("The timer is paused.")
    page.keyboard.press("m")
    expect(page.get_by_role("button", name="Mute the signal")).to_have_attribute(
        "aria-pressed", "true"
    )


def test_letter_shortcuts_work_while_a_timer_button_has_focus(meeting_page):
    page, url = meeting_page()
    page.goto(url)
    title = page.locator("[data-timer-title]")
    page.get_by_role("button", name="Start meeting").click()
    toggle = page.get_by_role("button", name="Start", exact=True)
    expect(toggle).to_be_focused()
    page.keyboard.press("n")
    expect(title).to_have_text("Review your list")
    page.get_by_role("button", name="Next part").focus()
    page.keyboard.press("p")
    expect(title).not_to_have_text("Review your list")
    page.keyboard.press("m")
    expect(page.get_by_role("button", name="Mute the signal")).to_have_attribute(
        "aria-pressed", "true"
    )


def test_one_minute_warning_and_end_of_a_time_box(meeting_page):
    page, url = meeting_page()
    page.clock.install()
    page.goto(url)
    panel = page.locator("#timer-panel")
    status = page.locator("[data-timer-status]")
    page.get_by_role("button", name="Start meeting").click()
    page.get_by_role("button", name="Start", exact=True).click()

    page.clock.run_for("09:01")
    expect(status).to_have_text("Check-in: one minute left.")
    expect(panel).to_have_class(re.compile(r"\bis-last-minute\b"))
    expect(panel).not_to_have_class(re.compile(r"\bis-over\b"))

    page.clock.run_for("01:00")
    expect(status).to_have_text("Time is up for Check-in.")
    expect(panel).to_have_class(re.compile(r"\bis-over\b"))
    page.clock.run_for("00:15")
    expect(page.locator("[data-timer-clock]")).to_have_text(re.compile(r"^\+00:1\d$"))

    page.get_by_role("button", name="Next part").click()
    expect(panel).not_to_have_class(re.compile(r"\bis-over\b"))
    expect(page.locator("[data-timer-clock]")).to_have_text("10:00")


def test_the_ticking_clock_is_not_a_live_region(meeting_page):
    page, url = meeting_page()
    page.goto(url)
    page.get_by_role("button", name="Start meeting").click()

    clock = page.get_by_role("timer")
    expect(clock).to_have_attribute("aria-live", "off")
    expect(page.locator("[data-timer-status]")).to_have_attribute("role", "status")
    expect(page.locator("[data-timer-status]")).to_have_attribute("aria-live", "polite")


def test_big_clock_fits_a_phone(meeting_page):
    page, url = meeting_page(viewport={"width": 390, "height": 844})
    page.goto(url)
    page.get_by_role("button", name="Start meeting").click()

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    box = page.get_by_role("timer").bounding_box()
    assert box["height"] >= 60  # large enough to read across a table
