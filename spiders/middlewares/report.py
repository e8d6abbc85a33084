"""Counting what a crawl refused or lost: "URL (reason)" lists in the stats for the crawl summary."""

from __future__ import annotations

from typing import Any

MAX_URLS_KEPT = 1000


def remember(stats: Any, key: str, value: str) -> None:
    urls = stats.get_value(key)
    if urls is None:
        urls = []
        stats.set_value(key, urls)
    if len(urls) < MAX_URLS_KEPT:
        urls.append(value)


def failed(stats: Any, url: str, reason: str) -> None:
    """Count `url` as finally failed, listed as "URL (reason)" in the crawl summary."""
    stats.inc_value("knead/failed_count")
    remember(stats, "knead/failed_urls", f"{url} ({reason})")
