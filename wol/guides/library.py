"""The guide folder: every language's weeks, translation status, English diffs and stamping.

Layout and rules are in ``guides/README.md``. Pure: no Flask, no database.

How a translation's section ids are judged (README: "its ids differ from the English ones"):
a translation is compared with the English *as recorded at its last sync* (the section ids in
``translation.source``). A section the English added or removed since then is "outdated", not
an error, whether or not the translator has already added or removed it. An error is an id
that neither the recorded English nor the current English has, or a missing section that both
have. A file without a record is compared with the current English directly. Stamping refuses
to record a state that would be a structure error.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .document import (
    FOLLOW_UP_WEEKS,
    LAST_WEEK,
    RESERVED_IDS,
    GuideDoc,
    GuideError,
    StampNeedsConfirmation,
    draft_from_english,
    file_name_of_week,
    merge_synced_section,
    parse_guide,
    parse_synced_copy,
    section_diff,
    section_hashes,
    stamp_text,
    stamp_warnings,
    week_of_file_name,
)

WEEKS = tuple(range(0, LAST_WEEK + 1))
# The weeks and the follow-up guide's weeks (101-106, see document.FOLLOW_UP_BASE).
ALL_WEEKS = WEEKS + FOLLOW_UP_WEEKS
SYNCED_DIR = "_synced"
_LANG_DIR_RE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?\Z")

WeekState = Literal["up_to_date", "outdated", "draft", "missing", "orphan", "structure_error"]
Signature = tuple[tuple[str, int, int], ...]
Key = tuple[str, int]


@dataclass(frozen=True)
class WeekStatus:
    """Where one week of one language stands against the English source."""

    lang: str
    week: int
    state: WeekState
    changed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    message: str = ""


class SectionDiff(dict[str, list[str]]):
    """Unified diff lines per section id; `note` explains a diff that is empty or partial."""

    def __init__(self, diffs: Mapping[str, list[str]] | None = None, note: str = "") -> None:
        super().__init__(diffs or {})
        self.note = note


class GuideLibrary:
    """All guide files under one folder, parsed once; structure errors are kept, not raised."""

    def __init__(
        self,
        root: Path,
        source_lang: str,
        docs: dict[Key, GuideDoc],
        synced: dict[Key, GuideDoc],
        errors: dict[Key, GuideError],
        synced_errors: dict[Key, GuideError],
        stray: tuple[Path, ...],
        signature: Signature,
    ) -> None:
        self.root = root
        self.source_lang = source_lang
        self.docs = docs
        self.synced = synced
        self.errors = errors
        self.synced_errors = synced_errors
        self.stray = stray
        self.signature = signature

    @classmethod
    def load(cls, root: Path, source_lang: str = "en") -> GuideLibrary:
        """Parse every `<lang>/start.md`, `week-NN.md` and `<lang>/_synced/*.md` under root."""
        root = Path(root)
        signature = cls.mtime_signature(root)
        docs: dict[Key, GuideDoc] = {}
        synced: dict[Key, GuideDoc] = {}
        errors: dict[Key, GuideError] = {}
        synced_errors: dict[Key, GuideError] = {}
        stray: list[Path] = []
        for lang, path, is_synced in _guide_files(root):
            week = week_of_file_name(path.name)
            if week is None or week not in ALL_WEEKS:
                stray.append(path)
                continue
            try:
                text = _read(path, newline=None)
                if is_synced:
                    synced[(lang, week)] = parse_synced_copy(text, lang=source_lang, path=str(path))
                else:
                    docs[(lang, week)] = parse_guide(text, lang=lang, path=str(path))
            except GuideError as exc:
                (synced_errors if is_synced else errors)[(lang, week)] = exc
        return cls(root, source_lang, docs, synced, errors, synced_errors, tuple(stray), signature)

    @staticmethod
    def mtime_signature(root: Path) -> Signature:
        """(path, mtime_ns, size) of every guide file: a cheap check for changes on disk."""
        entries = []
        for _lang, path, _is_synced in _guide_files(Path(root)):
            try:
                stat = path.stat()
            except FileNotFoundError:  # deleted while we looked
                continue
            entries.append((path.relative_to(root).as_posix(), stat.st_mtime_ns, stat.st_size))
        return tuple(sorted(entries))

    def overlaid(
        self, docs: Mapping[Key, GuideDoc], synced: Mapping[Key, GuideDoc]
    ) -> GuideLibrary:
        """This library with some translations (and their synced English) replaced, e.g. by
        the texts published in the browser; the files on disk are untouched."""
        return GuideLibrary(
            self.root,
            self.source_lang,
            {**self.docs, **docs},
            {**self.synced, **synced},
            {key: error for key, error in self.errors.items() if key not in docs},
            self.synced_errors,
            self.stray,
            self.signature,
        )

    def maybe_reload(self) -> GuideLibrary:
        """A freshly loaded library if any guide file changed on disk, else this one."""
        if self.mtime_signature(self.root) == self.signature:
            return self
        return GuideLibrary.load(self.root, self.source_lang)

    def languages(self) -> tuple[str, ...]:
        """Language codes with a folder, the source language first."""
        found = {lang for lang, _week in [*self.docs, *self.errors]}
        found.update(p.name for p in _lang_dirs(self.root))
        others = sorted(found - {self.source_lang})
        return (self.source_lang, *others) if self.source_lang in found else tuple(others)

    @staticmethod
    def weeks() -> tuple[int, ...]:
        """The weeks wol knows: 0 (start) to 12."""
        return WEEKS

    def get(self, lang: str, week: int) -> GuideDoc | None:
        """The parsed guide for a week in a language, or None (missing or broken)."""
        return self.docs.get((lang, week))

    def synced_copy(self, lang: str, week: int) -> GuideDoc | None:
        """The English as it was when this translation was last stamped, if saved."""
        return self.synced.get((lang, week))

    def path(self, lang: str, week: int) -> Path:
        """Where the file for a week in a language lives (whether or not it exists)."""
        return self.root / lang / file_name_of_week(week)

    def synced_path(self, lang: str, week: int) -> Path:
        """Where the saved English copy for a translated week lives."""
        return self.root / lang / SYNCED_DIR / file_name_of_week(week)

    # --- status ---------------------------------------------------------------------------

    def status(self, lang: str) -> list[WeekStatus]:
        """Status of weeks 0-12 and the follow-up weeks in a language, plus orphans for week
        files beyond them."""
        # The follow-up weeks count where the guide set has them: an organisation's own guide
        # folder without a follow-up is not "missing" six weeks.
        present = {week for _lang, week in [*self.docs, *self.errors]}
        weeks = [*WEEKS, *(week for week in FOLLOW_UP_WEEKS if week in present)]
        statuses = [self.week_status(lang, week) for week in weeks]
        for path in self.stray:
            week = week_of_file_name(path.name)
            if path.parent.name == lang and week is not None and week not in ALL_WEEKS:
                statuses.append(
                    WeekStatus(lang, week, "orphan", message=f"{path}: there is no week {week}")
                )
        return statuses

    def week_status(self, lang: str, week: int) -> WeekStatus:
        """Status of one week in one language against the English source."""
        source = self.source_lang
        english = self.docs.get((source, week))
        english_error = self.errors.get((source, week))
        if lang == source:
            if english_error is not None:
                return WeekStatus(lang, week, "structure_error", message=str(english_error))
            if english is None:
                return WeekStatus(lang, week, "missing", message=f"no {self.path(lang, week)}")
            if english.translation is not None:
                return WeekStatus(
                    lang,
                    week,
                    "structure_error",
                    message=f"{english.path}: the source language has no 'translation' record",
                )
            return WeekStatus(lang, week, "up_to_date")

        translation = self.docs.get((lang, week))
        translation_error = self.errors.get((lang, week))
        if translation is None and translation_error is None:
            note = "" if english or english_error else " (and no English either)"
            return WeekStatus(lang, week, "missing", message=f"no {self.path(lang, week)}{note}")
        if english is None and english_error is None:
            detail = f"; it also fails to parse: {translation_error}" if translation_error else ""
            return WeekStatus(
                lang,
                week,
                "orphan",
                message=f"there is no English {self.path(source, week)}{detail}",
            )
        if translation_error is not None or translation is None:
            return WeekStatus(lang, week, "structure_error", message=str(translation_error))
        if english_error is not None or english is None:
            return WeekStatus(
                lang,
                week,
                "structure_error",
                message=f"the English file has a structure error: {english_error}",
            )

        english_hashes = section_hashes(english)
        record = translation.translation
        recorded = record.source if record is not None else None
        # An empty record says nothing about the sections: compare with the English as is.
        recorded_ids = (
            [key for key in recorded if key not in RESERVED_IDS]
            if recorded
            else list(english.section_ids)
        )
        problem = _id_problem(translation.section_ids, recorded_ids, english.section_ids)
        if problem:
            return WeekStatus(
                lang, week, "structure_error", message=f"{translation.path}: {problem}"
            )
        is_draft = record is not None and record.status == "draft"
        if not recorded:
            return WeekStatus(
                lang,
                week,
                "draft" if is_draft else "outdated",
                added=tuple(english_hashes),
                message="no hashes recorded: never stamped against the English",
            )
        changed, added, removed = _changes(english_hashes, recorded)
        summary = _describe(changed, added, removed)
        if is_draft:
            message = "draft" + (f"; {summary}" if summary else "")
            return WeekStatus(lang, week, "draft", changed, added, removed, message)
        if changed or added or removed:
            return WeekStatus(lang, week, "outdated", changed, added, removed, summary)
        return WeekStatus(lang, week, "up_to_date")

    def diff(self, lang: str, week: int) -> SectionDiff:
        """English diff since the last sync, per outdated section; `.note` says what is off."""
        english = self.docs.get((self.source_lang, week))
        if lang == self.source_lang:
            return SectionDiff(note="the English is the source; it has no diff")
        if english is None:
            return SectionDiff(note=f"no valid English {self.path(self.source_lang, week)}")
        old = self.synced.get((lang, week))
        if old is None:
            broken = self.synced_errors.get((lang, week))
            reason = f" ({broken})" if broken else ""
            return SectionDiff(
                note=f"no saved copy of the English at the last sync"
                f" ({self.synced_path(lang, week)}){reason}; stamping starts one"
            )
        diffs = section_diff(old, english)
        translation = self.docs.get((lang, week))
        if translation is None or translation.translation is None:
            return SectionDiff(diffs, note="no translation record; diff against the saved copy")
        recorded = translation.translation.source
        changed, added, removed = _changes(section_hashes(english), recorded)
        wanted = {*changed, *added, *removed}
        old_hashes = section_hashes(old)
        mismatched = [key for key in wanted if old_hashes.get(key) != recorded.get(key)]
        note = (
            "the saved English copy does not match the recorded hashes for "
            + ", ".join(sorted(mismatched))
            + "; those diffs may be inaccurate"
            if mismatched
            else ""
        )
        return SectionDiff({k: v for k, v in diffs.items() if k in wanted}, note=note)

    # --- writing --------------------------------------------------------------------------

    def stamp_check(self, lang: str, week: int, only: str | None = None) -> dict[str, str]:
        """Parts that stamping would record as translated although they may not be, with why
        (see ``stamp_warnings``); read from disk now."""
        if lang == self.source_lang:
            raise GuideError("the English is the source; only translations are stamped")
        _en_path, _english_text, english = self._read_english(week)
        path = self.path(lang, week)
        if not path.is_file():
            return {}
        translation = parse_guide(_read(path, newline=""), lang=lang, path=str(path))
        keys = list(section_hashes(english)) if only is None else [only]
        return stamp_warnings(translation, english, keys)

    def stamp(
        self,
        lang: str,
        week: int,
        only: str | None = None,
        *,
        status: str | None = None,
        force: bool = False,
    ) -> GuideLibrary:
        """Record the English hashes in a translation (all, or only one id) and save the
        English copy; returns the library reloaded from disk. Refuses (StampNeedsConfirmation)
        when a part is still the English or was not edited since the English changed, unless
        ``force``."""
        if lang == self.source_lang:
            raise GuideError("the English is the source; only translations are stamped")
        _en_path, english_text, english = self._read_english(week)
        path = self.path(lang, week)
        if not path.is_file():
            raise GuideError(f"{path} does not exist; start it with 'new'")
        text = _read(path, newline="")
        translation = parse_guide(text, lang=lang, path=str(path))

        english_ids = english.section_ids
        if only is None:
            recorded_after = list(english_ids)
        else:
            record = translation.translation
            recorded = record.source if record and record.source else english_ids
            recorded_after = [k for k in recorded if k != only]
            if only in english_ids:
                recorded_after.append(only)
            recorded_after = [k for k in recorded_after if k not in RESERVED_IDS]
        problem = _id_problem(translation.section_ids, recorded_after, english_ids)
        if problem:
            raise GuideError(f"{path}: cannot stamp: {problem}")
        if not force:
            keys = list(section_hashes(english)) if only is None else [only]
            reasons = stamp_warnings(translation, english, keys)
            if reasons:
                raise StampNeedsConfirmation(str(path), reasons)

        new_text = stamp_text(text, english, only=only, status=status, path=str(path))
        synced_path = self.synced_path(lang, week)
        if only is None:
            synced_text: str | None = english_text
        elif synced_path.is_file():
            synced_text = merge_synced_section(_read(synced_path, newline=""), english_text, only)
        else:
            synced_text = None  # no earlier copy: a partial one would make diffs lie
        _write_atomic(path, new_text)
        if synced_text is not None:
            _write_atomic(synced_path, synced_text)
        return GuideLibrary.load(self.root, self.source_lang)

    def new(self, lang: str, week: int) -> GuideLibrary:
        """Start a draft translation from the English (refuses if the file exists); returns
        the library reloaded from disk."""
        if lang == self.source_lang:
            raise GuideError("the English is the source; start a translation in another language")
        if not _LANG_DIR_RE.match(lang):
            raise GuideError(f"{lang!r} is not a language code such as 'nl' or 'fr'")
        if week not in ALL_WEEKS:
            raise GuideError(f"there is no week {week}; weeks run from 0 to {LAST_WEEK}")
        path = self.path(lang, week)
        if path.exists():
            raise GuideError(f"{path} already exists")
        _en_path, english_text, english = self._read_english(week)
        draft = draft_from_english(english_text, english)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x", encoding="utf-8", newline="") as file:
                file.write(draft)
        except FileExistsError:
            raise GuideError(f"{path} already exists") from None
        _write_atomic(self.synced_path(lang, week), english_text)
        return GuideLibrary.load(self.root, self.source_lang)

    def _read_english(self, week: int) -> tuple[Path, str, GuideDoc]:
        """Read and parse the English file from disk now (not the cached copy)."""
        path = self.path(self.source_lang, week)
        if not path.is_file():
            raise GuideError(f"{path}: there is no English file for week {week}")
        text = _read(path, newline="")
        return path, text, parse_guide(text, lang=self.source_lang, path=str(path))


def _changes(
    english_hashes: Mapping[str, str], recorded: Mapping[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(changed, added, removed) ids between current English hashes and a recorded set."""
    changed = tuple(
        key for key, digest in english_hashes.items() if key in recorded and recorded[key] != digest
    )
    added = tuple(key for key in english_hashes if key not in recorded)
    removed = tuple(key for key in recorded if key not in english_hashes)
    return changed, added, removed


