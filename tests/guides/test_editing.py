"""Translators edit the guides in the browser: drafts, review, publishing, history, restore,
and `flask wol guides export|import` to take the work back into the repository."""

import pytest

from tests.conftest import csrf_token_from
from tests.guides.conftest import edit, element, text_of
from tests.guides.test_cli import guides, week_lines
from wol import create_app
from wol.guides.document import parse_guide
from wol.guides.service import EXTENSION_KEY, LAYER_CHECK_SECONDS, GuideService

OLD_LINE = "The timekeeper leads this round. What people say here stays in the circle."
NEW_LINE = "The timekeeper leads this round. What is said here stays in the circle."
PART = "/translate/nl/week/4/part/circle-health-check"
NEW_DUTCH = "De tijdbewaker leidt dit rondje. Wat je hier zegt, blijft in de cirkel."


@pytest.fixture
def marc(make_user):
    """Marc, a Dutch-speaking translator."""
    return make_user(
        email="marc@example.org", display_name="Marc", roles={"translator"}, language="nl"
    )


@pytest.fixture
def lies(make_user):
    """Lies, a second translator."""
    return make_user(
        email="lies@example.org", display_name="Lies", roles={"translator"}, language="nl"
    )


def sign_in(app, email):
    """A client of its own, signed in as ``email``."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/login", data={"email": email, "password": "correct horse battery"})
    return client


def dutch_body(client, part=PART):
    """The Dutch text the editor starts from."""
    html = client.get(part).get_data(as_text=True)
    textarea = element(html, "textarea", name="body")
    body = textarea.split(">", 1)[1].rsplit("</textarea>", 1)[0]
    import html as html_lib

    return html_lib.unescape(body).lstrip("\n")


def dutch_reader(app):
    """The Dutch week 4 as an anonymous reader of ``app`` gets it."""
    client = app.test_client()
    return client.get("/guides/nl/week/4", headers={"Accept-Language": "nl"}).get_data(as_text=True)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_draft_is_private_until_published_and_then_every_host_shows_it(
    guides_dir, app, app_config, marc
):
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)
    other_host = create_app(app_config)  # a second worker or host on the same database
    clock = Clock()
    other_host.extensions[EXTENSION_KEY] = GuideService(guides_dir, clock=clock)
    assert "Wat hier gezegd wordt" in dutch_reader(other_host)  # its cached copy exists
    client = sign_in(app, "marc@example.org")
    body = dutch_body(client).replace(
        "De tijdbewaker leidt dit rondje. Wat hier gezegd wordt, blijft in de cirkel.", NEW_DUTCH
    )
    title = "Hoe gaat het met onze cirkel?"

    saved = client.post(PART, data={"title": title, "body": body, "action": "save"})
    assert saved.status_code == 302
    clock.now += 1
    assert "Wat hier gezegd wordt" in dutch_reader(other_host)
    assert NEW_DUTCH not in dutch_reader(app)

    published = client.post(PART, data={"title": title, "body": body, "action": "publish"})
    assert published.status_code == 302
    assert NEW_DUTCH in dutch_reader(app)  # the host that published: at once
    # Other hosts look for newly published texts at most every quarter of a second.
    clock.now += LAYER_CHECK_SECONDS
    assert NEW_DUTCH in dutch_reader(other_host)
    assert "guide-note-outdated" not in dutch_reader(other_host)
    # Publishing recorded the English it was synced to: the week is up to date everywhere.
    runner = app.test_cli_runner()
    assert week_lines(guides(runner, "status", "nl").output)["week 4"] == "up to date"
    overview = text_of(client.get("/translate").get_data(as_text=True))  # Marc reads Dutch
    assert "concept: 0, wacht op nalezing: 0, gepubliceerd: 1" in overview


def test_signed_in_readers_see_a_publish_from_another_host_at_once(app, app_config, marc):
    other_host = create_app(app_config)
    other_host.extensions[EXTENSION_KEY] = GuideService(app.config["WOL_GUIDES_DIR"], clock=Clock())
    reader = sign_in(other_host, "marc@example.org")
    assert "Nog een zin." not in reader.get("/guides/nl/week/4").get_data(as_text=True)
    client = sign_in(app, "marc@example.org")
    body = dutch_body(client) + "\n\nNog een zin."

    client.post(PART, data={"title": "Hoe gaat het?", "body": body, "action": "publish"})

    assert "Nog een zin." in reader.get("/guides/nl/week/4").get_data(as_text=True)


def test_history_shows_who_changed_what_and_an_earlier_text_can_be_restored(app, marc):
    client = sign_in(app, "marc@example.org")
    body = dutch_body(client)
    title = "Hoe gaat het met onze cirkel?"
    client.post(
        PART, data={"title": title, "body": body + "\n\nEerste versie.", "action": "publish"}
    )
    client.post(
        PART, data={"title": title, "body": body + "\n\nTweede versie.", "action": "publish"}
    )
    assert "Tweede versie." in dutch_reader(app)

    page = client.get(PART).get_data(as_text=True)
    history = element(page, "section", class_="history")
    assert text_of(history).count("Gepubliceerd door Marc") == 2
    assert "Eerste versie." in history and "Tweede versie." in history
    first = history.rsplit('action="', 1)[1].split('"', 1)[0]  # the oldest text's button

    restored = client.post(first, data={})
    assert restored.status_code == 302
    page = client.get(PART).get_data(as_text=True)
    assert "Eerste versie." in element(page, "textarea", name="body")
    assert "Eerdere tekst teruggezet door Marc" in text_of(page)
    assert "Tweede versie." in dutch_reader(app)  # a restore is a draft until published


def test_a_second_translator_approves_a_text_that_needs_review(app, marc, lies):
    ann = sign_in(app, "marc@example.org")
    body = dutch_body(ann) + "\n\nNog een zin."
    title = "Hoe gaat het met onze cirkel?"

    asked = ann.post(PART, data={"title": title, "body": body, "action": "review"})
    assert asked.status_code == 302
    overview = text_of(ann.get("/translate").get_data(as_text=True))
    assert "concept: 0, wacht op nalezing: 1, gepubliceerd: 0" in overview
    own = ann.post(PART, data={"title": title, "body": body, "action": "approve"})
    assert own.status_code == 400
    assert "Een andere vertaler moet je tekst goedkeuren." in text_of(own.get_data(as_text=True))
    assert "Nog een zin." not in dutch_reader(app)

    bram = sign_in(app, "lies@example.org")
    page = bram.get(PART).get_data(as_text=True)
    assert "Goedkeuren en de tekst die op nalezing wacht publiceren" in page
    approved = bram.post(PART, data={"title": "", "body": "", "action": "approve"})
    assert approved.status_code == 302
    assert "Nog een zin." in dutch_reader(app)
    assert "Goedgekeurd en gepubliceerd door Lies" in text_of(bram.get(PART).get_data(as_text=True))


@pytest.mark.parametrize(
    ("title", "body", "message"),
    [
        ("Titel", "<script>alert(1)</script>", "HTML is niet toegestaan"),
        ("Titel", "## Nieuwe sectie", "###"),
        ("", "Tekst", "Geef het deel een kop."),
        ("Titel", "   ", "De tekst is leeg."),
        ("Titel", "Tekst\x1b", "stuurtekens"),
    ],
)
def test_bad_input_gets_a_clear_message_in_the_translators_language(
    app, marc, title, body, message
):
    client = sign_in(app, "marc@example.org")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"

    response = client.post(PART, data={"title": title, "body": body, "action": "publish"})

    assert response.status_code == 400
    assert message in text_of(response.get_data(as_text=True))
    assert client.get("/translate").status_code == 200  # nothing half-written


def test_only_translators_edit(app, make_user):
    make_user(email="bram@example.org", roles={"organiser"})
    client = sign_in(app, "bram@example.org")

    assert client.get(PART).status_code == 403
    assert client.post(PART, data={"body": "x", "action": "publish"}).status_code == 403


def test_every_post_needs_the_form_token(app_config, marc):
    app_config["WTF_CSRF_ENABLED"] = True
    app = create_app(app_config)
    client = sign_in_with_token(app, "marc@example.org")

    refused = client.post(PART, data={"title": "T", "body": "Tekst", "action": "publish"})
    assert refused.status_code == 400

    token = csrf_token_from(client.get(PART).get_data(as_text=True))
    accepted = client.post(
        PART, data={"title": "T", "body": "Tekst", "action": "publish", "csrf_token": token}
    )
    assert accepted.status_code == 302


def sign_in_with_token(app, email):
    """Sign in through the form with its token (CSRF on)."""
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post(
        "/login", data={"email": email, "password": "correct horse battery", "csrf_token": token}
    )
    return client


def test_unknown_parts_and_weeks_are_not_found(app, marc):
    client = sign_in(app, "marc@example.org")

    assert client.get("/translate/nl/week/4/part/nope").status_code == 404
    assert client.get("/translate/nl/week/13/part/intro").status_code == 404
    assert client.get("/translate/en/week/4/part/intro").status_code == 404


def test_a_missing_week_is_translated_in_the_browser_and_published_part_by_part(
    guides_dir, app, marc
):
    (guides_dir / "nl" / "week-05.md").unlink()
    (guides_dir / "nl" / "_synced" / "week-05.md").unlink()
    client = sign_in(app, "marc@example.org")
    runner = app.test_cli_runner()
    english = parse_guide((guides_dir / "en" / "week-05.md").read_text(), lang="en")
    parts = ["title", "summary", "intro", *english.section_ids]

    for index, part in enumerate(parts):
        url = f"/translate/nl/week/5/part/{part}"
        title = f"Deel {index}" if part in english.section_ids else ""
        client.post(url, data={"title": title, "body": f"Vertaald {index}.", "action": "publish"})
        state = week_lines(guides(runner, "status", "nl").output)["week 5"]
        expected = "up to date" if part == parts[-1] else "draft"
        assert state.startswith(expected), part

    html = client.get("/guides/nl/week/5", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "Vertaald 3." in html and "guide-note" not in html


def test_export_writes_the_shipped_format_and_import_reads_it_back(guides_dir, app, marc, tmp_path):
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)
    client = sign_in(app, "marc@example.org")
    body = dutch_body(client).replace("Wat hier gezegd wordt", "Wat je hier zegt")
    client.post(
        PART, data={"title": "Hoe gaat het met onze cirkel?", "body": body, "action": "publish"}
    )
    runner = app.test_cli_runner()
    out = tmp_path / "export"

    exported = guides(runner, "export", "nl", out)

    assert exported.exit_code == 0, exported.output
    text = (out / "nl" / "week-04.md").read_text(encoding="utf-8")
    assert "Wat je hier zegt" in text
    assert NEW_LINE in (out / "nl" / "_synced" / "week-04.md").read_text(encoding="utf-8")
    (guides_dir / "nl" / "week-04.md").write_text(text, encoding="utf-8")
    synced = (out / "nl" / "_synced" / "week-04.md").read_text(encoding="utf-8")
    (guides_dir / "nl" / "_synced" / "week-04.md").write_text(synced, encoding="utf-8")
    files_only = guides(runner, "status", "nl", "--files")
    assert week_lines(files_only.output)["week 4"] == "up to date"

    # The reverse: a file edited in the repository comes into the browser's layer.
    edit(
        out / "nl" / "week-06.md",
        "## ",
        "## ",
    )
    (out / "nl" / "week-06.md").write_text(
        (out / "nl" / "week-06.md")
        .read_text(encoding="utf-8")
        .replace("\n## ", "\nGeïmporteerde zin.\n\n## ", 1),
        encoding="utf-8",
    )
    imported = guides(runner, "import", "nl", out)
    assert imported.exit_code == 0, imported.output
    assert "week 6" in imported.output
    assert "Geïmporteerde zin." in client.get(
        "/guides/nl/week/6", headers={"Accept-Language": "nl"}
    ).get_data(as_text=True)


def test_two_translators_publishing_the_same_part_at_once_both_succeed(app, marc, lies):
    import threading

    results = []
    start = threading.Barrier(2)

    def publish(email, text):
        client = sign_in(app, email)
        start.wait()
        response = client.post(
            PART, data={"title": "Hoe gaat het?", "body": text, "action": "publish"}
        )
        results.append(response.status_code)

    threads = [
        threading.Thread(target=publish, args=("marc@example.org", "Tekst van Marc.")),
        threading.Thread(target=publish, args=("lies@example.org", "Tekst van Lies.")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [302, 302]
    page = dutch_reader(app)
    assert ("Tekst van Marc." in page) != ("Tekst van Lies." in page)  # the last one wins
    history = element(
        sign_in(app, "marc@example.org").get(PART).get_data(as_text=True),
        "section",
        class_="history",
    )
    assert "Tekst van Marc." in history and "Tekst van Lies." in history  # both kept


def test_publishing_untranslated_or_untouched_text_asks_first(guides_dir, app, marc):
    (guides_dir / "nl" / "week-05.md").unlink()
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)
    client = sign_in(app, "marc@example.org")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    url = "/translate/nl/week/5/part/intro"
    english = dutch_body(client, url)  # a missing week starts from the English

    asked = client.post(url, data={"body": english, "action": "publish"})

    assert asked.status_code == 409
    page = text_of(asked.get_data(as_text=True))
    assert "Deze tekst is nog altijd het Engels. Toch publiceren?" in page
    assert "Toch publiceren" in page
    confirmed = client.post(url, data={"body": english, "action": "publish", "confirm": "1"})
    assert confirmed.status_code == 302

    unchanged = dutch_body(client)
    asked = client.post(
        PART,
        data={"title": "Hoe gaat het met onze cirkel?", "body": unchanged, "action": "publish"},
    )
    assert asked.status_code == 409
    assert "dit is nog de tekst van ervoor" in text_of(asked.get_data(as_text=True))
