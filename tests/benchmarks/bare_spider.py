"""The reference crawler: bare Scrapy over the same pages, yielding only each page's URL.

    python -m tests.benchmarks.bare_spider START_URL --concurrency 8

Scrapy's defaults plus what the comparison needs to be fair: the same
concurrency, no delay, robots.txt obeyed (so it fetches exactly the pages
knead fetches), no telnet console, no item pipelines. Links are read with two
targeted selectors (profile links and the next page), the cheapest way to
walk the directory. Prints one JSON line: pages, items, seconds, pages/s.
"""

from __future__ import annotations

import argparse
import json
import time

import scrapy
from scrapy.crawler import CrawlerProcess


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, start_url: str, **kwargs):
        super().__init__(**kwargs)
        self.start_url = start_url

    async def start(self):
        yield scrapy.Request(self.start_url, callback=self.parse)

    def parse(self, response, **kwargs):
        yield {"url": response.url}
        if "/famt/" in response.url:
            return
        for href in response.css(".find-a-mr-results-list-item-title a::attr(href)").getall():
            yield response.follow(href, callback=self.parse)
        next_page = response.css('a[rel~="next"]::attr(href)').get()
        if next_page:
            yield response.follow(next_page, callback=self.parse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("start_url")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    process = CrawlerProcess({
        "LOG_LEVEL": "ERROR",
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": max(16, args.concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
        "TELNETCONSOLE_ENABLED": False,
    })
    crawler = process.create_crawler(BareSpider)
    started = time.perf_counter()
    process.crawl(crawler, start_url=args.start_url)
    process.start()
    seconds = time.perf_counter() - started
    stats = crawler.stats.get_stats()
    pages = int(stats.get("downloader/response_count", 0))
    print(json.dumps({"pages": pages, "items": int(stats.get("item_scraped_count", 0)), "seconds": seconds,
                      "pages_per_s": pages / seconds if seconds else 0.0}))


if __name__ == "__main__":
    main()
