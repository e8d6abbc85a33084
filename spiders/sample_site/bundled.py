"""The bundled samples: every stand-in `knead sample-site` serves and `knead crawl` (no source) crawls.

`SAMPLES` is the one list. Each entry names the spider that crawls it, its
route prefix on the sample server, how to answer a request there, and its
start URLs on a server at a base URL. Adding a stand-in (practice websites,
a state licence roster) is one entry here plus its generator:

    BundledSample("roster", "/soda/", "a state licence roster (SODA API)", _roster_urls, _roster_answer)

`BundledData` holds what the stand-ins serve, drawn from one size and seed:
the AMTA-style directory, the people truth table (spiders.sample_site.people)
and the registry's records, each built on first use (the registry's only when
a registry route is asked for, so serving the AMTA-style pages costs nothing
more than before).
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import pages, registry
from .generator import SampleDirectory
from .people import People
from .registry_sample import amta_people, registry_sample

# An answer on the sample server: (HTTP status, body, content type).
Answer = tuple[int, str, str]


class BundledData:
    """The generated data behind every bundled sample, for one directory (size and seed)."""

    def __init__(self, directory: SampleDirectory):
        self.directory = directory
        self._lock = threading.Lock()  # the server's threads may ask for the registry at once

    @functools.cached_property
    def _built(self) -> tuple[People, list[dict[str, Any]]]:
        from .soda_sample import link_roster_people

        people = amta_people(self.directory)
        records = registry_sample(self.directory, people)
        link_roster_people(people, self.directory.size, self.directory.seed)  # after the registry's: keys stay
        return people, records

    def _get(self) -> tuple[People, list[dict[str, Any]]]:
        with self._lock:
            return self._built

    @property
    def people(self) -> People:
        """Who is who: every person of every sample, with their id in each source."""
        return self._get()[0]

    @property
    def registry_records(self) -> list[dict[str, Any]]:
        """The registry stand-in's records (API-shaped), sorted by NPI."""
        return self._get()[1]

    @property
    def states(self) -> tuple[str, ...]:
        return self.directory.states


@dataclass(frozen=True)
class BundledSample:
    source: str  # the spider that crawls it (`knead crawl SOURCE`)
    prefix: str  # its routes on the sample server
    what: str  # what it stands in for (`knead sample-site` names it)
    start_urls: Callable[[str, BundledData], list[str]]  # (base URL, data) -> the crawl's start URLs
    answer: Callable[[BundledData, str, str], Answer] | None  # (data, path, query) -> answer; None: the directory's own routes
    # (data, port) -> a started server of its own on other loopback addresses, the same port (`.stop()`s with the sample server)
    serve: Callable[[BundledData, int], Any] | None = None

    def url(self, base_url: str) -> str:
        """Where this sample is served on a server at `base_url`."""
        return base_url.rstrip("/") + self.prefix


def _amta_urls(base_url: str, data: BundledData) -> list[str]:
    return [base_url.rstrip("/") + pages.search_url("", "", 1)]


NPPES_PREFIX = "/nppes" + registry.API_PATH  # /nppes/api/


def _registry_urls(base_url: str, data: BundledData) -> list[str]:
    from spiders.parse.nppes import area_urls  # pure (nameparser): no Scrapy

    return area_urls(base_url.rstrip("/") + NPPES_PREFIX, data.states)


def _registry_answer(data: BundledData, path: str, query: str) -> Answer:
    from urllib.parse import parse_qsl

    if path.rstrip("/") != NPPES_PREFIX.rstrip("/"):
        return 404, "Not found\n", "text/plain; charset=utf-8"
    body = registry.answer(data.registry_records, dict(parse_qsl(query)))
    return 200, json.dumps(body, indent=1), "application/json"


def _sites_urls(base_url: str, data: BundledData) -> list[str]:
    from urllib.parse import urlsplit

    from .practice_sites import bundled_sites

    port = urlsplit(base_url).port
    return [site.url(port) for site in bundled_sites(data)]


def _serve_sites(data: BundledData, port: int) -> Any:
    from .practice_sites import bundled_sites
    from .practice_sites_server import PracticeSitesServer

    return PracticeSitesServer(bundled_sites(data), port=port, strict_port=True).start()


SODA_PREFIX = "/soda/"  # a Socrata portal's root: datasets at /soda/resource/<id>.json
ROSTER_BOARDS = ("tx", "wa")  # the bundled rosters (spiders.sample_site.soda_sample)


def _roster_urls(base_url: str, data: BundledData) -> list[str]:
    from spiders.rosters.boards import BOARDS  # declarations only: no Scrapy

    return [BOARDS[key].resource_url(base_url.rstrip("/") + SODA_PREFIX) for key in ROSTER_BOARDS]


def _roster_answer(data: BundledData, path: str, query: str) -> Answer:
    from datetime import date

    from . import soda, soda_sample

    rosters = soda_sample.served_rosters(data.directory.size, data.directory.seed, date.today())
    status, body, _headers = soda.respond(rosters, soda_sample.COLUMNS, path[len(SODA_PREFIX) - 1:], query)
    return status, json.dumps(body), "application/json;charset=utf-8"


SAMPLES: tuple[BundledSample, ...] = (
    BundledSample("amta", "/", "the AMTA-style directory", _amta_urls, None),
    BundledSample("nppes", NPPES_PREFIX, "the NPI registry's API", _registry_urls, _registry_answer),
    BundledSample("sites", "/", "practice websites (one 127.0.0.x address each)", _sites_urls, None, _serve_sites),
    BundledSample("roster", SODA_PREFIX, "TX and WA licence rosters (SODA API)", _roster_urls, _roster_answer),
)


def mounted(path: str) -> BundledSample | None:
    """The stand-in (other than the directory's own routes) whose prefix `path` is under."""
    for sample in SAMPLES:
        if sample.answer is not None and (path + "/").startswith(sample.prefix.rstrip("/") + "/"):
            return sample
    return None
