"""The worker's scheduler: scrapy-redis's, with leased pops and atomic enqueues.

Used from scrapy-redis 0.9.1 as they are: `Scheduler` (the engine's
interface, `SCHEDULER_PERSIST`), `PriorityQueue` (the sorted set, score
-priority, and its request encoding through `SCHEDULER_SERIALIZER`, here
JSON) and `RFPDupeFilter` (its request fingerprint; the set is `seen`).

Replaced, and why:

- `enqueue_request`: scrapy-redis adds the fingerprint to the seen-set, then
  pushes the request, in two calls; a worker killed between them loses the
  request for good (seen, never queued). Here both are one script, which also
  releases the lease of the request a retry or redirect replaces.
- `PriorityQueue.pop`: a request popped by a worker that dies was gone. Here
  the pop records it in flight with this worker's lease (spiders.redis.leases).
- `from_crawler`: the job's own client (retries through a Redis restart) and
  keys, persistence forced on (scrapy-redis's default, off, deletes the
  shared queue and seen-set when the first worker stops).
- `open`: the same queue and filter, without scrapy-redis's "Resuming crawl"
  line through `Spider.log`, which Scrapy 2.19 deprecates (a warning per worker).
- A request the idle worker pops itself (spiders.redis.worker) is handed to
  the engine through `engine.crawl` and kept here, not queued again.

Times in `knead_not_before` (a retry's earliest start, on this process's
monotonic clock) mean nothing on another machine: they travel as wall-clock
time and come back as this worker's monotonic time.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from spiders.redis import serializer
from spiders.redis.job import job_for
from spiders.redis.leases import LEASE, PARENT

HANDOFF = "knead_handoff"  # request meta: popped (and leased) by the idle worker, to be sent here
_NOT_BEFORE = "knead_not_before"
_NOT_BEFORE_WALL = "knead_not_before_wall"


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop leases the request to this worker."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None):
        super().__init__(server, spider, key, serializer)
        self.job = job_for(spider.crawler)

    def encode(self, request: Any) -> str:
        meta = request.meta
        meta.pop(LEASE, None)
        if _NOT_BEFORE in meta:
            meta[_NOT_BEFORE_WALL] = time.time() + (meta.pop(_NOT_BEFORE) - time.monotonic())
        return self._encode_request(request)

    def pop(self, timeout: int = 0) -> Any:
        job = self.job
        popped = job.call(job.scripts.pop, keys=[self.key, job.keys.inflight], args=[job.worker, job.lease])
        if not popped:
            return None
        fingerprint, data = popped
        request = self._decode_request(data)
        request.meta[LEASE] = fingerprint
        if _NOT_BEFORE_WALL in request.meta:
            request.meta[_NOT_BEFORE] = time.monotonic() + (request.meta.pop(_NOT_BEFORE_WALL) - time.time())
        job.leases.hold(fingerprint)
        return request


class RedisScheduler(Scheduler):
    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisScheduler:
        job = job_for(crawler)
        instance = cls(
            server=job.client, persist=True, queue_key=job.keys.requests,
            queue_cls="spiders.redis.scheduler.LeasedPriorityQueue",
            dupefilter=RFPDupeFilter(job.client, key=job.keys.seen, debug=crawler.settings.getbool("DUPEFILTER_DEBUG")),
            serializer=serializer,
        )
        instance.stats = crawler.stats
        instance.job = job
        instance.local = deque()
        instance.drained = False  # the last pop found the queue empty
        return instance

    def open(self, spider: Any) -> None:
        self.spider = spider
        self.queue = LeasedPriorityQueue(self.server, spider, self.queue_key, serializer=self.serializer)

    def enqueue_request(self, request: Any) -> bool:
        if request.meta.pop(HANDOFF, False):
            self.local.append(request)
            return True
        parent = request.meta.pop(PARENT, None)
        replaced = request.meta.get(LEASE) or ""  # a retry or redirect of a leased request
        try:
            data = self.queue.encode(request)
        except TypeError as exc:
            # A request that cannot travel as JSON: a bug in the spider, not a lost page
            # (`knead crawl --redis` accepts only sources whose requests are plain data).
            self.spider.logger.error("Not queued: %s (%s)", request.url, exc)
            self.stats.inc_value("knead/redis_not_serializable")
            added = 0
        else:
            fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
            job = self.job
            added = job.call(job.scripts.enqueue, keys=[job.keys.seen, job.keys.requests, job.keys.inflight],
                             args=[fingerprint, -request.priority, data, job.worker, replaced])
            if replaced:
                job.leases.forget(replaced)
        if parent:
            self.job.leases.handled(parent)
        if not added:
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Any:
        if self.local:
            return self.local.popleft()
        request = self.queue.pop()
        self.drained = request is None
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        # The engine asks right after a pop; when that pop found nothing, asking Redis again
        # would cost a round trip per loop for the same answer (the idle worker polls anyway).
        if self.local:
            return True
        return not self.drained and bool(self.job.call(len, self.queue))

    def __len__(self) -> int:
        return len(self.local) + int(self.job.call(len, self.queue) or 0)
