"""Guide files: parsing, validation, sanitising, hashing, and translation status on a folder."""

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from wol.guides.document import (
    ALLOWED_TAGS,
    GuideDoc,
    GuideError,
    Section,
    diff_as_text,
    draft_from_english,
    merge_synced_section,
    parse_guide,
    render_markdown,
    sanitize_html,
    section_diff,
    section_hashes,
    stamp_text,
    word_diff,
)
from wol.guides.library import GuideLibrary

WEEK_3 = """\
---
week: 3
title: Small gifts, big effect
summary: You make a first small contribution.
agenda:
  check-in: 10
  first-contributions: 20
  reflection: 10
---

Opening paragraph about the week.

## Check-in {#check-in}

Each person says how the week went.

### Questions

- What did you try?
- What happened?

## First contributions {#first-contributions}

Pick one person from your list and send a [thank-you](https://example.org/thanks).

## Reflection {#reflection}

What surprised you?

## Before the next meeting {#before-next-meeting}

Send one more contribution.
"""


def english_week(week: int, *, check_in: str = "Each person says how the week went.") -> str:
    """A small valid English guide for a week."""
    return f"""\
---
week: {week}
title: Week {week} title
summary: What week {week} is about.
agenda:
  check-in: 10
  practice: 30
---

Why week {week} matters.

## Check-in {{#check-in}}

{check_in}

## Practice {{#practice}}

Do the exercise of week {week}.
Then talk about it.
"""


def replace_front(text: str, old: str, new: str) -> str:
    """Replace exactly one occurrence, so a test edit cannot silently miss."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


# --- parsing ----------------------------------------------------------------------------------


def test_parses_a_good_week():
    doc = parse_guide(WEEK_3, lang="en", path="guides/en/week-03.md")

    assert (doc.lang, doc.week, doc.path) == ("en", 3, "guides/en/week-03.md")
    assert doc.title == "Small gifts, big effect"
    assert doc.summary == "You make a first small contribution."
    assert doc.agenda == (("check-in", 10), ("first-contributions", 20), ("reflection", 10))
    assert doc.intro_md == "Opening paragraph about the week."
    assert doc.intro_html == "<p>Opening paragraph about the week.</p>\n"
    assert [s.id for s in doc.sections] == [
        "check-in",
        "first-contributions",
        "reflection",
        "before-next-meeting",
    ]
    check_in = doc.sections[0]
    assert check_in.title == "Check-in"
    assert check_in.body_md.startswith("Each person says how the week went.")
    assert check_in.body_md.endswith("- What happened?")
    assert "<h3>Questions</h3>" in check_in.html
    assert "<li>What did you try?</li>" in check_in.html
    assert doc.translation is None
    assert doc.section("reflection").title == "Reflection"


def test_parses_a_translation_record_and_a_start_without_agenda():
    text = """\
---
week: 0
title: Voor je begint
summary: Wat een cirkel is.
translation:
  status: draft
  source:
    title: 0123456789abcdef
    what-is-a-circle: 'fedcba9876543210'
---

Welkom.

## Wat is een cirkel? {#what-is-a-circle}

