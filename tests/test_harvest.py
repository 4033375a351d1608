"""Harvests and the stories page: who writes, who reads, sharing and withdrawing, bad input."""

import re
from datetime import time

from sqlalchemy import func, select

from tests.circles_helpers import make_circle
from tests.harvest_helpers import finished_circle, last_week_started, signed_in
from tests.test_seat_races import TRIALS, at_once
from wol.extensions import db
from wol.harvest.models import Harvest

ANSWERS = {
    "aim": "Find three colleagues who work on open data",
    "happened": "Met Els from the city archive; we now share a dataset",
    "learned": "Asking small questions opens doors",
}


def write(client, circle_id, audience="circle", anonymous=False, **texts):
    """Post the harvest form."""
    data = {**ANSWERS, **texts, "audience": audience}
    if anonymous:
        data["anonymous"] = "y"
    return client.post(f"/circles/{circle_id}/harvest", data=data)


def harvests(app):
    """Every harvest row, detached values."""
    with app.app_context():
        return [
            (h.circle_id, h.user_id, h.audience, h.aim)
            for h in db.session.scalars(select(Harvest).order_by(Harvest.id))
        ]


def test_a_finished_circle_offers_the_harvest_and_a_member_keeps_it_in_the_circle(app, make_user):
    ann = make_user(display_name="Ann Peeters")
    bram, cleo, dirk = (make_user(display_name=n) for n in ("Bram Claes", "Cleo", "Dirk"))
    circle = finished_circle(app, ann, [bram, cleo, dirk])
    client = signed_in(app, bram)
    page = client.get(f"/circles/{circle.id}").get_data(as_text=True)
    assert "Write your harvest" in page and "Go on together" in page
    response = write(client, circle.id)
    assert response.headers["Location"].endswith(f"/circles/{circle.id}/harvest")
    assert "Your harvest is saved." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    # Another member reads it in the circle; it is not on the stories page.
    other = signed_in(app, cleo)
    assert ANSWERS["learned"] in other.get(f"/circles/{circle.id}/harvest").get_data(as_text=True)
    assert ANSWERS["learned"] not in other.get("/stories").get_data(as_text=True)


def test_the_harvest_waits_for_the_last_meeting(app, make_user):
    ann, bram = make_user(), make_user()
    circle = make_circle(app, ann, members=[bram])  # starts in March, long over; not held
    running = last_week_started(app, ann, [bram], days_ago=-7, name="Running")
    client = signed_in(app, bram)
    assert write(client, running.id).status_code == 409
    assert "Write your harvest" not in client.get(f"/circles/{running.id}").get_data(as_text=True)
    assert harvests(app) == []
    assert circle.id


def test_the_last_meeting_page_offers_the_harvest_while_it_runs(app, make_user):
    ann, bram = make_user(), make_user()
    # Week 12 began in the small hours today: the meeting has started, nobody recorded it.
    circle = last_week_started(app, ann, [bram], days_ago=0, local_time=time(0, 30))
    client = signed_in(app, bram)
    assert "Write your harvest" in client.get(f"/circles/{circle.id}/week/12").get_data(
        as_text=True
    )
    assert "Write your harvest" not in client.get(f"/circles/{circle.id}/week/11").get_data(
        as_text=True
    )
    assert write(client, circle.id).status_code == 302


def test_a_shared_story_shows_newest_first_with_first_name_or_anonymous(app, make_user):
    ann = make_user(display_name="Ann Peeters")
    bram = make_user(display_name="Bram Claes")
    first = finished_circle(app, ann, [bram], name="Cirkel Open Data")
    second = finished_circle(app, ann, [bram], name="Cirkel Archief")
    write(signed_in(app, ann), first.id, audience="stories", learned="Lesson of Ann")
    write(
        signed_in(app, bram),
        second.id,
        audience="stories",
        anonymous=True,
        learned="Lesson of Bram",
    )
    stranger = signed_in(app, make_user(display_name="Zoë Stranger"))
    page = stranger.get("/stories").get_data(as_text=True)
    assert page.index("Lesson of Bram") < page.index("Lesson of Ann")  # newest first
    assert "Cirkel Archief" in page and "Cirkel Open Data" in page
    assert "anonymous" in page and "Bram Claes" not in page
    assert ">Ann" in page or "Ann ·" in page
    assert "Peeters" not in page  # first names only


def test_the_author_withdraws_a_story_and_it_stays_in_the_circle(app, make_user):
    ann, bram = make_user(), make_user()
    circle = finished_circle(app, ann, [bram])
    client = signed_in(app, bram)
    write(client, circle.id, audience="stories", learned="Withdraw me later")
    (harvest_id,) = [h.id for h in _rows(app)]
    # Nobody else can withdraw it.
    assert signed_in(app, ann).post(f"/stories/{harvest_id}/withdraw").status_code == 403
    response = client.post(f"/stories/{harvest_id}/withdraw")
    assert response.headers["Location"].endswith("/stories")
    assert "Withdraw me later" not in client.get("/stories").get_data(as_text=True)
    assert "Withdraw me later" in signed_in(app, ann).get(f"/circles/{circle.id}/harvest").get_data(
        as_text=True
    )


