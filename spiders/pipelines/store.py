"""The last step: write each listing durably to the store of record (index.records).

Every crawl is a row in the store's `crawls` table, closed with its finish
reason and stats. Listings are *staged* under the crawl in committed batches,
so a killed crawl keeps what it had committed (and `--resume` goes on from
there). `KNEAD_RESUME_CRAWL_ID` continues a crawl row instead of starting one.

With an item limit (`CLOSESPIDER_ITEMCOUNT`, `knead crawl --max-items`), the
limit is exact here: Scrapy closes the spider only after the limit is
reached, and the requests already in flight still yield listings (58 for a
limit of 50 at concurrency 8); those are refused (DropItem) and counted as
`knead/past_limit`.

When the spider closes, a plain `scrapy crawl` publishes the crawl here
(`index.records.publish.publish_crawl`: the publish gate, the merge, the new
index generation) and logs the outcome; `knead crawl` sets `KNEAD_PUBLISH`
off and makes the same call itself once the crawl process is done, to report
it in its own words.
"""

from __future__ import annotations

import os
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem

from index.model.listing import TherapistListing
from index.records.datadir import DataDir
from index.records.store import FINISHED, INTERRUPTED, LIMITED, RecordStore, crawl_scope
from spiders.pipelines import StatsPipeline


class RecordStorePipeline(StatsPipeline):
    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.data_dir = DataDir.resolve(crawler.settings.get("KNEAD_DATA_DIR"))
        self.store: RecordStore | None = None
        self.crawl_id: int | None = None
        self.limit = crawler.settings.getint("CLOSESPIDER_ITEMCOUNT") or None
        self.staged = 0
        # The finish reason is known only once the spider has closed, after
        # the pipelines' close_spider: the crawl row is closed on that signal.
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def open_spider(self) -> None:
        self.store = RecordStore(self.data_dir.ensure().records_path)
        resume = self.crawler.settings.getint("KNEAD_RESUME_CRAWL_ID")
        if resume:
            self.crawl_id = resume
            self.store.resume_crawl(resume, os.getpid())
        else:
            spider = self.crawler.spider
            scope = crawl_scope(spider.name, list(getattr(spider, "start_urls", []) or []))
            self.crawl_id = self.store.begin_crawl(spider.name, os.getpid(), scope)
        self.stats.set_value("knead/crawl_id", self.crawl_id)
        self.stats.set_value("knead/records_path", str(self.store.path))

    def process_item(self, item: Any) -> Any:
        assert self.store is not None
        if self.limit is not None and self.staged >= self.limit:
            self.stats.inc_value("knead/past_limit")
            raise DropItem(f"past the item limit of {self.limit}")
        data = item.to_dict() if isinstance(item, TherapistListing) else ItemAdapter(item).asdict()
        outcome = self.store.stage(data, self.crawl_id)
        self.staged += 1
        self.inc(f"stored/{outcome}")
        return item

    def close_spider(self) -> None:
        if self.store is not None:
            self.store.commit()

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.store is None:
            return
        status = _STATUS.get(reason, str(reason))
        self.store.finish_crawl(self.crawl_id, status, self.stats.get_stats())
        self.store.close()
        self.store = None
        if self.crawler.settings.getbool("KNEAD_PUBLISH"):
            self._publish(spider)

    def _publish(self, spider: Any) -> None:
        from index.records.publish import CrawlHeld, CrawlNotFinished, publish_crawl
        from index.search.generations import BuildError

        try:
            outcome = publish_crawl(
                self.data_dir, self.crawl_id, pages=self.stats.get_value("downloader/response_count", 0),
                failed=self.stats.get_value("knead/failed_count", 0),
                stale_days=self.crawler.settings.getfloat("KNEAD_STALE_DAYS"),
            )
        except CrawlNotFinished as exc:
            spider.logger.warning("Crawl %s was not published: it did not finish (%s); "
                                  "`knead crawl --resume` continues it.", exc.crawl_id, exc.status)
        except CrawlHeld as exc:
            spider.logger.warning("Crawl %s was not published, the index was left as it was: %s",
                                  exc.crawl_id, "; ".join(exc.reasons))
        except BuildError as exc:
            spider.logger.error("Crawl %s was published to the store, but %s", self.crawl_id, exc)
        else:
            counts = outcome.counts
            spider.logger.info(
                "Published crawl %s: %d found, %d new, %d changed, %d gone; index generation %d serves %d listings",
                self.crawl_id, counts["found"], counts["new"], counts["changed"], counts["gone"],
                outcome.index.generation, outcome.index.doc_count)


# Scrapy's finish reasons, as the store records them.
_STATUS = {"finished": FINISHED, "shutdown": INTERRUPTED, "closespider_itemcount": LIMITED}
