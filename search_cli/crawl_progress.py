"""The live line `knead crawl` shows on a terminal: pages, listings stored, failures, rate.

A rich.progress column that reads the crawl's Scrapy stats each time rich
redraws (the crawl has no total to show a bar against).
"""

from __future__ import annotations

from rich.progress import ProgressColumn, Task
from rich.text import Text


class CrawlCounts(ProgressColumn):
    def render(self, task: Task) -> Text:
        stats = task.fields.get("stats")
        if stats is None:
            return Text("starting the crawl")
        get = stats.get_value
        pages = get("downloader/response_count", 0) or 0
        stored = get("item_scraped_count", 0) or 0
        failed = get("knead/failed_count", 0) or 0
        elapsed = task.elapsed or 0.0
        rate = f"{pages / elapsed:.1f} pages/s" if elapsed >= 1 else "- pages/s"
        return Text(f"{pages} pages fetched, {stored} listings stored, {failed} failed, {rate}")
