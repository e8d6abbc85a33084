"""Readers of opening hours as pages write them, into the canonical form of `index.model.hours`.

- `from_specification(items)`: schema.org `openingHoursSpecification` items.
  `dayOfWeek` in any spelling ("Monday", "https://schema.org/Monday",
  "schema:Mo", "monday"; `PublicHolidays` has no place in a weekly form and is
  skipped); `opens`/`closes` as "09:00", "09:00:00", "9:00 AM", "9am"; a close
  of 00:00, 24:00 or 23:59 after a later open means until midnight; 00:00-00:00
  or a close of "Closed" means closed that day; `validFrom` = `validThrough`
  makes a one-day exception; longer seasonal ranges are left out.
- `from_text(value)`: `openingHours` strings or lists of them: OSM-like rules
  separated by ";", "," before a day, or new lines; lower case, full or short
  day names, "Mon-Fri 9am-5pm", "Su closed", "daily", "weekdays".
- `from_lines(lines)`: directory lines, "Monday: 9:00 AM – 6:00 PM",
  "Tuesday, Thursday: 10 AM – 7 PM", "Mon–Fri 9–5" (a close not after the open,
  neither with am/pm, is taken as pm); a line saying "by appointment" gives no
  hours.

Each returns the canonical string, or None when nothing could be read or some
part could not (hours half-read would wrongly say closed); callers keep the raw.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from index.model import (
    hours as canonical,  # a module, not names: index.model.hours imports this one back
)

DAY_MINUTES = 24 * 60

_DAY_WORDS = (
    ("mo", ("monday", "mon", "mo")), ("tu", ("tuesday", "tues", "tue", "tu")),
    ("we", ("wednesday", "weds", "wed", "we")), ("th", ("thursday", "thurs", "thur", "thu", "th")),
    ("fr", ("friday", "fri", "fr")), ("sa", ("saturday", "sat", "sa")), ("su", ("sunday", "sun", "su")),
)
_DAY_OF = {word: i for i, (_, words) in enumerate(_DAY_WORDS) for word in words}
_DAY = "|".join(sorted(_DAY_OF, key=len, reverse=True))
_GROUPS = {"daily": range(7), "everyday": range(7), "every day": range(7), "7 days": range(7),
           "weekdays": range(5), "weekends": range(5, 7), "weekend": range(5, 7)}
_GROUP = "|".join(sorted(_GROUPS, key=len, reverse=True))
_DAYS_HEAD = re.compile(
    rf"^\s*((?:(?:{_DAY}|{_GROUP})\.?(?:\s*(?:-|,|/|&|\band\b|\bto\b|\bthrough\b|\bthru\b)\s*|\s+|:\s*|$))+)")
_TIME = r"(?:\d{1,2}(?:[:.]\d{2}){0,2}\s*(?:[ap]\.?\s?m\.?)?|noon|midnight)"
_SPAN = re.compile(rf"({_TIME})\s*(?:-|\bto\b|\buntil\b|\btill\b)\s*({_TIME})")
_CLOSED = re.compile(r"^(closed|off|geschlossen|not open)\.?$")
_ALL_DAY = re.compile(r"^(24/7|24 hours|open 24 hours|24h|00:00-24:00)$")
_APPOINTMENT = re.compile(r"appointment|appt|call for|by arrangement")
_RULE_SPLIT = re.compile(rf"\s*;\s*|\s*\n\s*|(?<=[\dmdf.])\s*,\s*(?=(?:{_DAY}|{_GROUP})\b)", re.IGNORECASE)


def parse_time(text: Any) -> tuple[int, bool] | None:
    """"09:00", "09:00:00", "9:00 AM", "9am", "noon" -> (minutes, had am/pm); None if unreadable."""
    if not isinstance(text, str):
        return None
    t = text.strip().lower().replace(" ", "")
    if t == "noon":
        return 720, True
    if t == "midnight":
        return DAY_MINUTES, True
    m = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?(?:[:.](\d{2}))?([ap])?\.?(?:m\.?)?", t)
    if not m or (t.endswith("m") is False and t.endswith(".") and not m[4]):
        return None
    hour, minute = int(m[1]), int(m[2] or 0)
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        return None
    if m[4]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m[4] == "p" else 0)
    return hour * 60 + minute, bool(m[4])


def _span(opens: tuple[int, bool], closes: tuple[int, bool]) -> tuple[int, int] | None:
    """A (open, close) span, or None for "closed that day" (00:00-00:00)."""
    (a, a_mer), (b, b_mer) = opens, closes
    if a == DAY_MINUTES:
        a = 0
    if a == 0 and b in (0, DAY_MINUTES - 1) and not b_mer and b == 0:
        return None
    if b in (0, DAY_MINUTES - 1) and (a > 0 or b == DAY_MINUTES - 1):
        b = DAY_MINUTES  # closes 00:00 or 23:59: until midnight
    if b <= a and not a_mer and not b_mer and b <= 12 * 60 and b + 12 * 60 > a:
        b += 12 * 60  # "9-5": five in the afternoon
    return (a, b)


def _days(head: str) -> list[int] | None:
    text = re.sub(r"\s*(?:\bto\b|\bthrough\b|\bthru\b|–|—|-)\s*", "-", head.lower())
    text = re.sub(r"\s*(?:&|\band\b|/)\s*", ",", text).strip(" :.")
    days: list[int] = []
    for part in re.split(r"\s*,\s*|\s+", text):
        if not part:
            continue
        if part in _GROUPS:
            days.extend(_GROUPS[part])
            continue
        ends = [e.strip(".") for e in part.split("-")]
        if len(ends) > 2 or any(e not in _DAY_OF for e in ends):
            return None
        first, last = _DAY_OF[ends[0]], _DAY_OF[ends[-1]]
        days.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
    return days


def _times(tail: str) -> list[tuple[int, int] | None] | None:
    """The spans of a rule's time part ([None] = closed, [] = no information); None if unreadable."""
    text = re.sub(r"[–—−]", "-", tail.lower()).strip(" :.,")
    if not text or _ALL_DAY.match(text):  # OSM: days without times are open all day
        return [(0, DAY_MINUTES)]
    if _CLOSED.match(text):
        return [None]
    if _APPOINTMENT.search(text):
        return []
    spans: list[tuple[int, int] | None] = []
    rest = text
    for m in _SPAN.finditer(text):
        opens, closes = parse_time(m[1]), parse_time(m[2])
        if opens is None or closes is None:
            return None
        spans.append(_span(opens, closes))
        rest = rest.replace(m[0], " ", 1)
    if re.sub(r"\b(and|&)\b|[,;&\s]", "", rest) or not spans:
        return None
    return spans


