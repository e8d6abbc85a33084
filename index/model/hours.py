"""Opening hours: one canonical form for every source, and readers of the wild forms.

The canonical form is a subset of OpenStreetMap's `opening_hours` syntax:

    rules      = rule *("; " rule)
    rule       = days " " times | date " " times    rules are joined by "; ", or by ", " (an OSM
                                                    additional rule) for hours run past midnight into
                                                    a day another rule names: "Sa off, Fr 22:00-02:00"
    days       = day-span *("," day-span)          Mo Tu We Th Fr Sa Su; "Mo-Fr", "Tu,Th", "Mo-Tu,Th"
    times      = "off" | span *("," span)           "off": closed all that day
    span       = HH:MM "-" HH:MM                    close 24:00 = until midnight; a close earlier than
                                                    the open runs past midnight ("Sa 18:00-03:00")
    date       = YYYY " " Mon " " D                 one dated exception: "2026 Nov 26 off"

Examples: "Mo-Fr 09:00-17:00", "We 09:00-12:00,14:00-19:00", "Fr 12:00-24:00",
"Mo-Su 00:00-24:00", "Su off; 2026 Nov 26 off". `format_hours` writes one string per
week: days with identical hours grouped ("Mo-Tu,Th 09:00-19:00"), groups in the
order of their first day, dated exceptions last in date order. A day named
nowhere is unknown (neither open nor closed).

`Hours` is the weekly structure: `week` maps a day (0 = Monday) to its spans in
minutes, `()` meaning closed; `exceptions` maps ISO dates the same way.

Readers of what pages write, each returning the canonical string or None when
the input cannot be read (the caller keeps the raw text and counts it):
`from_specification` (schema.org `openingHoursSpecification` items),
`from_text` (`openingHours` strings: OSM-like, lists, lower case, 12-hour times,
full day names, "Mon-Fri 9am-5pm", "Su closed") and `from_lines` (directory
lines such as "Monday: 9:00 AM – 6:00 PM"; "By appointment only" gives no
hours for that line).

Written here rather than taken from `opening-hours-py` (a maintained Rust
parser): that library normalises away explicit closed days ("Su closed"
disappears) and exposes no weekly structure, and it reads none of the wild
forms; the tests use it as an oracle that every canonical string is valid OSM
syntax and that `is_open` agrees with its evaluation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAY_MINUTES = 24 * 60

Span = tuple[int, int]  # (open, close) minutes of the day; close 1440 = midnight; close <= open: past midnight


@dataclass
class Hours:
    week: dict[int, tuple[Span, ...]] = field(default_factory=dict)
    exceptions: dict[str, tuple[Span, ...]] = field(default_factory=dict)  # ISO date -> spans

    def add(self, day: int, span: Span | None) -> None:
        """Add a span to a day (None: closed, unless the day has spans)."""
        spans = self.week.get(day, ())
        if span is not None and span not in spans:
            self.week[day] = tuple(sorted(spans + (span,)))
        elif span is None:
            self.week.setdefault(day, ())

    def __bool__(self) -> bool:
        return bool(self.week or self.exceptions)


# ---------------------------------------------------------------- canonical form

_CANON_TIME = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_ADDITIONAL = re.compile(r",\s+(?=[A-Z])")
_CANON_DATE = re.compile(rf"^(\d{{4}}) ({'|'.join(MONTHS)}) (\d{{1,2}}) (.+)$")


def _minutes(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:5])


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_spans(text: str) -> tuple[Span, ...] | None:
    if text == "off":
        return ()
    spans = []
    for part in text.split(","):
        m = _CANON_TIME.match(part.strip())
        if not m:
            return None
        start, end = _minutes(part[:5]), _minutes(part.strip()[6:11])
        if start >= DAY_MINUTES or end > DAY_MINUTES + 12 * 60 or int(m[2]) > 59 or int(m[4]) > 59:
            return None
        spans.append((start, end - DAY_MINUTES if end > DAY_MINUTES else end))  # OSM's "18:00-27:00"
    return tuple(sorted(spans))


def _parse_days(text: str) -> list[int] | None:
    days: list[int] = []
    for part in text.split(","):
        ends = part.split("-")
        if len(ends) > 2 or any(e not in DAYS for e in ends):
            return None
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        days.extend((first + i) % 7 for i in range((last - first) % 7 + 1))  # "Sa-Mo" wraps
    return days


def parse_hours(text: str | None) -> Hours | None:
    """A canonical string as an `Hours`; None for None or anything outside the subset."""
    if not isinstance(text, str) or not text.strip():
        return None
    hours = Hours()
    # "; " separates rules that replace the days they name; ", " before a day adds an additional rule.
    rules = [(part.strip(), i > 0) for chunk in text.split(";") for i, part in enumerate(_ADDITIONAL.split(chunk))]
    for rule, additional in rules:
        if not rule:
            continue
        dated = _CANON_DATE.match(rule)
        if dated:
            try:
                day = date(int(dated[1]), MONTHS.index(dated[2]) + 1, int(dated[3])).isoformat()
            except ValueError:
                return None
            spans = _parse_spans(dated[4])
            if spans is None:
                return None
            hours.exceptions[day] = tuple(sorted(set(hours.exceptions.get(day, ()) + spans)))
            continue
        head, _, tail = rule.partition(" ")
        days = _parse_days(head)
        spans = _parse_spans(tail.strip()) if days else None
        if days is None or spans is None:
            return None
        for day in days:
            if not additional:
                hours.week.pop(day, None)
            for span in spans or (None,):
                hours.add(day, span)
    return hours or None


def _day_spans(days: list[int]) -> str:
    """[0, 1, 3] -> "Mo-Tu,Th"."""
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(DAYS[r[0]] if len(r) == 1 else f"{DAYS[r[0]]}-{DAYS[r[-1]]}" for r in runs)


def _spans_text(spans: tuple[Span, ...]) -> str:
    return ",".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in spans) if spans else "off"


def _groups(hours: Hours) -> list[tuple[list[int], tuple[Span, ...]]]:
    groups: dict[tuple[Span, ...], list[int]] = {}
    for day in sorted(hours.week):
        groups.setdefault(hours.week[day], []).append(day)
    return sorted(((days, spans) for spans, days in groups.items()), key=lambda g: g[0][0])


def _spills_into_other(days: list[int], hours: Hours) -> bool:
    """Whether a group's hours run past midnight into a day that another group names."""
    return any(b <= a and b > 0 and (d + 1) % 7 in hours.week and (d + 1) % 7 not in days
               for d in days for a, b in hours.week[d])


