"""The six journeys of DESIGN.md, start to finish in a real Chromium, in Dutch and in English.

The participant (Bram) is on a phone (390×844, touch, another time zone); the organisers and the
translator are at a desk. Every Dutch page on the way is checked for English words
(`tests/browser/language.py`). What a journey needs beforehand (people, circles, forty circles
for Els) is seeded through the services or SQL, not the browser; the dates are relative to
today, and "the day" of a meeting is made by seeding its meetings around now.
"""

import email
import re
from datetime import date, datetime, time, timedelta
from email import policy
from zoneinfo import ZoneInfo

import icalendar
import pytest
from babel.dates import format_date
from flask_babel import force_locale, gettext, ngettext
from playwright.sync_api import expect
from sqlalchemy import insert, select

from tests.browser.language import assert_dutch, assert_dutch_text
from tests.browser.mailbox import mailed_link
from tests.circles_helpers import make_circle
from tests.conftest import PASSWORD
from tests.guides.conftest import edit, guides_dir  # noqa: F401 - a fixture
from tests.icalcheck import run_checker
from tests.itip import ClientStore
from wol.auth.models import User
from wol.checkins.models import CheckinRecord
from wol.circles.models import Circle, Meeting, Membership
from wol.circles.schedule import meeting_starts
from wol.extensions import db
from wol.mail.models import OutboxMail
from wol.mail.service import deliver_outbox
from wol.personal.models import PrivateNote
from wol.tick import run_tick
from wol.timestamps import utcnow
from wol.tokens import new_token

pytestmark = pytest.mark.browser

BRUSSELS = ZoneInfo("Europe/Brussels")
CIRCLE = "Cirkel Digitale Overheid"
DEPARTMENT = "Dienst Digitale Overheid"
# What people typed or are called: it may be in any language on a Dutch page.
USER_DATA = (
    "Ann Peeters",
    "Bram de Vries",
    "Fatima El Amrani",
    "Joris Wouters",
    "Noor Claes",
    "Els Janssens",
    "Marc Dubois",
    CIRCLE,
    DEPARTMENT,
    "Zaal 4.12",
)
DESK = {"viewport": {"width": 1280, "height": 800}, "timezone_id": "Europe/Brussels"}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
    "timezone_id": "Europe/London",
}


@pytest.fixture(params=["nl", "en"])
def lang(request):
    """The language of the people in the journey: each journey runs in Dutch and in English."""
    return request.param


