"""The app's guide library: loaded once, reloaded on change in development, read through views.

A ``GuideView`` is what a page needs for one week in one language: the document to show (the
translation, or the English when the translation is missing or unusable), its status against
the English and the titles of the sections that changed. Documents carry their sanitised HTML
from parsing; views and rendered page parts are cached with the loaded library, so serving a
page neither parses Markdown nor re-renders the guide.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_request_context
from flask_login import current_user

from wol.guides.document import GuideDoc
from wol.guides.layer import overlaid_library
from wol.guides.library import GuideLibrary, WeekStatus
from wol.guides.store import forget_layer_token, layer_token, published_parts

EXTENSION_KEY = "wol_guides"
SOURCE_LANG = "en"
# How often (seconds) development mode looks at the files' mtimes; a page view stays cheap.
RELOAD_CHECK_SECONDS = 1.0
# Ids of the hashed parts that are not `##` sections (see guides/README.md).
PSEUDO_SECTIONS = ("title", "summary", "intro", "agenda")
# Translation states in which the translated text is shown; otherwise readers get the English.
READABLE_STATES = ("up_to_date", "outdated")
# How often (seconds) a process looks in the database for texts published in the browser when
# serving anonymous readers; signed-in people always get the latest. One read per request would
# make a cached reading page several times slower than the page itself.
LAYER_CHECK_SECONDS = 0.25
# Rendered page parts kept per library: a few templates x languages x weeks x locales. The cap
# only guards against an unexpected key explosion.
FRAGMENT_LIMIT = 2000
# Parsed guide folders of this process, reused while no file changed (see load_library).
_SHARED_LIMIT = 8
_shared: dict[tuple[str, str], GuideLibrary] = {}
_shared_lock = threading.Lock()


@dataclass(frozen=True)
class AgendaItem:
    """One time box of a meeting: the section it runs and its minutes."""

    id: str
    title: str
    minutes: int


@dataclass(frozen=True)
class ChangedSection:
    """An English section that changed since the translation was synced."""

    id: str
    change: str  # "changed", "added" or "removed"
    title: str  # as shown in the translation, when it has the section
    english_title: str  # as in the English (current, or as synced for a removed one)


@dataclass(frozen=True)
class GuideView:
    """One week in one requested language, resolved for reading."""

    lang: str  # the language asked for
    week: int
    doc: GuideDoc | None  # what is shown; None when not even the English is usable
    status: WeekStatus
    changes: tuple[ChangedSection, ...] = ()

    @property
    def shown_lang(self) -> str:
        """The language of the text shown (the English when falling back)."""
        return self.doc.lang if self.doc is not None else self.lang

    @property
    def is_fallback(self) -> bool:
        """True when the English is shown instead of the language asked for."""
        return self.doc is not None and self.doc.lang != self.lang

    @property
    def is_outdated(self) -> bool:
        """True when the translated text is shown but the English moved on since."""
        return not self.is_fallback and self.status.state == "outdated"

    @property
    def title(self) -> str:
        """The week's title in the shown language ('' when nothing can be shown)."""
        return self.doc.title if self.doc is not None else ""

    @property
    def agenda(self) -> tuple[AgendaItem, ...]:
        """The meeting's time boxes, titled as in the shown text."""
        if self.doc is None:
            return ()
        items = []
        for section_id, minutes in self.doc.agenda:
            section = self.doc.section(section_id)
            items.append(AgendaItem(section_id, section.title if section else section_id, minutes))
        return tuple(items)

    @property
    def total_minutes(self) -> int:
        """Minutes of all time boxes together."""
        return sum(item.minutes for item in self.agenda)


def load_library(root: Path, source_lang: str = SOURCE_LANG) -> GuideLibrary:
    """Parse a guide folder, or reuse this process's parse of it when no file has changed.

    Parsing every file takes a noticeable fraction of a second; apps of the same process (test
    runs, the CLI inside a served app) share the result. It is only a cache: the key includes
    the files' mtimes and sizes, so any change on disk means a fresh parse.
    """
    key = (str(Path(root).resolve()), source_lang)
    with _shared_lock:
        cached = _shared.get(key)
    if cached is not None and cached.signature == GuideLibrary.mtime_signature(cached.root):
        return cached
    library = GuideLibrary.load(Path(root), source_lang)
    with _shared_lock:
        _shared.pop(key, None)
        _shared[key] = library
        while len(_shared) > _SHARED_LIMIT:
            _shared.pop(next(iter(_shared)))
    return library