def format_hours(hours: Hours | None) -> str | None:
    """The canonical string of a weekly structure (None when it holds nothing).

    In OSM a rule naming a day replaces that day's hours, also the early hours
    another rule carried past midnight ("Fr 22:00-02:00; Sa off" is closed at
    Saturday 01:00). So a group that runs past midnight into a day named by
    another group comes last, as an additional rule (", "), which adds instead.
    """
    if not hours:
        return None
    groups = _groups(hours)
    late = [g for g in groups if _spills_into_other(g[0], hours)]
    text = "; ".join(f"{_day_spans(days)} {_spans_text(spans)}" for days, spans in groups if (days, spans) not in late)
    for days, spans in late:
        text += f"{', ' if text else ''}{_day_spans(days)} {_spans_text(spans)}"
    rules = [text]
    for iso in sorted(hours.exceptions):
        d = date.fromisoformat(iso)
        rules.append(f"{d.year} {MONTHS[d.month - 1]} {d.day} {_spans_text(hours.exceptions[iso])}")
    return "; ".join(rules)


def _as_hours(hours: Hours | str | None) -> Hours | None:
    return hours if isinstance(hours, Hours) else parse_hours(hours)


# ---------------------------------------------------------------- for people


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _readable_spans(spans: tuple[Span, ...]) -> str:
    if not spans:
        return "closed"
    if spans == ((0, DAY_MINUTES),):
        return "open 24 hours"
    return ", ".join(f"{_clock(a)}–{_clock(b)}" + (" (next day)" if b <= a else "") for a, b in spans)


