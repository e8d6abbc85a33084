"""Run one crawl in this process with knead's settings, and report what it did.

Scrapy ends a run that lost pages with `finish_reason: finished` all the same
(traps.md), so the report is read from the stats: pages fetched, listings
stored, dropped by reason, failed URLs, robots.txt skips, unmapped vocabulary.
`knead crawl` calls `run_crawl` once per process (Twisted's reactor cannot be
restarted).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import get_spider_loader

ProgressCallback = Callable[[str, int], None]


@dataclass
class CrawlReport:
    source: str
    seconds: float
    stats: dict[str, Any] = field(repr=False)

    def _count(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)

    def _prefixed(self, prefix: str) -> dict[str, int]:
        return {k[len(prefix):]: int(v) for k, v in sorted(self.stats.items()) if k.startswith(prefix)}

    @property
    def crawl_id(self) -> int | None:
        return self.stats.get("knead/crawl_id")

    @property
    def finish_reason(self) -> str:
        return str(self.stats.get("finish_reason", "unknown"))

    @property
    def pages_fetched(self) -> int:
        return self._count("downloader/response_count")

    @property
    def listings_stored(self) -> int:
        return sum(self.stored.values())

    @property
    def stored(self) -> dict[str, int]:
        """new / changed / unchanged counts."""
        return self._prefixed("listings/stored/")

    @property
    def dropped(self) -> dict[str, int]:
        return self._prefixed("listings/dropped/")

    @property
    def failed_urls(self) -> list[str]:
        return list(self.stats.get("knead/failed_urls", []))

    @property
    def failed_count(self) -> int:
        return self._count("knead/failed_count")

    @property
    def pages_unchanged(self) -> int:
        """Pages the server answered 304 Not Modified (served from the HTTP cache)."""
        return self._count("httpcache/revalidate")

    @property
    def redirects_refused(self) -> dict[str, int]:
        return self._prefixed("knead/redirect_refused/")

    @property
    def robots_skipped_urls(self) -> list[str]:
        return list(self.stats.get("knead/robots_skipped_urls", []))

    @property
    def robots_skipped(self) -> int:
        return self._count("robotstxt/forbidden")

    @property
    def malformed_pages(self) -> int:
        return self._count("listings/malformed_page")

    @property
    def unmapped(self) -> dict[str, dict[str, int]]:
        return dict(self.stats.get("vocabulary/unmapped_values", {}))

    @property
    def field_counts(self) -> dict[str, int]:
        """'phone/missing' -> n, 'zip/invalid' -> n ..."""
        return self._prefixed("listings/field/")


def project_settings() -> Settings:
    """knead's Scrapy settings (spiders/settings.py), as `scrapy crawl` from the repository root reads them."""
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    return settings


def source_names() -> list[str]:
    """The spiders Scrapy's spider loader finds in SPIDER_MODULES: the sources `knead crawl` takes."""
    return sorted(get_spider_loader(project_settings()).list())


def crawl_settings(
    *,
    data_dir: Path | str | None,
    delay: float | None = None,
    concurrency: int | None = None,
    max_items: int | None = None,
    log_level: str = "ERROR",
    resume_crawl_id: int | None = None,
    http_cache: bool = True,
    extra: dict[str, Any] | None = None,
) -> Settings:
    """knead's project settings with this run's overrides applied."""
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    # KNEAD_PUBLISH off: `knead crawl` publishes once the crawl process is done (index.records.publish).
    overrides: dict[str, Any] = {"KNEAD_DATA_DIR": str(data_dir) if data_dir else None, "LOG_LEVEL": log_level,
                                 "KNEAD_PUBLISH": False}
    if not http_cache:
        overrides["HTTPCACHE_ENABLED"] = False
    if delay is not None:
        # Scrapy 2.19 sends every queued request of a host at once when the
        # delay is exactly 0, whatever CONCURRENT_REQUESTS_PER_DOMAIN says.
        overrides["DOWNLOAD_DELAY"] = max(delay, 0.001)
        overrides["AUTOTHROTTLE_START_DELAY"] = max(delay, 0.1)
        # With no delay asked for, AutoThrottle would still impose its own.
        overrides["AUTOTHROTTLE_ENABLED"] = delay > 0
    if concurrency is not None:
        overrides["CONCURRENT_REQUESTS_PER_DOMAIN"] = concurrency
        overrides["CONCURRENT_REQUESTS"] = max(16, concurrency)
        overrides["AUTOTHROTTLE_TARGET_CONCURRENCY"] = float(concurrency)
    if max_items:
        overrides["CLOSESPIDER_ITEMCOUNT"] = max_items
    if resume_crawl_id:
        overrides["KNEAD_RESUME_CRAWL_ID"] = resume_crawl_id
    overrides.update(extra or {})
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(
    spider_name: str,
    *,
    start_urls: Sequence[str],
    data_dir: Path | str | None,
    delay: float | None = None,
    concurrency: int | None = None,
    max_items: int | None = None,
    log_level: str = "ERROR",
    progress: ProgressCallback | None = None,
    resume_crawl_id: int | None = None,
    http_cache: bool = True,
    extra: dict[str, Any] | None = None,
) -> CrawlReport:
    """Crawl `start_urls` with the named spider into the store under `data_dir`.

    `resume_crawl_id` continues an interrupted crawl; `extra` holds further
    Scrapy settings (tests use it for short timeouts)."""
    settings = crawl_settings(
        data_dir=data_dir, delay=delay, concurrency=concurrency, max_items=max_items, log_level=log_level,
        resume_crawl_id=resume_crawl_id, http_cache=http_cache, extra=extra,
    )
    process = CrawlerProcess(settings)
    spider_cls = process.spider_loader.load(spider_name)
    crawler = process.create_crawler(spider_cls)
    if progress is not None:
        crawler.signals.connect(lambda **kw: progress("page", 1), signal=signals.response_received)
        crawler.signals.connect(lambda **kw: progress("listing", 1), signal=signals.item_scraped)
        crawler.signals.connect(lambda **kw: progress("dropped", 1), signal=signals.item_dropped)
    started = time.monotonic()
    process.crawl(crawler, start_urls=list(start_urls))
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    return CrawlReport(source=spider_name, seconds=time.monotonic() - started, stats=stats)
