"""One listing per id per crawl.

The same therapist can sit on two result pages, or be reached by two URLs
(relative and absolute links, another host name for the same site); Scrapy's
request filter only catches identical URLs, the listing id catches the rest.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from spiders.pipelines import StatsPipeline


class DuplicatesPipeline(StatsPipeline):
    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.seen: set[str] = set()

    def process_item(self, item: Any) -> Any:
        listing_id = ItemAdapter(item)["id"]
        if listing_id in self.seen:
            self.inc("dropped/duplicate")
            raise DropItem(f"duplicate listing {listing_id}")
        self.seen.add(listing_id)
        return item
