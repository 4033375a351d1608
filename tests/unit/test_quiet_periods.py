"""Quiet periods as plain values: reading the list, meetings inside a period, a later start."""

from datetime import date
from pathlib import Path

import pytest

from wol.directory.quiet import (
    QuietPeriodsError,
    parse_quiet_periods,
    quiet_hits,
    start_after,
    weekly_days,
)

SHIPPED = Path(__file__).resolve().parents[2] / "wol" / "directory" / "quiet-periods.txt"
DEFAULTS = "07-01 08-31 Summer holiday | Zomervakantie\n12-20 01-05 Christmas | Kerst\n"


def test_the_shipped_list_reads_and_has_the_defaults_and_school_holidays():
    periods = parse_quiet_periods(SHIPPED.read_text(encoding="utf-8"))
    yearly = [p for p in periods if p.yearly]
    assert [(p.start.strftime("%m-%d"), p.end.strftime("%m-%d")) for p in yearly] == [
        ("07-01", "08-31"),
        ("12-20", "01-05"),
    ]
    assert {p.region for p in periods if not p.yearly} == {"BE", "NL"}
    # Flemish krokusvakantie 2027: the 7th Monday before Easter (28 March 2027).
    assert any(p.start == date(2027, 2, 8) and p.region == "BE" for p in periods)


def test_summer_weeks_are_counted_and_named_in_both_languages():
    periods = parse_quiet_periods(DEFAULTS)
    hits = quiet_hits(weekly_days(date(2027, 5, 4)), periods, "Europe/Brussels")
    assert [h.week for h in hits] == [10, 11, 12]  # 29 June is still free; 6 July is not
    assert hits[0].period.name("nl") == "Zomervakantie"
    assert hits[0].period.name("en") == "Summer holiday"


def test_christmas_crosses_the_new_year():
    periods = parse_quiet_periods(DEFAULTS)
    hits = quiet_hits(weekly_days(date(2026, 12, 1)), periods, "Europe/Amsterdam")
    assert [(h.week, h.day) for h in hits] == [
        (4, date(2026, 12, 22)),
        (5, date(2026, 12, 29)),
        (6, date(2027, 1, 5)),
    ]  # last day too
    assert (hits[0].period_start, hits[0].period_end) == (date(2026, 12, 20), date(2027, 1, 5))


def test_regional_periods_apply_to_circles_on_that_countrys_time():
    periods = parse_quiet_periods("2027-02-08 2027-02-14 [BE] Krokusvakantie\n")
    days = weekly_days(date(2027, 1, 5))
    assert [h.week for h in quiet_hits(days, periods, "Europe/Brussels")] == [6]
    assert quiet_hits(days, periods, "Europe/Amsterdam") == []
    assert quiet_hits(days, periods, "America/New_York") == []


def test_start_later_is_the_same_weekday_after_the_period():
    periods = parse_quiet_periods(DEFAULTS)
    first = date(2027, 5, 4)  # a Tuesday
    later = start_after(quiet_hits(weekly_days(first), periods, "Europe/Brussels"), first)
    assert later == date(2027, 9, 7)
    assert later.weekday() == first.weekday()


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        ("07-01 Summer", 1, "format"),
        ("# note\n2027-02-30 2027-03-01 Nope", 2, "date"),
        ("07-01 2027-08-31 Mixed", 1, "mixed"),
        ("2027-03-01 2027-02-01 Backwards", 1, "order"),
        ("2027-01-01 2029-01-01 Too long", 1, "length"),
        ("2027-01-01 2027-01-02 [FR] Vacances", 1, "region"),
        ("2027-01-01 2027-01-02 Bell\x07", 1, "name"),
    ],
)
def test_a_wrong_line_is_named(text, line, code):
    with pytest.raises(QuietPeriodsError) as caught:
        parse_quiet_periods(text)
    assert (caught.value.line, caught.value.code) == (line, code)


def test_comments_and_blank_lines_are_fine_and_one_name_serves_both_languages():
    [period] = parse_quiet_periods("# x\n\n  2027-04-24 2027-05-02 [nl] Meivakantie  \n")
    assert period.region == "NL" and period.name("en") == period.name("nl") == "Meivakantie"