class GuideService:
    """Holds one parsed GuideLibrary for an app and what is derived from it (views, HTML)."""

    def __init__(
        self,
        root: Path,
        *,
        auto_reload: bool = False,
        source_lang: str = SOURCE_LANG,
        clock: Callable[[], float] = time.monotonic,
        layer_check_seconds: float = LAYER_CHECK_SECONDS,
    ) -> None:
        """Serve the guides under ``root``; ``auto_reload`` watches the files (development)."""
        self.root = Path(root)
        self.auto_reload = auto_reload
        self.source_lang = source_lang
        self._clock = clock
        self._lock = threading.Lock()
        # The library and a cache of what was derived from it, swapped together so that nothing
        # is ever cached against a library it was not built from.
        self._loaded: tuple[GuideLibrary, dict[tuple, Any]] | None = None
        # (files, layer token, files with the layer, cache of what was derived from them)
        self._effective: tuple[GuideLibrary, str, GuideLibrary, dict[tuple, Any]] | None = None
        self._checked_at = 0.0
        # Counts the guide files loaded: what was drawn from older files is not given again.
        self.generation = 0
        self._published_parts = published_parts
        self.layer_check_seconds = layer_check_seconds
        self._token_seen: tuple[str, float] | None = None  # (token, when it was read)

    def _files(self) -> GuideLibrary:
        """The guide files: loaded at first use, reloaded on change in development."""
        loaded = self._loaded
        if loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._set(load_library(self.root, self.source_lang))
                loaded = self._loaded
        elif self.auto_reload:
            self.maybe_reload()
            loaded = self._loaded
        assert loaded is not None
        return loaded[0]

    def _current(self) -> tuple[GuideLibrary, dict[tuple, Any]]:
        """The files with the browser's published texts laid over them, and a cache of what
        was derived from that. The layer's token is read from the database once per request,
        so a text published on any host or worker is seen by every reader at once."""
        files = self._files()
        token = self._layer_token()
        effective = self._effective
        if effective is not None and effective[0] is files and effective[1] == token:
            return effective[2], effective[3]
        library = overlaid_library(files, self._published_parts()) if token else files
        with self._lock:
            self._effective = (files, token, library, {})
            return library, self._effective[3]

    def _layer_token(self) -> str:
        """The layer's token from the database: for signed-in people (translators who just
        published, say) on every request; for anonymous readers, whose pages are served from
        a copy, at most once per ``layer_check_seconds`` in this process. A text published on
        any host or worker reaches every reader within that time."""
        if has_request_context() and current_user.is_authenticated:
            return layer_token()
        now = self._clock()
        seen = self._token_seen
        if seen is not None and now - seen[1] < self.layer_check_seconds:
            return seen[0]
        token = layer_token()
        self._token_seen = (token, now)
        return token

    def forget_layer(self) -> None:
        """Read the layer's token afresh at the next request (this process just changed it)."""
        self._token_seen = None
        forget_layer_token()

    def library(self) -> GuideLibrary:
        """The guides as readers get them: files plus the texts published in the browser."""
        return self._current()[0]

    def files(self) -> GuideLibrary:
        """The guide files alone, without the browser's layer."""
        return self._files()

    def maybe_reload(self) -> GuideLibrary:
        """Reload when a guide file changed on disk; looks at most once per second."""
        if self._loaded is None:
            return self._files()
        now = self._clock()
        if now - self._checked_at < RELOAD_CHECK_SECONDS:
            return self._loaded[0]
        with self._lock:
            library = self._loaded[0]
            if now - self._checked_at >= RELOAD_CHECK_SECONDS:
                self._checked_at = now
                fresh = load_library(self.root, self.source_lang)
                if fresh is not library:
                    self._set(fresh)
            return self._loaded[0]

    def replace(self, library: GuideLibrary) -> None:
        """Use ``library`` as the guide files from now on (after the CLI wrote files, say)."""
        with _shared_lock:
            _shared[(str(Path(library.root).resolve()), library.source_lang)] = library
        with self._lock:
            self._set(library)

    def _set(self, library: GuideLibrary) -> None:
        """Swap in the files; what was derived from older ones is dropped (caller locks)."""
        self._loaded = (library, {})
        self._effective = None
        self.generation += 1
        self._checked_at = self._clock()

    def _cached(self, key: tuple, build: Callable[[GuideLibrary], Any]) -> Any:
        """``build(library)`` once per library and layer; later calls get the same value."""
        library, cache = self._current()
        found = cache.get(key)
        if found is None:
            found = build(library)
            if len(cache) < FRAGMENT_LIMIT:
                cache[key] = found  # atomic; a race at worst builds the value twice
        return found

    def languages(self) -> tuple[str, ...]:
        """Languages that have a guide folder, the English first."""
        return self._cached(("languages",), lambda library: library.languages())

    def translation_languages(self) -> tuple[str, ...]:
        """Languages other than the English source."""
        return tuple(lang for lang in self.languages() if lang != self.source_lang)

    def view(self, lang: str, week: int) -> GuideView:
        """What to show for ``week`` in ``lang`` (cached until the library changes)."""
        return self._cached(("view", lang, week), lambda library: build_view(library, lang, week))

    def titles(self, lang: str, weeks: tuple[int, ...]) -> tuple[str, ...]:
        """The titles of ``weeks`` in ``lang`` as readers see them, looked up together (a
        calendar feed's version is made of them, on every poll)."""
        return self._cached(
            ("titles", lang, weeks),
            lambda library: tuple(build_view(library, lang, week).title for week in weeks),
        )

    def derived(self, key: tuple, build: Callable[[], Any]) -> Any:
        """``build()`` once per library and layer for ``key``: for values made from the guides
        alone (a week's exercises, say), which every request would otherwise make again."""
        return self._cached(("derived", *key), lambda _library: build())

    def fragment(self, key: tuple, render: Callable[[], str]) -> str:
        """Rendered HTML for ``key`` (the caller puts everything it depends on in the key),
        rendered once per loaded library."""
        if self.auto_reload:  # in development templates change too; see them at once
            return render()
        return self._cached(("html", *key), lambda _library: render())