Vier of vijf mensen.
"""
    doc = parse_guide(text, lang="nl", path="guides/nl/start.md")

    assert doc.week == 0
    assert doc.agenda == ()
    assert doc.translation.status == "draft"
    assert doc.translation.source == {
        "title": "0123456789abcdef",
        "what-is-a-circle": "fedcba9876543210",
    }


def test_start_may_have_a_long_agenda_and_headings_may_carry_markup():
    text = (
        english_week(0)
        .replace("practice: 30", "practice: 90")
        .replace("## Practice {#practice}", "## *Practice* `now` {#practice}")
    )
    doc = parse_guide(text, lang="en", path="start.md")

    assert doc.agenda == (("check-in", 10), ("practice", 90))
    assert doc.section("practice").title == "Practice now"
    assert doc.section("practice").heading_md == "## *Practice* `now`"
    assert doc.section("practice").source_md.startswith("## *Practice* `now`\n\nDo the")


def test_crlf_and_bom_files_parse_like_lf_files():
    crlf = "\ufeff" + WEEK_3.replace("\n", "\r\n")

    assert parse_guide(crlf, lang="en") == parse_guide(WEEK_3, lang="en")


BAD_FILES = [
    pytest.param(WEEK_3.replace("---\n", "", 1), "must start with '---'", id="no-front-matter"),
    pytest.param(WEEK_3.replace("\n---\n\nOpening", "\n\nOpening"), "no closing", id="unclosed"),
    pytest.param(WEEK_3.replace("title: Small", "title: [Small"), "invalid YAML", id="bad-yaml"),
    pytest.param("---\n- a\n- b\n---\n\ntext\n", "must be a mapping", id="front-matter-list"),
    pytest.param(WEEK_3.replace("title: Small gifts, big effect\n", ""), "no 'title'", id="title"),
    pytest.param(
        WEEK_3.replace("summary: You", "sumary: You"), "unknown front matter key", id="typo-key"
    ),
    pytest.param(
        WEEK_3.replace("summary: You make a first small contribution.\n", ""),
        "no 'summary'",
        id="summary",
    ),
    pytest.param(
        WEEK_3.replace("summary: You make a first small contribution.", "summary: ''"),
        "'summary' must be non-empty",
        id="empty-summary",
    ),
    pytest.param(WEEK_3.replace("week: 3\n", ""), "no 'week'", id="week"),
    pytest.param(WEEK_3.replace("week: 3", "week: 13"), "from 0 to 12", id="week-range"),
    pytest.param(WEEK_3.replace("week: 3", "week: three"), "from 0 to 12", id="week-text"),
    pytest.param(
        WEEK_3.replace("week: 3", "week: 4"), "does not match the file name", id="week-file-name"
    ),
    pytest.param(
        WEEK_3.replace("## Reflection {#reflection}", "## Reflection"),
        "has no {#id}",
        id="heading-without-id",
    ),
    pytest.param(
        WEEK_3.replace("{#reflection}", "{#Reflection_1}"),
        "lower-case letters",
        id="bad-id-charset",
    ),
    pytest.param(
        WEEK_3.replace("{#before-next-meeting}", "{#intro}"), "reserved", id="reserved-id"
    ),
    pytest.param(
        WEEK_3.replace("{#before-next-meeting}", "{#reflection}"), "used twice", id="duplicate-id"
    ),
    pytest.param(
        WEEK_3.replace("What surprised you?\n", "   \n"),
        "'reflection' is empty",
        id="empty-section",
    ),
    pytest.param(
        WEEK_3.replace("Send one more contribution.\n", ""),
        "'before-next-meeting' is empty",
        id="empty-last-section",
    ),
    pytest.param(
        WEEK_3.replace("  reflection: 10", "  wrap-up: 10"),
        "'wrap-up' is not the id",
        id="agenda-not-a-section",
    ),
    pytest.param(
        WEEK_3.replace("reflection: 10", "reflection: 0"),
        "positive whole number",
        id="zero-minutes",
    ),
    pytest.param(
        WEEK_3.replace("reflection: 10", "reflection: -5"),
        "positive whole number",
        id="negative-minutes",
    ),
    pytest.param(
        WEEK_3.replace("reflection: 10", "reflection: 7.5"),
        "positive whole number",
        id="fractional-minutes",
    ),
    pytest.param(
        WEEK_3.replace("reflection: 10", "reflection: ten"),
        "positive whole number",
        id="text-minutes",
    ),
    pytest.param(
        WEEK_3.replace("reflection: 10", "reflection: true"),
        "positive whole number",
        id="bool-minutes",
    ),
    pytest.param(
        WEEK_3.replace("reflection: 10", "reflection: 31"), "61 minutes", id="agenda-over-60"
    ),
    pytest.param(
        WEEK_3.replace("reflection: 10", "check-in: 5"), "duplicate key", id="agenda-duplicate"
    ),
    pytest.param(
        WEEK_3.replace(
            "agenda:\n  check-in: 10\n  first-contributions: 20\n  reflection: 10\n", ""
        ),
        "need an 'agenda'",
        id="no-agenda",
    ),
    pytest.param(
        WEEK_3.replace("What surprised you?", "<div>What surprised you?</div>"),
        "raw HTML",
        id="html-block",
    ),
    pytest.param(
        WEEK_3.replace("What surprised you?", "What <b>surprised</b> you?"),
        "raw HTML",
        id="html-inline",
    ),
    pytest.param(
        WEEK_3.replace("What surprised you?", "<!-- note -->"), "raw HTML", id="html-comment"
    ),
    pytest.param(
        WEEK_3.replace("Opening paragraph", "<script>alert(1)</script>"),
        "raw HTML",
        id="script-in-intro",
    ),
    pytest.param(
        WEEK_3.replace("## Check-in {#check-in}", "# Check-in {#check-in}"), "'#' headings", id="h1"
    ),
    pytest.param(
        WEEK_3.replace("What surprised you?", "What surprised you?\n---"),
        "followed by '---'",
        id="setext-heading",
    ),
    pytest.param(
        WEEK_3.replace("What surprised you?", "> ## Quoted {#quoted}\n> text"),
        "inside a list or quote",
        id="nested-heading",
    ),
    pytest.param(
        WEEK_3.replace("agenda:", "translation:\n  status: done\n  source: {}\nagenda:"),
        "'complete' or 'draft'",
        id="translation-status",
    ),
    pytest.param(
        WEEK_3.replace(
            "agenda:", "translation:\n  status: draft\n  source:\n    check-in: 12345\nagenda:"
        ),
        "16 hex digits",
        id="translation-hash",
    ),
]


@pytest.mark.parametrize(("text", "problem"), BAD_FILES)
def test_structure_errors_name_the_file_and_the_problem(text, problem):
    with pytest.raises(GuideError) as excinfo:
        parse_guide(text, lang="en", path="guides/en/week-03.md")

    assert problem in str(excinfo.value)
    assert str(excinfo.value).startswith("guides/en/week-03.md: ")


def test_body_errors_carry_the_file_line():
    text = WEEK_3.replace("## Reflection {#reflection}", "## Reflection")

    with pytest.raises(GuideError, match=r"week-03\.md: line 26: "):
        parse_guide(text, lang="en", path="week-03.md")


def test_hash_signs_in_code_blocks_are_not_headings():
    text = WEEK_3.replace("What surprised you?", "```\n## not a heading\n```")

    doc = parse_guide(text, lang="en")

    assert [s.id for s in doc.sections][2] == "reflection"
    assert "## not a heading" in doc.section("reflection").body_md


# --- sanitising -------------------------------------------------------------------------------


class _TagCollector(HTMLParser):
    """Collect every tag and attribute an HTML fragment really contains."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    """Only allowlisted tags, no event handlers or styles beyond alignment, safe hrefs only."""
    collector = _TagCollector()
    collector.feed(html)
    for tag, attrs in collector.tags:
        assert tag in ALLOWED_TAGS, html
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name in {"href", "rel", "start", "style"}, html
            if name == "style":
                assert value.startswith("text-align:") and ";" not in value, html
            if name == "href":
                # what a browser would take as the scheme (after stripping tab/newline)
                url = re.sub(r"[\t\n\r]", "", value).strip()
                scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", url)
                assert scheme is None or scheme[1].lower() in {"http", "https", "mailto"}, html


ATTACKS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<p onclick="alert(1)">click</p>',
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "<javascript:alert(1)>",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/png;base64,AAAA)",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '<svg onload="alert(1)"></svg>',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_with_html_or_bad_links_renders_inert(attack):
    html = render_markdown(f"Before {attack} after\n\n{attack}\n")

    assert_inert(html)
    assert "<script" not in html
    assert "<img" not in html
    assert "<iframe" not in html


@pytest.mark.parametrize("attack", ATTACKS)
def test_sanitiser_alone_makes_html_inert(attack):
    html = sanitize_html(
        f'{attack}<a href="javascript:alert(1)" onclick="x()">a</a>'
        '<a href="data:text/html,hi">d</a><td style="position:fixed">t</td>'
    )

    assert_inert(html)
    assert "alert(1)</script>" not in html


def test_a_guide_doc_built_without_the_html_check_still_renders_safely():
    body = 'Hi <script>steal()</script> <a href="javascript:x" onclick="y">there</a>'
    section = Section(id="x", title="X", body_md=body, html=render_markdown(body))

    assert_inert(section.html)
    assert "&lt;script&gt;" in section.html  # shown as text, never run


def test_links_keep_safe_targets_and_get_rel():
    html = render_markdown(
        "[web](https://example.org) [mail](mailto:a@example.org) [page](/guides/3) "
        "[anchor](#check-in) <https://example.org/auto>"
    )

    assert '<a href="https://example.org" rel="noopener noreferrer">web</a>' in html
    assert 'href="mailto:a@example.org"' in html
    assert 'href="/guides/3"' in html
    assert 'href="#check-in"' in html
    assert 'href="https://example.org/auto"' in html
    assert html.count('rel="noopener noreferrer"') == 5


def test_tables_render_with_alignment_only():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")

    assert "<table>" in html
    assert '<td style="text-align:right">2</td>' in html
    assert_inert(html)


# --- hashing ----------------------------------------------------------------------------------


def sha16(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def test_hashes_follow_the_readme_definition():
    hashes = section_hashes(parse_guide(WEEK_3, lang="en"))

    assert list(hashes) == [
        "title",
        "summary",
        "intro",
        "agenda",
        "check-in",
        "first-contributions",
        "reflection",
        "before-next-meeting",
    ]
    assert hashes["title"] == sha16("Small gifts, big effect")
    assert hashes["intro"] == sha16("Opening paragraph about the week.")
    assert hashes["reflection"] == sha16("## Reflection\n\nWhat surprised you?")
    assert hashes["check-in"] == sha16(
        "## Check-in\n\nEach person says how the week went.\n\n### Questions\n\n"
        "- What did you try?\n- What happened?"
    )


def test_hashes_ignore_trailing_spaces_blank_lines_and_line_endings():
    original = section_hashes(parse_guide(WEEK_3, lang="en"))
    noisy = (
        WEEK_3.replace("What surprised you?\n", "What surprised you?   \n\n\n\n")
        .replace("## Reflection {#reflection}\n", "## Reflection   {#reflection}  \n")
        .replace("Opening paragraph about the week.", "\n\nOpening paragraph about the week.\t")
        .replace("\n", "\r\n")
    )

    assert section_hashes(parse_guide(noisy, lang="en")) == original


def test_a_blank_line_after_the_heading_is_part_of_the_hashed_text():
    # README: "the heading line without its {#id}, followed by the body" - only trailing
    # spaces and the outer blank lines are normalised away.
    original = section_hashes(parse_guide(WEEK_3, lang="en"))
    tight = WEEK_3.replace("{#reflection}\n\n", "{#reflection}\n")

    assert (
        section_hashes(parse_guide(tight, lang="en"))["reflection"]
        == sha16("## Reflection\nWhat surprised you?")
        != original["reflection"]
    )


def test_hashes_change_with_the_text():
    original = section_hashes(parse_guide(WEEK_3, lang="en"))
    edited = section_hashes(
        parse_guide(WEEK_3.replace("What surprised you?", "What surprised you most?"), lang="en")
    )
    retitled = section_hashes(
        parse_guide(WEEK_3.replace("## Reflection {", "## Looking back {"), lang="en")
    )

    assert {k for k in original if original[k] != edited[k]} == {"reflection"}
    assert {k for k in original if original[k] != retitled[k]} == {"reflection"}


def test_section_diff_shows_changed_added_and_removed_words():
    old = parse_guide(WEEK_3, lang="en")
    new = parse_guide(
        WEEK_3.replace("What surprised you?", "What surprised you most?").replace(
            "## Before the next meeting {#before-next-meeting}\n\nSend one more contribution.\n",
            "## Homework {#homework}\n\nWrite it down.\n",
        ),
        lang="en",
    )

    diffs = section_diff(old, new)

    assert set(diffs) == {"reflection", "homework", "before-next-meeting"}
    assert diff_as_text(diffs["reflection"]).endswith("What surprised you{+ most+}?")
    assert diff_as_text(diffs["homework"]) == "{+## Homework\n\nWrite it down.+}"
    assert "Send one more contribution.-]" in diff_as_text(diffs["before-next-meeting"])
    assert set(section_diff(None, new)) == set(section_hashes(new))


# --- stamping text ----------------------------------------------------------------------------

DUTCH_3 = """\
---
week: 3
title: Kleine gaven, groot effect
# a comment the translator wants to keep
summary: Je geeft een eerste kleine bijdrage.
agenda:
  check-in: 10
  first-contributions: 20
  reflection: 10
