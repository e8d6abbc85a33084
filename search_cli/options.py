"""The search options, shared by `knead search` and `knead export`, and their click types.

`search_options` is the one decorator that adds QUERY and every filter to a
command and hands the command a `SearchFilters`; `SearchFilters.request()`
turns them into an `index.search.SearchRequest`, checking the combinations.
Each parameter type converts to what the library wants (a canonical
vocabulary id, a (lat, lon, label) triple, a state code, a gender, a positive
float, an ISO timestamp) and, on failure, names the value and, where there is
one, the closest valid value: a usage error (exit 2) before anything is opened.

Repeatable options (--technique, --insurance, --state, --city, --language,
--credential, --source) take their values repeated or comma-separated ("-t thai,cupping"),
and any of them matches. --city, --language, --credential and --source are free text
checked against the values the searched index holds (by the search itself:
one document frequency per value, `unknown_value_error` words it), so a value
no listing has is a usage error with the closest values listed, not a silent
empty result.
"""

from __future__ import annotations

import functools
import math
import os
import re
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import click

from index.geo.places import DEFAULT_RADIUS_MILES
from index.model import vocabulary
from index.model.states import STATES, state_code
from index.model.text import fold
from index.search.request import SORTS
from search_cli.open_time import OpenAt, OpenTimeType


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


class CommaSeparated(click.ParamType):
    """Comma-separated values, each converted by `inner` -> a tuple (for a repeatable option:
    `--state CT,NY` is `--state CT --state NY`)."""

    def __init__(self, inner: click.ParamType | None = None):
        self.inner = inner
        self.name = inner.name if inner is not None else "TEXT"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        parts = [part.strip() for part in str(value).split(",")]
        parts = [part for part in parts if part]
        if not parts:
            self.fail(f"'{value}' has no value in it.", param, ctx)
        return tuple(self.inner.convert(part, param, ctx) if self.inner is not None else part for part in parts)


class GenderType(click.ParamType):
    """female, male or non-binary, or a usual spelling of one (F, M, woman, man, nonbinary), any case."""

    name = "gender"

    def get_metavar(self, param, ctx=None):
        return f"[{'|'.join(vocabulary.GENDERS)}]"

    def convert(self, value, param, ctx):
        found = vocabulary.gender(str(value))
        if found is not None:
            return found
        import difflib

        close = difflib.get_close_matches(fold(str(value).strip()), list(vocabulary.GENDER_SPELLINGS), n=1, cutoff=0.6)
        hint = f"did you mean '{vocabulary.GENDER_SPELLINGS[close[0]]}'?" if close else "use female, male or non-binary."
        self.fail(f"'{value}' is not a gender; {hint}", param, ctx)


class NearType(click.ParamType):
    """A ZIP, "City, ST" or "lat,lon" -> (lat, lon, label). Loads the ZIP table only when used."""

    name = 'ZIP|"CITY, ST"|LAT,LON'

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        from index.geo.places import resolve_near
        from index.records.datadir import DataDir

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
            from index.geo.places import closest_state

            close = closest_state(str(value))
            if close:
                self.fail(f"'{value}' is not a US state; did you mean '{close}'?", param, ctx)
            self.fail(f"'{value}' is not a US state code (for example CT, NY or CA).", param, ctx)
        return code


class NewSinceType(click.ParamType):
    """An ISO date or date-time ("2025-06-01"; midnight UTC) or a number of days ("30d")
    -> the ISO 8601 UTC timestamp that `first_seen` must reach."""

    name = "DATE|Nd"
    _DAYS = re.compile(r"(\d{1,6})\s*d(?:ays?)?", re.IGNORECASE)

    def convert(self, value, param, ctx):
        text = str(value).strip()
        days = self._DAYS.fullmatch(text)
        try:
            if days:
                cutoff = datetime.now(timezone.utc) - timedelta(days=int(days.group(1)))
            elif len(text) == 10:
                cutoff = datetime.combine(date.fromisoformat(text), datetime.min.time(), timezone.utc)
            else:
                cutoff = datetime.fromisoformat(text)
                cutoff = cutoff.replace(tzinfo=timezone.utc) if cutoff.tzinfo is None else cutoff
        except (ValueError, OverflowError):
            self.fail(f"'{value}' is not a date (YYYY-MM-DD) or a number of days (30d).", param, ctx)
        return cutoff.astimezone(timezone.utc).replace(microsecond=0).isoformat()


