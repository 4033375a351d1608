"""`flask wol guides status|diff|stamp|new` on a temporary copy of the guides."""

import re

import pytest

from tests.guides.conftest import edit, text_of
from wol.guides.cli import translation_report
from wol.guides.library import GuideLibrary

OLD_LINE = "The timekeeper leads this round. What people say here stays in the circle."
NEW_LINE = "The timekeeper leads this round. What is said here stays in the circle."


def guides(runner, *args):
    """Run `flask wol guides ARGS...`."""
    return runner.invoke(args=["wol", "guides", *map(str, args)])


def week_lines(output: str) -> dict[str, str]:
    """The per-week lines of `status`, keyed by 'start', 'week 1' ..."""
    lines = {}
    for line in output.splitlines():
        match = re.match(r"nl (start|week \d+|follow-up-\d)\s+(.*)", line)
        if match:
            lines[match.group(1)] = match.group(2)
    return lines


def test_everything_up_to_date(guides_dir, runner):
    result = guides(runner, "status", "nl")

    assert result.exit_code == 0, result.output
    lines = week_lines(result.output)
    assert list(lines) == [
        "start",
        *(f"week {n}" for n in range(1, 13)),
        *(f"follow-up-{n}" for n in range(1, 7)),
    ]
    assert set(lines.values()) == {"up to date"}
    assert "nl: 19 up to date" in result.output


def test_a_changed_english_section_through_status_diff_and_stamp(guides_dir, app, runner, client):
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)

    status = guides(runner, "status", "nl")
    assert status.exit_code == 0
    lines = week_lines(status.output)
    assert lines.pop("week 4") == "outdated (changed: circle-health-check)"
    assert set(lines.values()) == {"up to date"}

    diff = guides(runner, "diff", "nl", 4)
    assert diff.exit_code == 0
    assert "== circle-health-check (How is our circle doing?) ==" in diff.output
    assert "What [-people say-]{+is said+} here" in diff.output
    assert "== check-in" not in diff.output  # only what changed

    # The reader sees the note, the translator the highlighted section.
    assert "guide-note-outdated" in client.get("/guides/nl/week/4").get_data(as_text=True)

    # The Dutch follows the English before it is stamped.
    edit(guides_dir / "nl" / "week-04.md", "Wat hier gezegd wordt", "Wat je hier zegt")
    stamp = guides(runner, "stamp", "nl", 4)
    assert stamp.exit_code == 0, stamp.output
    assert "Stamped nl week 4 (all sections)" in stamp.output

    assert week_lines(guides(runner, "status", "nl").output)["week 4"] == "up to date"
    assert "No English changes since the last sync." in guides(runner, "diff", "nl", 4).output
    synced = (guides_dir / "nl" / "_synced" / "week-04.md").read_text(encoding="utf-8")
    assert NEW_LINE in synced
    # The app's pages follow at once: no outdated note any more.
    assert "guide-note" not in client.get("/guides/nl/week/4").get_data(as_text=True)


def test_stamping_one_section_leaves_the_others_outdated(guides_dir, runner):
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)
    edit(guides_dir / "en" / "week-04.md", "One sentence each:", "One short sentence each:")

    assert week_lines(guides(runner, "status", "nl").output)["week 4"] == (
        "outdated (changed: circle-health-check, reflection)"
    )
    result = guides(runner, "stamp", "nl", 4, "--section", "reflection", "--force")

    assert result.exit_code == 0, result.output
    assert week_lines(guides(runner, "status", "nl").output)["week 4"] == (
        "outdated (changed: circle-health-check)"
    )
    diff = guides(runner, "diff", "nl", 4).output
    assert "== circle-health-check" in diff and "== reflection" not in diff


def test_added_and_removed_sections_are_named(guides_dir, runner):
    path = guides_dir / "en" / "week-04.md"
    edit(
        path,
        "## Reflection {#reflection}",
        "## A new exercise {#new-exercise}\n\nTry something new.\n\n## Reflection {#reflection}",
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("## Before the next meeting")], encoding="utf-8")

    line = week_lines(guides(runner, "status", "nl").output)["week 4"]

    assert line == "outdated (added: new-exercise; removed: before-next-meeting)"
    diff = guides(runner, "diff", "nl", 4).output
    assert "== new-exercise (A new exercise) ==" in diff
    assert "{+## A new exercise\n\nTry something new.+}" in diff
    assert "== before-next-meeting ==" in diff


def test_missing_week_and_new_draft(guides_dir, runner):
    (guides_dir / "nl" / "week-05.md").unlink()
    (guides_dir / "nl" / "_synced" / "week-05.md").unlink()

    status = guides(runner, "status", "nl")
    assert status.exit_code == 0  # missing is reported, not an error
    assert week_lines(status.output)["week 5"] == "missing"

    created = guides(runner, "new", "nl", 5)
    assert created.exit_code == 0, created.output
    assert "week-05.md as a draft" in created.output
    assert "flask wol guides stamp nl 5" in created.output
    assert week_lines(guides(runner, "status", "nl").output)["week 5"] == "draft"
    assert (guides_dir / "nl" / "_synced" / "week-05.md").is_file()

    again = guides(runner, "new", "nl", 5)
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_structure_error_fails_the_command(guides_dir, runner):
    edit(guides_dir / "nl" / "week-03.md", "## ", "<div>raw</div>\n\n## ")

    result = guides(runner, "status", "nl")

    assert result.exit_code == 1
    assert week_lines(result.output)["week 3"].startswith("structure error (")
    assert "raw HTML is not allowed" in result.output
    assert "1 week(s) with a structure error" in result.output


def test_status_without_language_covers_every_translation(guides_dir, runner):
    assert guides(runner, "new", "fr", "start").exit_code == 0

    result = guides(runner, "status")

    assert result.exit_code == 0
    assert "nl: 19 up to date" in result.output
    assert "fr start    draft" in result.output
    assert "fr week 1   missing" in result.output
    assert "en start" not in result.output  # the English is the source, not a translation


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("status", "xx"), "there are no guides in 'xx'"),
        (("diff", "nl", "13"), "is not a week"),
        (("stamp", "nl", "week-4"), "is not a week"),
        (("stamp", "en", "4"), "the English is the source"),
        (("stamp", "nl", "4", "--section", "nope"), "nope"),
    ],
)
def test_clear_errors(guides_dir, runner, args, message):
    result = guides(runner, *args)

    assert result.exit_code != 0
    assert message in result.output


def test_start_is_week_zero(guides_dir, runner):
    assert "nl start    up to date" in guides(runner, "diff", "nl", "start").output


def test_translation_report_names_what_needs_work(guides_dir):
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)
    (guides_dir / "nl" / "week-05.md").unlink()

    assert translation_report(GuideLibrary.load(guides_dir)) == [
        "nl week 4 outdated (circle-health-check)",
        "nl week 5 missing",
    ]
    assert translation_report(GuideLibrary.load(guides_dir.parent.parent / "nothing")) == []


def test_translator_page_shows_the_same_status(guides_dir, app, client, make_user, auth):
    edit(guides_dir / "en" / "week-04.md", OLD_LINE, NEW_LINE)
    make_user(email="marc@example.org", roles={"translator"})
    auth.login("marc@example.org")

    page = text_of(client.get("/translate").get_data(as_text=True))

    assert (
        "Week 4 One step closer outdated draft: 0, needs review: 0, published: 0 "
        "changed in English: How is our circle doing? "
        "circle-health-check" in page
    )