---

Openingsalinea over de week.  

## Check-in {#check-in}

Ieder vertelt hoe de week ging.

## Eerste bijdragen {#first-contributions}

Kies iemand van je lijst.

## Terugblik {#reflection}

Wat verraste je?

## Voor de volgende keer {#before-next-meeting}

Stuur nog een bijdrage.
"""


def test_stamp_text_records_hashes_and_keeps_the_rest_byte_for_byte():
    english = parse_guide(WEEK_3, lang="en")

    stamped = stamp_text(DUTCH_3, english, status="complete")

    front, body = stamped.split("\n---\n", 1)
    assert body == DUTCH_3.split("\n---\n", 1)[1]
    assert front.startswith(DUTCH_3.split("\n---\n", 1)[0])  # comment and keys untouched
    doc = parse_guide(stamped, lang="nl")
    assert doc.translation.status == "complete"
    assert doc.translation.source == section_hashes(english)

    restamped = stamp_text(stamped, english, status="draft")
    assert restamped.count("translation:") == 1
    assert parse_guide(restamped, lang="nl").translation.status == "draft"


def test_stamp_text_only_updates_one_hash():
    english = parse_guide(WEEK_3, lang="en")
    stamped = stamp_text(DUTCH_3, english, status="complete")
    changed = parse_guide(WEEK_3.replace("What surprised", "What delighted"), lang="en")

    partial = parse_guide(stamp_text(stamped, changed, only="reflection"), lang="nl")

    expected = section_hashes(english) | {"reflection": section_hashes(changed)["reflection"]}
    assert partial.translation.source == expected
    assert partial.translation.status == "complete"


def test_stamp_text_keeps_crlf():
    english = parse_guide(WEEK_3, lang="en")
    crlf = DUTCH_3.replace("\n", "\r\n")

    stamped = stamp_text(crlf, english)

    assert "\n" not in stamped.replace("\r\n", "")
    assert stamped.endswith(crlf.split("\r\n---\r\n", 1)[1])
    assert parse_guide(stamped, lang="nl").translation.source == section_hashes(english)


def test_stamp_text_quotes_hashes_yaml_would_read_as_numbers(monkeypatch):
    english = parse_guide(WEEK_3, lang="en")
    digits = dict.fromkeys(section_hashes(english), "0123456701234567")
    monkeypatch.setattr("wol.guides.document.section_hashes", lambda doc: digits)

    stamped = stamp_text(DUTCH_3, english)

    assert "'0123456701234567'" in stamped
    assert parse_guide(stamped, lang="nl").translation.source == digits


def test_stamp_text_replaces_a_record_in_place_and_copes_with_flow_style():
    english = parse_guide(WEEK_3, lang="en")
    hashes = section_hashes(english)
    middle = DUTCH_3.replace(
        "agenda:",
        "translation:\n  status: draft\n  source:\n    title: '0000000000000000'\nagenda:",
    )
    flow = (
        "---\n{week: 3, title: Kleine gaven, summary: Een zin.,"
        " agenda: {check-in: 10, first-contributions: 20, reflection: 10}}\n---\n"
        + DUTCH_3.split("\n---\n", 1)[1]
    )

    in_place = stamp_text(middle, english)
    regenerated = stamp_text(flow, english)

    assert in_place.index("translation:") < in_place.index("agenda:")
    assert "0000000000000000" not in in_place
    assert parse_guide(in_place, lang="nl").translation.source == hashes
    assert parse_guide(regenerated, lang="nl").translation.source == hashes
    assert parse_guide(regenerated, lang="nl").title == "Kleine gaven"
    assert regenerated.endswith(DUTCH_3.split("\n---\n", 1)[1])


def test_stamp_text_rejects_another_week():
    with pytest.raises(GuideError, match="does not match the English week"):
        stamp_text(DUTCH_3.replace("week: 3", "week: 4"), parse_guide(WEEK_3, lang="en"))


def test_draft_from_english_is_a_draft_of_the_english():
    english = parse_guide(WEEK_3, lang="en")

    draft = parse_guide(draft_from_english(WEEK_3, english), lang="nl")

    assert draft.translation.status == "draft"
    assert draft.translation.source == section_hashes(english)
    assert draft.sections == english.sections


def test_merge_synced_section_takes_one_section_from_the_new_english():
    new_text = WEEK_3.replace("What surprised", "What delighted").replace(
        "Each person", "Every person"
    )

    merged = parse_guide(merge_synced_section(WEEK_3, new_text, "reflection"), lang="en")

    old_hashes = section_hashes(parse_guide(WEEK_3, lang="en"))
    new_hashes = section_hashes(parse_guide(new_text, lang="en"))
    assert section_hashes(merged) == old_hashes | {"reflection": new_hashes["reflection"]}


# --- the library on a folder ------------------------------------------------------------------


@pytest.fixture
def guides(tmp_path: Path) -> Path:
    """A guide folder with English weeks 0-2 and a Dutch week 1 that is up to date."""
    (tmp_path / "en").mkdir()
    for week in (0, 1, 2):
        name = "start.md" if week == 0 else f"week-{week:02d}.md"
        (tmp_path / "en" / name).write_text(english_week(week), encoding="utf-8")
    library = GuideLibrary.load(tmp_path).new("nl", 1)
    dutch = (tmp_path / "nl" / "week-01.md").read_text(encoding="utf-8")
    dutch = dutch.replace("Each person says how the week went.", "Ieder vertelt hoe het ging.")
    dutch = dutch.replace("Do the exercise of week 1.", "Doe de oefening van week 1.")
    (tmp_path / "nl" / "week-01.md").write_text(dutch, encoding="utf-8")
    # The title, summary and intro stay English here: this folder is about structure.
    library.stamp("nl", 1, status="complete", force=True)
    return tmp_path


def states(library: GuideLibrary, lang: str) -> dict[int, str]:
    return {status.week: status.state for status in library.status(lang)}


def edit(path: Path, old: str, new: str) -> None:
    path.write_text(replace_front(path.read_text(encoding="utf-8"), old, new), encoding="utf-8")


def test_library_loads_languages_and_weeks(guides):
    library = GuideLibrary.load(guides)

    assert library.languages() == ("en", "nl")
    assert library.weeks() == tuple(range(13))
    assert library.get("en", 2).title == "Week 2 title"
    assert library.get("nl", 1).translation.status == "complete"
    assert library.get("nl", 2) is None
    assert library.errors == {}
    assert library.synced_copy("nl", 1).section_ids == ("check-in", "practice")


def test_status_up_to_date_missing_and_the_source(guides):
    library = GuideLibrary.load(guides)

    nl = states(library, "nl")
    assert nl[1] == "up_to_date"
    assert nl[0] == nl[2] == "missing"
    assert set(nl) == set(range(13))
    assert {week for week, state in nl.items() if state == "missing"} == set(range(13)) - {1}
    en = states(library, "en")
    assert [en[w] for w in (0, 1, 2)] == ["up_to_date"] * 3
    assert en[3] == "missing"


def test_changing_one_english_section_outdates_exactly_that_week_and_section(guides):
    edit(guides / "en" / "week-01.md", "Then talk about it.", "Then talk about it in pairs.")
    edit(guides / "en" / "week-02.md", "Then talk about it.", "Then write it down.")
    library = GuideLibrary.load(guides)

    status = library.week_status("nl", 1)
    assert status.state == "outdated"
    assert (status.changed, status.added, status.removed) == (("practice",), (), ())
    assert "changed: practice" in status.message
    assert [s.week for s in library.status("nl") if s.state == "outdated"] == [1]

    diff = library.diff("nl", 1)
    assert list(diff) == ["practice"]
    assert "Then talk about it{+ in pairs+}." in diff_as_text(diff["practice"])
    assert diff.note == ""

    library = library.stamp("nl", 1, force=True)
    assert library.week_status("nl", 1).state == "up_to_date"
    assert library.diff("nl", 1) == {}


def test_maybe_reload_notices_changes(guides):
    library = GuideLibrary.load(guides)
    assert library.maybe_reload() is library

    (guides / "en" / "week-03.md").write_text(english_week(3), encoding="utf-8")

    reloaded = library.maybe_reload()
    assert reloaded is not library
    assert reloaded.get("en", 3) is not None
    assert GuideLibrary.mtime_signature(guides) == reloaded.signature


def test_added_and_removed_english_sections_outdate_and_can_be_followed(guides):
    edit(
        guides / "en" / "week-01.md",
        "## Check-in {#check-in}",
        "## Warm-up {#warm-up}\n\nStretch.\n\n## Check-in {#check-in}",
    )
    library = GuideLibrary.load(guides)
    status = library.week_status("nl", 1)
    assert (status.state, status.added) == ("outdated", ("warm-up",))
    assert library.diff("nl", 1)["warm-up"] == [("add", "## Warm-up\n\nStretch.")]

    # The translator adds the section before stamping: still outdated, not a structure error.
    edit(
        guides / "nl" / "week-01.md", "## Check-in", "## Opwarmen {#warm-up}\n\nRek.\n\n## Check-in"
    )
    assert GuideLibrary.load(guides).week_status("nl", 1).state == "outdated"
    restamped = GuideLibrary.load(guides).stamp("nl", 1, force=True)
    assert restamped.week_status("nl", 1).state == "up_to_date"

    edit(guides / "en" / "week-01.md", "## Warm-up {#warm-up}\n\nStretch.\n\n", "")
    status = GuideLibrary.load(guides).week_status("nl", 1)
    assert (status.state, status.removed) == ("outdated", ("warm-up",))
    with pytest.raises(GuideError, match="sections the English does not have: warm-up"):
        GuideLibrary.load(guides).stamp("nl", 1)


def test_draft(guides):
    library = GuideLibrary.load(guides).new("nl", 2)

    status = library.week_status("nl", 2)
    assert (status.state, status.changed, status.added) == ("draft", (), ())
    assert library.get("nl", 2).sections == library.get("en", 2).sections

    edit(guides / "en" / "week-02.md", "Then talk", "Then walk")
    status = GuideLibrary.load(guides).week_status("nl", 2)
    assert (status.state, status.changed) == ("draft", ("practice",))


def test_new_refuses_an_existing_file_and_a_week_without_english(guides):
    library = GuideLibrary.load(guides)

    with pytest.raises(GuideError, match="already exists"):
        library.new("nl", 1)
    with pytest.raises(GuideError, match="no English file for week 5"):
        library.new("nl", 5)
    with pytest.raises(GuideError, match="source"):
        library.new("en", 1)


def test_orphan(guides):
    (guides / "nl" / "week-05.md").write_text(english_week(5), encoding="utf-8")
    (guides / "nl" / "week-13.md").write_text("stray", encoding="utf-8")

    library = GuideLibrary.load(guides)

    assert states(library, "nl")[5] == "orphan"
    assert [s.week for s in library.status("nl") if s.state == "orphan"] == [5, 13]
    assert library.stray == (guides / "nl" / "week-13.md",)


def test_structure_errors_are_kept_not_raised(guides):
    edit(guides / "nl" / "week-01.md", "{#practice}", "")
    library = GuideLibrary.load(guides)

    status = library.week_status("nl", 1)
    assert status.state == "structure_error"
    assert "has no {#id}" in status.message
    assert library.get("nl", 1) is None
    assert "week-01.md" in str(library.errors[("nl", 1)])


def test_translation_ids_that_differ_from_the_english_are_a_structure_error(guides):
    edit(guides / "nl" / "week-01.md", "{#practice}", "{#oefening}")
    edit(guides / "nl" / "week-01.md", "  practice: 30", "  oefening: 30")
    library = GuideLibrary.load(guides)

    status = library.week_status("nl", 1)
    assert status.state == "structure_error"
    assert "does not have: oefening" in status.message
    assert "missing from the translation: practice" in status.message
    with pytest.raises(GuideError, match="cannot stamp"):
        library.stamp("nl", 1)


def test_a_broken_english_week_is_a_structure_error_for_both_languages(guides):
    edit(guides / "en" / "week-01.md", "practice: 30", "practice: 300")
    library = GuideLibrary.load(guides)

    assert states(library, "en")[1] == "structure_error"
    assert "English file has a structure error" in library.week_status("nl", 1).message


def test_stamp_one_section_only_updates_that_hash_and_keeps_other_diffs(guides):
    edit(guides / "en" / "week-01.md", "how the week went.", "how the last week went.")
    edit(guides / "en" / "week-01.md", "Then talk about it.", "Then talk about it in pairs.")
    before = GuideLibrary.load(guides)
    assert before.week_status("nl", 1).changed == ("check-in", "practice")
    recorded = before.get("nl", 1).translation.source

    after = before.stamp("nl", 1, only="check-in", force=True)

    status = after.week_status("nl", 1)
    assert (status.state, status.changed) == ("outdated", ("practice",))
    source = after.get("nl", 1).translation.source
    assert {k for k in source if source[k] != recorded[k]} == {"check-in"}
    diff = after.diff("nl", 1)
    assert list(diff) == ["practice"]
    assert "{+ in pairs+}" in diff_as_text(diff["practice"])
    assert diff.note == ""


def test_diff_without_a_synced_copy_is_empty_with_a_note(guides):
    edit(guides / "en" / "week-01.md", "Then talk", "Then walk")
    (guides / "nl" / "_synced" / "week-01.md").unlink()

    diff = GuideLibrary.load(guides).diff("nl", 1)

    assert diff == {}
    assert "no saved copy" in diff.note


def test_a_translation_without_a_record_needs_stamping(guides):
    (guides / "nl" / "start.md").write_text(english_week(0), encoding="utf-8")
    library = GuideLibrary.load(guides)

    status = library.week_status("nl", 0)
    assert status.state == "outdated"
    assert "never stamped" in status.message
    assert library.stamp("nl", 0, force=True).week_status("nl", 0).state == "draft"
    published = library.stamp("nl", 0, status="complete", force=True)
    assert published.week_status("nl", 0).state == "up_to_date"


def test_guide_doc_is_a_plain_value():
    doc = parse_guide(WEEK_3, lang="en")

    assert isinstance(doc, GuideDoc)
    assert doc.section_ids[0] == "check-in"


def test_word_diff_shortens_long_unchanged_text_around_a_change():
    before = " ".join(f"w{n}" for n in range(40))
    after = before.replace("w20", "changed")

    segments = word_diff(before, after)

    assert diff_as_text(segments) == (
        "… w12 w13 w14 w15 w16 w17 w18 w19 [-w20-]{+changed+} w21 w22 w23 w24 w25 w26 w27 w28 …"
    )
