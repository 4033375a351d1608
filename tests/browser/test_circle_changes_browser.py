"""In a real Chromium: Ann changes her circle's place and name, and its weekly time from week 6
on; Bram, a member on his phone, sees the new details and the new Thursday meetings."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import axe_script, serious_violations  # noqa: F401
from tests.circles_helpers import make_circle, meetings_of
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, base: str, email: str, *, dutch: bool) -> None:
    page.goto(base + "/login")
    page.get_by_label("E-mailadres" if dutch else "Email address").fill(email)
    page.get_by_label("Wachtwoord" if dutch else "Password").fill(PASSWORD)
    page.locator("#submit").click()


def test_the_organiser_changes_the_circle_and_its_weekly_time_and_a_member_sees_it(
    live_server, new_page, make_user, app
):
    ann = make_user(email="ann@example.org", display_name="Ann Peeters", language="nl")
    bram = make_user(email="bram@example.org", display_name="Bram de Vries", language="en")
    today = datetime.now(UTC).date()
    first = today + timedelta(days=7 + (1 - today.weekday()) % 7)  # a Tuesday, next week on
    circle = make_circle(app, ann, members=[bram], first_day=first, today=today)

    page = new_page(locale="nl-BE")
    _sign_in(page, live_server, "ann@example.org", dutch=True)
    page.goto(f"{live_server}/circles/{circle.id}")
    page.get_by_role("link", name="De cirkel wijzigen").click()
    page.get_by_label("Naam van de cirkel").fill("Cirkel Open Overheid")
    page.get_by_label("Ruimte of plek").fill("Zaal 2.01, Kunstberg")
    page.get_by_role("button", name="Wijzigingen bewaren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cirkel Open Overheid")
    expect(page.get_by_text("Bewaard. De leden krijgen een mail.")).to_be_visible()

    page.get_by_role("link", name="Wekelijkse dag en uur wijzigen").first.click()
    page.get_by_label("Vanaf week").select_option("6")
    page.get_by_label("Nieuwe dag").select_option(label="donderdag")
    page.get_by_label("Nieuw tijdstip").fill("14:00")
    page.get_by_role("button", name="Het wekelijkse moment wijzigen").click()
    expect(page.get_by_text("Het wekelijkse moment is gewijzigd vanaf week 6")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("Elke donderdag om 14:00")

    brussels = ZoneInfo("Europe/Brussels")
    meetings = meetings_of(app, circle.id)
    assert {m.starts_at.astimezone(brussels).strftime("%a") for m in meetings[:5]} == {"Tue"}
    assert {m.starts_at.astimezone(brussels).strftime("%a %H:%M") for m in meetings[5:]} == {
        "Thu 14:00"
    }

    phone = new_page(locale="en-GB", viewport={"width": 390, "height": 844})
    _sign_in(phone, live_server, "bram@example.org", dutch=False)
    phone.goto(f"{live_server}/circles/{circle.id}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cirkel Open Overheid")
    expect(phone.get_by_text("Zaal 2.01, Kunstberg")).to_be_visible()
    expect(phone.locator(".lead")).to_contain_text("Every Thursday at 14:00")
    week6 = meetings[5].starts_at.astimezone(brussels)
    expect(phone.locator("tr#week-6")).to_contain_text(f"Thu {week6.day} ")
    expect(phone.locator("tr#week-6")).to_contain_text("14:00")
    expect(phone.locator("tr#week-5")).to_contain_text("12:00")


def test_the_change_pages_have_no_serious_accessibility_problems(
    live_server,
    new_page,
    make_user,
    app,
    axe_script,  # noqa: F811 - the fixture imported above
):
    ann = make_user(email="ann@example.org", language="nl")
    today = datetime.now(UTC).date()
    circle = make_circle(
        app, ann, members=[make_user()], first_day=today + timedelta(days=3), today=today
    )
    problems = {}
    for width in (1100, 390):
        page = new_page(locale="nl-BE", bypass_csp=True, viewport={"width": width, "height": 900})
        _sign_in(page, live_server, "ann@example.org", dutch=True)
        base = f"{live_server}/circles/{circle.id}"
        for path in ("/edit", "/schedule", "/waiting-list"):
            page.goto(base + path)
            problems[f"{path} @{width}"] = serious_violations(page, axe_script)
        # The forms with errors beside the fields, as people meet them.
        page.goto(base + "/edit")
        page.get_by_label("Naam van de cirkel").fill("")
        page.get_by_role("button", name="Wijzigingen bewaren").click()
        expect(page.locator("#name-error")).to_be_visible()
        problems[f"/edit with errors @{width}"] = serious_violations(page, axe_script)
        page.goto(base + "/schedule")
        page.get_by_label("Nieuw tijdstip").fill("")
        page.get_by_role("button", name="Het wekelijkse moment wijzigen").click()
        expect(page.locator("#at-error")).to_be_visible()
        problems[f"/schedule with errors @{width}"] = serious_violations(page, axe_script)
    found = {path: issues for path, issues in problems.items() if issues}
    assert not found, "\n".join(
        f"{path}: {issue}" for path, issues in found.items() for issue in issues
    )
