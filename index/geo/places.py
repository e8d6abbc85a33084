"""Places for `--near`: a ZIP code, a city and state, or "lat,lon" resolved to a point.

A city and state is written every which way: "Hartford, CT", "Hartford CT",
"Hartford, Connecticut", "hartford connecticut"; the state is the code or
name at the end (index.model.states), the city the rest, compared folded
(case, accents: index.model.text.fold). A city the ZIP table does not know
gets the closest city of that state as a suggestion ("Hartfrod, CT" ->
"Hartford, CT").

The ZIP table is loaded only inside `resolve_near`, i.e. only when someone
actually asks for `--near`, and from a compact cache (index.geo.ziptable).
"""

from __future__ import annotations

import difflib
import os
import re

from index.geo.distance import valid_coordinates
from index.model.states import STATES, state_code
from index.model.text import fold

# The radius of a `--near` search when none is given.
DEFAULT_RADIUS_MILES = 25.0

_LATLON = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*,\s*([-+]?\d+(?:\.\d+)?)\s*$")
_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
# The longest state names have four words ("District of Columbia", "U.S. Virgin Islands").
_MAX_STATE_WORDS = 4


def resolve_near(text: str, cache_dir: str | os.PathLike[str] | None = None) -> tuple[float, float, str]:
    """Turn a `--near` value into (lat, lon, label).

    Accepts a 5-digit ZIP (or ZIP+4), a city and state ("City, ST", "City ST",
    "City, State name"; the mean of that city's ZIP centroids, any case or
    accents) or "lat,lon". Raises ValueError naming the value when it is
    malformed or names no known place (with the closest city of the state when
    there is one). With `cache_dir` (the data directory) the ZIP table is read
    from its compact cache (index.geo.ziptable).
    """
    value = (text or "").strip()
    m = _LATLON.match(value)
    if m:
        lat, lon = float(m.group(1)), float(m.group(2))
        if not valid_coordinates(lat, lon):
            raise ValueError(f"'{value}' is not a valid latitude,longitude (latitude -90..90, longitude -180..180).")
        return lat, lon, f"{lat:.4f},{lon:.4f}"
    m = _ZIP.match(value)
    if m:
        info = _zip_table(cache_dir).zip_info(m.group(1))
        if info is None:
            raise ValueError(f"ZIP code '{m.group(1)}' does not exist.")
        return info.lat, info.lon, f"{m.group(1)} ({info.city}, {info.state})"
    found = split_city_state(value)
    if found:
        city, state = found
        table = _zip_table(cache_dir)
        position = table.city_centroid(city, state)
        if position is None:
            close = difflib.get_close_matches(fold(city), table.cities_in(state), n=1, cutoff=0.75)
            hint = f" Did you mean '{_title(close[0])}, {state}'?" if close else ""
            raise ValueError(f"No US city named '{city}, {state}'.{hint}")
        return position[0], position[1], f"{_title(city)}, {state}"
    head, comma, tail = value.rpartition(",")
    close = closest_state(tail) if comma and head.strip() else None
    if close:
        raise ValueError(f"'{tail.strip()}' is not a US state; did you mean '{head.strip()}, {close}'?")
    raise ValueError(f"'{value}' is not a ZIP code, \"City, ST\" or \"lat,lon\".")


def closest_state(text: str) -> str | None:
    """The state name most like a misspelt one ("Conecticut" -> "Connecticut"), or None."""
    names = {fold(name): name for name in STATES.values()}
    close = difflib.get_close_matches(fold(text.strip()), list(names), n=1, cutoff=0.75)
    return names[close[0]] if close else None


def split_city_state(value: str) -> tuple[str, str] | None:
    """"Hartford, CT", "Hartford CT", "Hartford, Connecticut" -> ("Hartford", "CT"); None when
    the end is no state code or name, or nothing is left for the city."""
    head, comma, tail = value.rpartition(",")
    if comma:
        code = state_code(tail)
        return (" ".join(head.split()), code) if code and head.strip() else None
    words = value.split()
    for n in range(min(_MAX_STATE_WORDS, len(words) - 1), 0, -1):  # longest state name first
        code = state_code(" ".join(words[-n:]))
        if code:
            return " ".join(words[:-n]), code
    return None


def _zip_table(cache_dir: str | os.PathLike[str] | None):
    # Imported here: only `--near` needs ZIP positions.
    from index.geo import ziptable

    return ziptable.CachedLookup(cache_dir) if cache_dir else ziptable.load()


def _title(city: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() for w in city.split())
