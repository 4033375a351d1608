"""Every word on every page comes from the catalog, so a Dutch reader never meets English.

The catalog check (`make i18n-check`) only sees strings wrapped in `_()`. This test closes its
blind spot: it builds a pseudo-translation in which every catalog entry is wrapped in ⟦ ⟧,
serves the demo data with it, opens every page as each kind of user (and every form with its
errors), and fails on any interface text left unmarked. What is not interface text is set
aside: what people typed (names, circle names, places: every text in the database), guide
texts, dates and numbers that Babel writes, and the language names of the language switch.
"""

import re
import subprocess
import sys
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.dates import get_day_names, get_month_names, get_period_names
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from sqlalchemy import String, Text, select, update
from wtforms.i18n import messages_path

from wol import create_app
from wol.auth.models import User
from wol.demo import DEMO_PASSWORD, load_demo
from wol.extensions import babel, db
from wol.i18n import LANGUAGES, all_timezones, zone_label, zone_region
from wol.rounds.models import Round

ROOT = Path(__file__).resolve().parent.parent
OPEN, CLOSE = "\u27e6", "\u27e7"
MARKED = re.compile(f"{OPEN}[^{CLOSE}]*{CLOSE}")
# Elements whose text is content, not interface: guide texts and the translators' sources.
CONTENT_CLASSES = {
    "guide-intro",
    "guide",
    "exercise-text",
    "diff",
    "sbs-column",
    "sbs-diff",
    "mail-text",
}
# Names that stay as they are in every language.
FIXED_WORDS = {
    "wol",
    "WOL",
    "Working Out Loud",
    "Nederlands",
    "English",
    "iCalendar",
    "ics",
    "CSV",
    "Outlook",
    "Google",
    "Apple",
    "Teams",
    "Zoom",
    "Slack",
    "Yammer",
    "Viva Engage",
    "Workplace",
    "webcal",
    "https",
    "UTC",
    "SVG",
}
ROLES = (
    "anonymous",
    "ann@example.org",
    "els@example.org",
    "marc@example.org",
    "admin@example.org",
    "fatima@example.org",
)


def _mark(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}"


