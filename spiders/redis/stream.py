"""Each worker's listings into the crawl's Redis stream, for `knead publish --redis` to consume.

In a crawl spread over workers (`knead crawl SOURCE --redis URL`) this
pipeline takes the store pipeline's place at the end of the ladder
(`WORKER_PIPELINES`): a worker writes no store of record; it appends each
listing as JSON, field `listing`, to `knead:<job>:items` (XADD: one short
call, no blocking read on the reactor), and the one publisher stages them
(search_cli/publish_redis.py). A listing sent twice (a request given back
after its worker died, done again by another) is staged once: staging is
keyed by listing id.

The worker's pages fetched and URLs failed are added to `knead:<job>:stats`
(HINCRBY `pages`, `failed`; `worker:<id>` its own counts as JSON) about
once a second and when the spider closes, so the publish gate sees the
error rate of the whole crawl; a worker killed with -9 leaves at most its
last second uncounted. A worker whose source said it saw less than there is
(`knead/incomplete`: a roster's count above the rows read) sets `incomplete`,
so the published crawl marks nothing stale, as in one process.

An XADD that still fails after the client's retries (Redis gone for longer
than a restart) raises `ListingNotSent`: Scrapy counts it as an item error
and the request that found the listing is not finished, so its lease
returns it to the queue and a worker fetches it again (spiders.redis.leases);
the worker counts `listings/not_sent`.
"""

from __future__ import annotations

import json
import os
import socket
import time
from typing import Any

import orjson
from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from index.model.listing import TherapistListing
from spiders.pipelines import StatsPipeline
from spiders.redis.keys import JobKeys

# What a worker's settings put in ITEM_PIPELINES: listings to the stream, not to a local store.
WORKER_PIPELINES = {
    "spiders.pipelines.store.RecordStorePipeline": None,
    "spiders.redis.stream.RedisStreamPipeline": 900,
}
FLUSH_EVERY = 1.0  # seconds between additions to the shared stats


class ListingNotSent(Exception):
    """Redis did not take a listing; its request must be crawled again."""


def listing_fields(data: dict[str, Any]) -> dict[str, bytes]:
    """A listing as one stream entry's fields (what `knead publish --redis` reads back)."""
    return {"listing": orjson.dumps(data, default=str)}


def worker_id(settings: Any) -> str:
    return settings.get("KNEAD_REDIS_WORKER") or f"{socket.gethostname()}:{os.getpid()}"


class RedisStreamPipeline(StatsPipeline):
    def __init__(self, crawler: Any, client: Any = None):
        super().__init__(crawler)
        settings = crawler.settings
        url, job = settings.get("REDIS_URL"), settings.get("KNEAD_REDIS_JOB")
        if not url or not job:
            raise NotConfigured("a Redis crawl needs REDIS_URL and KNEAD_REDIS_JOB")
        self.keys = JobKeys(job)
        self.worker = worker_id(settings)
        self.client = client or _client(url)
        self.sent = self.not_sent = 0
        self._flushed = {"pages": 0, "failed": 0}
        self._last_flush = time.monotonic()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def process_item(self, item: Any) -> Any:
        import redis

        data = item.to_dict() if isinstance(item, TherapistListing) else ItemAdapter(item).asdict()
        try:
            self.client.xadd(self.keys.items, listing_fields(data))
        except redis.RedisError as exc:
            self.not_sent += 1
            self.inc("not_sent")
            raise ListingNotSent(f"Redis did not take listing {data.get('id')}: {exc}") from exc
        self.sent += 1
        self.inc("sent")
        if time.monotonic() - self._last_flush >= FLUSH_EVERY:
            self._flush_quietly()
        return item

    def _counts(self) -> dict[str, int]:
        return {"pages": int(self.stats.get_value("downloader/response_count", 0) or 0),
                "failed": int(self.stats.get_value("knead/failed_count", 0) or 0)}

    def flush(self, reason: str | None = None) -> None:
        """Add what this worker counted since the last flush to the crawl's stats, in one transaction."""
        counts = self._counts()
        mine = {**counts, "listings": self.sent, "not_sent": self.not_sent}
        if reason:
            mine["finish_reason"] = reason
        with self.client.pipeline(transaction=True) as pipe:
            for name, value in counts.items():
                if value > self._flushed[name]:
                    pipe.hincrby(self.keys.stats, name, value - self._flushed[name])
            pipe.hset(self.keys.stats, f"worker:{self.worker}", json.dumps(mine, sort_keys=True))
            if self.stats.get_value("knead/incomplete"):
                pipe.hset(self.keys.stats, "incomplete", 1)
            pipe.execute()
        self._flushed = counts
        self._last_flush = time.monotonic()

    def _flush_quietly(self) -> None:
        import redis

        try:
            self.flush()
        except redis.RedisError as exc:  # counted again at the next flush: the delta is kept
            self.crawler.spider.logger.warning("Could not add this worker's counts to Redis: %s", exc)
            self._last_flush = time.monotonic()

    def spider_closed(self, spider: Any, reason: str) -> None:
        import redis

        try:
            self.flush(reason)
        except redis.RedisError as exc:
            spider.logger.error("This worker's page counts did not reach Redis (%s): the publish gate "
                                "will count %d pages and %d failures fewer.", exc,
                                self._counts()["pages"] - self._flushed["pages"],
                                self._counts()["failed"] - self._flushed["failed"])


def _client(url: str) -> Any:
    """A client that rides out a Redis restart of a few seconds (0.1 s doubling to 2 s, 12 tries)."""
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(url, retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), 12),
                                retry_on_error=[redis.ConnectionError, redis.TimeoutError], socket_timeout=30)
