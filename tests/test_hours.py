"""index.model.hours: the canonical opening hours, readable(), is_open(), and the readers of wild forms.

opening-hours-py (a maintained OSM opening_hours evaluator) is the oracle: every
canonical string must be valid OSM syntax, and `is_open` must agree with its
evaluation at every quarter hour of a week.
"""

from __future__ import annotations

import datetime as dt

import opening_hours
import pytest

from index.model.hours import (
    day_index,
    format_hours,
    from_lines,
    from_specification,
    from_text,
    is_open,
    parse_hours,
    readable,
)

CANONICAL = [
    "Mo-Fr 09:00-17:00",
    "Tu,Th 16:00-20:00",
    "We 09:00-12:00,14:00-19:00",
    "Sa 18:00-03:00",
    "Fr 12:00-24:00",
    "Su off",
    "Mo-Su 00:00-24:00",
    "Mo-Tu,Th 09:00-19:00; We 09:00-12:00,14:00-19:00; Fr 12:00-24:00; Sa 10:00-16:00; Su off; 2026 Nov 26 off",
    "Mo-We 08:00-12:00; Sa off, Th-Fr 22:00-02:00",
    "Sa 10:00-16:00, Fr 22:00-02:00",
]


@pytest.mark.parametrize("text", CANONICAL)
def test_canonical_strings_round_trip_and_are_valid_osm(text):
    assert format_hours(parse_hours(text)) == text
    assert opening_hours.validate(text)


def test_days_with_the_same_hours_are_grouped_in_day_order():
    text = "Th 09:00-17:00; Mo 09:00-17:00; Tu 09:00-17:00; Su off; Sa 10:00-12:00"
    assert format_hours(parse_hours(text)) == "Mo-Tu,Th 09:00-17:00; Sa 10:00-12:00; Su off"


def test_a_later_rule_replaces_the_days_it_names_and_an_additional_rule_adds():
    assert format_hours(parse_hours("Mo-Fr 08:00-12:00; Mo 14:00-18:00")) == "Mo 14:00-18:00; Tu-Fr 08:00-12:00"
    assert format_hours(parse_hours("Mo-Fr 08:00-12:00, Mo 14:00-18:00")) == (
        "Mo 08:00-12:00,14:00-18:00; Tu-Fr 08:00-12:00")


def test_hours_past_midnight_into_a_named_day_are_an_additional_rule():
    # OSM: "Fr 22:00-02:00; Sa off" would be closed at Saturday 01:00.
    assert from_lines(["Friday: 10 PM – 2 AM", "Saturday: Closed"]) == "Sa off, Fr 22:00-02:00"
    assert is_open("Sa off, Fr 22:00-02:00", "sat", 60) and not is_open("Sa off, Fr 22:00-02:00", "sat", 120)


@pytest.mark.parametrize("text", ["", "Mo 9-5", "Xx 09:00-17:00", "Mo 25:00-26:00", "PH off", "Mo 09:00-17:00;", None])
def test_strings_outside_the_subset_are_none(text):
    parsed = parse_hours(text)
    # a trailing ";" is harmless; everything else here is not canonical
    assert parsed is None or format_hours(parsed) == "Mo 09:00-17:00"


@pytest.mark.parametrize("text", CANONICAL + ["Mo-Fr 09:00-12:00,13:00-17:30; Sa 19:00-01:30"])
def test_is_open_agrees_with_the_osm_evaluator_over_a_week(text):
    weekly = text.split("; 2026")[0]  # dated exceptions are not weekly hours
    oracle = opening_hours.OpeningHours(weekly)
    monday = dt.datetime(2025, 6, 2)  # a week with no public-holiday surprises
    for step in range(7 * 24 * 4):
        when = monday + dt.timedelta(minutes=15 * step)
        expected = oracle.is_open(when)
        assert is_open(text, when.weekday(), when.hour * 60 + when.minute) == expected, (text, when)


