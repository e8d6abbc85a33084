"""How the index answers `--open DAY[ TIME]`: weekly hours as terms, exact to the minute.

A listing's canonical hours (index.model.hours) become spans in minutes of the
week (Monday 00:00 = 0; a span past midnight runs into the next day, Sunday's
into Monday's). The `open` field holds, per listing with weekly hours:

    "any"      it has weekly hours (the output counts the matches without any)
    "mo"       open at some time on Monday (a span past Sunday midnight counts)
    "mo18"     open through the whole hour 18:00-19:00 on Monday
    "mo18~"    open for part of that hour only (a span starts or ends inside it)

A day asks for one term. A time asks for the hour's two terms: a "full" match
is open at every minute of the hour; a "part" match is decided exactly from
the hours sidecar (index.search.sidecars.HOURS: each listing's spans), which
is read only when some match is open for part of the hour. Dated exceptions
("2026 Nov 26 off") are not weekly hours and are not searched.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Sequence

DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
ANY = "any"


def week_spans(hours: str | None) -> list[tuple[int, int]]:
    """Canonical hours -> sorted, merged [start, end) spans in minutes of the week."""
    # Here, not at the top: only the build parses hours, and the parser with its
    # readers of wild forms is ~10 ms of every `knead search`'s imports.
    from index.model.hours import parse_hours

    parsed = parse_hours(hours) if hours else None
    if parsed is None:
        return []
    spans = []
    for day, day_spans in parsed.week.items():
        base = day * DAY_MINUTES
        for opens, closes in day_spans:
            end = base + (closes if closes > opens else DAY_MINUTES + closes)
            if end > WEEK_MINUTES:  # Sunday into Monday
                spans += [(base + opens, WEEK_MINUTES), (0, end - WEEK_MINUTES)]
            else:
                spans.append((base + opens, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def hour_term(day: int, hour: int, part: bool = False) -> str:
    return f"{day_term(day)}{hour:02d}{'~' if part else ''}"


def day_term(day: int) -> str:
    # The canonical day names; imported here for the reason week_spans gives.
    from index.model.hours import DAYS

    return DAYS[day].lower()


def open_terms(spans: Sequence[tuple[int, int]]) -> list[str]:
    """The `open` field's terms for these spans (empty when there are none)."""
    if not spans:
        return []
    full, part = set(), set()
    for start, end in spans:
        for h in range(start // 60, (end - 1) // 60 + 1):
            (full if start <= h * 60 and end >= (h + 1) * 60 else part).add(h)
    part -= full
    terms = {ANY}
    for h in full | part:
        terms.add(day_term(h // 24))
    terms.update(hour_term(h // 24, h % 24) for h in full)
    terms.update(hour_term(h // 24, h % 24, part=True) for h in part)
    return sorted(terms)


def is_open_at(spans: Sequence[int], minute_of_week: int) -> bool:
    """`spans` flattened (start, end, start, end...), sorted: whether one holds the minute."""
    i = bisect_right(spans, minute_of_week)
    return i % 2 == 1  # inside a [start, end) pair


def pack(per_doc: Sequence[Sequence[tuple[int, int]]]) -> bytes:
    """The sidecar: n + 1 uint32 offsets into a uint16 array of flattened spans."""
    offsets, values = array("I", [0]), array("H")
    for spans in per_doc:
        for start, end in spans:
            values.extend((start, end))
        offsets.append(len(values))
    return offsets.tobytes() + values.tobytes()


def unpack(data: bytes, doc_count: int, swap: bool = False) -> tuple[array, array]:
    offsets, values = array("I"), array("H")
    cut = (doc_count + 1) * offsets.itemsize
    offsets.frombytes(data[:cut])
    values.frombytes(data[cut:])
    if swap:
        offsets.byteswap()
        values.byteswap()
    return offsets, values