class OutputFile(click.ParamType):
    """`-` (stdout) or a file path in an existing, writable folder -> a Path (or "-")."""

    name = "FILE"

    def convert(self, value, param, ctx):
        if value == "-" or isinstance(value, Path):
            return value
        path = Path(value).expanduser()
        folder = path.parent
        if path.is_dir():
            self.fail(f"'{value}' is a folder; give a file name inside it.", param, ctx)
        if not folder.is_dir():
            self.fail(f"folder '{folder}' does not exist.", param, ctx)
        if not os.access(folder, os.W_OK | os.X_OK):
            self.fail(f"folder '{folder}' is not writable.", param, ctx)
        return path


NEW_SINCE = NewSinceType()


@dataclass(frozen=True)
class SearchFilters:
    """QUERY and every filter option, as click converted them (repeatable ones as tuples)."""

    query: str | None
    techniques: tuple[str, ...]
    insurance: tuple[str, ...]
    accepts_insurance: bool
    accepting_new_clients: bool
    licensed: bool
    verified: bool
    open_at: OpenAt | None
    near: tuple[float, float, str] | None
    radius: float | None
    state: tuple[str, ...]
    city: tuple[str, ...]
    language: tuple[str, ...]
    gender: str | None
    credential: tuple[str, ...]
    source: tuple[str, ...]
    sort: str | None
    new_since: str | None
    fresh_within: str | None
    include_stale: bool

    def request(self, limit: int | None):
        """The `SearchRequest` for these filters (at most `limit` results; None: every match).

        Raises a usage error for an impossible combination. (A --city, --language
        or --credential value no listing has is found by the search itself, on
        the generation it searches: `unknown_value_error`.)
        """
        from index.search.request import SearchRequest

        if self.radius is not None and self.near is None:
            raise click.UsageError("--radius needs --near.")
        if self.sort == "distance" and self.near is None:
            raise click.UsageError("--sort distance needs --near.")
        return SearchRequest(
            query=self.query or None, techniques=self.techniques, insurance=self.insurance,
            accepts_insurance=self.accepts_insurance, accepting_new_clients=self.accepting_new_clients,
            licensed=self.licensed, verified=self.verified,
            open_at=(self.open_at.day, self.open_at.minute) if self.open_at else None,
            near=(self.near[0], self.near[1]) if self.near else None,
            radius_miles=self.radius if self.radius is not None else DEFAULT_RADIUS_MILES, state=self.state,
            city=self.city, language=self.language, gender=self.gender, credential=self.credential,
            source=self.source, sort=self.sort, limit=limit, new_since=self.new_since, fresh_since=self.fresh_within,
            include_stale=self.include_stale,
        )

    def described(self) -> list[str]:
        """The filters in words, for an export's heading ("technique: deep-tissue")."""
        out = []
        for label, values in (("technique", self.techniques), ("insurance", self.insurance)):
            if values:
                out.append(f"{label}: {' or '.join(values)}")
        if self.accepts_insurance:
            out.append("accepts insurance")
        if self.accepting_new_clients:
            out.append("accepting new clients")
        if self.licensed:
            out.append("licence confirmed by a state board")
        if self.verified:
            out.append("licence verified by the registry or a state board")
        if self.open_at:
            out.append(f"open {self.open_at.label()}")
        if self.near:
            radius = self.radius if self.radius is not None else DEFAULT_RADIUS_MILES
            out.append(f"within {radius:g} miles of {self.near[2]}")
        for label in ("state", "city", "language", "gender", "credential", "source"):
            values = getattr(self, label)
            if values:
                out.append(f"{label}: {values if isinstance(values, str) else ' or '.join(values)}")
        if self.new_since:
            out.append(f"first seen since {self.new_since[:10]}")
        if self.fresh_within:
            out.append(f"last seen since {self.fresh_within[:10]}")
        if self.include_stale:
            out.append("stale listings included")
        return out


# How a value the index holds is shown in a "did you mean" (it holds them folded).
_SHOWN = {"city": lambda v: " ".join(w[:1].upper() + w[1:] for w in v.split()), "language": str.capitalize,
          "credential": str.upper, "source": str}


def unknown_value_error(exc) -> click.BadParameter:
    """The usage error for an `index.search.engine.UnknownFilterValue`: the option, the value
    and the closest values the index holds."""
    shown = [_SHOWN[exc.name](c) for c in exc.close]
    hint = f"; did you mean {_did_you_mean(shown)}?" if shown else "."
    return click.BadParameter(f"No listing has {exc.name} '{exc.value}'{hint}", param_hint=f"'--{exc.name}'")