def readable(hours: Hours | str | list[str] | None) -> str | None:
    """Hours for people, one line per group: "Mon–Tue, Thu 9:00–19:00", "Sun closed".

    A string that is not canonical (or a list of lines from an older store) is
    shown as it is.
    """
    if isinstance(hours, list):
        return "\n".join(str(h) for h in hours) or None
    parsed = _as_hours(hours)
    if parsed is None:
        return hours or None if isinstance(hours, str) else None
    lines = []
    for days, spans in _groups(parsed):
        label = _day_spans(days)
        for short, name in zip(DAYS, DAY_NAMES):
            label = label.replace(short, name)
        lines.append(f"{label.replace('-', '–').replace(',', ', ')} {_readable_spans(spans)}")
    for iso in sorted(parsed.exceptions):
        d = date.fromisoformat(iso)
        lines.append(f"{MONTHS[d.month - 1]} {d.day}, {d.year} {_readable_spans(parsed.exceptions[iso])}")
    return "\n".join(lines)


_DAY_WORDS = {name.lower(): i for i, name in enumerate(DAY_NAMES)} | {d.lower(): i for i, d in enumerate(DAYS)} | {
    n: i for i, n in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}


def day_index(day: int | str) -> int:
    """0-6 from an index or a day name ("sat", "Sa", "Saturday"); ValueError otherwise."""
    if isinstance(day, int) and 0 <= day < 7:
        return day
    if isinstance(day, str) and day.strip().lower() in _DAY_WORDS:
        return _DAY_WORDS[day.strip().lower()]
    raise ValueError(f"not a day of the week: {day!r}")


def is_open(hours: Hours | str | None, day: int | str, minute_of_day: int | None = None) -> bool:
    """Whether the weekly hours say open on `day` (at `minute_of_day`, or at some time that day).

    A span past midnight counts for the next day's early hours ("Sa 18:00-03:00"
    is open on Sunday at 01:00, and so on Sunday). Dated exceptions are not
    weekly hours and are ignored; unknown days and unreadable hours are not open.
    """
    parsed = _as_hours(hours)
    if parsed is None:
        return False
    d = day_index(day)
    today = parsed.week.get(d, ())
    carried = [b for a, b in parsed.week.get((d - 1) % 7, ()) if b <= a and b > 0]  # yesterday's spans past midnight
    if minute_of_day is None:
        return bool(today or carried)
    if not 0 <= minute_of_day < DAY_MINUTES:
        raise ValueError(f"minute of the day out of range: {minute_of_day}")
    return (any(a <= minute_of_day < (b if b > a else DAY_MINUTES) for a, b in today)
            or any(minute_of_day < b for b in carried))


# ---------------------------------------------------------------- readers of wild forms
# The readers live in hours_wild, which builds `Hours` values: imported as a module (either may load first).
from index.model import hours_wild as _wild


def from_specification(items: Any) -> str | None:
    """schema.org `openingHoursSpecification` items in the canonical form, or None (index.model.hours_wild)."""
    return _wild.from_specification(items)


def from_text(value: Any) -> str | None:
    """schema.org `openingHours` strings in the canonical form, or None (index.model.hours_wild)."""
    return _wild.from_text(value)


def from_lines(lines: Any) -> str | None:
    """Directory lines ("Monday: 9:00 AM – 6:00 PM") in the canonical form, or None (index.model.hours_wild)."""
    return _wild.from_lines(lines)

__all__ = [
    "Hours",
    "day_index",
    "format_hours",
    "from_lines",
    "from_specification",
    "from_text",
    "is_open",
    "parse_hours",
    "readable",
]