def _rule(hours: canonical.Hours, rule: str) -> bool:
    """Add one rule ("Mo-Fr 09:00-17:00", "Monday: 9 AM – 6 PM"); False if unreadable."""
    text = re.sub(r"[–—−]", "-", rule.strip().lower())
    if not text:
        return True
    if re.match(r"^(ph|public holidays?|holidays?)\b", text):
        return True  # holiday rules have no place in a weekly form
    head = _DAYS_HEAD.match(text)
    days = _days(head[1]) if head else list(range(7))  # OSM: a rule without days holds every day
    if days is None or not days:
        return False
    spans = _times(text[head.end():] if head else text)
    if spans is None:
        return False
    if not spans and head is None:
        return True  # "By appointment only": no hours, nothing wrong
    for day in days:
        for span in spans:
            hours.add(day, span)
    return True


def _read(values: Any) -> str | None:
    items = values if isinstance(values, (list, tuple)) else [values]
    hours = canonical.Hours()
    for item in items:
        if not isinstance(item, str):
            return None
        for rule in _RULE_SPLIT.split(item.strip()):
            if not _rule(hours, rule):
                return None
    return canonical.format_hours(hours)


def from_text(value: Any) -> str | None:
    """schema.org `openingHours` (a string or a list of them) in the canonical form, or None."""
    return _read(value)


def from_lines(lines: Any) -> str | None:
    """Directory hours lines ("Monday: 9:00 AM – 6:00 PM", one per day) in the canonical form, or None."""
    return _read(lines)


def _spec_day(value: Any) -> int | str | None:
    """A `dayOfWeek` value as 0-6, "ph" for PublicHolidays, None when unreadable."""
    if not isinstance(value, str):
        return None
    word = re.sub(r"^.*[/:#]", "", value.strip()).lower()
    if word.startswith("publicholiday"):
        return "ph"
    return _DAY_OF.get(word, _DAY_OF.get(word[:3], _DAY_OF.get(word[:2])))


def _iso(value: Any) -> str | None:
    try:
        return date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        return None


def from_specification(items: Any) -> str | None:
    """schema.org `openingHoursSpecification` (one item or a list) in the canonical form, or None."""
    items = items if isinstance(items, list) else [items]
    hours = canonical.Hours()
    for item in items:
        if not isinstance(item, dict):
            return None
        raw_days = item.get("dayOfWeek")
        days = [_spec_day(d) for d in (raw_days if isinstance(raw_days, list) else [raw_days])]
        opens, closes = item.get("opens"), item.get("closes")
        closed = opens in (None, "") or (isinstance(closes, str) and _CLOSED.match(closes.strip().lower()))
        span: tuple[int, int] | None = None
        if not closed:
            a, b = parse_time(str(opens)), parse_time(str(closes)) if closes not in (None, "") else None
            if a is None or b is None:
                return None
            span = _span(a, b)
        start, end = _iso(item.get("validFrom")), _iso(item.get("validThrough"))
        if start or end:
            if start and end and start != end:
                continue  # seasonal hours: not the year-round week
            day = start or end
            spans = hours.exceptions.get(day, ())
            hours.exceptions[day] = tuple(sorted(spans + (span,))) if span and span not in spans else spans
            continue
        for d in days:
            if d == "ph":
                continue
            if d is None:
                return None
            hours.add(d, span)
    return canonical.format_hours(hours)
