"""The organiser's round page keeps its list of sign-ups between views (wol/rounds/views.py):
whatever changes the sign-ups, and whoever changes them, shows at the next view. The list of
rounds counts their sign-ups without loading them."""

import re

import pytest

from tests.conftest import PASSWORD
from tests.test_object_counts import counted
from tests.test_rounds import CSV_GOOD, open_round, sign_up, token_of, upload
from wol import create_app
from wol.extensions import db


@pytest.fixture
def els(make_user, auth):
    """Els, an organiser, signed in."""
    user = make_user(email="els@example.org", display_name="Els Janssens", roles={"organiser"})
    auth.login("els@example.org")
    return user


def text_of(html: str) -> str:
    """The words of some HTML, tags and runs of white space as single spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def people(client, round_id: int) -> str:
    """The words of the page's "Who signed up" section."""
    page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    start = page.index(">", page.index('id="people-title"')) + 1
    return text_of(page[start : page.index("</section>", start)])


def counts(client, round_id: int) -> str:
    """The words of the page's counts section."""
    page = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    start = page.index(">", page.index('id="counts-title"')) + 1
    return text_of(page[start : page.index("</section>", start)])


def signed_in(app, email: str):
    """A test client of an English-speaking browser, signed in as ``email``."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/login", data={"email": email, "password": PASSWORD})
    return client


def test_each_change_to_the_sign_ups_shows_at_the_next_view(client, app, make_user, els):
    round_id = open_round(client)
    sign_up(app, make_user, round_id, 1, dept="Finance")
    sign_up(app, make_user, round_id, 2, dept="Legal")
    before = people(client, round_id)
    assert "Person 1" in before and "Finance" in before and "Person 2" in before
    assert people(client, round_id) == before
    assert counts(client, round_id).startswith(
        "2 sign-ups Time Dutch English All Tuesday 12:00 2 0 2 Thursday 08:30 0 0 0"
    )

    # Person 1 changes their sign-up: another department, another time, both languages.
    person = signed_in(app, "person1@example.org")
    response = person.post(
        f"/signup/{token_of(app, round_id)}",
        data={"languages": ["nl", "en"], "slots": ["3@08:30"], "department": "Policy"},
    )
    assert response.status_code == 302
    after = people(client, round_id)
    assert "Policy" in after and "Finance" not in after
    assert "Dutch, English" in after and "Thursday 08:30" in after
    assert counts(client, round_id).startswith(
        "2 sign-ups Time Dutch English All Tuesday 12:00 1 0 1 Thursday 08:30 1 1 1"
    )

    # Person 2 withdraws.
    assert person.post("/logout").status_code == 302
    other = signed_in(app, "person2@example.org")
    assert other.post(f"/signup/{token_of(app, round_id)}/withdraw").status_code == 302
    assert "Person 2" not in people(client, round_id)
    assert counts(client, round_id).startswith("1 sign-up ")

    # The organiser imports four more.
    assert upload(client, round_id, CSV_GOOD).status_code == 302
    imported = people(client, round_id)
    assert all(name in imported for name in ("Ann", "Bram", "Carla", "Dirk", "Person 1"))
    assert "ann@example.org" in imported
    assert counts(client, round_id).startswith("5 sign-ups ")


def test_a_person_erased_after_the_round_was_confirmed_leaves_its_page(client, app, make_user, els):
    """Confirmed rounds take no sign-ups (their version stays), but erasing a person removes
    theirs: the page must not keep listing them."""
    round_id = open_round(client)
    for n in range(1, 9):
        sign_up(app, make_user, round_id, n)
    client.post(f"/rounds/{round_id}/form")
    assert client.post(f"/rounds/{round_id}/confirm").status_code == 302
    assert "Person 3 person3@example.org" in people(client, round_id)

    person = signed_in(app, "person3@example.org")
    assert person.post("/settings/delete", data={"password": PASSWORD}).status_code == 302
    listed = people(client, round_id)
    assert "person3@example.org" not in listed and "Person 8" in listed
    assert counts(client, round_id).startswith("7 sign-ups ")


def test_readers_see_the_kept_list_in_their_own_language(client, app, make_user, els):
    make_user(email="admin@example.org", roles={"admin"}, language="nl")
    round_id = open_round(client)
    sign_up(app, make_user, round_id, 1, slots=("1@12:00", "3@08:30"), langs=("nl", "en"))
    english = people(client, round_id)
    dutch = people(signed_in(app, "admin@example.org"), round_id)
    assert "Dutch, English" in english and "Tuesday 12:00, Thursday 08:30" in english
    assert "Nederlands, Engels" in dutch and "dinsdag 12:00, donderdag 08:30" in dutch
    assert people(client, round_id) == english


def test_a_sign_up_made_through_another_process_shows(client, app, app_config, make_user, els):
    """Each process keeps its own copy; a change made through another one shows all the same."""
    round_id = open_round(client)
    sign_up(app, make_user, round_id, 1)
    assert "Person 2" not in people(client, round_id)
    elsewhere = create_app(app_config)
    try:
        sign_up(elsewhere, make_user, round_id, 2)
    finally:
        with elsewhere.app_context():
            db.engine.dispose()
    assert "Person 2" in people(client, round_id)
    assert counts(client, round_id).startswith("2 sign-ups ")


def test_the_list_of_rounds_counts_their_sign_ups_without_loading_them(client, app, make_user, els):
    first = open_round(client, title="Spring circles")
    open_round(client, title="Autumn circles")
    for n in range(1, 4):
        sign_up(app, make_user, first, n)
    make_user(email="admin@example.org", roles={"admin"})
    make_user(email="olga@example.org", roles={"organiser"})

    def rows(viewer) -> list[str]:
        """The rounds listed, newest first: title, sign-ups, deadline, state."""
        page = viewer.get("/rounds").get_data(as_text=True)
        body = page[page.index("<tbody>") : page.index("</tbody>")]
        return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]

    listed = rows(client)
    assert len(listed) == 2
    assert listed[0].startswith("Autumn circles 0 ") and listed[0].endswith(" Open")
    assert listed[1].startswith("Spring circles 3 ") and listed[1].endswith(" Open")
    # An admin sees every round; another organiser sees none of Els's.
    assert len(rows(signed_in(app, "admin@example.org"))) == 2
    assert "No rounds yet." in signed_in(app, "olga@example.org").get("/rounds").get_data(
        as_text=True
    )
    with counted(app) as (statements, objects):
        assert client.get("/rounds").status_code == 200
    assert "Signup" not in objects and objects["Round"] == 2, dict(objects)


def test_the_proposal_page_reads_the_sign_ups_as_rows(client, app, els):
    """The proposal page shows names and departments, never as sign-up objects: the same
    statements and objects with 10 people and with 40."""
    round_id = open_round(client)

    def work_with(first: int, last: int) -> tuple:
        rows = "\n".join(
            f"p{n}@example.org,P{n},Team {n % 3},nl,Tuesday 12:00,," for n in range(first, last + 1)
        )
        assert upload(client, round_id, CSV_GOOD.splitlines()[0] + "\n" + rows).status_code == 302
        assert client.post(f"/rounds/{round_id}/form").status_code == 302
        client.get(f"/rounds/{round_id}/proposal")
        with counted(app) as (statements, objects):
            page = client.get(f"/rounds/{round_id}/proposal").get_data(as_text=True)
        assert f"P{last}" in page and "Team 2" in page
        return len(statements), objects

    small, large = work_with(1, 10), work_with(11, 40)
    assert small == large and "Signup" not in large[1], (small, large)
