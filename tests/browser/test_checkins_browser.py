"""In a real Chromium, by keyboard only: a circle registered five weeks late shows as stalled on
the organiser's dashboard; a member records this week's meeting from the link in the mail,
without signing in; the dashboard changes."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_accessibility import axe_script, serious_violations  # noqa: F401
from tests.conftest import PASSWORD
from wol.auth.models import User
from wol.circles.models import Circle
from wol.circles.service import join_circle
from wol.extensions import db
from wol.mail.models import OutboxMail
from wol.tick import run_tick
from wol.timestamps import utcnow

pytestmark = pytest.mark.browser


def tab_to(page, locator, limit: int = 80) -> None:
    """Press Tab until ``locator`` has the focus, as a keyboard user would."""
    target = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(el) => document.activeElement === el", target):
            return
    raise AssertionError(f"{locator} cannot be reached with Tab")


def test_stalled_circle_checks_in_from_the_mail_and_the_dashboard_follows(
    live_server,
    new_page,
    make_user,
    app,
    axe_script,  # noqa: F811 - the fixture
):
    make_user(email="els@example.org", display_name="Els Janssens", roles={"organiser"})
    members = [
        make_user(email=f"{name.lower()}@example.org", display_name=name)
        for name in ("Bram", "Fatima", "Joris")
    ]
    # This week's meeting began two hours ago, so the first one was five weeks ago.
    zone = ZoneInfo("Europe/Brussels")
    week6 = (utcnow() - timedelta(hours=2)).astimezone(zone).replace(second=0, microsecond=0)
    week6 -= timedelta(minutes=week6.minute % 5)
    first_day = week6.date() - timedelta(weeks=5)

    els = new_page(locale="en-GB", timezone_id="Europe/Brussels", bypass_csp=True)
    els.goto(live_server + "/login")
    els.get_by_label("Email address").fill("els@example.org")
    els.get_by_label("Password").fill(PASSWORD)
    els.keyboard.press("Enter")
    expect(els).to_have_url(re.compile(r"/home$"))
    els.goto(live_server + "/circles/new")
    els.get_by_label("Name of the circle").fill("Cirkel Open Overheid")
    els.get_by_label("Date of the first meeting").fill(first_day.isoformat())
    els.get_by_label("Time", exact=True).fill(week6.strftime("%H:%M"))
    els.get_by_label("Room or place").fill("Zaal 4.12")
    els.get_by_label("Room or place").press("Enter")
    expect(els.get_by_role("heading", level=1)).to_have_text("Cirkel Open Overheid")
    circle_id = int(els.url.rsplit("/", 1)[-1])
    with app.test_request_context():
        circle = db.session.get(Circle, circle_id)
        for person in members:
            join_circle(circle, db.session.get(User, person.id))
        db.session.commit()

    # The dashboard says it has stalled, and why.
    els.goto(live_server + "/home")
    tab_to(els, els.get_by_role("link", name="Circles I look after"))
    els.keyboard.press("Enter")
    row = els.get_by_role("row", name=re.compile("Cirkel Open Overheid"))
    expect(row).to_contain_text("stalled")
    expect(row).to_contain_text(
        f"5 meetings in a row not recorded since {first_day.day} {first_day:%B}"
    )
    assert "Bram" not in els.content()  # counts, never people
    assert not serious_violations(els, axe_script)

    # The tick asks the members; Bram answers from the mail, without signing in.
    with app.test_request_context(base_url=live_server):
        run_tick(app.config)
        mail = db.session.scalar(
            select(OutboxMail).where(
                OutboxMail.kind == "checkin_request", OutboxMail.to_addr == "bram@example.org"
            )
        )
        yes = re.search(r"(http://\S+/yes)", mail.body_text).group(1)
    bram = new_page(locale="en-GB", bypass_csp=True)
    bram.goto(yes)
    expect(bram.get_by_role("status").first).to_contain_text(
        "Thank you! Week 6 is recorded as held."
    )
    expect(bram.get_by_text("4 people were there.")).to_be_visible()
    tab_to(bram, bram.get_by_role("checkbox", name="Joris"))
    bram.keyboard.press("Space")
    tab_to(bram, bram.get_by_role("button", name="Save"))
    bram.keyboard.press("Enter")
    expect(bram.get_by_text("Saved. Thank you!")).to_be_visible()
    expect(bram.get_by_text("3 people were there.")).to_be_visible()
    expect(bram.get_by_role("list").last).to_contain_text("Bram recorded it as held, 3 present")
    assert not serious_violations(bram, axe_script)

    # Els's dashboard follows: active again, week 6 held, three present.
    els.reload()
    row = els.get_by_role("row", name=re.compile("Cirkel Open Overheid"))
    expect(row).to_contain_text("active")
    expect(row).to_contain_text(f"Week 6 held on {week6.day} {week6:%B}")
    expect(row.get_by_role("img")).to_have_attribute("aria-label", re.compile("week 6: 3;"))
    tab_to(els, els.get_by_role("link", name=re.compile(r"^1 active")))
    els.keyboard.press("Enter")
    expect(els).to_have_url(re.compile(r"status=active"))
    expect(els.get_by_role("row", name=re.compile("Cirkel Open Overheid"))).to_be_visible()
