"""Run several crawls one after another in this process (`knead crawl` of every bundled sample).

Twisted's reactor cannot be restarted, so `spiders.run.run_crawl` runs once
per process; several crawls share one `CrawlerProcess` instead, the next
started when the one before has closed (one at a time: each writes its own
crawl into the store of record, and the summary reads each one's stats
apart). `on_report` is called with each crawl's report as it ends, before
the next starts (`knead crawl` prints its summary and publishes it there). A
crawl that was interrupted (Ctrl-C) ends the sequence: the crawls after it
are not started.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from twisted.internet import defer

from spiders.run import CrawlReport, ProgressCallback, QuietLog, crawl_settings

_STOPPED = ("shutdown", "cancelled")


def _quiet(**kwargs: Any) -> None:
    """Without -v: spiders.run's QuietLog on Scrapy's root handler (installed as each crawl starts)."""
    for handler in logging.root.handlers:
        if not any(isinstance(f, QuietLog) for f in handler.filters):
            handler.addFilter(QuietLog())


@dataclass(frozen=True)
class CrawlPlan:
    """One crawl of the sequence: the spider, its start URLs, and the crawl it resumes (if any)."""

    source: str
    start_urls: Sequence[str]
    resume_crawl_id: int | None = None


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

    An exception `on_report` raises ends the sequence and is raised again here, once the reactor stopped."""
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
                crawler.signals.connect(_quiet, signal=signals.engine_started)
            if progress is not None:
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