def _describe(changed: tuple[str, ...], added: tuple[str, ...], removed: tuple[str, ...]) -> str:
    parts = [
        f"{label}: {', '.join(ids)}"
        for label, ids in (("changed", changed), ("added", added), ("removed", removed))
        if ids
    ]
    return "; ".join(parts)


def _id_problem(
    translation_ids: tuple[str, ...] | list[str],
    recorded_ids: tuple[str, ...] | list[str],
    english_ids: tuple[str, ...] | list[str],
) -> str:
    """Why a translation's section ids do not fit its recorded and current English, or ''."""
    unknown = [i for i in translation_ids if i not in recorded_ids and i not in english_ids]
    lacking = [i for i in english_ids if i in recorded_ids and i not in translation_ids]
    parts = []
    if unknown:
        parts.append(f"sections the English does not have: {', '.join(unknown)}")
    if lacking:
        parts.append(f"English sections missing from the translation: {', '.join(lacking)}")
    return "; ".join(parts)


def _lang_dirs(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and _LANG_DIR_RE.match(p.name))


def _guide_files(root: Path) -> Iterator[tuple[str, Path, bool]]:
    """(lang, path, is_synced) for every Markdown file in the language folders."""
    for lang_dir in _lang_dirs(root):
        for path in sorted(lang_dir.glob("*.md")):
            yield lang_dir.name, path, False
        synced_dir = lang_dir / SYNCED_DIR
        if synced_dir.is_dir():
            for path in sorted(synced_dir.glob("*.md")):
                yield lang_dir.name, path, True


def _read(path: Path, *, newline: str | None) -> str:
    """Read a guide file as UTF-8; newline='' keeps line endings for byte-faithful rewrites."""
    try:
        with open(path, encoding="utf-8", newline=newline) as file:
            return file.read()
    except UnicodeDecodeError:
        raise GuideError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise GuideError(f"{path}: cannot be read ({exc.strerror})") from None


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as file:
        file.write(text)
    os.replace(tmp, path)
