"""The glossary: the shipped Dutch guides keep to it; the workbench and `status` warn."""

from pathlib import Path

import pytest

from tests.guides.conftest import GUIDES, edit, text_of
from tests.guides.test_cli import guides
from wol.guides.glossary import GlossaryError, check_glossary, load_glossary, parse_glossary
from wol.guides.library import GuideLibrary


def test_the_shipped_dutch_guides_keep_to_the_glossary():
    library = GuideLibrary.load(GUIDES)
    terms = load_glossary(GUIDES, "nl")
    assert terms, "guides/glossary.nl.yml is missing or empty"

    warnings = [
        f"week {week} {finding.part}: {finding.term.english} {finding.problem} {finding.found}"
        for week in library.weeks()
        for finding in check_glossary(terms, library.get("en", week), library.get("nl", week))
        if finding.is_warning
    ]

    assert warnings == []


def test_a_forbidden_word_is_reported_by_status_and_on_the_side_by_side_page(
    guides_dir, runner, make_user, auth, client
):
    edit(guides_dir / "nl" / "week-04.md", "een ander tijdstip", "een ander vergadermoment")

    output = guides(runner, "status", "nl").output

    assert "glossary: nl week 4 circle-health-check: uses 'vergadermoment' for 'meeting'" in output
    make_user(email="marc@example.org", roles={"translator"})
    auth.login("marc@example.org")
    page = text_of(client.get("/translate/nl/week/4").get_data(as_text=True))
    assert "circle-health-check: meeting avoid “vergadermoment”" in page
    editor = client.get("/translate/nl/week/4/part/circle-health-check")
    assert "Glossary terms in this part" in text_of(editor.get_data(as_text=True))
    assert "avoid “vergadermoment”" in text_of(editor.get_data(as_text=True))


def test_a_missing_required_term_is_reported(guides_dir, runner):
    edit(guides_dir / "nl" / "week-04.md", "een relatielijst", "een lijst met mensen")

    output = guides(runner, "status", "nl").output

    assert "glossary: nl week 4 intro: the English says 'relationship list'" in output


def test_a_broken_glossary_file_says_what_is_wrong(tmp_path: Path):
    with pytest.raises(GlossaryError, match="term 1 needs an 'en' text"):
        parse_glossary("terms:\n  - nl: cirkel\n")
    assert load_glossary(tmp_path, "nl") == ()
