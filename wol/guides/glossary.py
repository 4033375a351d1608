"""The glossary of a language pair: which word a translation uses for an English term, and
which alternatives it avoids (pure: no Flask, no database).

`guides/glossary.<lang>.yml` holds a list of terms:

    terms:
      - en: meeting            # the English term (also matches a plural with -s)
        required: [bijeenkomst] # one of these should appear where the English term does
        forbidden: [vergadering] # none of these should
        note: the weekly hour

Words match at the start of a word and case-insensitively, so "bijeenkomst" also matches
"bijeenkomsten" and "vergadering" also "vergaderingen".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from wol.guides.document import GuideDoc, section_texts

# Parts where a term is checked; the agenda holds ids and minutes, not words.
_SKIPPED_PARTS = ("agenda",)


class GlossaryError(ValueError):
    """A glossary file that cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class Term:
    """One English term and the words a translation uses (and avoids) for it."""

    english: str
    required: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Finding:
    """A glossary term in one part of a week: used well, or a warning."""

    part: str
    term: Term
    problem: str  # "" (fine), "missing" (no required word) or "forbidden"
    found: str = ""  # the forbidden word as written

    @property
    def is_warning(self) -> bool:
        """True when the translation breaks the glossary here."""
        return bool(self.problem)


def glossary_path(root: Path, lang: str) -> Path:
    """Where the glossary of ``lang`` lives in a guide folder."""
    return Path(root) / f"glossary.{lang}.yml"


def load_glossary(root: Path, lang: str) -> tuple[Term, ...]:
    """The terms of ``lang``'s glossary (none when there is no file)."""
    path = glossary_path(root, lang)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return ()
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _load(path: str, _mtime: int, _size: int) -> tuple[Term, ...]:
    """Parse a glossary file; cached while the file is unchanged."""
    return parse_glossary(Path(path).read_text(encoding="utf-8"), where=path)


def parse_glossary(text: str, where: str = "<glossary>") -> tuple[Term, ...]:
    """Parse glossary YAML; GlossaryError names what is wrong."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise GlossaryError(f"{where}: invalid YAML: {exc}") from None
    items = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise GlossaryError(f"{where}: expected a 'terms' list")
    terms = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("en"), str):
            raise GlossaryError(f"{where}: term {number} needs an 'en' text")
        terms.append(
            Term(
                english=item["en"].strip(),
                required=_words(item.get("required"), where, number),
                forbidden=_words(item.get("forbidden"), where, number),
                note=str(item.get("note") or ""),
            )
        )
    return tuple(terms)


def _words(value, where: str, number: int) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise GlossaryError(f"{where}: term {number}: words must be a text or a list of texts")
    return tuple(v.strip() for v in value)


@lru_cache(maxsize=1024)
def _pattern(word: str, *, plural: bool) -> re.Pattern[str]:
    """Matches ``word`` at the start of a word (and, for English, with a plural -s)."""
    tail = r"(?:s|es)?\b" if plural else r"\w*"
    return re.compile(r"(?<![\w-])" + re.escape(word) + tail, re.IGNORECASE)


def check_glossary(
    terms: tuple[Term, ...], english: GuideDoc, translation: GuideDoc | None
) -> list[Finding]:
    """For every part whose English uses a term: fine, a missing required word, or a forbidden
    one. Parts the translation lacks are skipped (there is nothing to check yet)."""
    if translation is None:
        return []
    english_texts = section_texts(english)
    own_texts = section_texts(translation)
    findings = []
    for part, text in english_texts.items():
        own = own_texts.get(part)
        if part in _SKIPPED_PARTS or own is None or own == text:
            continue
        for term in terms:
            if not _pattern(term.english, plural=True).search(text):
                continue
            forbidden = next(
                (
                    m.group(0)
                    for w in term.forbidden
                    if (m := _pattern(w, plural=False).search(own))
                ),
                None,
            )
            if forbidden:
                findings.append(Finding(part, term, "forbidden", forbidden))
            elif term.required and not any(
                _pattern(w, plural=False).search(own) for w in term.required
            ):
                findings.append(Finding(part, term, "missing"))
            else:
                findings.append(Finding(part, term, ""))
    return findings
