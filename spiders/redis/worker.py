"""`RedisWorker`: keeps a worker alive while others work, and ends it when the whole crawl is over.

Scrapy closes a spider as soon as its own queue is empty; a worker must not,
while requests are in flight on other workers (their pages may queue more).
On `spider_idle` the worker asks Redis, in one step, whether the crawl is
over (nothing queued, nothing in flight anywhere: spiders.redis.scripts.
FINISH_IF_DONE, which sets `knead:<job>:finished` once). If not, it stays
open and looks at the queue every `POLL` seconds with a short non-blocking
pop (never a blocking pop on the reactor thread); a request found is handed
to the engine (`engine.crawl`).

A heartbeat thread, every third of a lease, renews this worker's leases and
host tokens (and its time in `knead:<job>:workers`) and puts the expired
leases of dead workers back in the queue. A thread, not the reactor: a page
that keeps the reactor busy for a while (the pipelines' first listing loads
the ZIP table) must not make a live worker look dead.

A worker that stops before the crawl is over (Ctrl-C, Redis gone) gives its
leased requests back at once, so nothing waits for a lease to expire.

`NoStartRequests` drops the spider's own start requests: `knead enqueue`
seeds the crawl once, so no worker owns the start.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall

from spiders.redis.job import job_for
from spiders.redis.scheduler import HANDOFF

POLL = 0.1  # seconds between looks at the queue while idle


class NoStartRequests:
    """Spider middleware: a worker sends no start requests of its own."""

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        return
        yield  # noqa: an async generator that yields nothing


class RedisWorker:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.job = job_for(crawler)
        self.every = max(0.2, min(self.job.lease / 3, 5.0))
        self._stopping = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat, name="knead-redis-heartbeat", daemon=True)
        self._poll = LoopingCall(self.poll)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisWorker:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        self.job.renew()  # the heartbeat, before the first pop
        self.job.requeue_expired()
        self._heartbeat.start()

    def _beat(self) -> None:
        job = self.job
        while not self._stopping.wait(self.every) and job.failure is None:
            job.renew()
            if job.budget is not None:
                job.budget.renew()
            given = job.requeue_expired()
            if given:
                self.crawler.stats.inc_value("knead/leases_expired_requeued", given)

    def spider_idle(self, spider: Any) -> None:
        if self.job.failure is not None or self.job.finish_if_done():
            return  # over (or Redis gone): Scrapy closes the spider
        if not self._poll.running:
            self._poll.start(POLL, now=False)
        raise DontCloseSpider

    def poll(self) -> None:
        engine = self.crawler.engine
        if engine is None or engine.spider is None:
            self._stop(self._poll)
            return
        request = engine.scheduler.queue.pop() if engine.scheduler is not None else None
        if request is not None:
            self._stop(self._poll)
            request.meta[HANDOFF] = True
            engine.crawl(request)
        elif self.job.failure is not None or self.job.finish_if_done():
            self._stop(self._poll)
            if self.job.failure is None:
                deferred_from_coro(engine.close_spider_async(reason="finished"))

    @staticmethod
    def _stop(loop: LoopingCall) -> None:
        if loop.running:
            loop.stop()

    def spider_closed(self, spider: Any, reason: str) -> None:
        self._stopping.set()
        if self._heartbeat.is_alive():
            self._heartbeat.join(timeout=10)
        self._stop(self._poll)
        job = self.job
        if job.leases.held:
            given = job.give_back()
            self.crawler.stats.set_value("knead/leases_given_back", given)
        job.call(job.client.hdel, job.keys.workers, job.worker)
        if job.failure:
            self.crawler.stats.set_value("knead/redis_failure", job.failure)
