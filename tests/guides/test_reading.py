"""Reading the guides: the list, a week with its agenda and sections, languages and fallbacks."""

import re

import pytest

from tests.guides.conftest import edit, element, in_language, text_of

CHANGED_HEALTH_CHECK = "The timekeeper leads this round. What is said here stays in the circle."


def test_index_lists_start_guide_and_twelve_weeks(client):
    response = client.get("/guides/en/")

    assert response.status_code == 200
    page = text_of(response.get_data(as_text=True))
    assert "Start guide Before your first meeting" in page
    assert "Week 1 A goal you care about" in page
    assert "Week 4 One step closer" in page
    assert "You turn a few first contacts into real two-way exchanges" in page
    assert "Week 12 Looking back and looking ahead" in page
    html = response.get_data(as_text=True)
    assert all(f'href="/guides/en/week/{n}"' in html for n in range(1, 13))
    assert 'href="/guides/en/start"' in html


def test_dutch_index_shows_dutch_titles(client):
    page = text_of(client.get("/guides/nl/").get_data(as_text=True))

    assert "Een stap dichterbij" in page
    assert "Voor je eerste bijeenkomst" in page


def test_guides_root_opens_the_list_in_the_site_language(client):
    assert client.get("/guides/").headers["Location"] == "/guides/en/"
    dutch = client.get("/guides/", headers={"Accept-Language": "nl"})
    assert dutch.headers["Location"] == "/guides/nl/"


def test_week_page_shows_agenda_with_minutes_and_total(client):
    response = client.get("/guides/en/week/4")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    agenda = text_of(element(html, "section", class_="guide-agenda"))
    assert agenda == (
        "Agenda Check-in 10 minutes Review your list 10 minutes From attention to conversation "
        "15 minutes How is our circle doing? 15 minutes Reflection 5 minutes Together: 55 minutes"
    )
    assert '<h1 id="guide-title">One step closer</h1>' in html


def test_week_page_shows_intro_and_every_section_with_id_and_heading(client):
    html = client.get("/guides/en/week/4").get_data(as_text=True)

    assert "You are a third of the way." in text_of(html)
    ids = re.findall(r'<section id="([a-z0-9-]+)" class="guide-section"', html)
    assert ids == [
        "check-in",
        "review-your-list",
        "start-a-conversation",
        "circle-health-check",
        "reflection",
        "before-next-meeting",
    ]
    section = element(html, "section", id="circle-health-check")
    assert '<h2 id="circle-health-check-title">How is our circle doing?</h2>' in section
    assert "15 minutes" in text_of(section)