_FILTER_NAMES = tuple(f.name for f in fields(SearchFilters))
_REPEATABLE = ("techniques", "insurance", "state", "city", "language", "credential", "source")


def _flat(values) -> tuple[str, ...]:
    """The values of a repeatable comma-separated option, each once, in order."""
    return tuple(dict.fromkeys(v for group in values for v in group))


def search_options(fn):
    """Add QUERY and every search filter to a command; it receives them as `filters: SearchFilters`."""
    decorators = (
        click.argument("query", required=False),
        click.option("--technique", "-t", "techniques", multiple=True, type=CommaSeparated(TECHNIQUE),
                     help="Technique id or spelling (repeat or comma-separate: any of them). "
                          "acupressure includes shiatsu."),
        click.option("--insurance", "-i", "insurance", multiple=True, type=CommaSeparated(INSURANCE),
                     help="Insurance or payment id or spelling (repeat or comma-separate: any of them)."),
        click.option("--accepts-insurance", is_flag=True,
                     help="Only listings that take health insurance (any carrier, Medicare, Medicaid, TRICARE/VA)."),
        click.option("--accepting-new-clients", is_flag=True,
                     help="Only listings that say they are taking new clients."),
        click.option("--licensed", is_flag=True,
                     help="Only listings a state board's roster confirms with an active licence in their state "
                          "(`knead crawl roster`)."),
        click.option("--verified", is_flag=True,
                     help="Only therapists whose massage licence in their state the NPI registry or a state "
                          "board's roster confirms (any of the sources merged into the result)."),
        click.option("--open", "open_at", type=OpenTimeType(), default=None,
                     help='Only listings whose weekly hours say open then: a day ("sat") or a day and time '
                          '("mon 18:00", "fri 6pm", "now"). Listings that give no hours are left out, and counted.'),
        click.option("--near", type=NearType(),
                     help='Center of a distance search: a ZIP, "City, ST" ("Hartford CT", "Hartford, Connecticut") '
                          'or "lat,lon". With a QUERY, results are nearest first by distance band (within 2, 5, 10, '
                          '25 miles, farther), best match first within a band.'),
        click.option("--radius", type=PositiveFloat(), default=None, help="Miles from --near (default: 25)."),
        click.option("--state", type=CommaSeparated(StateType()), multiple=True,
                     help="State code or name (repeat or comma-separate: any of them)."),
        click.option("--city", type=CommaSeparated(), multiple=True,
                     help="City name, any case or accents (repeat or comma-separate: any of them)."),
        click.option("--language", type=CommaSeparated(), multiple=True,
                     help="A language the therapist speaks (repeat or comma-separate: any of them)."),
        click.option("--gender", type=GenderType(), help="female, male or non-binary (also F, M, woman, man)."),
        click.option("--credential", type=CommaSeparated(), multiple=True,
                     help="A credential such as LMT or BCTMB (repeat or comma-separate: any of them)."),
        click.option("--source", type=CommaSeparated(), multiple=True,
                     help="Only listings found by this source: amta, nppes, roster:tx ... (repeat or "
                          "comma-separate: any of them)."),
        click.option("--new-since", type=NEW_SINCE, default=None, metavar="DATE|Nd",
                     help="Only listings knead first saw on or after DATE (YYYY-MM-DD, UTC) or in the last N days (30d)."),
        click.option("--fresh-within", type=NEW_SINCE, default=None, metavar="Nd|DATE",
                     help="Only listings a crawl found in the last N days (90d) or since DATE."),
        click.option("--include-stale", is_flag=True,
                     help="Also listings that the last complete crawl no longer found (marked stale)."),
        click.option("--sort", type=click.Choice(SORTS), default=None,
                     help="Default: relevance with a QUERY (with --near: nearest distance band first, best match "
                          "first within it), distance with --near and no QUERY, name otherwise."),
    )

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        values = {name: kwargs.pop(name) for name in _FILTER_NAMES}
        values.update({name: _flat(values[name]) for name in _REPEATABLE})
        kwargs["filters"] = SearchFilters(**values)
        return fn(*args, **kwargs)

    for decorator in reversed(decorators):
        wrapper = decorator(wrapper)
    return wrapper
