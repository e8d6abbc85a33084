"""Run crawls in this process with knead's settings, and report what each did.

Scrapy ends a run that lost pages with `finish_reason: finished` all the same
(traps.md), so the report is read from the stats: pages fetched, listings
stored, dropped by reason, failed URLs, robots.txt skips, unmapped vocabulary.
`knead crawl` calls `run_crawl` (one crawl) or `run_crawls` (the bundled
samples, one after another) once per process: Twisted's reactor cannot be
restarted.

Below INFO (no `-v`), what the summary already reports (a download that
finally failed, a robots.txt that could not be fetched, retries given up) is
not logged again, and any other error is logged as one line, without its
traceback (`QuietLog`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import get_spider_loader
from twisted.internet import defer

# Called once, as the crawl starts, with its live stats collector (read, never written).
ProgressCallback = Callable[[Any], None]

# Scrapy's finish reasons in the words of `knead crawl`'s options.
_OUTCOMES = {"finished": "finished", "shutdown": "was interrupted", "cancelled": "was interrupted",
             "closespider_timeout": "stopped at its time limit", "closespider_errorcount": "stopped after too many errors"}
_STOPPED = ("shutdown", "cancelled")  # an interrupted crawl ends a sequence

# Loggers whose errors the crawl summary already lists (URLs failed, robots.txt).
_REPORTED = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.downloadermiddlewares.retry", "scrapy.core.scraper")


class QuietLog(logging.Filter):
    """Without -v: no second word on failures the summary reports, and no tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.name in _REPORTED and ("Error downloading" in message or "Gave up retrying" in message):
            return False
        if record.exc_info:
            record.msg, record.args = f"{message} (-v shows the details)", ()
            record.exc_info = record.exc_text = None
        return True


@dataclass
class CrawlReport:
    source: str
    seconds: float
    stats: dict[str, Any] = field(repr=False)
    max_items: int | None = None

    def _count(self, key: str) -> int:
        return int(self.stats.get(key, 0) or 0)

    def _prefixed(self, prefix: str) -> dict[str, int]:
        return {k[len(prefix):]: int(v) for k, v in sorted(self.stats.items()) if k.startswith(prefix)}

    @property
    def crawl_id(self) -> int | None:
        return self.stats.get("knead/crawl_id")

    @property
    def finish_reason(self) -> str:
        """Scrapy's word for how the crawl ended (`outcome` says it in knead's)."""
        return str(self.stats.get("finish_reason", "unknown"))

    @property
    def outcome(self) -> str:
        """"finished", "stopped after --max-items 50", "was interrupted", ..."""
        reason = self.finish_reason
        if reason == "closespider_itemcount":
            return f"stopped after --max-items {self.max_items}" if self.max_items else "stopped at its item limit"
        return _OUTCOMES.get(reason, f"ended ({reason.replace('_', ' ')})")

    @property
    def past_limit(self) -> int:
        """Listings found after the item limit was reached, not stored."""
        return self._count("knead/past_limit")

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


def _quiet_log(**kwargs: Any) -> None:
    for handler in logging.root.handlers:
        if not any(isinstance(f, QuietLog) for f in handler.filters):
            handler.addFilter(QuietLog())


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
    overrides.update(extra or {})
    settings.setdict(overrides, priority="cmdline")
    return settings


@dataclass(frozen=True)
class CrawlPlan:
    """One crawl of a sequence: the spider, its start URLs, and the crawl it resumes (if any)."""

    source: str
    start_urls: Sequence[str]
    resume_crawl_id: int | None = None


def run_crawl(
    spider_name: str,
    *,
    start_urls: Sequence[str],
    data_dir: Path | str | None,
    resume_crawl_id: int | None = None,
    **options: Any,
) -> CrawlReport:
    """Crawl `start_urls` with the named spider into the store under `data_dir`.

    `resume_crawl_id` continues an interrupted crawl; `options` are `run_crawls`'s
    (delay, concurrency, max_items, log_level, progress, http_cache, and `extra`:
    further Scrapy settings, which tests use for short timeouts)."""
    return run_crawls([CrawlPlan(spider_name, start_urls, resume_crawl_id)], data_dir=data_dir, **options)[0]


def run_crawls(
    plans: Sequence[CrawlPlan],
    *,
    data_dir: Path | str | None,
    delay: float | None = None,
    concurrency: int | None = None,
    max_items: int | None = None,
    log_level: str = "ERROR",
    progress: ProgressCallback | None = None,
    http_cache: bool = True,
    extra: dict[str, Any] | None = None,
    on_report: Callable[[CrawlReport], None] | None = None,
) -> list[CrawlReport]:
    """Crawl each plan in order with knead's settings; one report per crawl that ran.

    Twisted's reactor cannot be restarted, so the crawls share one
    `CrawlerProcess`, the next started when the one before has closed (one at
    a time: each writes its own crawl into the store of record, and each
    report reads its own stats). `on_report` is called with each report as
    its crawl ends, before the next starts (`knead crawl` prints the summary
    and publishes there); an exception it raises ends the sequence and is
    raised again here, once the reactor stopped. A crawl that was interrupted
    (Ctrl-C) ends the sequence too.
    """
    settings = crawl_settings(data_dir=data_dir, delay=delay, concurrency=concurrency, max_items=max_items,
                              log_level=log_level, http_cache=http_cache, extra=extra)
    process = CrawlerProcess(settings)
    reports: list[CrawlReport] = []
    raised: list[BaseException] = []

    @defer.inlineCallbacks
    def one_after_another():
        for plan in plans:
            crawler = process.create_crawler(process.spider_loader.load(plan.source))
            if plan.resume_crawl_id:
                crawler.settings.set("KNEAD_RESUME_CRAWL_ID", plan.resume_crawl_id, priority="cmdline")
            if settings.get("LOG_LEVEL") not in ("DEBUG", "INFO"):
                # On Scrapy's root handler, which the crawler installs as it starts.
                crawler.signals.connect(_quiet_log, signal=signals.engine_started)
            if progress is not None:
                # weak=False: Scrapy holds receivers weakly, and this lambda has no other reference.
                crawler.signals.connect(lambda crawler=crawler, **kw: progress(crawler.stats),
                                        signal=signals.spider_opened, weak=False)
            started = time.monotonic()
            yield process.crawl(crawler, start_urls=list(plan.start_urls))
            stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
            report = CrawlReport(source=plan.source, seconds=time.monotonic() - started, stats=stats,
                                 max_items=max_items)
            reports.append(report)
            try:
                if on_report is not None:
                    on_report(report)
            except BaseException as exc:  # noqa: BLE001 - raised again below, not lost in the reactor's Deferred
                raised.append(exc)
                break
            if stats.get("finish_reason") in _STOPPED:
                break

    # Started before the reactor: process.start() then waits for every crawl the chain adds (join()).
    one_after_another()
    process.start()
    if raised:
        raise raised[0]
    return reports
