"""What the organisers' dashboard shows: counts, a filtered table, survival and completion.

Everything here works on CircleSummary rows (wol/health/service.py): circle-level facts and
counts, never a person. The functions take plain values and ``now``.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from wol.circles.models import LANGUAGES
from wol.health.service import CircleSummary
from wol.health.status import ACTIVE, AT_RISK, ENDED_EARLY, FINISHED, FORMING, STALLED, STATUSES

PAGE_SIZE = 25
SORTS = ("status", "name", "week", "last_held", "members", "start")
# Worst first when sorting by status: those are the circles that need a look.
STATUS_ORDER = {STALLED: 0, AT_RISK: 1, FORMING: 2, ACTIVE: 3, FINISHED: 4, ENDED_EARLY: 5}
WEEKS = 12


@dataclass
class Filters:
    """The table's filters and order, after unknown values were dropped."""

    status: str | None = None
    language: str | None = None
    organisation: str | None = None
    sort: str = "status"
    descending: bool = False
    page: int = 1
    ignored: list[str] = field(default_factory=list)  # names of the parameters dropped

    def query(self, **changes) -> dict:
        """URL parameters for these filters with ``changes`` (None drops a parameter)."""
        values = {
            "status": self.status,
            "language": self.language,
            "organisation": self.organisation,
            "sort": self.sort,
            "dir": "desc" if self.descending else None,
            "page": self.page,
        }
        values.update(changes)
        if values.get("sort") == "status":
            values["sort"] = None
        if values.get("page") == 1:
            values["page"] = None
        return {k: v for k, v in values.items() if v not in (None, "")}


def read_filters(args, organisations: list[str]) -> Filters:
    """Filters from the query string; values wol does not know are ignored and listed."""
    known = {
        "status": lambda v: v if v in STATUSES else None,
        "language": lambda v: v if v in LANGUAGES else None,
        "organisation": lambda v: v if v in organisations else None,
        "sort": lambda v: v if v in SORTS else None,
        "dir": lambda v: {"asc": False, "desc": True}.get(v),
        "page": lambda v: int(v) if v.isdigit() and 1 <= int(v) <= 100_000 else None,
    }
    filters = Filters()
    for name, read in known.items():
        given = args.get(name, "")
        value = read(given) if given else None
        if value is None:
            if given:
                filters.ignored.append(name)
            continue
        setattr(filters, "descending" if name == "dir" else name, value)
    return filters


def organisations(circles: list[CircleSummary]) -> list[str]:
    """The organisations (of the circles' organisers) present, for the filter."""
    return sorted({c.organisation for c in circles if c.organisation}, key=str.casefold)


def in_scope(circles: list[CircleSummary], filters: Filters) -> list[CircleSummary]:
    """The circles of the chosen language and organisation (every status)."""
    return [
        c
        for c in circles
        if (filters.language is None or c.language == filters.language)
        and (filters.organisation is None or c.organisation == filters.organisation)
    ]


def _sort_key(sort: str):
    """The key of a column; circles without a value sort last."""
    far = datetime.max.replace(tzinfo=UTC)
    keys = {
        "status": lambda c: (STATUS_ORDER[c.status], c.name.casefold()),
        "name": lambda c: (c.name.casefold(), c.id),
        "week": lambda c: (c.week or 0, c.name.casefold()),
        "last_held": lambda c: (c.last_held.starts_at if c.last_held else far, c.name.casefold()),
        "members": lambda c: (c.members, c.name.casefold()),
        "start": lambda c: (c.first_day, c.name.casefold()),
    }
    return keys[sort]


def table_rows(circles: list[CircleSummary], filters: Filters) -> list[CircleSummary]:
    """The rows of the table: the status filter applied, in the chosen order (all pages)."""
    rows = [c for c in circles if filters.status is None or c.status == filters.status]
    return sorted(rows, key=_sort_key(filters.sort), reverse=filters.descending)


@dataclass(frozen=True)
class Page:
    """One page of rows."""

    rows: list[CircleSummary]
    number: int
    pages: int
    total: int


def page_of(rows: list[CircleSummary], number: int, size: int = PAGE_SIZE) -> Page:
    """Rows of page ``number`` (a page past the end shows the last one)."""
    pages = max((len(rows) + size - 1) // size, 1)
    number = min(max(number, 1), pages)
    return Page(rows[(number - 1) * size : number * size], number, pages, len(rows))


def status_counts(circles: list[CircleSummary]) -> dict[str, int]:
    """How many circles have each status, every status listed."""
    counts = Counter(c.status for c in circles)
    return {status: counts.get(status, 0) for status in STATUSES}


@dataclass(frozen=True)
class Cohort:
    """Circles that started in one month, and how many of them reached each week."""

    month: str  # "2026-03"
    started: int
    reached: tuple[int, ...]  # index 0 = week 1


def survival(circles: list[CircleSummary], now: datetime, months: int = 12) -> list[Cohort]:
    """Per start month (the latest ``months``): circles started, how many reached week n.

    A circle reached week n when week n or a later week was held. The chart follows the
    twelve weeks: follow-up rounds of 4 or 6 weeks are left out (their weeks are other weeks,
    and would read as circles that stopped early); completion() counts them.
    """
    groups: dict[str, list[int]] = {}
    for circle in circles:
        start = circle.started_at
        if start is None or start > now or circle.weeks != WEEKS:
            continue
        groups.setdefault(circle.first_day.strftime("%Y-%m"), []).append(circle.reached)
    cohorts = [
        Cohort(
            month,
            len(reached),
            tuple(sum(1 for r in reached if r >= week) for week in range(1, WEEKS + 1)),
        )
        for month, reached in sorted(groups.items())
    ]
    return cohorts[-months:]


@dataclass(frozen=True)
class Completion:
    """The outcome of the circles whose planned weeks are over (twelve, or a follow-up's)."""

    total: int
    finished: int
    ended_early: int
    stalled: int
    running: int

    @property
    def rate(self) -> float | None:
        """Finished circles as a share of them (None when there are none)."""
        return self.finished / self.total if self.total else None


def completion(circles: list[CircleSummary], now: datetime) -> Completion:
    """Finished / ended early / stalled / still running among circles whose planned weeks
    are over: started 12+ weeks ago, or 4+ or 6+ weeks ago for a follow-up of that length."""
    old = [
        c
        for c in circles
        if c.started_at is not None and c.started_at <= now - timedelta(weeks=c.weeks)
    ]
    counts = Counter(c.status for c in old)
    return Completion(
        total=len(old),
        finished=counts[FINISHED],
        ended_early=counts[ENDED_EARLY],
        stalled=counts[STALLED],
        running=counts[ACTIVE] + counts[AT_RISK] + counts[FORMING],
    )


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(
    rows: list[CircleSummary], header: list[str], describe, label, tz: str, now: datetime
) -> str:
    """The table as CSV: one line per circle, reasons in words, dates in ``tz``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for c in rows:
        last = c.last_held
        writer.writerow(
            [
                _cell(v)
                for v in (
                    c.id,
                    c.name,
                    c.language,
                    c.organisation or "",
                    label(c.status),
                    describe(c.health, tz, now),
                    c.week or "",
                    last.starts_at.astimezone(ZoneInfo(tz)).date().isoformat() if last else "",
                    c.members,
                    " ".join(
                        "–" if count is None else str(count)
                        for _week, count, _kind in c.attendance(now)
                    ),
                    c.first_day.isoformat(),
                )
            ]
        )
    return out.getvalue()
