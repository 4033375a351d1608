"""One guide file: parse, validate, render, hash and stamp a week's Markdown guide.

The file format, the translation record and the hash are specified in ``guides/README.md``.
This module is pure (stdlib, PyYAML, markdown-it-py, nh3): no Flask, no database.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any, Literal

import nh3
import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

FIRST_WEEK = 1
# The follow-up guide (for a circle that goes on after its twelve weeks, 4 or 6 meetings) is
# held as weeks 101-106: follow-up week n is 100 + n, in ``follow-up-NN.md``.
FOLLOW_UP_BASE = 100
FOLLOW_UP_LAST = 6
FOLLOW_UP_WEEKS = tuple(range(FOLLOW_UP_BASE + 1, FOLLOW_UP_BASE + FOLLOW_UP_LAST + 1))


def follow_up_key(week: int) -> int:
    """The library's key of follow-up week ``week`` (1-6)."""
    return FOLLOW_UP_BASE + week


def is_follow_up(key: int) -> bool:
    """True for a key of the follow-up guide."""
    return key in FOLLOW_UP_WEEKS


LAST_WEEK = 12
MAX_AGENDA_MINUTES = 60
# Pseudo-section ids under which the front matter, the introduction and the agenda (its ids and
# minutes, one `id: minutes` line each) are hashed; a `##` section may not use them, or its hash
# would collide with theirs.
RESERVED_IDS = ("title", "summary", "intro", "agenda")
FRONT_MATTER_KEYS = ("week", "title", "summary", "agenda", "translation")
TRANSLATION_STATUSES = ("complete", "draft")
TRANSLATION_KEYS = ("status", "source", "target")

