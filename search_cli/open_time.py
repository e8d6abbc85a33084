"""`--open DAY[ TIME]`: a weekday and, optionally, a time of day, as people type them.

"sat", "Saturday", "mon 18:00", "mon 6pm", "tue 7:30 am", "today", "now"
(today and now are the local clock's). Converts to an `OpenAt` (weekday 0 =
Monday, minute of the day or None for "some time that day"); anything else is
a usage error naming the closest day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import click

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# 18:00, 18.00, 1800h, 6pm, 6:30 pm, 6 p.m., 18h
_TIME = re.compile(
    r"^(?P<h>\d{1,2})(?:[:.h]?(?P<m>\d{2}))?\s*(?:(?P<ampm>[ap])\.?\s*m\.?|h)?$", re.IGNORECASE)


@dataclass(frozen=True)
class OpenAt:
    day: int  # 0 = Monday ... 6 = Sunday
    minute: int | None = None  # minute of the day (0-1439); None: open at some time that day

    def label(self) -> str:
        """As the output says it back: "Sat", "Mon 18:00"."""
        if self.minute is None:
            return SHORT[self.day]
        return f"{SHORT[self.day]} {self.minute // 60:02d}:{self.minute % 60:02d}"


def day_index(word: str) -> int | None:
    """A weekday written any usual way ("sa", "sat", "Saturday", "saturdays") -> 0..6, else None."""
    key = word.strip().casefold().rstrip(".")
    if key.endswith("s") and key[:-1] in DAYS:
        key = key[:-1]
    if len(key) >= 2:
        for i, name in enumerate(DAYS):
            if name.startswith(key):
                return i
    return None


def minute_of_day(text: str) -> int | None:
    """"18:00", "6pm", "6:30 pm", "0730" -> minutes after midnight, else None."""
    m = _TIME.match(text.strip())
    if not m:
        return None
    hour, minute = int(m["h"]), int(m["m"] or 0)
    if m["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m["ampm"].lower() == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return hour * 60 + minute


class OpenTimeType(click.ParamType):
    """DAY or "DAY TIME" -> OpenAt."""

    name = "DAY[ TIME]"

    def convert(self, value, param, ctx):
        if isinstance(value, OpenAt):
            return value
        text = str(value).strip()
        first, _, rest = text.partition(" ")
        now = datetime.now()
        key = first.casefold()
        if key == "now" and not rest:
            return OpenAt(now.weekday(), now.hour * 60 + now.minute)
        day = now.weekday() if key == "today" else day_index(first)
        if day is None:
            import difflib  # only on this error path: `knead search` starts without it

            close = difflib.get_close_matches(key, DAYS, n=1, cutoff=0.4)
            hint = f"; did you mean '{close[0][:3]}'?" if close else " (a weekday: mon ... sun, today or now)"
            self.fail(f"Unknown day {first!r}{hint}", param, ctx)
        if not rest.strip():
            return OpenAt(day)
        minute = minute_of_day(rest)
        if minute is None:
            self.fail(f"Unknown time {rest.strip()!r}: write it as 18:00 or 6pm", param, ctx)
        return OpenAt(day, minute)
