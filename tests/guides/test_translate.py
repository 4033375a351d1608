"""The translators' pages: status per week, the site catalog's progress, side by side."""

import re
from pathlib import Path

import pytest

from tests.guides.conftest import edit, element, text_of
from wol.guides.service import catalog_progress

OLD_LINE = "The timekeeper leads this round. What people say here stays in the circle."
NEW_LINE = "The timekeeper leads this round. What is said here stays in the circle."
TRANSLATIONS = Path(__file__).resolve().parents[2] / "wol" / "translations"


@pytest.fixture
def marc(make_user, auth):
    """Marc, a translator, signed in."""
    user = make_user(email="marc@example.org", display_name="Marc", roles={"translator"})
    auth.login("marc@example.org")
    return user


def test_translator_sees_every_week_and_the_catalog_progress(marc, client):
    response = client.get("/translate")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    table = text_of(element(html, "table", class_="table translation-status"))
    assert "Start guide Before your first meeting up to date draft: 0" in table
    assert "Week 12 Looking back and looking ahead up to date draft: 0" in table
    assert "13 of 13 up to date." in text_of(html)
    assert 'href="/translate/nl/week/4"' in html

    (dutch,) = [c for c in catalog_progress(TRANSLATIONS) if c.lang == "nl"]
    catalog = element(html, "table", class_="table catalog-progress")
    assert text_of(element(catalog, "tbody")) == (
        f"Nederlands Translated: {dutch.translated} To check (fuzzy): {dutch.fuzzy} "
        f"Missing: {dutch.missing} {dutch.percent}% translated"
    )


def test_outdated_and_missing_weeks_are_listed(guides_dir, marc, client):
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)
    (guides_dir / "nl" / "week-05.md").unlink()

    table = text_of(
        element(
            client.get("/translate").get_data(as_text=True),
            "table",
            class_="table translation-status",
        )
    )

    assert (
        "Week 4 One step closer outdated draft: 0, needs review: 0, published: 0 "
        "changed in English: How is our circle doing? "
        "circle-health-check"
    ) in table
    assert "Week 5 Offer what others value missing" in table


def test_catalog_progress_counts_translated_fuzzy_and_missing(tmp_path):
    po = tmp_path / "de" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Yes"\nmsgstr "Ja"\n\n'
        '#, fuzzy\nmsgid "No"\nmsgstr "Nein"\n\n'
        'msgid "Maybe"\nmsgstr ""\n\n'
        'msgid "%(n)d circle"\nmsgid_plural "%(n)d circles"\n'
        'msgstr[0] "%(n)d Kreis"\nmsgstr[1] ""\n',
        encoding="utf-8",
    )

    (progress,) = catalog_progress(tmp_path)

    assert (progress.lang, progress.translated, progress.fuzzy, progress.missing) == ("de", 1, 1, 2)
    assert progress.percent == 25


def test_side_by_side_highlights_the_changed_section_with_its_diff(guides_dir, marc, client):
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)

    response = client.get("/translate/nl/week/4")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "outdated" in text_of(element(html, "p", class_="translation-state"))
    changed = re.findall(r'<section class="sbs-row is-changed" id="part-([a-z-]+)"', html)
    assert changed == ["circle-health-check"]
    row = html[html.index('id="part-circle-health-check"') :]
    row = row[: row.index("</section>")]
    assert "How is our circle doing?" in text_of(row)
    assert "changed in English" in text_of(row)
    assert NEW_LINE in row  # the English as it is now ...
    assert "Hoe gaat het met onze cirkel?" in row  # ... beside the Dutch
    # A word diff: the changed words, not the paragraph twice.
    assert "<del>people say</del><ins>is said</ins>" in row
    assert OLD_LINE not in row
    assert '<div class="sbs-column" lang="en">' in row
    assert '<div class="sbs-column" lang="nl">' in row
    assert 'href="/translate/nl/week/4/part/circle-health-check"' in row


def test_side_by_side_of_an_up_to_date_week_has_no_diff(marc, client):
    html = client.get("/translate/nl/week/4").get_data(as_text=True)

    assert "is-changed" not in html
    assert "<ins>" not in html
    assert "The translation matches the English." in text_of(html)
    ids = re.findall(r'<section class="sbs-row" id="part-([a-z-]+)"', html)
    assert ids[:5] == ["title", "summary", "intro", "agenda", "check-in"]
    title = text_of(element(html, "section", id="part-title"))
    assert title == "Title Edit: Title English One step closer Nederlands Een stap dichterbij"


def test_side_by_side_of_a_missing_week(guides_dir, marc, client):
    (guides_dir / "nl" / "week-05.md").unlink()

    html = client.get("/translate/nl/week/5").get_data(as_text=True)

    assert "There is no translation of this week yet" in text_of(html)
    assert 'href="/translate/nl/week/5/part/check-in"' in html
    assert "Not in the translation." in text_of(element(html, "section", id="part-check-in"))


@pytest.mark.parametrize(
    "path", ["/translate/en/week/4", "/translate/xx/week/1", "/translate/nl/week/13"]
)
def test_unknown_translation_pages_are_not_found(marc, client, path):
    assert client.get(path).status_code == 404


def test_admins_have_every_role(make_user, auth, client):
    make_user(email="root@example.org", roles={"admin"})
    auth.login("root@example.org")

    assert client.get("/translate").status_code == 200
    assert client.get("/translate/nl/week/1").status_code == 200


@pytest.mark.parametrize("path", ["/translate", "/translate/nl/week/4"])
def test_other_people_get_403(make_user, auth, client, path):
    make_user(email="bram@example.org", roles={"organiser"})
    auth.login("bram@example.org")

    response = client.get(path)

    assert response.status_code == 403
    assert "You cannot open this page" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/translate", "/translate/nl/week/4"])
def test_anonymous_visitors_are_asked_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=%2Ftranslate")


def test_translators_find_the_page_in_the_menu(marc, client):
    html = client.get("/guides/en/").get_data(as_text=True)
    nav = element(html, "nav", class_="main-nav")

    assert '<a href="/translate">Translations</a>' in nav
    assert '<a href="/guides/" aria-current="page">Guides</a>' in nav


def test_others_do_not_see_the_translations_link(make_user, auth, client):
    make_user(email="bram@example.org")
    auth.login("bram@example.org")

    assert 'href="/translate"' not in client.get("/home").get_data(as_text=True)