ALLOWED_TAGS = frozenset(
    {
        "p", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "a", "blockquote",
        "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "hr", "br",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})  # relative URLs are kept too
LINK_REL = "noopener noreferrer"

_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_HEADING_ID_RE = re.compile(r"\s*\{#([^{}]*)\}\s*\Z")
_HASH_RE = re.compile(r"[0-9a-f]{16}\Z")
_FENCE_RE = re.compile(r"(?:---|\.\.\.)[ \t]*\Z")
_TOP_LEVEL_KEY_RE = re.compile(r"[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|\Z)")
_TRANSLATION_KEY_RE = re.compile(r"translation[ \t]*:")
_FILE_NAME_RE = re.compile(r"(?:start|week-(\d\d)|follow-up-(\d\d))\.md\Z")
# An exercise: a list item whose line ends in `{.exercise #id}` (see guides/README.md).
_EXERCISE_MARK_RE = re.compile(r"[ \t]*\{\.exercise[ \t]+#([^{}\s]*)\}[ \t]*$", re.MULTILINE)
_EXERCISE_ITEM_RE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(.*?)[ \t]*\{\.exercise[ \t]+#")

# Structure is read with HTML recognised (so raw HTML can be reported); output is rendered
# with HTML disabled and then sanitised, so neither step alone has to be perfect.
_STRUCTURE_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
_RENDER_MD = MarkdownIt("commonmark", {"html": False}).enable("table")
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
    filter_style_properties={"text-align"},  # markdown-it's table column alignment
)


class GuideError(ValueError):
    """A guide file that breaks the format; the message names the file and the problem."""


class StampNeedsConfirmation(GuideError):
    """Stamping would record as translated a part that may not be: ``reasons`` per id."""

    def __init__(self, where: str, reasons: dict[str, str]) -> None:
        """Name the parts and why; the message ends with how to stamp anyway."""
        self.reasons = dict(reasons)
        listed = "; ".join(f"{key}: {why}" for key, why in reasons.items())
        super().__init__(f"{where}: not stamped, please check first ({listed})")


@dataclass(frozen=True)
class Section:
    """A `## Title {#id}` section: plain-text title, Markdown body and sanitised HTML."""

    id: str
    title: str
    body_md: str
    html: str
    # What the hash covers: the heading line without its {#id}, then the body as written
    # (blank lines after the heading included). Empty for a Section built by hand.
    source_md: str = ""
    # Set when a page shows this section in another language than the rest of the guide
    # (an English section that has no translation yet).
    lang: str = ""

    @property
    def heading_md(self) -> str:
        """The heading line without its {#id}, e.g. `## Check-in`."""
        return self.source_md.split("\n", 1)[0] if self.source_md else f"## {self.title}"


@dataclass(frozen=True)
class Translation:
    """The `translation` record of a translated file."""

    status: Literal["complete", "draft"]
    source: dict[str, str]  # id -> English hash at sync time
    # id -> hash of the translation's own text at sync time: tells whether a translator
    # touched a part after the English changed. Empty in files stamped before it existed.
    target: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GuideDoc:
    """One parsed guide file (one week in one language)."""

    lang: str
    week: int
    title: str
    summary: str
    agenda: tuple[tuple[str, int], ...]
    intro_md: str
    intro_html: str
    sections: tuple[Section, ...]
    translation: Translation | None
    path: str = ""

    @property
    def section_ids(self) -> tuple[str, ...]:
        """The ids of the `##` sections, in file order."""
        return tuple(section.id for section in self.sections)

    def section(self, section_id: str) -> Section | None:
        """The section with this id, or None."""
        return next((s for s in self.sections if s.id == section_id), None)


# --- rendering ------------------------------------------------------------------------------


def sanitize_html(html: str) -> str:
    """Reduce HTML to the guide allowlist: inert tags, safe links with rel=noopener."""
    return _CLEANER.clean(html)


def render_markdown(md: str) -> str:
    """Render guide Markdown to sanitised HTML (raw HTML in the input is shown as text)."""
    return sanitize_html(_RENDER_MD.render(strip_exercise_marks(md)))


# --- exercises ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exercise:
    """A list item a guide marks as an exercise: a box on the member's checklist."""

    id: str
    section_id: str
    html: str  # the item's text as sanitised inline HTML, without the mark


def strip_exercise_marks(md: str) -> str:
    """The Markdown without its `{.exercise #id}` marks, as readers see it."""
    return _EXERCISE_MARK_RE.sub("", md)


def exercises_in(md: str, section_id: str = "") -> list[Exercise]:
    """The exercises marked in a piece of guide Markdown, in the order they appear."""
    found = []
    for line in _split_lines(md):
        mark = _EXERCISE_MARK_RE.search(line)
        item = _EXERCISE_ITEM_RE.match(line)
        if mark is None or item is None:
            continue
        html = sanitize_html(_RENDER_MD.renderInline(item.group(1)))
        found.append(Exercise(id=mark.group(1), section_id=section_id, html=html))
    return found


def exercises(doc: GuideDoc) -> tuple[Exercise, ...]:
    """Every exercise of one week, in file order."""
    return tuple(ex for s in doc.sections for ex in exercises_in(s.body_md, s.id))


def _check_exercises(body_lines: list[str], body_offset: int, where: str) -> None:
    """Exercise marks sit at the end of a list item and have a well-formed, unique id."""
    seen: set[str] = set()
    for number, line in enumerate(body_lines):
        mark = _EXERCISE_MARK_RE.search(line)
        if mark is None:
            if "{.exercise" in line:
                raise GuideError(
                    f"{where}: line {body_offset + number + 1}: an exercise mark"
                    " is written `{.exercise #id}` at the end of a list item"
                )
            continue
        here = f"{where}: line {body_offset + number + 1}"
        if _EXERCISE_ITEM_RE.match(line) is None:
            raise GuideError(
                f"{here}: `{{.exercise #id}}` marks a list item; put it at the"
                " end of a line that starts with '-' or '1.'"
            )
        exercise_id = mark.group(1)
        if not _ID_RE.match(exercise_id):
            raise GuideError(
                f"{here}: exercise id {exercise_id!r} must be lower-case letters,"
                " digits and hyphens"
            )
        if exercise_id in seen:
            raise GuideError(f"{here}: exercise id {exercise_id!r} is used twice")
        seen.add(exercise_id)


# --- hashing --------------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """Normalise text for hashing: trailing spaces and outer blank lines dropped, `\\n` joins."""
    lines = [line.rstrip(" \t") for line in _split_lines(text)]
    return "\n".join(_trim_blank(lines))


def text_hash(text: str) -> str:
    """The 16-hex-digit hash of a text, as recorded in `translation.source`."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()[:16]


def section_texts(doc: GuideDoc) -> dict[str, str]:
    """The normalised text behind each hash: title, summary, intro, then every section."""
    texts = {
        "title": normalise_text(doc.title),
        "summary": normalise_text(doc.summary),
        "intro": normalise_text(doc.intro_md),
    }
    if doc.agenda:
        texts["agenda"] = agenda_text(doc.agenda)
    for section in doc.sections:
        source = section.source_md or f"## {section.title}\n\n{section.body_md}"
        texts[section.id] = normalise_text(source)
    return texts


def agenda_text(agenda: tuple[tuple[str, int], ...]) -> str:
    """The agenda as hashed: one `id: minutes` line per time box, in meeting order."""
    return "\n".join(f"{section_id}: {minutes}" for section_id, minutes in agenda)


def section_hashes(doc: GuideDoc) -> dict[str, str]:
    """Hashes of title, summary, intro and every section, per guides/README.md."""
    return {
        key: hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        for key, text in section_texts(doc).items()
    }


# A diff shows this many words of unchanged text on each side of a change; longer unchanged
# stretches are shortened to "…".
DIFF_CONTEXT_WORDS = 8
_TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)

DiffSegment = tuple[str, str]  # (kind, text): kind is "same", "add", "del" or "gap"


def word_diff(before: str, after: str, context: int = DIFF_CONTEXT_WORDS) -> list[DiffSegment]:
    """The changes from ``before`` to ``after`` word by word: changed words as "del"/"add"
    segments, unchanged text around them as "same", long unchanged stretches as one "gap"."""
    old, new = _TOKEN_RE.findall(before), _TOKEN_RE.findall(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    segments: list[DiffSegment] = []
    opcodes = _merge_close_changes(matcher.get_opcodes(), old)
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            tokens = old[i1:i2]
            keep_before = _words_span(tokens, context, from_end=False) if index > 0 else 0
            keep_after = (
                _words_span(tokens, context, from_end=True) if index < len(opcodes) - 1 else 0
            )
            if keep_before + keep_after >= len(tokens):
                segments.append(("same", "".join(tokens)))
                continue
            if keep_before:
                segments.append(("same", "".join(tokens[:keep_before])))
            segments.append(("gap", "…"))
            if keep_after:
                segments.append(("same", "".join(tokens[len(tokens) - keep_after :])))
            continue
        if i2 > i1:
            segments.append(("del", "".join(old[i1:i2])))
        if j2 > j1:
            segments.append(("add", "".join(new[j1:j2])))
    return segments


def _merge_close_changes(opcodes: list[tuple], old: list[str]) -> list[tuple]:
    """Join two changes separated only by white space, so "people say" -> "is said" reads as
    one change rather than two."""
    merged: list[list] = []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        between = (
            op == "equal"
            and 0 < index < len(opcodes) - 1
            and all(token.isspace() for token in old[i1:i2])
        )
        if (op != "equal" or between) and merged and merged[-1][0] == "replace":
            merged[-1][2], merged[-1][4] = i2, j2
        elif op != "equal":
            merged.append(["replace", i1, i2, j1, j2])
        else:
            merged.append([op, i1, i2, j1, j2])
    return [tuple(item) for item in merged]


def _words_span(tokens: list[str], words: int, *, from_end: bool) -> int:
    """How many tokens hold ``words`` words counted from the start (or the end); spaces and
    punctuation ride along with the words."""
    count = seen = 0
    for token in reversed(tokens) if from_end else tokens:
        is_word = token[0].isalnum() or token[0] == "_"
        if seen >= words and is_word:
            break
        count += 1
        seen += is_word
    return count


def diff_as_text(segments: list[DiffSegment]) -> str:
    """A word diff as plain text: `[-removed-]{+added+}`, the way wdiff writes it."""
    marks = {"del": "[-{}-]", "add": "{{+{}+}}", "same": "{}", "gap": "{}"}
    return "".join(marks[kind].format(text) for kind, text in segments)


def section_diff(old_en: GuideDoc | None, new_en: GuideDoc) -> dict[str, list[DiffSegment]]:
    """Word diff per changed, added or removed part (title, summary, intro, agenda too)."""
    old = section_texts(old_en) if old_en is not None else {}
    new = section_texts(new_en)
    diffs: dict[str, list[DiffSegment]] = {}
    for key in [*new, *(k for k in old if k not in new)]:
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        diffs[key] = word_diff(before or "", after or "")
    return diffs


# --- parsing --------------------------------------------------------------------------------


def parse_guide(text: str, *, lang: str, path: str = "") -> GuideDoc:
    """Parse and validate one guide file; raise GuideError naming the file and the problem."""
    return _parse(text, lang=lang, path=path, check_agenda=True)


def parse_synced_copy(text: str, *, lang: str, path: str = "") -> GuideDoc:
    """Parse a `_synced` English copy; its agenda is not checked (it is a record, not served)."""
    return _parse(text, lang=lang, path=path, check_agenda=False)


def week_of_file_name(name: str) -> int | None:
    """0 for `start.md`, n for `week-NN.md` (any two digits), 100 + n for `follow-up-NN.md`,
    None for other names."""
    match = _FILE_NAME_RE.match(name)
    if match is None:
        return None
    if match.group(2):
        return follow_up_key(int(match.group(2)))
    return int(match.group(1)) if match.group(1) else 0


def file_name_of_week(week: int) -> str:
    """`start.md` for week 0, `follow-up-NN.md` for the follow-up, `week-NN.md` otherwise."""
    if week > FOLLOW_UP_BASE:
        return f"follow-up-{week - FOLLOW_UP_BASE:02d}.md"
    return "start.md" if week == 0 else f"week-{week:02d}.md"


def _parse(text: str, *, lang: str, path: str, check_agenda: bool) -> GuideDoc:
    where = path or "<guide>"
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    split = _split_front_matter(text, where)
    data = _load_front_matter(split.front_matter, where)
    week = _check_week(data, where)
    title = _check_text(data, "title", where)
    summary = _check_text(data, "summary", where)
    agenda = _check_agenda(data.get("agenda"), week, where, required=check_agenda)
    translation = _check_translation(data["translation"], where) if "translation" in data else None

    body_lines = _split_lines(split.body)
    intro_lines, raw_sections = _split_sections(split.body, body_lines, split.body_offset, where)
    _check_exercises(body_lines, split.body_offset, where)
    intro_md = "\n".join(_trim_blank(intro_lines))
    sections = tuple(
        Section(
            id=sid,
            title=title_text,
            body_md=body_md,
            html=render_markdown(body_md),
            source_md=source_md,
        )
        for sid, title_text, source_md, body_md in raw_sections
    )
    if check_agenda:
        ids = {section.id for section in sections}
        for agenda_id, _minutes in agenda:
            if agenda_id not in ids:
                raise GuideError(
                    f"{where}: agenda item {agenda_id!r} is not the id of a ## section"
                )
    return GuideDoc(
        lang=lang,
        week=week,
        title=title,
        summary=summary,
        agenda=agenda,
        intro_md=intro_md,
        intro_html=render_markdown(intro_md),
        sections=sections,
        translation=translation,
        path=path,
    )


@dataclass(frozen=True)
class _FrontMatterSplit:
    bom: str
    open_line: str
    front_matter_lines: list[str]  # raw, each may end in "\r"
    close_line: str
    body: str
    body_offset: int  # 0-based file line of the first body line
    newline: str

    @property
    def front_matter(self) -> str:
        return "\n".join(line.removesuffix("\r") for line in self.front_matter_lines)


def _split_front_matter(text: str, where: str) -> _FrontMatterSplit:
    """Split `---` front matter from the body, keeping every byte of both."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    lines = text[len(bom) :].split("\n")
    if not _FENCE_RE.match(lines[0].removesuffix("\r")) or lines[0].startswith("..."):
        raise GuideError(f"{where}: the file must start with '---' YAML front matter")
    for index in range(1, len(lines)):
        if _FENCE_RE.match(lines[index].removesuffix("\r")):
            return _FrontMatterSplit(
                bom=bom,
                open_line=lines[0],
                front_matter_lines=lines[1:index],
                close_line=lines[index],
                body="\n".join(lines[index + 1 :]),
                body_offset=index + 1,
                newline="\r\n" if lines[0].endswith("\r") else "\n",
            )
    raise GuideError(f"{where}: the front matter has no closing '---' line")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys instead of keeping the last one."""


def _construct_unique_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _load_yaml(text: str) -> Any:
    loader = _StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _load_front_matter(front_matter: str, where: str) -> dict[str, Any]:
    try:
        data = _load_yaml(front_matter)
    except yaml.YAMLError as exc:
        raise GuideError(f"{where}: invalid YAML front matter: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise GuideError(f"{where}: the front matter must be a mapping of keys to values")
    unknown = [str(key) for key in data if key not in FRONT_MATTER_KEYS]
    if unknown:
        raise GuideError(
            f"{where}: unknown front matter key(s) {', '.join(unknown)}"
            f" (allowed: {', '.join(FRONT_MATTER_KEYS)})"
        )
    return data


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_week(data: dict[str, Any], where: str) -> int:
    if "week" not in data:
        raise GuideError(f"{where}: the front matter has no 'week'")
    week = data["week"]
    if not _is_int(week) or not (0 <= week <= LAST_WEEK or is_follow_up(week)):
        raise GuideError(
            f"{where}: 'week' must be a whole number from 0 to {LAST_WEEK}"
            f" (or {FOLLOW_UP_WEEKS[0]}-{FOLLOW_UP_WEEKS[-1]}"
            f" for follow-up weeks 1-{FOLLOW_UP_LAST})"
        )
    expected = week_of_file_name(PurePath(where).name)
    if expected is not None and expected != week:
        raise GuideError(
            f"{where}: 'week: {week}' does not match the file name"
            f" (expected {file_name_of_week(week)})"
        )
    return week


def _check_text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if value is None:
        raise GuideError(f"{where}: the front matter has no '{key}'")
    if not isinstance(value, str) or not value.strip():
        raise GuideError(f"{where}: '{key}' must be non-empty text")
    return value.strip()


def _check_id(value: Any, where: str, what: str) -> str:
    if not isinstance(value, str):
        raise GuideError(f"{where}: {what} {value!r} is not text (quote it in the YAML)")
    if not _ID_RE.match(value):
        raise GuideError(
            f"{where}: {what} {value!r} is not a valid id (lower-case letters, digits, hyphens)"
        )
    return value


def _check_agenda(
    agenda: Any, week: int, where: str, *, required: bool
) -> tuple[tuple[str, int], ...]:
    if agenda is None:
        if required and week >= FIRST_WEEK:
            raise GuideError(
                f"{where}: weeks 1-12 and the follow-up weeks need an 'agenda'"
                " (section id: minutes)"
            )
        return ()
    if not isinstance(agenda, dict):
        raise GuideError(f"{where}: 'agenda' must be a mapping of section id to minutes")
    if required and week >= FIRST_WEEK and not agenda:
        raise GuideError(f"{where}: the 'agenda' is empty")
    items: list[tuple[str, int]] = []
    for key, minutes in agenda.items():
        agenda_id = _check_id(key, where, "agenda item")
        if not _is_int(minutes) or minutes <= 0:
            raise GuideError(
                f"{where}: agenda item {agenda_id!r} must have a positive whole number of"
                f" minutes, not {minutes!r}"
            )
        items.append((agenda_id, minutes))
    total = sum(minutes for _id, minutes in items)
    if required and week >= FIRST_WEEK and total > MAX_AGENDA_MINUTES:
        raise GuideError(
            f"{where}: the agenda adds up to {total} minutes; the meeting has {MAX_AGENDA_MINUTES}"
        )
    return tuple(items)


def _check_translation(value: Any, where: str) -> Translation:
    if not isinstance(value, dict):
        raise GuideError(f"{where}: 'translation' must be a mapping with 'status' and 'source'")
    unknown = [str(key) for key in value if key not in TRANSLATION_KEYS]
    if unknown:
        raise GuideError(f"{where}: unknown 'translation' key(s) {', '.join(unknown)}")
    status = value.get("status")
    if status not in TRANSLATION_STATUSES:
        raise GuideError(f"{where}: 'translation.status' must be 'complete' or 'draft'")
    return Translation(
        status=status,
        source=_check_hashes(value.get("source"), "source", where),
        target=_check_hashes(value.get("target"), "target", where),
    )


def _check_hashes(value: Any, key: str, where: str) -> dict[str, str]:
    """A `translation.source` or `.target` mapping of ids to 16-hex-digit hashes."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise GuideError(f"{where}: 'translation.{key}' must map section ids to hashes")
    hashes: dict[str, str] = {}
    for part, digest in value.items():
        section_id = _check_id(part, where, f"translation.{key} id")
        if not isinstance(digest, str) or not _HASH_RE.match(digest):
            raise GuideError(
                f"{where}: translation.{key} {section_id!r} must be 16 hex digits"
                " (quote it if it is all digits)"
            )
        hashes[section_id] = digest
    return hashes


def _split_sections(
    body: str, body_lines: list[str], body_offset: int, where: str
) -> tuple[list[str], list[tuple[str, str, str, str]]]:
    """Find the `##` sections; return intro lines and (id, title, source_md, body_md)."""
    tokens = _STRUCTURE_MD.parse(body)
    headings: list[tuple[int, int, str, str, str]] = []  # start, end, id, title, heading_md
    seen: set[str] = set()

    def fail(token: Token, problem: str) -> GuideError:
        line = body_offset + (token.map[0] if token.map else 0) + 1
        return GuideError(f"{where}: line {line}: {problem}")

    for index, token in enumerate(tokens):
        if token.type == "html_block":
            raise fail(token, "raw HTML is not allowed in a guide; use Markdown")
        if token.type == "inline" and any(c.type == "html_inline" for c in token.children or []):
            raise fail(token, "raw HTML is not allowed in a guide; use Markdown")
        if token.type != "heading_open" or token.tag not in ("h1", "h2"):
            continue
        if token.tag == "h1":
            raise fail(
                token,
                "'#' headings are not used: the title is in the front matter;"
                " use '## Title {#id}' for sections and '###' within them",
            )
        if token.level != 0:
            raise fail(token, "a '##' section heading cannot be inside a list or quote")
        if token.markup != "##":
            raise fail(
                token,
                "a line of text followed by '---' makes a heading; use '## Title {#id}' for a"
                " section, or leave a blank line before '---' for a rule",
            )
        inline = tokens[index + 1]
        match = _HEADING_ID_RE.search(inline.content)
        if match is None:
            raise fail(token, f"the heading '## {inline.content}' has no {{#id}} at its end")
        section_id = match.group(1)
        if not _ID_RE.match(section_id):
            raise fail(
                token,
                f"section id {section_id!r} must be lower-case letters, digits and hyphens",
            )
        if section_id in RESERVED_IDS:
            raise fail(token, f"section id {section_id!r} is reserved; choose another")
        if section_id in seen:
            raise fail(token, f"section id {section_id!r} is used twice")
        seen.add(section_id)
        plain = "".join(
            child.content
            for child in inline.children or []
            if child.type in ("text", "code_inline")
        )
        title = _HEADING_ID_RE.sub("", plain).strip()
        if not title or not inline.content[: match.start()].strip():
            raise fail(token, f"section {section_id!r} has a heading without a title")
        start, end = token.map or (0, 1)
        raw = body_lines[start]
        marker = raw.rfind("{#" + section_id + "}")
        heading_md = (raw[:marker].rstrip() + raw[marker + len(section_id) + 3 :]).rstrip()
        headings.append((start, end, section_id, title, heading_md))

    intro_end = headings[0][0] if headings else len(body_lines)
    sections: list[tuple[str, str, str, str]] = []
    for position, (start, end, section_id, title, heading_md) in enumerate(headings):
        stop = headings[position + 1][0] if position + 1 < len(headings) else len(body_lines)
        body_md = "\n".join(_trim_blank(body_lines[end:stop]))
        if not body_md.strip():
            line = body_offset + start + 1
            raise GuideError(f"{where}: line {line}: section {section_id!r} is empty")
        source_md = "\n".join(_trim_blank([heading_md, *body_lines[end:stop]]))
        sections.append((section_id, title, source_md, body_md))
    return body_lines[:intro_end], sections


def _split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _trim_blank(lines: list[str]) -> list[str]:
    start, stop = 0, len(lines)
    while start < stop and not lines[start].strip():
        start += 1
    while stop > start and not lines[stop - 1].strip():
        stop -= 1
    return lines[start:stop]


# --- writing translation records ------------------------------------------------------------


def stamp_text(
    translation_text: str,
    english: GuideDoc,
    *,
    only: str | None = None,
    status: str | None = None,
    path: str = "",
) -> str:
    """Return the translation's text with `translation.source` set to the English hashes.

    All hashes, or with `only` just that id (an English id is recorded; an id the English no
    longer has is dropped). `translation.target` records the translation's own hashes of the
    same ids, so a later stamp can tell whether anyone touched the text. The agenda's minutes
    are taken from the English when the agenda is stamped. Status: `status` if given, else the
    current status ("draft" for a file without one): stamping never publishes a draft. Only
    the front matter block is rewritten; `path` only names the file in error messages.
    """
    where = path or "<translation>"
    split = _split_front_matter(translation_text, where)
    data = _load_front_matter(split.front_matter, where)
    if data.get("week") != english.week:
        raise GuideError(
            f"{where}: week {data.get('week')!r} does not match the English week {english.week}"
        )
    english_hashes = section_hashes(english)
    current = data.get("translation")
    record = _check_translation(current, where) if current is not None else None
    synced_agenda = english.agenda and (only is None or only == "agenda")
    own = _parse(translation_text, lang="", path=where, check_agenda=False)
    if synced_agenda:
        own = _with_agenda(own, english.agenda)
    own_hashes = section_hashes(own)
    if only is None:  # a full stamp replaces the old record, so it need not be valid
        source = dict(english_hashes)
        target = {key: own_hashes[key] for key in source if key in own_hashes}
    else:
        recorded = dict(record.source) if record else {}
        targets = dict(record.target) if record else {}
        if only in english_hashes:
            recorded[only] = english_hashes[only]
            if only in own_hashes:
                targets[only] = own_hashes[only]
        elif only in recorded:
            del recorded[only]
            targets.pop(only, None)
        else:
            raise GuideError(
                f"{where}: {only!r} is neither an English section of week {english.week}"
                " nor recorded in the translation"
            )
        ordered = [key for key in english_hashes if key in recorded]
        source = {key: recorded[key] for key in [*ordered, *recorded] if key in recorded}
        target = {key: targets[key] for key in source if key in targets}
    new_status = status or (record.status if record else "draft")
    if new_status not in TRANSLATION_STATUSES:
        raise GuideError(f"status must be one of {', '.join(TRANSLATION_STATUSES)}")
    translation = {"status": new_status, "source": source}
    if target:
        translation["target"] = target
    agenda = dict(english.agenda) if synced_agenda else None
    return _with_translation(split, data, translation, agenda=agenda)


def _with_agenda(doc: GuideDoc, agenda: tuple[tuple[str, int], ...]) -> GuideDoc:
    """``doc`` with another agenda (the minutes come from the English)."""
    return replace(doc, agenda=agenda)


def stamp_warnings(
    translation: GuideDoc, english: GuideDoc, keys: list[str] | tuple[str, ...]
) -> dict[str, str]:
    """Why stamping ``keys`` of ``translation`` may record something untrue, per id.

    Two reasons: the translated text is still the English text (nothing was translated), or
    the English changed since the last sync and the translation was not edited since then
    (known from `translation.target`). The agenda is not text: its minutes are copied.
    """
    english_texts = section_texts(english)
    english_hashes = section_hashes(english)
    own_texts = section_texts(translation)
    own_hashes = section_hashes(translation)
    record = translation.translation
    warnings: dict[str, str] = {}
    for key in keys:
        if key == "agenda" or key not in english_texts or key not in own_texts:
            continue
        if own_texts[key] == english_texts[key]:
            warnings[key] = "still the English text"
        elif (
            record is not None
            and key in record.source
            and record.source[key] != english_hashes[key]
            and record.target.get(key) == own_hashes[key]
        ):
            warnings[key] = "not edited since the English changed"
    return warnings


def draft_from_english(english_text: str, english: GuideDoc) -> str:
    """A new translation file: the English text marked as a draft translated from it."""
    return stamp_text(english_text, english, status="draft", path=english.path)


def merge_synced_section(old_text: str, new_text: str, key: str) -> str:
    """The old `_synced` English copy with one id (section, title, summary or intro) taken
    from the new English, so diffs of the sections not yet stamped stay correct."""
    old = parse_synced_copy(old_text, lang="", path="<synced copy>")
    new = parse_synced_copy(new_text, lang="", path="<english>")
    title = new.title if key == "title" else old.title
    summary = new.summary if key == "summary" else old.summary
    intro = new.intro_md if key == "intro" else old.intro_md
    sections = list(old.sections)
    if key not in RESERVED_IDS:
        replacement = new.section(key)
        ids = [s.id for s in sections]
        if key in ids:
            if replacement is None:
                del sections[ids.index(key)]
            else:
                sections[ids.index(key)] = replacement
        elif replacement is not None:
            # insert after the nearest section that precedes it in the new English
            new_ids = list(new.section_ids)
            position = 0
            for previous in reversed(new_ids[: new_ids.index(key)]):
                if previous in ids:
                    position = ids.index(previous) + 1
                    break
            sections.insert(position, replacement)
    agenda = new.agenda if key == "agenda" else old.agenda
    front = {"week": old.week, "title": title, "summary": summary}
    if agenda:
        front["agenda"] = dict(agenda)
    parts = [f"---\n{_dump_yaml(front)}---\n"]
    if intro:
        parts.append(intro + "\n")
    for section in sections:
        heading, _newline, body = (
            section.source_md or f"## {section.title}\n\n{section.body_md}"
        ).partition("\n")
        parts.append(f"{heading} {{#{section.id}}}\n{body}\n")
    return "\n".join(parts)


def compose_guide(doc: GuideDoc, *, with_record: bool = True) -> str:
    """A guide file in the shipped format for ``doc``: front matter (with its translation
    record, when it has one and ``with_record``), introduction, then every `##` section."""
    front: dict[str, Any] = {"week": doc.week, "title": doc.title, "summary": doc.summary}
    if doc.agenda:
        front["agenda"] = dict(doc.agenda)
    if with_record and doc.translation is not None:
        record: dict[str, Any] = {
            "status": doc.translation.status,
            "source": dict(doc.translation.source),
        }
        if doc.translation.target:
            record["target"] = dict(doc.translation.target)
        front["translation"] = record
    parts = [f"---\n{_dump_yaml(front)}---\n"]
    if doc.intro_md:
        parts.append(doc.intro_md + "\n")
    for section in doc.sections:
        heading, _newline, body = (
            section.source_md or f"## {section.title}\n\n{section.body_md}"
        ).partition("\n")
        parts.append(f"{heading} {{#{section.id}}}\n{body}\n")
    return "\n".join(parts)


def _dump_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=10_000
    )


def _with_translation(
    split: _FrontMatterSplit,
    data: dict[str, Any],
    translation: dict[str, Any],
    *,
    agenda: dict[str, int] | None = None,
) -> str:
    """Rebuild the file with a new translation block (and agenda); the body is kept byte for
    byte, and so is the rest of the front matter unless the agenda changes."""
    expected = {**data, "translation": translation}
    block = _dump_yaml({"translation": translation}).rstrip("\n").split("\n")
    lines = _replace_translation_lines(split.front_matter_lines, block, split.newline)
    keeps_rest = False
    if agenda is not None and agenda != data.get("agenda"):
        expected["agenda"] = agenda
    else:
        try:
            keeps_rest = _load_yaml("\n".join(x.removesuffix("\r") for x in lines)) == expected
        except yaml.YAMLError:
            keeps_rest = False
    if not keeps_rest:
        # New minutes or an unusual layout (flow style, quoted keys): regenerate the whole
        # front matter.
        ordered = {key: expected[key] for key in FRONT_MATTER_KEYS if key in expected}
        dumped = _dump_yaml(ordered).rstrip("\n").split("\n")
        lines = [line + split.newline.removesuffix("\n") for line in dumped]
    return "\n".join([split.bom + split.open_line, *lines, split.close_line]) + "\n" + split.body


def _replace_translation_lines(lines: list[str], block: list[str], newline: str) -> list[str]:
    """Swap the top-level `translation:` block in raw front matter lines (or append it)."""
    cr = newline.removesuffix("\n")
    block = [line + cr for line in block]
    keys = [i for i, line in enumerate(lines) if _TOP_LEVEL_KEY_RE.match(line)]
    start = next((i for i in keys if _TRANSLATION_KEY_RE.match(lines[i])), None)
    if start is None:
        end = len(lines)
        while end > 0 and not lines[end - 1].strip():
            end -= 1
        return [*lines[:end], *block, *lines[end:]]
    end = next((i for i in keys if i > start), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return [*lines[:start], *block, *lines[end:]]
