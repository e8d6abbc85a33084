"""Item pipelines, one small step each, run in the priority order set in settings.py.

clean strings (100) -> phone (300) -> address (400) -> geocode (450) ->
vocabulary (500) -> profile fields (550) -> validate (600) -> duplicates (650)
-> store of record (900).
"""

from __future__ import annotations

from typing import Any


class StatsPipeline:
    """Base for pipelines that count what they see in the crawl stats."""

    stats_prefix = "listings"

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> StatsPipeline:
        return cls(crawler)

    def inc(self, key: str, count: int = 1) -> None:
        self.stats.inc_value(f"{self.stats_prefix}/{key}", count)
