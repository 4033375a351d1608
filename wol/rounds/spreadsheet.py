"""Sign-ups in and proposals out as CSV: pure, no Flask, no database.

The columns are ``email, name, department, languages, slots, be-with, not-with``; cells with
several values separate them with ``;``. Reading stops at a row limit and the caller checks the
file size first, so a huge file is refused with a clear message instead of filling memory.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from wol.rounds.forming import Circle, Person

COLUMNS = ("email", "name", "department", "languages", "slots", "be-with", "not-with")
REQUIRED = ("email", "languages", "slots")
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024
_EMAIL = re.compile(r"[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+")


class TooLarge(ValueError):
    """The file passes a limit; the message says which."""


def _(text: str) -> str:
    """Mark ``text`` for the catalog without translating it (this module is pure); the web
    page translates a Problem with its template, the command line prints it in English."""
    return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, with the line it is on."""

    template: str
    params: tuple[tuple[str, object], ...]

    def __str__(self) -> str:
        return self.template % dict(self.params)


def _problem_at(line: int, template: str, **params) -> Problem:
    """A Problem on ``line``; ``template`` starts with "line %(line)d: "."""
    return Problem(template, (("line", line), *params.items()))


@dataclass
class Row:
    """One sign-up read from a spreadsheet, with its line number."""

    line: int
    email: str
    name: str
    department: str
    languages: list[str]
    slots: list[str]
    be_with: str | None
    not_with: list[str]

    def person(self) -> Person:
        """The row as the forming algorithm sees it."""
        return Person(
            self.email.lower(),
            self.department,
            tuple(self.languages),
            tuple(self.slots),
            self.be_with,
            frozenset(self.not_with),
        )


def looks_like_email(value: str) -> bool:
    """A cheap shape check for addresses in spreadsheets (the web form checks strictly)."""
    return len(value) <= 254 and _EMAIL.fullmatch(value) is not None


def _values(cell: str | None) -> list[str]:
    """The ``;``-separated values of a cell, trimmed, without empties and repeats."""
    return list(dict.fromkeys(v.strip() for v in (cell or "").split(";") if v.strip()))


def read_rows(lines: Iterable[str], max_rows: int = MAX_ROWS) -> tuple[list[Row], list[Problem]]:
    """Rows and problems ("line 7: no slot"), reading at most ``max_rows`` data rows.

    Raises TooLarge when there are more rows than that.
    """
    reader = csv.reader(_lines_checked(lines))
    header = next(reader, None)
    if header is None:
        return [], [
            _problem_at(1, _("line %(line)d: the file is empty; the first line names the columns"))
        ]
    names = [h.strip().lower().replace("_", "-") for h in header]
    problems = [
        _problem_at(
            1,
            _("line %(line)d: unknown column '%(name)s' (columns: %(columns)s)"),
            name=h[:40],
            columns=", ".join(COLUMNS),
        )
        for h in names
        if h not in COLUMNS
    ]
    problems += [
        _problem_at(1, _("line %(line)d: the column '%(name)s' is missing"), name=c)
        for c in REQUIRED
        if c not in names
    ]
    if problems:
        return [], problems
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(problems) >= max_rows:
            raise TooLarge(f"The file has more than {max_rows:,} sign-ups; split it up.")
        if len(cells) > len(names):
            problems.append(
                _problem_at(
                    number,
                    _("line %(line)d: %(cells)d cells, but %(columns)d columns"),
                    cells=len(cells),
                    columns=len(names),
                )
            )
            continue
        cell = dict(zip(names, cells, strict=False))
        email = (cell.get("email") or "").strip()
        key = email.lower()
        be_with = (cell.get("be-with") or "").strip().lower() or None
        not_with = [v.lower() for v in _values(cell.get("not-with"))]
        row = Row(
            number,
            email,
            (cell.get("name") or "").strip()[:80],
            (cell.get("department") or "").strip()[:120],
            _values(cell.get("languages")),
            _values(cell.get("slots")),
            be_with,
            not_with,
        )
        problem = _problem(row, seen.get(key))
        if problem:
            problems.append(problem)
            continue
        seen[key] = number
        rows.append(row)
    return rows, problems


def _lines_checked(lines: Iterable[str]) -> Iterator[str]:
    """Pass lines on, refusing NUL bytes (csv cannot read them; nor can PostgreSQL)."""
    for line in lines:
        if "\x00" in line:
            raise TooLarge("The file holds NUL bytes; it is not a CSV text file.")
        yield line


def _control(value: str) -> bool:
    """True when ``value`` holds a control or separator character (kept out of the database)."""
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cs") for ch in value)


def _problem(row: Row, earlier: int | None) -> Problem | None:
    """What is wrong with one row, or None."""
    line = row.line
    if any(
        _control(v)
        for v in (
            row.email,
            row.name,
            row.department,
            *row.languages,
            *row.slots,
            row.be_with or "",
            *row.not_with,
        )
    ):
        return _problem_at(
            line,
            _("line %(line)d: a cell holds a control character (a tab, a line break or the like)"),
        )
    if not row.email:
        return _problem_at(line, _("line %(line)d: no e-mail address"))
    if not looks_like_email(row.email):
        return _problem_at(
            line, _("line %(line)d: '%(value)s' is not an e-mail address"), value=row.email[:60]
        )
    if earlier is not None:
        return _problem_at(
            line,
            _("line %(line)d: %(value)s appears twice (first on line %(first)d)"),
            value=row.email,
            first=earlier,
        )
    if not row.languages:
        return _problem_at(line, _("line %(line)d: no language"))
    if not row.slots:
        return _problem_at(line, _("line %(line)d: no slot"))
    if row.be_with and not looks_like_email(row.be_with):
        return _problem_at(
            line,
            _("line %(line)d: be-with '%(value)s' is not an e-mail address"),
            value=row.be_with[:60],
        )
    if row.be_with == row.email.lower():
        return _problem_at(line, _("line %(line)d: be-with names the person themself"))
    bad = [v for v in row.not_with if not looks_like_email(v)]
    if bad:
        return _problem_at(
            line,
            _("line %(line)d: not-with '%(value)s' is not an e-mail address"),
            value=bad[0][:60],
        )
    return None


def read_text(data: bytes, max_rows: int = MAX_ROWS) -> tuple[list[Row], list[Problem]]:
    """Rows from an uploaded file's bytes (UTF-8, with or without BOM)."""
    if len(data) > MAX_BYTES:
        raise TooLarge(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TooLarge("The file is not UTF-8 text; save it as 'CSV UTF-8'.") from exc
    return read_rows(io.StringIO(text, newline=""), max_rows)


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_proposal(
    people: Iterable[Person], circles: list[Circle], out, *, spreadsheet_safe: bool = False
) -> None:
    """One row per person: email, circle (number, empty when left out), slot, language.

    ``spreadsheet_safe`` quotes cells that a spreadsheet would run as a formula (downloads).
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "circle", "slot", "language"])
    where = {key: (n, c) for n, c in enumerate(circles, 1) for key in c.members}
    for person in people:
        n, circle = where.get(person.key, (None, None))
        key = _safe(person.key) if spreadsheet_safe else person.key
        writer.writerow(
            [key, n or "", circle.slot if circle else "", circle.language if circle else ""]
        )
