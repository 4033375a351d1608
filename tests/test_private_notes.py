"""Private notes and the exercise checklist on a meeting page: the member's own."""

import re

from sqlalchemy import select

from tests.circles_helpers import make_circle
from wol.extensions import db
from wol.guides.document import exercises_in, parse_guide, render_markdown
from wol.personal.models import MAX_NOTE_CHARS, ExerciseTick, PrivateNote


def _member_circle(app, make_user, auth):
    """A circle with Ann (organiser and member) and Bram; Bram is signed in."""
    ann = make_user(email="ann@example.org", display_name="Ann Peeters")
    bram = make_user(email="bram@example.org", display_name="Bram De Smet")
    circle = make_circle(app, ann, members=[bram], language="en")
    auth.login("bram@example.org")
    return circle, ann, bram


def test_exercise_marks_never_reach_the_page():
    """The mark is read as an exercise and removed from what readers get."""
    md = "- **Live with your goal.** Read it daily. {.exercise #live-with-goal}\n- Plain item\n"
    found = exercises_in(md, "before")
    assert [(e.id, e.section_id) for e in found] == [("live-with-goal", "before")]
    assert "<strong>Live with your goal.</strong>" in found[0].html
    html = render_markdown(md)
    assert "exercise" not in html and "{" not in html
    assert "Read it daily." in html


def test_a_bad_exercise_mark_is_named_in_the_error():
    """A mark with a bad id, or twice the same id, is refused with the line."""
    text = (
        "---\nweek: 0\ntitle: T\nsummary: S\n---\n\n## A {#a}\n\n"
        "- one {.exercise #same}\n- two {.exercise #same}\n"
    )
    try:
        parse_guide(text, lang="en", path="x.md")
    except ValueError as exc:
        assert "used twice" in str(exc)
    else:
        raise AssertionError("accepted a duplicate exercise id")


def test_every_week_has_the_same_exercises_in_both_languages(app):
    """Ticks are stored by id: Dutch and English must name the same exercises."""
    from wol.guides.document import exercises
    from wol.guides.service import guide_view

    with app.test_request_context():
        for week in range(1, 12):
            en = [e.id for e in exercises(guide_view("en", week).doc)]
            nl = [e.id for e in exercises(guide_view("nl", week).doc)]
            assert en and en == nl, week


def test_member_saves_notes_and_ticks_with_a_plain_post(app, client, make_user, auth):
    """Without JavaScript: the form posts, the page comes back with the notes and ticks."""
    circle, _ann, bram = _member_circle(app, make_user, auth)
    page = client.get(f"/circles/{circle.id}/week/1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="my-notes"' in html and "Live with your goal." in html
    assert "{.exercise" not in html
    answer = client.post(
        f"/circles/{circle.id}/week/1/notes",
        data={"body": "Ask Els about plain language", "done": ["live-with-goal", "check-calendar"]},
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/circles/{circle.id}/week/1#my-notes")
    html = client.get(f"/circles/{circle.id}/week/1").get_data(as_text=True)
    assert "Ask Els about plain language" in html
    assert re.search(r'value="live-with-goal" checked', html)
    assert re.search(r'value="check-calendar" checked', html)
    assert not re.search(r'value="add-names" checked', html)
    # Unticking is saved too.
    client.post(f"/circles/{circle.id}/week/1/notes", data={"body": "", "done": ["add-names"]})
    with app.app_context():
        ticks = set(
            db.session.scalars(
                select(ExerciseTick.exercise_id).where(ExerciseTick.user_id == bram.id)
            )
        )
    assert ticks == {"add-names"}


def test_script_gets_json(app, client, make_user, auth):
    """The page's script asks for JSON and gets a saved message, no redirect."""
    circle, _ann, bram = _member_circle(app, make_user, auth)
    answer = client.post(
        f"/circles/{circle.id}/week/2/notes",
        data={"body": "x"},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 200
    assert answer.get_json() == {"saved": True, "message": "Your notes are saved."}


def test_oversized_notes_keep_what_was_typed(app, client, make_user, auth):
    """Too long: a 400 with the reason beside the box and the text still in it."""
    circle, _ann, bram = _member_circle(app, make_user, auth)
    client.post(f"/circles/{circle.id}/week/1/notes", data={"body": "before"})
    typed = "word " * (MAX_NOTE_CHARS // 5) + "last words kept"
    answer = client.post(
        f"/circles/{circle.id}/week/1/notes", data={"body": typed, "done": ["add-names"]}
    )
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert f"use at most {MAX_NOTE_CHARS} characters" in html
    assert "last words kept" in html
    assert re.search(r'value="add-names" checked', html)
    json_answer = client.post(
        f"/circles/{circle.id}/week/1/notes",
        data={"body": typed},
        headers={"Accept": "application/json"},
    )
    assert json_answer.status_code == 400
    assert "at most" in json_answer.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(PrivateNote.body)) == "before"


def test_dutch_member_reads_the_dutch_checklist(app, client, make_user, auth):
    """The checklist follows the guide language; the error speaks the member's language."""
    ann = make_user(email="ann@example.org")
    els = make_user(email="els@example.org", language="nl")
    circle = make_circle(app, ann, members=[els], language="nl")
    auth.login("els@example.org")
    html = client.get(f"/circles/{circle.id}/week/3").get_data(as_text=True)
    assert "Plaats je bericht" in html
    answer = client.post(
        f"/circles/{circle.id}/week/3/notes", data={"body": "x" * (MAX_NOTE_CHARS + 1)}
    )
    assert answer.status_code == 400
    assert "Je notities zijn te lang" in answer.get_data(as_text=True)


def test_only_members_have_a_notes_box(app, client, make_user, auth):
    """The organiser who is not a member, or an admin, gets no box and cannot post one."""
    ann = make_user(email="ann@example.org")
    make_user(email="boss@example.org", roles={"admin"})
    bram = make_user(email="bram@example.org")
    circle = make_circle(app, ann, members=[bram], join=False, language="en")
    for email in ("ann@example.org", "boss@example.org"):
        auth.login(email)
        html = client.get(f"/circles/{circle.id}/week/1").get_data(as_text=True)
        assert 'id="my-notes"' not in html
        answer = client.post(f"/circles/{circle.id}/week/1/notes", data={"body": "mine"})
        assert answer.status_code == 403
        auth.logout()