class Journey:
    """The words of the journey's language, the people's browsers and the Dutch check."""

    def __init__(self, app, live_server, new_page, lang):
        self.app, self.url, self.new_page, self.lang = app, live_server, new_page, lang

    def __call__(self, message: str, **values) -> str:
        """``message`` as the journey's language words it (the catalog's Dutch)."""
        with self.app.test_request_context(), force_locale(self.lang):
            return gettext(message, **values)

    def plural(self, singular: str, plural: str, num: int, **values) -> str:
        """A count in the journey's language."""
        with self.app.test_request_context(), force_locale(self.lang):
            return ngettext(singular, plural, num, **values)

    def day_name(self, day: date) -> str:
        """The name of ``day``'s weekday in the journey's language ("dinsdag", "Tuesday")."""
        return format_date(day, "EEEE", locale=self.lang)

    def desk(self, **options):
        """A browser at a desk, in the journey's language."""
        return self.new_page(
            locale="nl-BE" if self.lang == "nl" else "en-GB", **{**DESK, **options}
        )

    def phone(self, **options):
        """A phone in another time zone (London), in the journey's language."""
        return self.new_page(
            locale="nl-NL" if self.lang == "nl" else "en-GB", **{**PHONE, **options}
        )

    def check(self, page, content=()) -> None:
        """On a Dutch journey, fail on any English word on the page (but in ``content``: what
        people typed, guide text)."""
        expect(page.locator("html")).to_have_attribute("lang", self.lang)
        if self.lang == "nl":
            assert_dutch(page, user_data=(*USER_DATA, *content))

    def check_mails(self, content=()) -> None:
        """On a Dutch journey, fail on any English word in the mails wol queued (everyone in
        the journey reads Dutch)."""
        if self.lang != "nl":
            return
        for mail in mails_since(self.app, 0):
            assert_dutch_text(
                f"{mail.subject}\n{mail.body_text}",
                what=f"the mail {mail.kind!r} to {mail.to_addr}",
                user_data=(*USER_DATA, *content),
            )

    def sign_in(self, page, address: str) -> None:
        """Sign in through the form."""
        page.goto(self.url + "/login")
        page.get_by_label(self("Email address")).fill(address)
        page.get_by_label(self("Password")).fill(PASSWORD)
        page.locator("#submit").click()
        expect(page).to_have_url(re.compile(r"/home$"))

    def register(self, page, address: str, name: str, department: str | None = None) -> None:
        """Fill the registration form (with the department, if given) and follow the mailed
        link, checking each page."""
        page.get_by_label(self("Email address")).fill(address)
        page.get_by_label(self("Your name")).fill(name)
        page.get_by_label(self("Password"), exact=True).fill(PASSWORD)
        page.get_by_label(self("Password again")).fill(PASSWORD)
        page.get_by_label(self("Language"), exact=True).select_option(self.lang)
        if department:
            page.get_by_label(self("Organisation or department (optional)")).fill(department)
        self.check(page)
        page.get_by_role("button", name=self("Create my account")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(self("Check your mailbox"))
        self.check(page)
        page.goto(mailed_link(self.app, address))
        self.check(page)
        page.get_by_role("button", name=self("Create my account")).click()


@pytest.fixture
def journey(app, live_server, new_page, lang):
    return Journey(app, live_server, new_page, lang)


def mails_since(app, since: int, address: str | None = None) -> list[OutboxMail]:
    """Mails queued after mail ``since`` (to ``address``), oldest first, detached."""
    with app.app_context():
        query = select(OutboxMail).where(OutboxMail.id > since).order_by(OutboxMail.id)
        if address:
            query = query.where(OutboxMail.to_addr == address)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def last_mail_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(db.func.max(OutboxMail.id))) or 0


def zulu(moments) -> list[str]:
    return [m.strftime("%Y-%m-%dT%H:%M:%SZ") for m in moments]


def icalcheck(tmp_path, name: str, data: bytes, expected: list[str]) -> None:
    """Four calendar parsers read ``data`` and show exactly the ``expected`` starts."""
    result = run_checker(tmp_path, name, data, expected)
    assert result.returncode == 0, f"calendar clients read {name} otherwise:\n{result.stdout}"


def next_tuesday(weeks_ahead: int = 1) -> date:
    """A Tuesday at least ``weeks_ahead`` weeks from today."""
    today = datetime.now(BRUSSELS).date()
    return today + timedelta(days=(1 - today.weekday()) % 7 + 7 * weeks_ahead)


def person(make_user, name: str, lang: str, **values) -> User:
    return make_user(
        email=f"{name.split()[0].lower()}@example.org", display_name=name, language=lang, **values
    )


# 1. Ann starts a circle ---------------------------------------------------------------------


