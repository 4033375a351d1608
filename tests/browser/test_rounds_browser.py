"""In a real Chromium: an organiser opens a round, a dozen people sign up, the organiser forms
circles, moves one person and confirms; the circles appear with their meetings and the mails
are in the outbox."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.mailbox import mailed_link
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

DEPTS = ("Financiën", "Juridische zaken", "ICT", "HR", "Beleid")


def test_organiser_forms_and_confirms_circles_from_sign_ups(live_server, new_page, make_user, app):
    from wol.circles.models import Circle
    from wol.extensions import db
    from wol.mail.models import OutboxMail

    make_user(email="els@example.org", display_name="Els Janssens", roles={"organiser"})
    els = new_page(locale="en-GB")
    els.goto(live_server + "/login")
    els.get_by_label("Email address").fill("els@example.org")
    els.get_by_label("Password").fill(PASSWORD)
    els.locator("#submit").click()
    els.get_by_role("link", name="Sign-up rounds").click()
    els.get_by_role("link", name="Open a sign-up round").click()
    els.get_by_label("Title").fill("Circles spring")
    els.get_by_label("Nederlands").check()
    els.get_by_label("English").check()
    els.get_by_label("Weekly times to choose from").fill("Tuesday 12:00\nThursday 08:30")
    today = date.today()
    els.get_by_label("First week of the circles").fill((today + timedelta(weeks=3)).isoformat())
    els.get_by_label("Sign-up deadline").fill((today + timedelta(days=7)).isoformat())
    els.get_by_label("Video-call link").fill("https://teams.example.org/circles")
    els.get_by_role("button", name="Open the round").click()
    expect(els.get_by_role("heading", level=1)).to_have_text("Circles spring")
    link = els.locator("#signup-link").input_value()
    assert "/signup/" in link

    # A dozen people sign up: nine can do Tuesday in Dutch (two also Thursday), three only
    # Thursday in English. The first registers on the way, the others have accounts.
    for n in range(12):
        email = f"person{n}@example.org"
        page = new_page(locale="en-GB")
        if n == 0:
            page.goto(link)
            page.get_by_role("link", name="Create an account").first.click()
            page.get_by_label("Email address").fill(email)
            page.get_by_label("Your name").fill("Person 0")
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_label("Password again").fill(PASSWORD)
            page.get_by_role("button", name="Create my account").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Check your mailbox")
            page.goto(mailed_link(app, email))
            page.get_by_role("button", name="Create my account").click()
            expect(page).to_have_url(link)
        else:
            make_user(email=email, display_name=f"Person {n}")
            page.goto(live_server + "/login")
            page.get_by_label("Email address").fill(email)
            page.get_by_label("Password").fill(PASSWORD)
            page.locator("#submit").click()
            page.goto(link)
        if n < 9:
            page.get_by_label("Nederlands").check()
            page.get_by_label("Tuesday 12:00").check()
        else:
            page.get_by_label("English").check()
            page.get_by_label("Thursday 08:30").check()
        page.get_by_label("My department").fill(DEPTS[n % 5])
        page.get_by_role("button", name="Sign me up").click()
        expect(page.get_by_text("You are signed up.").first).to_be_visible()
        page.context.close()

    els.reload()
    expect(els.get_by_role("heading", name="12 sign-ups")).to_be_visible()
    els.get_by_role("button", name="Form circles").click()
    expect(els.get_by_role("heading", level=1)).to_have_text("Proposed circles")
    expect(els.get_by_text("9 of 12 people (at most 9 can be placed)")).to_be_visible()
    expect(els.get_by_text("only 3 people chose Thursday 08:30 in English").first).to_be_visible()

    # Move someone from the circle of five to the circle of four.
    circles = els.locator("section.proposed-circle")
    expect(circles).to_have_count(2)
    five = circles.filter(has_text="5 members")
    four_title = circles.filter(has_text="4 members").get_by_role("heading").inner_text()
    four_number = four_title.split(":")[0]
    mover = five.locator("tr").first
    name = mover.locator("td").first.inner_text()
    mover.get_by_role("combobox").select_option(label=four_number)
    mover.get_by_role("button", name="Move").click()
    expect(els.get_by_text("Moved. The totals are updated.")).to_be_visible()
    expect(circles.filter(has_text=four_title.split(":")[0] + ":").first).to_contain_text(name)

    els.get_by_role("button", name="Confirm and create the circles").click()
    expect(els.get_by_text("2 circles are created and everyone has a mail.")).to_be_visible()
    els.get_by_role("link", name="Circles spring 1").click()
    expect(els.locator("tr#week-12")).to_be_visible()

    with app.app_context():
        circles_made = list(db.session.scalars(select(Circle)))
        assert len(circles_made) == 2
        assert sorted(len(c.members) for c in circles_made) == [4, 5]
        assert all(len(c.meetings) == 12 for c in circles_made)
        kinds = [m.kind for m in db.session.scalars(select(OutboxMail))]
    assert kinds.count("round_placed") == 9 and kinds.count("round_left_out") == 3


from tests.browser.test_accessibility import axe_script, serious_violations  # noqa: E402, F401


def test_round_pages_have_no_serious_accessibility_problems(
    live_server,
    new_page,
    make_user,
    app,
    axe_script,  # noqa: F811 - the fixture imported above
):
    from tests.test_rounds import open_round, sign_up, token_of

    make_user(
        email="els@example.org", display_name="Els Janssens", roles={"organiser"}, language="nl"
    )
    client = app.test_client()
    client.post("/login", data={"email": "els@example.org", "password": PASSWORD})
    round_id = open_round(client)
    for n in range(11):
        sign_up(app, make_user, round_id, n, language="nl")
    client.post(f"/rounds/{round_id}/form")
    problems = {}
    for who, width in (("els@example.org", 1200), ("person1@example.org", 390)):
        page = new_page(locale="nl-BE", bypass_csp=True, viewport={"width": width, "height": 900})
        page.goto(live_server + "/login")
        page.get_by_label("E-mailadres").fill(who)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.locator("#submit").click()
        paths = (
            [f"/signup/{token_of(app, round_id)}"]
            if who.startswith("person")
            else ["/rounds", "/rounds/new", f"/rounds/{round_id}", f"/rounds/{round_id}/proposal"]
        )
        for path in paths:
            page.goto(live_server + path)
            if path == "/rounds/new":
                page.get_by_role("button", name="Open de ronde").click()  # with its errors
            found = serious_violations(page, axe_script)
            if found:
                problems[f"{who} {path}"] = found
    assert not problems, problems