def test_is_open_for_a_day_counts_the_early_hours_of_a_range_past_midnight():
    hours = "Sa 18:00-03:00; Mo 09:00-17:00; Tu off"
    assert is_open(hours, "sat") and is_open(hours, "sun") and is_open(hours, "Mo")
    assert not is_open(hours, "tue") and not is_open(hours, "wed")  # closed, and unknown
    assert is_open(hours, "sun", 2 * 60 + 59) and not is_open(hours, "sun", 3 * 60)
    assert is_open("Fr 12:00-24:00", "fri", 23 * 60 + 59) and not is_open("Fr 12:00-24:00", "sat")
    assert not is_open(None, "mon") and not is_open("not hours", "mon")


def test_day_names_in_every_spelling():
    assert [day_index(d) for d in ("mon", "Tu", "wednesday", "THU", 4, "sa", "Sunday")] == list(range(7))
    with pytest.raises(ValueError, match="not a day of the week: 'someday'"):
        day_index("someday")


def test_readable_says_each_group_on_a_line_and_closed_days():
    assert readable(CANONICAL[7]) == (
        "Mon–Tue, Thu 9:00–19:00\nWed 9:00–12:00, 14:00–19:00\nFri 12:00–24:00\nSat 10:00–16:00\n"
        "Sun closed\nNov 26, 2026 closed"
    )
    assert readable("Sa 18:00-03:00") == "Sat 18:00–3:00 (next day)"
    assert readable("Mo-Su 00:00-24:00") == "Mon–Sun open 24 hours"
    assert readable(None) is None
    assert readable(["Monday: 9 – 5"]) == "Monday: 9 – 5"  # a list from an older store, as it was


HARBORLINE_SPEC = [
    {"dayOfWeek": ["https://schema.org/Monday", "https://schema.org/Tuesday", "https://schema.org/Thursday"],
     "opens": "09:00:00", "closes": "19:00:00"},
    {"dayOfWeek": "https://schema.org/Wednesday", "opens": "09:00", "closes": "12:00"},
    {"dayOfWeek": "https://schema.org/Wednesday", "opens": "14:00", "closes": "19:00"},
    {"dayOfWeek": "https://schema.org/Friday", "opens": "12:00", "closes": "00:00"},
    {"dayOfWeek": "http://schema.org/Saturday", "opens": "10:00", "closes": "16:00"},
    {"dayOfWeek": "Sunday", "opens": "00:00", "closes": "00:00"},
    {"dayOfWeek": "https://schema.org/Thursday", "opens": "00:00", "closes": "00:00",
     "validFrom": "2026-11-26", "validThrough": "2026-11-26"},
]


def test_specification_of_the_reference_page():
    assert from_specification(HARBORLINE_SPEC) == CANONICAL[7]


@pytest.mark.parametrize(("items", "expected"), [
    ({"dayOfWeek": "schema:Mo", "opens": "9:00 AM", "closes": "5:30 PM"}, "Mo 09:00-17:30"),
    ({"dayOfWeek": ["monday", "TUESDAY"], "opens": "9am", "closes": "5pm"}, "Mo-Tu 09:00-17:00"),
    ({"dayOfWeek": "Saturday", "opens": "18:00", "closes": "03:00"}, "Sa 18:00-03:00"),
    ({"dayOfWeek": "Friday", "opens": "12:00", "closes": "24:00"}, "Fr 12:00-24:00"),
    ({"dayOfWeek": "Friday", "opens": "12:00", "closes": "23:59"}, "Fr 12:00-24:00"),
    ({"dayOfWeek": "Monday", "opens": "00:00", "closes": "23:59"}, "Mo 00:00-24:00"),
    ({"dayOfWeek": "Sunday", "opens": "10:00", "closes": "Closed"}, "Su off"),
    ({"dayOfWeek": "Sunday"}, "Su off"),  # schema.org: closed unless `opens` is given
    ([{"dayOfWeek": "Mo", "opens": "09:00", "closes": "17:00"},
      {"dayOfWeek": "https://schema.org/PublicHolidays", "opens": "00:00", "closes": "00:00"}], "Mo 09:00-17:00"),
    ([{"dayOfWeek": "Mo", "opens": "09:00", "closes": "17:00"},
      {"dayOfWeek": "Mo", "opens": "10:00", "closes": "14:00", "validFrom": "2026-06-01",
       "validThrough": "2026-08-31"}], "Mo 09:00-17:00"),  # seasonal: not the year-round week
    ({"dayOfWeek": "Mo", "opens": "around nine", "closes": "17:00"}, None),
    ({"dayOfWeek": "Someday", "opens": "09:00", "closes": "17:00"}, None),
    ([], None),
])
def test_specification_items_in_every_spelling(items, expected):
    assert from_specification(items) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("Mo-Fr 09:00-17:00", "Mo-Fr 09:00-17:00"),
    (["Mo-Fr 10:00-19:00", "Sa 09:00-15:00"], "Mo-Fr 10:00-19:00; Sa 09:00-15:00"),
    ("Sa 10:00-14:00; Su closed", "Sa 10:00-14:00; Su off"),
    ("mo-fr 9:00-17:00", "Mo-Fr 09:00-17:00"),
    ("Mon-Fri 9am-5pm", "Mo-Fr 09:00-17:00"),
    ("Monday - Friday 9:00 AM - 6:00 PM, Saturday 10am-2pm", "Mo-Fr 09:00-18:00; Sa 10:00-14:00"),
    ("Tu,Th 16:00-20:00", "Tu,Th 16:00-20:00"),
    ("Mo-Su", "Mo-Su 00:00-24:00"),
    ("24/7", "Mo-Su 00:00-24:00"),
    ("Sa 18:00-03:00", "Sa 18:00-03:00"),
    ("whenever we feel like it", None),
])
def test_opening_hours_strings(value, expected):
    assert from_text(value) == expected


