"""Directory filters as plain values: parsing a query string, matching a circle."""

from datetime import UTC, date, datetime

from wol.directory.filters import CircleFacts, DirectoryFilter, page_number

TUESDAY_NOON_BRUSSELS = datetime(2027, 3, 2, 11, 0, tzinfo=UTC)


def facts(**overrides) -> CircleFacts:
    values = {
        "language": "nl",
        "kind": "online",
        "place": "Kunstberg, Brussel",
        "first_start": TUESDAY_NOON_BRUSSELS,
        "first_day": date(2027, 3, 2),
    }
    values.update(overrides)
    return CircleFacts(**values)


def test_parse_keeps_known_values_and_names_the_others():
    filt, ignored = DirectoryFilter.parse(
        {
            "lang": "nl",
            "kind": "boat",
            "day": "tue",
            "time": "noon",
            "month": "2027-03",
            "place": "  kunst   berg ",
            "utm": "x",
        }
    )
    assert filt == DirectoryFilter(lang="nl", day="tue", month="2027-03", place="kunst berg")
    assert ignored == ["kind", "time"]
    assert filt.query_string() == "lang=nl&place=kunst+berg&day=tue&month=2027-03"


def test_the_same_search_gives_the_same_query_string_in_any_order():
    one, _ = DirectoryFilter.parse({"day": "tue", "lang": "nl"})
    two, _ = DirectoryFilter.parse({"lang": "nl", "day": "tue"})
    assert one.query_string() == two.query_string()


def test_matching_uses_the_viewers_zone():
    circle = facts()
    assert DirectoryFilter(day="tue", time="midday").matches(circle, "Europe/Brussels")
    assert DirectoryFilter(day="tue", time="morning").matches(circle, "America/New_York")
    assert not DirectoryFilter(time="midday").matches(circle, "America/New_York")
    # 11:00 UTC on Tuesday is already Tuesday evening in Sydney... and Wednesday? No: 22:00.
    assert DirectoryFilter(day="tue", time="evening").matches(circle, "Australia/Sydney")


def test_kinds_place_and_month():
    assert DirectoryFilter(kind="online").matches(facts(kind="hybrid"), "UTC")
    assert not DirectoryFilter(kind="hybrid").matches(facts(kind="online"), "UTC")
    assert DirectoryFilter(place="BRUSSEL").matches(facts(), "UTC")
    assert not DirectoryFilter(place="Gent").matches(facts(place=None), "UTC")
    assert DirectoryFilter(month="2027-03").matches(facts(), "UTC")
    assert not DirectoryFilter(month="2027-04").matches(facts(), "UTC")
    assert DirectoryFilter(month="2027-12").month_range() == (date(2027, 12, 1), date(2028, 1, 1))


def test_page_numbers():
    assert page_number(None) == (1, True)
    assert page_number("3") == (3, True)
    assert page_number("0") == (1, False)
    assert page_number("-1") == (1, False)
    assert page_number("9" * 40) == (1, False)
