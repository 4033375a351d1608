"""Fixtures for the guide pages and commands: a writable guide folder, circles, page text."""

import re
import shutil
from datetime import date, time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext

from wol.auth.models import User
from wol.circles.service import CircleDetails, create_circle
from wol.extensions import db

GUIDES = Path(__file__).resolve().parents[2] / "guides"


@pytest.fixture
def guides_dir(tmp_path, app_config):
    """A writable copy of the real guides for the app under test (request it before `app`)."""
    target = tmp_path / "guides"
    shutil.copytree(GUIDES, target)
    app_config["WOL_GUIDES_DIR"] = str(target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) with ``new`` in a guide file."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def start_circle(
    app,
    user,
    *,
    language: str = "nl",
    name: str = "Cirkel Digitale Overheid",
    first_day: date | None = None,
) -> int:
    """Start a circle with ``user`` as its first member; return the circle's id."""
    with app.test_request_context():
        creator = db.session.get(User, user.id)
        circle = create_circle(
            creator,
            CircleDetails(
                name=name,
                language=language,
                first_day=first_day or date.today(),
                local_time=time(12, 0),
                timezone="Europe/Brussels",
                place="Room 4.12",
            ),
            join=True,
            today=date.today(),
        )
        db.session.commit()
        return circle.id


def in_language(app, lang: str, message: str, **values) -> str:
    """``message`` as the catalog of ``lang`` words it (the English until it is translated)."""
    with app.test_request_context(), force_locale(lang):
        return gettext(message, **values)


class _TextParser(HTMLParser):
    """Collects the text of a page, skipping scripts and styles."""

    def __init__(self):
        """Start with no text."""
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        """Note when a script or style starts: its content is not text a reader sees."""
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        """Note when a script or style ends."""
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        """Keep text outside scripts and styles."""
        if not self.skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    """The text of a page with tags removed and white space collapsed."""
    parser = _TextParser()
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


def element(html: str, tag: str, **attrs: str) -> str:
    """The first ``<tag ...>...</tag>`` whose attributes include ``attrs`` (simple, no nesting
    of the same tag)."""
    wanted = "".join(
        rf'(?=[^>]*\b{name.rstrip("_").replace("_", "-")}="{re.escape(value)}")'
        for name, value in attrs.items()
    )
    match = re.search(rf"<{tag}\b{wanted}[^>]*>(.*?)</{tag}>", html, re.S)
    assert match, f"no <{tag}> with {attrs}"
    return match.group(0)
