"""`knead search --open DAY[ TIME]`: listings open then, by their weekly hours, exact to the minute."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner
from conftest import store_listings

from index.model.hours import format_hours, is_open, parse_hours
from index.model.listing import TherapistListing
from index.records.datadir import DataDir
from index.search.generations import build_index
from search_cli.main import cli

HOURS = {
    "t:weekdays": "Mo-Fr 09:00-17:30",
    "t:late": "Sa 18:00-03:00",  # Saturday night into Sunday
    "t:split": "We 09:00-12:00,14:00-19:00",
    "t:sunday-off": "Mo 10:00-14:00; Su off",
    "t:quarter": "Tu 08:45-09:15",  # both ends inside an hour
    "t:all-week": "Mo-Su 00:00-24:00",
    "t:dated": "Th 10:00-16:00; 2026 Nov 26 off",
    "t:none": None,
    "t:none-2": None,
}


def _listing(id_: str, hours: str | None) -> dict:
    return TherapistListing(id=id_, source="test", name=id_.partition(":")[2].title(), url=f"https://d.example/{id_}",
                            city="Hartford", state="CT", zip="06103", lat=41.77, lon=-72.68, hours=hours).to_dict()


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> DataDir:
    data_dir = DataDir(tmp_path_factory.mktemp("open") / "data").ensure()
    build_index(store_listings(data_dir, [_listing(i, h) for i, h in HOURS.items()]), data_dir.index_root)
    return data_dir


def search(data_dir: DataDir, *args: str):
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir.root), "search", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def ids(data_dir: DataDir, *args: str) -> set[str]:
    return {row["id"] for row in search(data_dir, *args)[0]["results"]}


@pytest.mark.parametrize("when,expected", [
    ("sat", {"t:late", "t:all-week"}),
    ("sun", {"t:late", "t:all-week"}),  # open Sunday 00:00-03:00 from Saturday night; "Su off" is not
    ("sun 01:00", {"t:late", "t:all-week"}),
    ("sun 3am", {"t:all-week"}),  # closes at 03:00
    ("mon 17:29", {"t:weekdays", "t:all-week"}),
    ("mon 17:30", {"t:all-week"}),
    ("Monday 9:00 AM", {"t:weekdays", "t:all-week"}),
    ("wed 12:30", {"t:weekdays", "t:all-week"}),  # t:split is between its two shifts
    ("wed 14:00", {"t:weekdays", "t:split", "t:all-week"}),
    ("tue 08:50", {"t:quarter", "t:all-week"}),
    ("tue 9:10", {"t:weekdays", "t:quarter", "t:all-week"}),
    ("tue 09:15", {"t:weekdays", "t:all-week"}),
    ("thu 23:59", {"t:all-week"}),
    ("thursday", {"t:weekdays", "t:dated", "t:all-week"}),  # the dated closure is not weekly hours
])
def test_open_keeps_listings_open_then(index, when, expected):
    assert ids(index, "--open", when) == expected


def test_listings_without_hours_are_left_out_and_counted(index):
    data, err = search(index, "--open", "fri 10:00")
    assert {r["id"] for r in data["results"]} == {"t:weekdays", "t:all-week"}
    assert data["without_hours"] == 2
    assert data["filters"]["open"] == "Fri 10:00"
    assert "2 matching listings give no opening hours and were left out" in " ".join(err.split())
    plain, err = search(index)
    assert plain["without_hours"] is None and plain["total"] == len(HOURS) and "opening hours" not in err


@pytest.mark.parametrize("value,message", [
    ("funday", "did you mean 'sun'"),
    ("mon 25:00", "Unknown time '25:00'"),
    ("tue 13pm", "Unknown time '13pm'"),
])
def test_a_day_or_time_it_cannot_read_is_a_usage_error(index, value, message):
    result = CliRunner().invoke(cli, ["--data-dir", str(index.root), "search", "--open", value])
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_hours_show_readably_in_show_and_exports(index, tmp_path):
    runner = CliRunner()
    shown = runner.invoke(cli, ["--data-dir", str(index.root), "show", "--format", "text", "t:split"])
    assert shown.exit_code == 0 and "Wed 9:00–12:00, 14:00–19:00" in shown.stdout, shown.output
    for fmt, expected in (("vcf", "Hours: Wed 9:00–12:00\\, 14:00–19:00"), ("md", "Wed 9:00–12:00, 14:00–19:00"),
                          ("csv", "We 09:00-12:00,14:00-19:00")):
        out = tmp_path / f"x.{fmt}"
        result = runner.invoke(cli, ["--data-dir", str(index.root), "export", str(out), "--open", "wed 10:00"])
        assert result.exit_code == 0, result.output
        assert expected in out.read_text(encoding="utf-8"), fmt


def _random_hours(rng: random.Random) -> str:
    """Weekly hours of every shape the canonical form has: split shifts, past midnight, closed days,
    boundaries on any five minutes."""
    rules = []
    for day in rng.sample(("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"), rng.randint(1, 7)):
        kind = rng.random()
        if kind < 0.15:
            rules.append(f"{day} off")
            continue
        opens = rng.randrange(0, 24 * 12) * 5
        length = rng.randrange(1, 14 * 12) * 5
        closes = (opens + length) % (24 * 60)
        spans = [f"{opens // 60:02d}:{opens % 60:02d}-{closes // 60:02d}:{closes % 60:02d}"]
        if kind > 0.8 and opens + length + 60 < 24 * 60 - 30:  # a second shift the same day
            later = opens + length + 30
            spans.append(f"{later // 60:02d}:{later % 60:02d}-23:55")
        rules.append(f"{day} {','.join(spans)}")
    return format_hours(parse_hours("; ".join(rules)))


def test_the_index_answers_exactly_what_the_hours_say(tmp_path):
    """Against `index.model.hours.is_open` (itself checked against the opening_hours library):
    200 listings of random hours, 60 random moments, every answer the same."""
    rng = random.Random(11)
    listings = [_listing(f"r:{i:03d}", _random_hours(rng)) for i in range(200)]
    data_dir = DataDir(tmp_path / "data").ensure()
    build_index(store_listings(data_dir, listings), data_dir.index_root)
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for _ in range(60):
        day = rng.randrange(7)
        minute = rng.randrange(24 * 60) if rng.random() < 0.8 else None
        when = days[day] if minute is None else f"{days[day]} {minute // 60:02d}:{minute % 60:02d}"
        expected = {l["id"] for l in listings if is_open(l["hours"], day, minute)}
        assert ids(data_dir, "--limit", "500", "--open", when) == expected, when