def _rows(app):
    with app.app_context():
        rows = list(db.session.scalars(select(Harvest)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_oversized_text_is_refused_beside_the_field_and_kept(app, make_user):
    ann, bram = make_user(), make_user()
    circle = finished_circle(app, ann, [bram])
    client = signed_in(app, bram)
    long_text = "Een hele lange oogst. " * 100  # 2,200 characters
    response = write(client, circle.id, happened=long_text, aim="Kept aim")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="happened-error"' in page and "at most 2000 characters" in page
    assert long_text.strip() in page  # nothing lost of what was typed
    assert "Kept aim" in page
    assert harvests(app) == []


def test_oversized_text_in_dutch(app, make_user):
    ann, bram = make_user(), make_user(language="nl")
    circle = finished_circle(app, ann, [bram])
    client = signed_in(app, bram, language="nl")
    page = write(client, circle.id, learned="x" * 2001).get_data(as_text=True)
    assert "Gebruik maximaal 2000 tekens" in page


def test_writing_twice_keeps_one_harvest(app, make_user):
    ann, bram = make_user(), make_user()
    circle = finished_circle(app, ann, [bram])
    client = signed_in(app, bram)
    write(client, circle.id, aim="First")
    write(client, circle.id, aim="Second")
    assert [row[3] for row in harvests(app)] == ["Second"]


def test_a_double_submit_at_the_same_moment_saves_one_harvest(app, make_user):
    ann, bram = make_user(), make_user()
    for trial in range(TRIALS):
        circle = finished_circle(app, ann, [bram], name=f"Trial {trial}")
        clients = [signed_in(app, bram) for _ in range(3)]
        data = {**ANSWERS, "audience": "stories"}
        statuses = at_once([(c, f"/circles/{circle.id}/harvest", data) for c in clients])
        assert statuses == [302, 302, 302]
        with app.app_context():
            count = db.session.scalar(
                select(func.count()).select_from(Harvest).where(Harvest.circle_id == circle.id)
            )
        assert count == 1


def test_sharing_nothing_on_the_stories_page_is_refused(app, make_user):
    ann, bram = make_user(), make_user()
    circle = finished_circle(app, ann, [bram])
    response = write(
        signed_in(app, bram), circle.id, audience="stories", aim="", happened="", learned=""
    )
    assert response.status_code == 400
    assert "Write something before you share it" in response.get_data(as_text=True)


def test_nobody_else_reads_a_harvest_kept_to_oneself_or_to_the_circle(app, make_user):
    """Another member, the organiser, an admin and a stranger, by every URL there is."""
    organiser = make_user(display_name="Olga Organiser", roles={"organiser"})
    bram, cleo, dirk = make_user(), make_user(), make_user()
    circle = finished_circle(app, organiser, [bram, cleo, dirk], join=False)
    write(signed_in(app, bram), circle.id, audience="private", learned="Only for Bram")
    write(signed_in(app, cleo), circle.id, audience="circle", learned="For the circle")
    (bram_id,) = [h.id for h in _rows(app) if h.user_id == bram.id]
    readers = {
        "member": signed_in(app, dirk),
        "organiser": signed_in(app, organiser),
        "admin": signed_in(app, make_user(roles={"admin"})),
        "stranger": signed_in(app, make_user()),
    }
    paths = [
        f"/circles/{circle.id}",
        f"/circles/{circle.id}/harvest",
        f"/circles/{circle.id}/week/12",
        f"/circles/{circle.id}/meetings/12/checkin",
        "/stories",
        "/home",
        "/organise",
        "/organise?format=csv",
        f"/circles/{circle.id}/go-on",
        f"/circles/{circle.id}/own-circle",
    ]
    for who, client in readers.items():
        for path in paths:
            page = client.get(path).get_data(as_text=True)
            assert "Only for Bram" not in page, (who, path)
            if who != "member":
                assert "For the circle" not in page, (who, path)
        # Withdrawing someone else's harvest reveals and changes nothing.
        assert client.post(f"/stories/{bram_id}/withdraw").status_code == 403
    assert "For the circle" in readers["member"].get(f"/circles/{circle.id}/harvest").get_data(
        as_text=True
    )
    assert "Only for Bram" in signed_in(app, bram).get(f"/circles/{circle.id}/harvest").get_data(
        as_text=True
    )


def test_the_export_holds_ones_own_harvests_only_and_erasing_deletes_them(app, make_user):
    from wol.auth.models import User
    from wol.personal.registry import erasers, exporters

    ann, bram = make_user(), make_user()
    circle = finished_circle(app, ann, [bram])
    write(signed_in(app, ann), circle.id, audience="stories", learned="Ann shares this")
    write(signed_in(app, bram), circle.id, audience="private", learned="Bram keeps this")
    with app.test_request_context():
        person = db.session.get(User, ann.id)
        exported = exporters()["harvests"](person)
        assert [h["what_i_learned"] for h in exported] == ["Ann shares this"]
        assert "Bram keeps this" not in str(
            {
                k: f(person)
                for k, f in exporters().items()
                if k in ("harvests", "follow_up_invitations")
            }
        )
        for erase in erasers():
            if erase.__module__.startswith("wol.harvest"):
                erase(person)
        db.session.commit()
    assert "Ann shares this" not in signed_in(app, bram).get("/stories").get_data(as_text=True)
    assert [row[1] for row in harvests(app)] == [bram.id]


def test_the_browser_is_not_told_to_cut_a_long_harvest(app, make_user):
    """A maxlength attribute makes a browser drop what is pasted beyond it, without a word."""
    ann, bram = make_user(), make_user()
    circle = finished_circle(app, ann, [bram])
    page = signed_in(app, bram).get(f"/circles/{circle.id}/harvest").get_data(as_text=True)
    textareas = re.findall(r"<textarea[^>]*>", page)
    assert len(textareas) == 3
    assert not [tag for tag in textareas if "maxlength" in tag]
