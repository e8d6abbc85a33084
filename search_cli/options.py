"""click parameter types for search options: bad values fail as usage errors (exit 2).

Each type converts to what the library wants (a canonical vocabulary id, a
(lat, lon, label) triple, a state code, a positive float) and, on failure,
names the value and, where there is one, the closest valid value.
"""

from __future__ import annotations

import math

import click

from index import vocabulary
from index.states import STATES, state_code


def _did_you_mean(options: list[str]) -> str:
    return " or ".join(f"'{o}'" for o in options)


class VocabularyType(click.ParamType):
    """A technique or insurance id, label or spelling, in any case -> its canonical id."""

    def __init__(self, kind: str, noun: str, listing_command: str):
        self.kind = kind
        self.noun = noun
        self.name = noun.upper()
        self.listing_command = listing_command

    def convert(self, value, param, ctx):
        term_id = vocabulary.lookup(self.kind, str(value))
        if term_id is not None:
            return term_id
        close = vocabulary.closest(self.kind, str(value))
        hint = f"did you mean {_did_you_mean(close)}?" if close else f"see `{self.listing_command}`."
        self.fail(f"Unknown {self.noun} '{value}'; {hint}", param, ctx)


TECHNIQUE = VocabularyType(vocabulary.TECHNIQUE, "technique", "knead vocab techniques")
INSURANCE = VocabularyType(vocabulary.INSURANCE, "insurance", "knead vocab insurance")


class NearType(click.ParamType):
    """A ZIP, "City, ST" or "lat,lon" -> (lat, lon, label). Loads the ZIP table only when used."""

    name = 'ZIP|"CITY, ST"|LAT,LON'

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        from index.datadir import DataDir
        from index.geo import resolve_near

        data_dir = ctx.find_object(DataDir) if ctx is not None else None
        try:
            return resolve_near(str(value), data_dir.root if data_dir else None)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class PositiveFloat(click.ParamType):
    """A finite number greater than zero (miles)."""

    name = "MILES"

    def convert(self, value, param, ctx):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or number <= 0:
            self.fail(f"'{value}' is not a positive number of miles.", param, ctx)
        return number


class StateType(click.ParamType):
    """A US state or territory: its two-letter code or its name, any case -> the code."""

    name = "ST"

    def convert(self, value, param, ctx):
        code = state_code(str(value))
        if code is None or code not in STATES:
            self.fail(f"'{value}' is not a US state code (for example CT, NY or CA).", param, ctx)
        return code