def build_view(library: GuideLibrary, lang: str, week: int) -> GuideView:
    """Resolve ``week`` in ``lang``: the translation when readable, else the English."""
    status = library.week_status(lang, week)
    english = library.get(library.source_lang, week)
    own = library.get(lang, week)
    if lang == library.source_lang:
        return GuideView(lang, week, english, status)
    if own is not None and (status.state in READABLE_STATES or english is None):
        shown = with_english_parts(own, english) if english is not None else own
        return GuideView(lang, week, shown, status, changed_sections(library, status))
    # Missing, draft (a draft starts as a copy of the English) or broken: show the English.
    return GuideView(lang, week, english, status)


def with_english_parts(own: GuideDoc, english: GuideDoc) -> GuideDoc:
    """The translation as readers get it: the English minutes (the agenda is the English one,
    titled by the translation), and every English section the translation lacks shown in
    English where the English has it, so no part of the week is missing."""
    sections = list(own.sections)
    ids = [section.id for section in sections]
    english_ids = list(english.section_ids)
    for position, section in enumerate(english.sections):
        if section.id in ids:
            continue
        at = 0
        for previous in reversed(english_ids[:position]):
            if previous in ids:
                at = ids.index(previous) + 1
                break
        sections.insert(at, replace(section, lang=english.lang))
        ids.insert(at, section.id)
    return replace(own, agenda=english.agenda, sections=tuple(sections))


def changed_sections(library: GuideLibrary, status: WeekStatus) -> tuple[ChangedSection, ...]:
    """The sections the English changed, added or removed since the sync, with titles."""
    english = library.get(library.source_lang, status.week)
    own = library.get(status.lang, status.week)
    synced = library.synced_copy(status.lang, status.week)
    found = []
    for change, ids in (
        ("changed", status.changed),
        ("added", status.added),
        ("removed", status.removed),
    ):
        for section_id in ids:
            english_section = english.section(section_id) if english else None
            if english_section is None and synced is not None:
                english_section = synced.section(section_id)
            own_section = own.section(section_id) if own else None
            english_title = english_section.title if english_section else section_id
            title = own_section.title if own_section else english_title
            found.append(ChangedSection(section_id, change, title, english_title))
    return tuple(found)


def guide_service(app: Flask | None = None) -> GuideService:
    """The GuideService of ``app`` (default: the current app), created at first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    service = app.extensions.get(EXTENSION_KEY)
    if service is None:
        auto_reload = bool(app.debug) or app.config.get("WOL_ENV") == "development"
        # setdefault: two first requests at once still end up sharing one service
        service = app.extensions.setdefault(
            EXTENSION_KEY,
            GuideService(
                Path(app.config["WOL_GUIDES_DIR"]),
                auto_reload=auto_reload,
                layer_check_seconds=float(
                    app.config.get("WOL_GUIDE_LAYER_CHECK_SECONDS", LAYER_CHECK_SECONDS)
                ),
            ),
        )
    return service


def guide_view(lang: str, week: int) -> GuideView:
    """The view of ``week`` in ``lang`` for the current app."""
    return guide_service().view(lang, week)


def guide_title(lang: str, week: int) -> str:
    """The title of ``week`` as a reader of ``lang`` sees it ('' when there is none)."""
    return guide_view(lang, week).title


def guide_titles(lang: str, weeks: tuple[int, ...]) -> tuple[str, ...]:
    """The titles of ``weeks`` as a reader of ``lang`` sees them ('' where there is none)."""
    return guide_service().titles(lang, weeks)


@dataclass(frozen=True)
class CatalogProgress:
    """How far one language's interface catalog (messages.po) is translated."""

    lang: str
    translated: int
    fuzzy: int
    missing: int

    @property
    def total(self) -> int:
        """Entries in the catalog."""
        return self.translated + self.fuzzy + self.missing

    @property
    def percent(self) -> int:
        """Translated entries as a whole percentage (rounded down, so 100 means done)."""
        return self.translated * 100 // self.total if self.total else 100


def catalog_progress(translations_dir: Path) -> list[CatalogProgress]:
    """Translated, fuzzy and missing entries of every ``<lang>/LC_MESSAGES/messages.po``."""
    from babel.messages.pofile import read_po

    found = []
    for po_path in sorted(Path(translations_dir).glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as file:
            catalog = read_po(file)
        translated = fuzzy = missing = 0
        for message in catalog:
            if not message.id:  # the header
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                fuzzy += 1
            elif all(strings):
                translated += 1
            else:
                missing += 1
        found.append(CatalogProgress(po_path.parent.parent.name, translated, fuzzy, missing))
    return found