@pytest.mark.parametrize(("lines", "expected"), [
    (["Monday: 9:00 AM – 6:00 PM", "Wednesday: 9:00 AM – 6:00 PM", "Saturday: 10:00 AM – 2:00 PM"],
     "Mo,We 09:00-18:00; Sa 10:00-14:00"),
    (["Monday: 9:00 AM – 6:00 PM", "Tuesday: By appointment only"], "Mo 09:00-18:00"),
    (["Mon–Fri 9–5", "Sat: by appointment"], "Mo-Fr 09:00-17:00"),
    (["Tuesday, Thursday: 10 AM – 7 PM", "Sunday: Closed"], "Tu,Th 10:00-19:00; Su off"),
    (["Friday: noon – midnight"], "Fr 12:00-24:00"),
    (["By appointment only"], None),
    (["Monday: 9:00 AM – 6:00 PM", "Closed Thanksgiving Day (Nov 26, 2026)"], None),
])
def test_directory_lines(lines, expected):
    assert from_lines(lines) == expected


def test_the_fields_pipeline_turns_directory_lines_into_canonical_hours():
    from scrapy.utils.test import get_crawler

    from index.model.listing import TherapistListing
    from spiders.pipelines.fields import ProfileFieldsPipeline

    crawler = get_crawler()
    pipe = ProfileFieldsPipeline.from_crawler(crawler)
    items = [TherapistListing(hours_raw=["Monday: 9:00 AM – 6:00 PM", "Sunday: Closed"]),
             TherapistListing(hours_raw=["Tuesday: By appointment only"]),
             TherapistListing(hours_raw=["Closed Thanksgiving Day (Nov 26, 2026)"]),
             TherapistListing(hours="Sa 10:00-14:00", hours_raw=["Sa 10:00-14:00"])]
    for item in items:
        pipe.process_item(item)
    assert [i.hours for i in items] == ["Mo 09:00-18:00; Su off", None, None, "Sa 10:00-14:00"]
    assert items[2].hours_raw == ["Closed Thanksgiving Day (Nov 26, 2026)"]  # kept as written
    assert crawler.stats.get_value("listings/field/hours/unparsed") == 1  # not the appointment-only one


def test_either_hours_module_may_be_imported_first():
    import subprocess
    import sys
    from pathlib import Path

    for first in ("index.model.hours_wild", "index.model.hours"):
        code = f"import {first}; from index.model.hours import from_lines; print(from_lines(['Mon: 9-5']))"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                              cwd=Path(__file__).parents[1])
        assert done.stdout == "Mo 09:00-17:00\n", done.stderr
