"""The last step: write each listing durably to the store of record (index.records).

Every crawl is a row in the store's `crawls` table, closed with its finish
reason and stats. Listings are *staged* under the crawl in committed batches,
so a killed crawl keeps what it had committed (and `--resume` goes on from
there); `knead crawl` publishes the staged listings once the crawl finished
and passed the publish gate. `KNEAD_RESUME_CRAWL_ID` continues a crawl row
instead of starting one.
"""

from __future__ import annotations

import os
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals

from index.datadir import DataDir
from index.listing import TherapistListing
from index.records import FINISHED, INTERRUPTED, RecordStore, crawl_scope
from spiders.pipelines import StatsPipeline


class RecordStorePipeline(StatsPipeline):
    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.data_dir = DataDir.resolve(crawler.settings.get("KNEAD_DATA_DIR"))
        self.store: RecordStore | None = None
        self.crawl_id: int | None = None
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
        data = item.to_dict() if isinstance(item, TherapistListing) else ItemAdapter(item).asdict()
        outcome = self.store.stage(data, self.crawl_id)
        self.inc(f"stored/{outcome}")
        return item

    def close_spider(self) -> None:
        if self.store is not None:
            self.store.commit()

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.store is None:
            return
        status = {"finished": FINISHED, "shutdown": INTERRUPTED}.get(reason, str(reason))
        self.store.finish_crawl(self.crawl_id, status, self.stats.get_stats())
        self.store.close()
        self.store = None
