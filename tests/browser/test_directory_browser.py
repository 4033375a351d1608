"""In a real Chromium: Bram, who knows nobody, finds a Dutch online circle by filtering and
joins it; an invite-only circle never shows; his saved alert brings one mail after a tick."""

import re
from datetime import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_accessibility import (
    axe_script,  # noqa: F401 - a fixture
    serious_violations,
)
from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD
from tests.test_directory import TODAY, next_weekday
from wol.extensions import db
from wol.mail.models import OutboxMail

pytestmark = pytest.mark.browser


def online(app, organiser, name, **overrides):
    values = {
        "first_day": next_weekday(1),
        "local_time": time(12, 0),
        "today": TODAY,
        "name": name,
        "kind": "online",
        "place": None,
        "video_url": "https://meet.example.org/c",
    }
    values.update(overrides)
    return make_circle(app, organiser, **values)


def test_find_join_and_hear_about_the_next_one(app, live_server, new_page, make_user):
    ann = make_user(email="ann@example.org", display_name="Ann", language="nl")
    make_user(email="bram@example.org", display_name="Bram de Vries")
    online(
        app,
        ann,
        "Cirkel Digitale Overheid",
        language="nl",
        description="Wij werken samen aan een open overheid.",
    )
    online(app, ann, "Geheime cirkel", language="nl", listed=False)
    online(app, ann, "English circle", language="en")

    bram = new_page(locale="en-GB", viewport={"width": 390, "height": 844})
    bram.goto(live_server + "/login")
    bram.get_by_label("Email address").fill("bram@example.org")
    bram.get_by_label("Password").fill(PASSWORD)
    bram.locator("#submit").click()
    bram.get_by_role("navigation", name="Main").get_by_role("link", name="Find a circle").click()
    expect(bram.get_by_role("heading", level=1)).to_have_text("Find a circle")
    expect(bram.get_by_text("Geheime cirkel")).to_have_count(0)

    bram.get_by_label("Language", exact=True).select_option("nl")
    bram.get_by_label("Where", exact=True).select_option("online")
    bram.get_by_role("button", name="Show circles").click()
    expect(bram).to_have_url(re.compile(r"/circles\?lang=nl&kind=online"))
    expect(bram.get_by_role("heading", level=3)).to_have_text(["Cirkel Digitale Overheid"])
    expect(bram.get_by_text("Geheime cirkel")).to_have_count(0)
    expect(bram.get_by_text("Wij werken samen aan een open overheid.")).to_be_visible()
    # The back button brings the filters back, because they live in the URL.
    bram.go_back()
    bram.go_forward()
    expect(bram.get_by_label("Language", exact=True)).to_have_value("nl")

    bram.get_by_role("button", name="Join Cirkel Digitale Overheid").click()
    expect(bram.get_by_role("heading", level=1)).to_have_text("Cirkel Digitale Overheid")
    expect(bram.locator(".members")).to_contain_text("Bram de Vries")
    bram.get_by_role("link", name="My circles").click()
    expect(bram.locator("main")).to_contain_text("Cirkel Digitale Overheid")

    # Nothing on Thursdays yet: Bram asks to hear about the next one.
    bram.get_by_role("navigation", name="Main").get_by_role("link", name="Find a circle").click()
    bram.get_by_label("Language", exact=True).select_option("nl")
    bram.get_by_label("Weekday").select_option("thu")
    bram.get_by_role("button", name="Show circles").click()
    expect(bram.get_by_text("No circle fits these filters")).to_be_visible()
    bram.get_by_role("button", name="Tell me when one opens").click()
    expect(bram.get_by_text("You have an alert for this search")).to_be_visible()

    online(app, ann, "Donderdagcirkel", language="nl", first_day=next_weekday(3))
    online(app, ann, "Geheime donderdag", language="nl", first_day=next_weekday(3), listed=False)
    result = app.test_cli_runner().invoke(args=["wol", "tick"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        mails = list(
            db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "circle_alert"))
        )
        assert [m.to_addr for m in mails] == ["bram@example.org"]
        assert "Donderdagcirkel" in mails[0].body_text
        assert "Geheime donderdag" not in mails[0].body_text


def test_directory_and_holiday_warning_have_no_serious_accessibility_problems(
    app,
    live_server,
    new_page,
    make_user,
    axe_script,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    path = tmp_path / "quiet.txt"
    path.write_text("01-01 12-31 All year | Het hele jaar\n", encoding="utf-8")
    app.config["WOL_QUIET_PERIODS_FILE"] = str(path)
    ann = make_user(email="ann@example.org", display_name="Ann", language="nl")
    online(app, ann, "Cirkel Digitale Overheid", language="nl", description="Open overheid.")
    page = new_page(locale="nl-BE", bypass_csp=True)
    page.goto(live_server + "/login")
    page.get_by_label("E-mailadres").fill("ann@example.org")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.locator("#submit").click()
    problems = {}
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server + "/circles?lang=xx")
        problems[f"/circles @{width}"] = serious_violations(page, axe_script)
        page.goto(live_server + "/circles/new")
        page.get_by_label("Naam van de cirkel").fill("Test")
        page.get_by_label("Datum van de eerste bijeenkomst").fill(next_weekday(1).isoformat())
        page.get_by_label("Tijd", exact=True).fill("12:00")
        page.get_by_label("Ruimte of plek").fill("Zaal 1")
        page.get_by_role("button", name="Start de cirkel").click()
        expect(page.get_by_role("heading", name="Vakantie in zicht")).to_be_visible()
        problems[f"holiday warning @{width}"] = serious_violations(page, axe_script)
    assert not any(problems.values()), problems
