"""The last step: write each listing durably to the store of record (index.records).

Every crawl is a row in the store's `crawls` table, closed with its finish
reason and stats; listings are upserted in committed batches, so a killed
crawl keeps what it had committed and the index can be rebuilt from the store
at any time.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals

from index.datadir import DataDir
from index.listing import TherapistListing
from index.records import RecordStore
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
        self.crawl_id = self.store.begin_crawl(self.crawler.spider.name)
        self.stats.set_value("knead/crawl_id", self.crawl_id)
        self.stats.set_value("knead/records_path", str(self.store.path))

    def process_item(self, item: Any) -> Any:
        assert self.store is not None
        data = item.to_dict() if isinstance(item, TherapistListing) else ItemAdapter(item).asdict()
        outcome = self.store.upsert(data, self.crawl_id)
        self.inc(f"stored/{outcome}")
        return item

    def close_spider(self) -> None:
        if self.store is not None:
            self.store.commit()

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.store is None:
            return
        self.store.finish_crawl(self.crawl_id, str(reason), self.stats.get_stats())
        self.store.close()
        self.store = None
