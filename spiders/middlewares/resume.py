"""`ResumeMiddleware`, for `knead crawl --resume`: skip the profiles an interrupted crawl already staged.

Results pages are fetched again (they are how profiles are found), but a
profile request whose listing id (request meta `listing_id`, set by the
spider) is already staged under the resumed crawl is dropped before it reaches
the network, and counted as `knead/resume_skipped`.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest, NotConfigured

from index.records.datadir import DataDir
from index.records.store import RecordStore


class ResumeMiddleware:
    def __init__(self, crawler: Any):
        crawl_id = crawler.settings.getint("KNEAD_RESUME_CRAWL_ID")
        if not crawl_id:
            raise NotConfigured
        self.stats = crawler.stats
        path = DataDir.resolve(crawler.settings.get("KNEAD_DATA_DIR")).records_path
        with RecordStore(path) as store:
            self.done = store.staged_ids(crawl_id)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ResumeMiddleware:
        return cls(crawler)

    def process_request(self, request: Any) -> None:
        if request.meta.get("listing_id") in self.done:
            self.stats.inc_value("knead/resume_skipped")
            raise IgnoreRequest("already staged by the crawl being resumed")
        return None