def test_anyone_may_read_without_signing_in(client):
    response = client.get("/guides/nl/week/1")

    assert response.status_code == 200
    assert "Sign in" in text_of(response.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/guides/en/start", "/guides/en/week/0"])
def test_start_guide_is_week_zero(client, path):
    response = client.get(path, follow_redirects=True)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<h1 id="guide-title">Before your first meeting</h1>' in html
    assert "guide-agenda" not in html  # the start guide is read, not run as a meeting
    assert response.request.path == "/guides/en/start"


@pytest.mark.parametrize(
    "path",
    [
        "/guides/fr/",
        "/guides/xx/week/1",
        "/guides/en/week/13",
        "/guides/nl/week/99",
        "/guides/fr/start",
    ],
)
def test_unknown_language_or_week_is_not_found(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_reader_can_switch_the_guide_language(client):
    html = client.get("/guides/nl/week/4").get_data(as_text=True)
    switch = element(html, "nav", class_="guide-languages")

    assert '<a href="/guides/en/week/4" lang="en" hreflang="en">English</a>' in switch
    english = client.get("/guides/en/week/4").get_data(as_text=True)
    assert '<a href="/guides/nl/week/4" lang="nl" hreflang="nl">Nederlands</a>' in english


def test_previous_and_next_week_links(client):
    html = client.get("/guides/en/week/4").get_data(as_text=True)
    nav = text_of(element(html, "nav", class_="week-nav"))

    assert nav == "← Week 3 Week 5 →"
    assert 'href="/guides/en/week/5" rel="next"' in html


def test_dutch_week_is_marked_dutch(client):
    html = client.get("/guides/nl/week/4").get_data(as_text=True)

    assert '<article class="guide" lang="nl"' in html
    assert "Hoe gaat het met onze cirkel?" in html
    assert "guide-note" not in html  # up to date: no notice


def test_missing_dutch_week_shows_english_with_a_dutch_notice(guides_dir, app, client):
    (guides_dir / "nl" / "week-05.md").unlink()

    response = client.get("/guides/nl/week/5")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<article class="guide" lang="en"' in html
    assert '<h1 id="guide-title">Offer what others value</h1>' in html
    note = element(html, "div", class_="guide-note guide-note-fallback")
    assert 'lang="nl"' in note
    assert text_of(note) == in_language(
        app, "nl", "This week is not translated yet, so you are reading the English text."
    )
    index = client.get("/guides/nl/").get_data(as_text=True)
    assert re.search(r'<li lang="en">\s*<h2><a href="/guides/nl/week/5">', index)
    assert "Not translated yet: in English." in text_of(index)


def test_draft_dutch_week_shows_english(guides_dir, app, client):
    edit(guides_dir / "nl" / "week-06.md", "status: complete", "status: draft")

    html = client.get("/guides/nl/week/6").get_data(as_text=True)

    assert '<article class="guide" lang="en"' in html
    assert in_language(
        app,
        "nl",
        "The translation of this week is not finished yet, so you are reading the English text.",
    ) in text_of(html)


def test_broken_dutch_week_shows_english(guides_dir, app, client):
    edit(guides_dir / "nl" / "week-07.md", "## ", "<div>kapot</div>\n\n## ")

    response = client.get("/guides/nl/week/7")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<article class="guide" lang="en"' in html
    assert "kapot" not in html


def test_outdated_dutch_week_shows_dutch_with_a_note_naming_the_changed_sections(
    guides_dir, app, client
):
    edit(
        guides_dir / "en" / "week-04.md",
        "The timekeeper leads this round. What people say here stays in the circle.",
        CHANGED_HEALTH_CHECK,
    )
    edit(guides_dir / "en" / "week-04.md", "title: One step closer", "title: A step closer")

    html = client.get("/guides/nl/week/4").get_data(as_text=True)

    assert '<article class="guide" lang="nl"' in html
    assert '<h1 id="guide-title">Een stap dichterbij</h1>' in html
    note = element(html, "div", class_="guide-note guide-note-outdated")
    assert 'lang="nl"' in note
    expected = in_language(
        app,
        "nl",
        "The English text of this week was changed after it was translated. These "
        "parts may differ a little from the English:",
    )
    assert text_of(note) == (
        f"{expected} {in_language(app, 'nl', 'the title')} "
        "Hoe gaat het met onze cirkel? (How is our circle doing?)"
    )
    assert '<a href="#circle-health-check" lang="nl">' in note
    assert '<span lang="en">(How is our circle doing?)</span>' in note


def test_a_section_added_in_english_is_shown_in_english_where_it_belongs(guides_dir, client):
    edit(
        guides_dir / "en" / "week-04.md",
        "## Reflection {#reflection}",
        "## A new exercise {#new-exercise}\n\nTry something new.\n\n## Reflection {#reflection}",
    )

    html = client.get("/guides/nl/week/4").get_data(as_text=True)

    section = element(html, "section", id="new-exercise")
    assert 'lang="en"' in section.split(">", 1)[0]
    assert '<h2 id="new-exercise-title">A new exercise</h2>' in section
    # Nothing else changed, so there is no "may differ" note above the guide.
    assert "guide-note-outdated" not in html


def test_interface_words_inside_an_english_fallback_carry_the_interface_language(
    guides_dir, client
):
    (guides_dir / "nl" / "week-05.md").unlink()

    html = client.get("/guides/nl/week/5", headers={"Accept-Language": "nl"}).get_data(as_text=True)

    assert '<html lang="nl">' in html
    assert '<h2 id="agenda-title" lang="nl">' in html