def test_1_ann_starts_a_circle(journey, tmp_path):
    w = journey
    ann = w.desk()
    ann.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=w.url)
    ann.goto(w.url + "/")
    w.check(ann)
    ann.get_by_role("link", name=w("Create an account")).first.click()
    w.register(ann, "ann@example.org", "Ann Peeters", department=DEPARTMENT)
    expect(ann).to_have_url(re.compile(r"/home$"))
    expect(ann.get_by_role("heading", level=1)).to_have_text(
        w("Hello %(name)s", name="Ann Peeters")
    )
    w.check(ann)
    with w.app.app_context():
        saved = db.session.scalar(select(User).where(User.email_key == "ann@example.org"))
        assert (saved.language, saved.organisation, saved.timezone) == (
            w.lang,
            DEPARTMENT,
            "Europe/Brussels",
        )

    ann.get_by_role("navigation", name=w("Main")).get_by_role("link", name=w("My circles")).click()
    ann.get_by_role("link", name=w("Start a circle")).first.click()
    w.check(ann)
    first = next_tuesday(2)
    # A slip first: no name. The form says what to fix, in her language, and keeps the rest.
    ann.get_by_label(w("Room or place")).fill("Zaal 4.12")
    ann.get_by_role("button", name=w("Start the circle")).click()
    expect(ann.get_by_role("alert")).to_contain_text(w("Please check the form"))
    expect(ann.get_by_role("alert")).to_contain_text(w("Give the circle a name."))
    expect(ann.get_by_label(w("Room or place"))).to_have_value("Zaal 4.12")
    w.check(ann)
    ann.get_by_label(w("Name of the circle")).fill(CIRCLE)
    ann.get_by_label(w("Date of the first meeting")).fill(first.isoformat())
    ann.get_by_label(w("Time"), exact=True).fill("12:00")
    ann.get_by_role("button", name=w("Start the circle")).click()
    expect(ann.get_by_role("heading", level=1)).to_have_text(CIRCLE)
    expect(ann.locator("p.lead")).to_contain_text(
        w("Every %(weekday)s at %(time)s", weekday=w.day_name(first), time="12:00")
    )
    expect(ann.locator("tr#week-12")).to_be_visible()
    w.check(ann)

    # The invite link, for the Teams chat.
    ann.get_by_role("button", name=w("Copy link")).click()
    expect(ann.get_by_role("button", name=w("Copied"))).to_be_visible()
    link = ann.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(rf"{re.escape(w.url)}/join/[\w-]{{43}}", link)
    w.check(ann)

    # The meetings for Outlook: a file every calendar reads as the twelve Tuesdays.
    ann.get_by_text(w("Download the meetings as a file (.ics)")).click()
    w.check(ann)
    with ann.expect_download() as download:
        ann.get_by_role("link", name=w("Download for my calendar (.ics)")).click()
    data = tmp_path / "circle.ics"
    download.value.save_as(data)
    ics = data.read_bytes()
    assert b"METHOD:PUBLISH" in ics and b"TZID:Europe/Brussels" in ics
    icalcheck(
        tmp_path, "download", ics, zulu(meeting_starts(first, time(12, 0), "Europe/Brussels"))
    )
    w.check_mails()


# 2. Bram joins ------------------------------------------------------------------------------


def smtp_mailbox(app, smtp_server) -> list:
    """Deliver the outbox to the local SMTP server, as the tick does; return what it holds."""
    app.config.update(
        MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_TIMEOUT=5
    )
    with app.app_context():
        deliver_outbox(app.config)
    return [
        email.message_from_bytes(envelope.content, policy=policy.default)
        for envelope in smtp_server.handler_ref.messages
    ]