@pytest.fixture(scope="module")
def pseudo_translations(tmp_path_factory) -> Path:
    """A translations folder whose Dutch catalog marks every string the code asks for."""
    folder = tmp_path_factory.mktemp("pseudo")
    pot = folder / "messages.pot"
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    subprocess.run(
        [pybabel, "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale="nl")
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            catalog.add(
                message.id, (_mark(message.id[0]), _mark(message.id[1])), flags=message.flags
            )
        else:
            catalog.add(message.id, _mark(message.id), flags=message.flags)
    for language in LANGUAGES:
        target = folder / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        catalog.locale = language
        with (target / "messages.mo").open("wb") as handle:
            write_mo(handle, catalog)
    return folder


def _wtforms_messages(language: str) -> set[str]:
    """WTForms' own messages in ``language`` (its catalog is real Dutch, not ours to mark)."""
    translations = Translations.load(messages_path(), [language], domain="wtforms")
    catalog = getattr(translations, "_catalog", {})
    texts = {str(text) for text in catalog.values() if text}
    texts |= {str(key[0] if isinstance(key, tuple) else key) for key in catalog if key}
    return texts


class _TextCollector(HTMLParser):
    """Collects visible text and the attributes a screen reader reads out."""

    SPOKEN = ("title", "aria-label", "placeholder", "alt", "aria-description")

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.texts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def _in_content(self) -> bool:
        return any(content for _, content in self.stack)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        # Text declared to be in another language (an English title on a Dutch page) is content.
        content = (
            bool(classes & CONTENT_CLASSES)
            or values.get("lang", self.language) != self.language
            or tag in {"script", "style", "textarea", "pre", "code"}
        )
        if not self._in_content():
            for name in self.SPOKEN:
                if values.get(name):
                    self.texts.append(values[name])
            if (
                tag == "input"
                and values.get("type") in {"submit", "button"}
                and values.get("value")
            ):
                self.texts.append(values["value"])
        if tag not in {"input", "br", "img", "meta", "link", "hr", "source", "col"}:
            self.stack.append((tag, content))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if data.strip() and not self._in_content():
            self.texts.append(data)


def _babel_words(language: str) -> set[str]:
    """Month, day and day-period names Babel writes in dates, and continent names."""
    words = set()
    for width in ("wide", "abbreviated", "narrow", "short"):
        for getter in (get_month_names, get_day_names):
            for context in ("format", "stand-alone"):
                try:
                    words |= set(getter(width, context, language).values())
                except (KeyError, ValueError):
                    pass
    words |= set(get_period_names(locale=language).values())
    words |= {zone_region(name, language) for name in all_timezones()} - {None}
    return {w for w in words if len(w) > 1}


class Content:
    """What is not interface text: what people typed, guide texts, Babel's words."""

    def __init__(self, values: list[str], allowed_words: set[str]):
        self.values = set(values)
        self.text = "\n".join(values)
        self.first_words = {v.split()[0] for v in values if v.split()}
        self.long_values = sorted((v for v in self.values if len(v) >= 4), key=len, reverse=True)
        self.allowed_words = allowed_words

    def holds(self, segment: str) -> bool:
        """True when ``segment`` is (part of) content rather than interface text."""
        return (
            segment in self.values
            or segment in self.first_words
            or (len(segment) >= 12 and segment in self.text)
        )

    def leftovers(self, text: str) -> str:
        """What is left of ``text`` once marked strings and content are set aside."""
        rest = []
        text = MARKED.sub(" | ", text)
        for value in self.long_values:
            if value in text:
                text = text.replace(value, " | ")
        for segment in re.split(r"\s*(?:[,;:·|()\[\]—–]|\s-\s|\.\s)\s*", text):
            segment = segment.strip(" .!?\"'“”‘’…")
            if not segment or self.holds(segment):
                continue
            words = [
                w
                for w in re.findall(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", segment)
                if w not in self.allowed_words and not self.holds(w)
            ]
            rest.extend(words)
        return " ".join(rest)


def _guide_texts() -> list[str]:
    """Every line of the shipped guides, without Markdown marks (guide text is content)."""
    lines = []
    for path in sorted((ROOT / "guides").glob("*/*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = re.sub(r"^\s*(?:#+|[-*+]|\d+\.|>)\s*", "", line)
            line = re.sub(r"^[\w-]+:\s*", "", line)  # front matter keys
            line = re.sub(r"[*_`]|\[|\]\([^)]*\)|\{#[^}]*\}", "", line).strip(" \"'")
            if len(line) > 1:
                lines.append(line)
    return lines


@pytest.fixture(scope="module")
def demo_site(pseudo_translations, tmp_path_factory, database_url):
    """The demo data served with the pseudo catalog; yields (app, user data, ids)."""
    from tests.conftest import _empty_tables

    mail_dir = tmp_path_factory.mktemp("mail")
    app = create_app(
        {
            "WOL_ENV": "testing",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": str(mail_dir),
            "BASE_URL": "http://wol.test",
            "BABEL_TRANSLATION_DIRECTORIES": str(pseudo_translations),
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        }
    )
    # Flask-Babel keeps loaded catalogs on the shared extension object, for every app in this
    # process: start from none, and leave none behind for the tests that follow.
    with app.app_context():
        babel.domain_instance.cache.clear()
        _empty_tables()
    with app.test_request_context(base_url="http://wol.test"):
        load_demo(date.today())
        db.session.commit()
        user_data = _database_texts()
    yield app, user_data
    with app.app_context():
        babel.domain_instance.cache.clear()
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _database_texts() -> list[str]:
    """Every text stored in the database (what people typed), longest first."""
    values = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                if isinstance(value, str) and len(value.strip()) > 1:
                    values.add(value.strip())
                    values.update(line.strip() for line in value.splitlines() if line.strip())
    return sorted(values, key=len, reverse=True)


def _url_values(app, email: str | None) -> dict[str, object]:
    """Values for the URL arguments of every page, taken from the demo data."""
    from wol.circles.models import Circle, Meeting, Membership

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email_key == (email or "ann@example.org")))
        circle = db.session.scalar(
            select(Circle).join(Membership).where(Membership.user_id == user.id).order_by(Circle.id)
        ) or db.session.scalar(select(Circle).order_by(Circle.id))
        meeting = db.session.scalar(
            select(Meeting).where(Meeting.circle_id == circle.id).order_by(Meeting.week)
        )
        values = {
            "circle_id": circle.id,
            "week": 4,
            "lang": "nl",
            "user_id": user.id,
            "meeting_id": meeting.id,
            "answer": "yes",
            "part": "agenda",
            "revision_id": 1,
            "filename": "wol.css",
            "alert_id": 1,
            "harvest_id": 1,
            "entry_id": 1,
            "token:circles.invite": circle.invite_token,
            "token:calendar.feed": user.feed_token,
        }
        demo_round = db.session.scalar(select(Round).order_by(Round.id))
        values["round_id"] = demo_round.id
        values["token:rounds.signup"] = demo_round.signup_token
    return values


def _pages(app, values: dict) -> list[tuple[str, str, list[str]]]:
    """(endpoint, URL, methods) of every page, with its arguments filled in."""
    pages = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        args = {}
        for name in rule.arguments:
            key = f"{name}:{rule.endpoint}"
            if key in values:
                args[name] = values[key]
            elif name == "token":
                args[name] = "x" * 43  # an unknown token: its error page is checked too
            elif name in values:
                args[name] = values[name]
            else:
                pytest.fail(f"tell {__name__} how to fill <{name}> of {rule.rule}")
        url = rule.build(args, append_unknown=False)[1]
        pages.append((rule.endpoint, url, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return sorted(pages)


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_speaks_only_the_catalog(demo_site, language):
    app, user_data = demo_site
    with app.app_context():
        db.session.execute(update(User).values(language=language))
        db.session.commit()
    zones = [zone_label(name, language) for name in all_timezones()]
    content = Content(
        user_data
        + sorted(_wtforms_messages(language))
        + sorted(FIXED_WORDS)
        + _guide_texts()
        + zones,
        _babel_words(language) | FIXED_WORDS,
    )
    findings: dict[str, set[str]] = {}
    pages_seen = 0
    for role in ROLES:
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        if role != "anonymous":
            response = client.post("/login", data={"email": role, "password": DEMO_PASSWORD})
            assert response.status_code == 302, f"{role} cannot sign in"
        for endpoint, url, methods in _pages(
            app, _url_values(app, None if role == "anonymous" else role)
        ):
            if endpoint in {"auth.logout", "main.switch_language"}:
                continue
            responses = []
            if "GET" in methods:
                responses.append(("GET", client.get(url)))
            if "POST" in methods and "GET" in methods:
                # The same form sent empty: every error message must be translated too.
                responses.append(("POST", client.post(url, data={})))
            for method, response in responses:
                assert response.status_code < 500, f"{method} {url} as {role}: 500"
                if 300 <= response.status_code < 400 or not response.content_type.startswith(
                    "text/html"
                ):
                    continue
                pages_seen += 1
                collector = _TextCollector(language)
                collector.feed(response.get_data(as_text=True))
                for text in collector.texts:
                    rest = content.leftovers(text)
                    if rest:
                        findings.setdefault(f"{method} {endpoint}", set()).add(
                            f"{text.strip()[:120]} [{rest}]"
                        )
    assert pages_seen > 100, "the demo data opens the pages"
    report = "\n".join(f"{where}: {sorted(texts)}" for where, texts in sorted(findings.items()))
    assert not findings, "Interface text that is not in the catalog:\n" + report
