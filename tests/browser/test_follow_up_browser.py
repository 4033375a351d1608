"""In a real Chromium, in Dutch: a finished circle goes on with a follow-up of 4 weeks, and its
last meeting page shows the follow-up guide's closing week."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import axe_script, serious_violations  # noqa: F401
from tests.browser.test_harvest_browser import sign_in
from tests.harvest_helpers import finished_circle

pytestmark = pytest.mark.browser


def test_a_circle_goes_on_with_a_four_week_follow_up(
    live_server,
    new_page,
    make_user,
    app,
    axe_script,  # noqa: F811 - the fixture
):
    ann = make_user(email="ann@example.org", display_name="Ann Peeters")
    fatima = make_user(email="fatima@example.org", display_name="Fatima El Amrani", language="nl")
    circle = finished_circle(app, ann, [fatima], name="Cirkel Open Overheid")

    page = new_page(locale="nl-BE", timezone_id="Europe/Brussels", bypass_csp=True)
    sign_in(page, live_server, "fatima@example.org")
    page.goto(f"{live_server}/circles/{circle.id}")
    page.get_by_role("link", name="Samen verder").click()
    group = page.get_by_role("group", name="Welke gids?")
    expect(group.get_by_label("De gids vanaf week 1 opnieuw (12 weken)")).to_be_checked()
    problems = {"go on together": serious_violations(page, axe_script)}
    group.get_by_label("Een vervolg van 4 weken").check()
    page.get_by_label("Starten vanaf").fill((date.today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Start de nieuwe cirkel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cirkel Open Overheid, ronde 2")
    expect(page.get_by_role("heading", name="Het vervolg: 4 bijeenkomsten")).to_be_visible()
    new_id = re.search(r"/circles/(\d+)", page.url).group(1)

    # Week 4 is the last one: the follow-up's closing week, in Dutch.
    page.goto(f"{live_server}/circles/{new_id}/week/4")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Terugkijken en alleen verder")
    problems["week 4"] = serious_violations(page, axe_script)
    assert page.goto(f"{live_server}/circles/{new_id}/week/5").status == 404  # no week 5
    found = {name: issues for name, issues in problems.items() if issues}
    assert not found, found