def test_2_bram_joins_on_his_phone(journey, make_user, smtp_server):
    w = journey
    ann = person(make_user, "Ann Peeters", w.lang)
    first = next_tuesday(2)
    circle = make_circle(
        w.app, ann, language=w.lang, first_day=first, today=datetime.now(BRUSSELS).date()
    )
    link = f"{w.url}/join/{circle.invite_token}"

    bram = w.phone()
    bram.goto(link)
    expect(bram.get_by_role("heading", level=1)).to_have_text(CIRCLE)
    # His phone's clock is London's: the page says the Tuesday time there, and the seats left.
    london = {"nl": "tijd in Verenigd Koninkrijk", "en": "United Kingdom Time"}[w.lang]
    expect(bram.locator(".browser-time")).to_have_text(
        w(
            "On this device's clock (%(tz)s): every %(weekday)s at %(time)s.",
            tz=london,
            weekday=w.day_name(first),
            time="11:00",
        )
    )
    expect(bram.locator("dd").filter(has_text="/ 5")).to_have_text("4 / 5")
    w.check(bram)
    bram.get_by_role("link", name=w("Create an account")).first.tap()  # a finger, not a mouse
    w.check(bram)
    w.register(bram, "bram@example.org", "Bram de Vries")
    expect(bram).to_have_url(link)
    expect(
        bram.get_by_text(
            w(
                "Every %(weekday)s at %(time)s, twelve weeks",
                weekday=w.day_name(first),
                time="11:00",
            )
        )
    ).to_be_visible()
    w.check(bram)
    bram.get_by_role("button", name=w("Join this circle")).tap()
    expect(bram.get_by_role("heading", level=1)).to_have_text(CIRCLE)
    expect(bram.locator(".members")).to_contain_text("Bram de Vries")
    assert bram.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone
    w.check(bram)

    # The invitation reaches his mailbox: one event, twelve Tuesdays, for him to accept.
    [invitation] = [
        m
        for m in smtp_mailbox(w.app, smtp_server)
        if m["To"].addresses[0].addr_spec == "bram@example.org"
        and any(p.get_content_type() == "text/calendar" for p in m.walk())
    ]
    assert CIRCLE in invitation["Subject"]
    [part] = [p for p in invitation.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    calendar = icalendar.Calendar.from_ical(part.get_content())
    assert calendar["METHOD"] == "REQUEST"
    [event] = [c for c in calendar.walk("VEVENT") if "RECURRENCE-ID" not in c]
    assert str(event["SUMMARY"]).startswith(CIRCLE)
    assert event["RRULE"]["COUNT"] == [12] and event["RRULE"]["FREQ"] == ["WEEKLY"]
    assert event.decoded("DTSTART") == datetime.combine(first, time(12, 0), BRUSSELS)
    attendees = event.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert "mailto:bram@example.org" in [str(a).lower() for a in attendees]
    w.check_mails()


# 3. The circle meets ------------------------------------------------------------------------


def test_3_the_circle_meets(journey, make_user):
    w = journey
    ann = person(make_user, "Ann Peeters", w.lang)
    members = [person(make_user, name, w.lang) for name in ("Bram de Vries", "Fatima El Amrani")]
    # The day: week 1 began a few minutes ago, in Brussels.
    start = (datetime.now(BRUSSELS) - timedelta(minutes=10)).replace(second=0, microsecond=0)
    start -= timedelta(minutes=start.minute % 5)
    circle = make_circle(
        w.app,
        ann,
        members=members,
        language=w.lang,
        first_day=start.date(),
        local_time=start.time(),
        today=start.date(),
    )

    # Ann, from home, on the shared screen: week 1 from her home page, meeting mode, keys.
    screen = w.desk()
    w.sign_in(screen, "ann@example.org")
    w.check(screen)
    screen.locator(".this-week").get_by_role(
        "link", name=re.compile("^" + re.escape(w("Week %(week)d", week=1)))
    ).click()
    expect(screen).to_have_url(re.compile(rf"/circles/{circle.id}/week/1$"))
    w.check(screen)
    screen.get_by_role("button", name=w("Start meeting")).click()
    title = screen.locator("[data-timer-title]")
    position = screen.locator("[data-timer-position]")
    items = screen.locator("[data-timer-item]")
    total = items.count()
    assert total >= 3
    first_part = items.nth(0).get_attribute("data-title")
    expect(title).to_have_text(first_part)
    expect(position).to_have_text(w("Part %(number)s of %(total)s", number=1, total=total))
    w.check(screen)
    screen.keyboard.press("Space")  # the timer runs
    expect(screen.locator("[data-timer-status]")).to_have_text(w("The timer is running."))
    screen.keyboard.press("n")  # the next time box, whichever button has the focus
    expect(title).to_have_text(items.nth(1).get_attribute("data-title"))
    expect(position).to_have_text(w("Part %(number)s of %(total)s", number=2, total=total))
    screen.keyboard.press("p")
    expect(title).to_have_text(first_part)
    screen.keyboard.press("n")
    screen.keyboard.press("n")
    expect(position).to_have_text(w("Part %(number)s of %(total)s", number=3, total=total))
    w.check(screen)

    # Afterwards (the tick an hour on): wol asks the members; Bram answers from his mail, in
    # one click.
    with w.app.test_request_context(base_url=w.url):
        run_tick(w.app.config, now=start.astimezone(ZoneInfo("UTC")) + timedelta(minutes=61))
    with w.app.app_context():
        mail = db.session.scalar(
            select(OutboxMail).where(
                OutboxMail.kind == "checkin_request", OutboxMail.to_addr == "bram@example.org"
            )
        )
        yes = re.search(r"(http://\S+/yes)", mail.body_text).group(1)
    bram = w.phone()
    bram.goto(yes)
    expect(bram.get_by_role("status").first).to_contain_text(
        w("Thank you! Week %(week)d is recorded as held.", week=1)
    )
    w.check(bram)
    assert bram.evaluate("document.documentElement.scrollWidth") <= 390
    with w.app.app_context():
        week1 = db.session.scalar(
            select(Meeting).where(Meeting.circle_id == circle.id, Meeting.week == 1)
        )
        assert week1.held_at is not None and week1.attended == 3
    w.check_mails()


# 4. Life happens ----------------------------------------------------------------------------


def meeting_times(app, circle_id: int) -> list[str]:
    """The meetings that take place, as UTC starts (what every calendar should show)."""
    with app.app_context():
        return zulu(
            db.session.scalars(
                select(Meeting.starts_at)
                .where(Meeting.circle_id == circle_id, Meeting.skipped_at.is_(None))
                .order_by(Meeting.starts_at)
            )
        )


def test_4_life_happens(journey, make_user, tmp_path):
    w = journey
    ann = person(make_user, "Ann Peeters", w.lang)
    bram = person(make_user, "Bram de Vries", w.lang, timezone="Europe/London")
    fatima = person(make_user, "Fatima El Amrani", w.lang, calendar_delivery="feed")
    circle = make_circle(
        w.app,
        ann,
        members=[bram, fatima],
        language=w.lang,
        first_day=next_tuesday(1),
        today=datetime.now(BRUSSELS).date(),
    )
    invitations = {m.to_addr: m for m in mails_since(w.app, 0) if m.calendar}
    assert set(invitations) == {"ann@example.org", "bram@example.org"}  # Fatima has a feed
    since = last_mail_id(w.app)

    # Week 5 falls in the spring holiday: Ann skips it and the later weeks move on a week.
    screen = w.desk()
    w.sign_in(screen, "ann@example.org")
    screen.goto(f"{w.url}/circles/{circle.id}")
    screen.locator("tr#week-5").get_by_role("link", name=re.compile("^" + w("Skip"))).click()
    w.check(screen)
    screen.get_by_label(w("They all move one week later, so we still have 12 meetings")).check()
    screen.get_by_role("button", name=w("Skip this date")).click()
    expect(screen.get_by_role("heading", level=1)).to_have_text(CIRCLE)
    expect(screen.locator("tr.gap")).to_have_count(1)
    w.check(screen)
    with w.app.app_context():
        week7 = db.session.scalar(
            select(Meeting).where(Meeting.circle_id == circle.id, Meeting.week == 7)
        )
        thursday = week7.starts_at.astimezone(BRUSSELS).date() + timedelta(days=2)
    assert thursday.weekday() == 3

    # Week 7 moves to the Thursday.
    screen.locator("tr#week-7").get_by_role("link", name=re.compile("^" + w("Move"))).click()
    w.check(screen)
    screen.get_by_label(w("New date")).fill(thursday.isoformat())
    screen.get_by_label(w("New time")).fill("12:00")
    screen.get_by_role("button", name=w("Move this meeting")).click()
    expect(screen.locator("tr#week-7")).to_contain_text(
        format_date(thursday, "EEE d MMM y", locale=w.lang)
    )
    w.check(screen)
    expected = meeting_times(w.app, circle.id)
    assert len(expected) == 12

    # One mail per change per person; the calendars follow, without duplicates.
    for address in ("ann@example.org", "bram@example.org", "fatima@example.org"):
        mails = mails_since(w.app, since, address)
        assert len(mails) == 2, [(m.kind, m.subject) for m in mails]
        assert all(bool(m.calendar) == (address != "fatima@example.org") for m in mails)
    for address in ("ann@example.org", "bram@example.org"):
        store = ClientStore()
        store.apply(invitations[address].calendar)
        for mail in mails_since(w.app, since, address):
            store.apply(mail.calendar)
        assert store.ignored == []
        icalcheck(tmp_path, address.split("@")[0], store.calendar(), expected)
    feed = screen.request.get(f"{w.url}/calendar/{fatima.feed_token}.ics")
    assert feed.ok
    icalcheck(tmp_path, "feed", feed.body(), expected)

    # Bram, on his phone in London, sees the Thursday on his circle's page.
    phone = w.phone()
    w.sign_in(phone, "bram@example.org")
    phone.goto(f"{w.url}/circles/{circle.id}")
    expect(phone.locator("tr#week-7")).to_contain_text(
        format_date(thursday, "EEE d MMM y", locale=w.lang) + ", 11:00"
    )
    w.check(phone)
    w.check_mails()


# 5. Els looks after 40 circles --------------------------------------------------------------

NOTE = "Ik wil eigenlijk van team wisselen; dat weet nog niemand."
# How many of Els's circles are in each state, and how many past meetings each has held.
HEALTHY, STALLED, FINISHED = 26, 8, 6


def seed_circles(els_id: int, member_ids: list[int], bram_id: int) -> dict[str, list[int]]:
    """Els's forty circles, written with bulk INSERTs: healthy ones in weeks 1 to 9, stalled
    ones that did not meet in weeks 5 and 6, finished ones that held all twelve weeks. Every
    meeting is on yesterday's weekday, so none is under way today."""
    now = utcnow()
    today = datetime.now(BRUSSELS).date()
    plans = (
        [("active", today - timedelta(days=1 + 7 * (n % 9))) for n in range(HEALTHY)]
        + [("stalled", today - timedelta(days=1 + 7 * 5))] * STALLED
        + [("finished", today - timedelta(days=1 + 7 * 13))] * FINISHED
    )
    ids = list(
        db.session.scalars(
            insert(Circle).returning(Circle.id, sort_by_parameter_order=True),
            [
                {
                    "name": f"Cirkel {n + 1:02d}",
                    "language": "nl",
                    "timezone": "Europe/Brussels",
                    "first_day": first_day,
                    "local_time": time(12, 0),
                    "duration_minutes": 60,
                    "kind": "in_person",
                    "place": "Zaal 4.12",
                    "organiser_id": els_id,
                    "invite_token": new_token(),
                    "seats_taken": len(member_ids),
                    "calendar_sequence": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for n, (_, first_day) in enumerate(plans)
            ],
        )
    )
    meetings, memberships, by_state = [], [], {}
    for circle_id, (state, first_day) in zip(ids, plans, strict=True):
        by_state.setdefault(state, []).append(circle_id)
        for week, start in enumerate(meeting_starts(first_day, time(12, 0), "Europe/Brussels"), 1):
            row = {
                "circle_id": circle_id,
                "week": week,
                "slot": week - 1,
                "starts_at": start,
                "moved": False,
                "checkin_version": 0,
            }
            if start + timedelta(hours=1) < now:
                if state == "stalled" and week >= 5:
                    row.update(not_held_at=start + timedelta(hours=1), checkin_version=1)
                else:
                    row.update(
                        held_at=start + timedelta(hours=1),
                        checkin_version=1,
                        attended=len(member_ids),
                    )
            meetings.append(row)
        memberships += [
            {"circle_id": circle_id, "user_id": user_id, "joined_at": now} for user_id in member_ids
        ]
    db.session.execute(insert(Meeting), meetings)
    db.session.execute(insert(Membership), memberships)
    # What a person did: Bram recorded a meeting, and who was there.
    held = db.session.scalar(
        select(Meeting.id).where(Meeting.circle_id == ids[0], Meeting.held_at.is_not(None))
    )
    db.session.execute(
        insert(CheckinRecord),
        [
            {
                "meeting_id": held,
                "recorded_by_id": bram_id,
                "at": now,
                "held": True,
                "attendee_ids": ",".join(map(str, member_ids)),
                "via": "link",
                "version": 1,
            }
        ],
    )
    # What a person wrote: Bram's private note on a stalled circle's week 4.
    week4 = db.session.scalar(
        select(Meeting.id).where(Meeting.circle_id == by_state["stalled"][0], Meeting.week == 4)
    )
    db.session.execute(
        insert(PrivateNote), [{"user_id": bram_id, "meeting_id": week4, "body": NOTE}]
    )
    db.session.commit()
    return by_state


def test_5_els_looks_after_forty_circles(journey, make_user):
    w = journey
    person(make_user, "Els Janssens", w.lang, roles={"organiser"})
    members = [
        person(make_user, name, w.lang)
        for name in ("Bram de Vries", "Fatima El Amrani", "Joris Wouters", "Noor Claes")
    ]
    with w.app.app_context():
        els_id = db.session.scalar(select(User.id).where(User.email_key == "els@example.org"))
        circles = seed_circles(els_id, [m.id for m in members], members[0].id)
    stalled_names = {f"Cirkel {n:02d}" for n in range(HEALTHY + 1, HEALTHY + STALLED + 1)}
    circle_names = [f"Cirkel {n:02d}" for n in range(1, 41)]

    els = w.desk()
    w.sign_in(els, "els@example.org")
    els.get_by_role("link", name=w("Circles I look after")).click()
    expect(els.get_by_role("heading", level=1)).to_have_text(w("Circles I look after"))
    for status, count in (("active", HEALTHY), ("stalled", STALLED), ("finished", FINISHED)):
        expect(els.locator(f".status-count.status-{status} .count")).to_have_text(str(count))
    expect(
        els.get_by_text(
            w.plural("%(num)d circle in all.", "%(num)d circles in all.", 40), exact=True
        )
    ).to_be_visible()
    w.check(els, content=circle_names)

    # Which missed two weeks, and since when.
    els.locator(".status-count.status-stalled a").click()
    rows = els.locator("table.dashboard tbody tr")
    expect(rows).to_have_count(STALLED)
    with w.app.app_context():
        week5 = db.session.scalar(
            select(Meeting.starts_at).where(
                Meeting.circle_id == circles["stalled"][0], Meeting.week == 5
            )
        )
    local = week5.astimezone(BRUSSELS).date()
    since = format_date(
        local, "d MMMM" if local.year == datetime.now(BRUSSELS).year else "d MMMM y", locale=w.lang
    )
    reason = w.plural(
        "%(num)d meeting in a row not held since %(date)s.",
        "%(num)d meetings in a row not held since %(date)s.",
        2,
        date=since,
    )
    for n in range(STALLED):
        expect(rows.nth(n)).to_contain_text(reason)
    w.check(els, content=circle_names)

    # She nudges the stalled ones; each circle's members get one friendly mail.
    since_mail = last_mail_id(w.app)
    nudge = els.get_by_role("button", name=re.compile("^" + w("Nudge")))
    for _ in range(STALLED):
        name = rows.filter(has=nudge).first.locator("th a").inner_text()
        nudge.first.click()
        expect(els.locator(".flashes")).to_contain_text(
            w("The members of %(circle)s got a friendly mail.", circle=name)
        )
    expect(nudge).to_have_count(0)
    nudges = [m for m in mails_since(w.app, since_mail) if m.kind == "organiser_nudge"]
    assert len(nudges) == STALLED * len(members)
    assert {name for m in nudges for name in stalled_names if name in m.body_text} == (
        stalled_names
    )
    w.check(els, content=circle_names)

    # Which finished.
    els.get_by_label(w("Status"), exact=True).select_option("finished")
    els.get_by_role("button", name=w("Show"), exact=True).click()
    expect(rows).to_have_count(FINISHED)
    w.check(els, content=circle_names)

    # Never what a person wrote or did: no names, no one's check-in, not in the CSV either,
    # and not Bram's private note, even on the meeting page of a circle she organises.
    els.get_by_role("link", name=w("Clear the filters")).click()
    dashboard = els.locator("main").inner_text()
    csv = els.request.get(f"{w.url}/organise/circles.csv").text()
    els.goto(f"{w.url}/circles/{circles['stalled'][0]}/week/4")
    assert NOTE not in els.content()
    for page_text in (dashboard, csv):
        for member in members:
            assert member.display_name.split()[0] not in page_text
            assert member.email not in page_text
    w.check_mails(content=circle_names)


# 6. Marc keeps the Dutch guide current ------------------------------------------------------

OLD_LINE = "The timekeeper leads this round. What people say here stays in the circle."
NEW_LINE = "The timekeeper leads this round. What is said here stays in the circle."
NEW_DUTCH = "De tijdbewaker leidt dit rondje. Wat hier gezegd wordt, blijft binnen de cirkel."


def test_6_marc_keeps_the_dutch_guide_current(guides_dir, journey, make_user):  # noqa: F811
    w = journey
    person(make_user, "Marc Dubois", w.lang, roles={"translator"})
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)  # the English week 4 changed

    marc = w.desk()
    w.sign_in(marc, "marc@example.org")
    marc.get_by_role("link", name=w("Translations")).click()
    week4 = marc.locator("table.translation-status tr").filter(
        has=marc.locator('a[href="/translate/nl/week/4"]')
    )
    expect(week4).to_contain_text(w("outdated"))
    expect(week4).to_contain_text("How is our circle doing?")  # the section, in English
    w.check(marc)

    # Exactly which section changed, and how: word by word.
    week4.locator('a[href="/translate/nl/week/4"]').click()
    changed = marc.locator("section.sbs-row.is-changed")
    expect(changed).to_have_count(1)
    expect(changed).to_have_attribute("id", "part-circle-health-check")
    expect(changed.locator(".sbs-diff del")).to_have_text(["people say"])
    expect(changed.locator(".sbs-diff ins")).to_have_text(["is said"])
    w.check(marc)

    # He updates the Dutch in the browser and publishes it: the week is in sync again.
    changed.get_by_role("link", name=re.compile("^" + re.escape(w("Edit")))).click()
    body = marc.locator("textarea[name=body]")
    text = body.input_value()
    assert "Wat hier gezegd wordt, blijft in de cirkel." in text
    body.fill(
        text.replace(
            "De tijdbewaker leidt dit rondje. Wat hier gezegd wordt, blijft in de cirkel.",
            NEW_DUTCH,
        )
    )
    # The window title names the part by its English heading: guide text, not interface.
    headings = re.findall(r"^## (.+?) \{#", (guides_dir / "en" / "week-04.md").read_text(), re.M)
    w.check(marc, content=headings)
    marc.get_by_role("button", name=w("Publish"), exact=True).click()
    expect(marc.locator(".badge-layer-published")).to_be_visible()
    w.check(marc, content=headings)
    marc.get_by_role("link", name=w("All translations")).click()
    expect(week4).to_contain_text(w("up to date"))
    expect(week4).not_to_contain_text(w("outdated"))
    w.check(marc)

    # Readers of the Dutch week 4 get the new text.
    marc.goto(w.url + "/guides/nl/week/4")
    expect(marc.get_by_text(NEW_DUTCH)).to_be_visible()
