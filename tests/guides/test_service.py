"""The app's guide library: loaded once per app, never re-parsed per page, reloaded in dev."""

import pytest

from tests.guides.conftest import edit
from wol import create_app
from wol.guides import document, library, service
from wol.guides.service import GuideService, guide_service


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        """Start at an arbitrary moment."""
        self.now = 1000.0

    def __call__(self) -> float:
        """The current fake time in seconds."""
        return self.now


def test_one_library_per_app_in_extensions(app, client):
    client.get("/guides/en/week/1")
    first = app.extensions["wol_guides"]
    client.get("/guides/nl/week/2")

    assert app.extensions["wol_guides"] is first
    assert guide_service(app) is first
    assert str(first.root) == app.config["WOL_GUIDES_DIR"]


def test_nothing_is_loaded_at_start_up(app):
    assert "wol_guides" not in app.extensions


def test_a_page_view_never_parses_markdown(app, client, monkeypatch):
    assert client.get("/guides/nl/week/4").status_code == 200

    def refuse(*args, **kwargs):
        """Fail the test: nothing may be parsed here."""
        raise AssertionError("parsed or rendered Markdown during a page view")

    monkeypatch.setattr(library, "parse_guide", refuse)
    monkeypatch.setattr(document, "render_markdown", refuse)
    monkeypatch.setattr(library.GuideLibrary, "load", refuse)

    for path in ("/guides/nl/week/4", "/guides/en/week/4", "/guides/nl/", "/guides/en/start"):
        assert client.get(path).status_code == 200


def test_views_are_cached_per_library(app):
    with app.app_context():
        guides = guide_service()
        first = guides.view("nl", 4)

        assert guides.view("nl", 4) is first
        guides.replace(guides.library().maybe_reload())  # same files, but a new cache
        again = guides.view("nl", 4)
        assert again is not first
        assert again == first


def test_testing_and_production_do_not_watch_the_files(guides_dir, app, client):
    client.get("/guides/en/week/1")
    edit(
        guides_dir / "en" / "week-01.md",
        "title: A goal you care about",
        "title: A goal that matters to you",
    )

    assert not guide_service(app).auto_reload
    assert "A goal you care about" in client.get("/guides/en/week/1").get_data(as_text=True)


@pytest.mark.parametrize("settings", [{"DEBUG": True}, {"WOL_ENV": "development"}])
def test_debug_and_development_watch_the_files(app_config, settings):
    app_config.update(settings)

    assert guide_service(create_app(app_config)).auto_reload


def test_reload_after_a_change_looks_at_most_once_per_second(guides_dir, monkeypatch):
    clock = FakeClock()
    guides = GuideService(guides_dir, auto_reload=True, clock=clock)
    first = guides.library()
    looks = []
    real_signature = library.GuideLibrary.mtime_signature
    monkeypatch.setattr(
        library.GuideLibrary,
        "mtime_signature",
        staticmethod(lambda root: looks.append(root) or real_signature(root)),
    )

    edit(
        guides_dir / "en" / "week-01.md",
        "title: A goal you care about",
        "title: A goal that matters to you",
    )
    clock.now += 0.5
    assert guides.library() is first  # too soon to look
    assert looks == []

    clock.now += 0.6
    fresh = guides.library()
    assert fresh is not first
    assert fresh.get("en", 1).title == "A goal that matters to you"
    assert guides.view("en", 1).title == "A goal that matters to you"

    looks.clear()
    for _ in range(5):
        clock.now += 0.1
        guides.library()
    assert looks == []
    clock.now += 0.6
    guides.library()
    assert len(looks) == 1


def test_pages_follow_file_changes_in_development(guides_dir, app, client):
    clock = FakeClock()
    app.extensions["wol_guides"] = GuideService(guides_dir, auto_reload=True, clock=clock)
    assert "A goal you care about" in client.get("/guides/en/week/1").get_data(as_text=True)

    edit(
        guides_dir / "en" / "week-01.md",
        "title: A goal you care about",
        "title: A goal that matters to you",
    )
    clock.now += 1.5

    assert "A goal that matters to you" in client.get("/guides/en/week/1").get_data(as_text=True)


def test_parsed_folders_are_shared_until_a_file_changes(guides_dir):
    first = service.load_library(guides_dir)

    assert service.load_library(guides_dir) is first
    edit(guides_dir / "en" / "week-02.md", "---\nweek: 2", "---\nweek:  2")
    assert service.load_library(guides_dir) is not first


def test_guide_title_follows_the_fallbacks(guides_dir, app):
    (guides_dir / "nl" / "week-05.md").unlink()

    with app.app_context():
        assert service.guide_title("nl", 4) == "Een stap dichterbij"
        assert service.guide_title("nl", 5) == "Offer what others value"
        assert service.guide_title("en", 0) == "Before your first meeting"


def test_rendered_parts_are_kept_except_in_development(guides_dir):
    renders = []

    def render():
        """Count the renders."""
        renders.append(1)
        return "<p>part</p>"

    kept = GuideService(guides_dir)
    assert kept.fragment(("x", "nl"), render) == kept.fragment(("x", "nl"), render)
    assert len(renders) == 1

    renders.clear()
    watched = GuideService(guides_dir, auto_reload=True)
    watched.fragment(("x", "nl"), render)
    watched.fragment(("x", "nl"), render)
    assert len(renders) == 2
