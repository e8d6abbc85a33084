"""`RedisJob`: what every Redis component of one worker shares (client, keys, scripts, leases, settings).

Scrapy builds the scheduler, the middlewares and the extension separately;
`job_for(crawler)` gives them the same object. The worker's settings
(spiders.redis.settings) name the server (`REDIS_URL`), the job
(`KNEAD_REDIS_JOB`), this worker (`KNEAD_REDIS_WORKER`) and the crawl-wide
values read from the job's meta: lease, per-host delay and concurrency.

A Redis call that still fails after the client's retries (the server is gone
for longer than a restart) ends this worker: `fail()` records one line for
`knead crawl` to print and closes the spider (`redis_unavailable`); the
crawl's state stays in Redis for the next run.
"""

from __future__ import annotations

import json
import weakref
from datetime import datetime, timezone
from typing import Any

import redis
from scrapy.exceptions import NotConfigured

from spiders.redis.connection import RETRY_WAY_OUT, connect, shown
from spiders.redis.keys import JobKeys
from spiders.redis.leases import LeaseBook
from spiders.redis.scripts import Scripts

UNAVAILABLE = "redis_unavailable"  # the finish reason of a worker whose Redis went away

_JOBS: weakref.WeakKeyDictionary[Any, RedisJob] = weakref.WeakKeyDictionary()


class RedisJob:
    def __init__(self, crawler: Any):
        settings = crawler.settings
        self.url = settings.get("REDIS_URL")
        job = settings.get("KNEAD_REDIS_JOB")
        if not self.url or not job:
            raise NotConfigured("a Redis crawl needs REDIS_URL and KNEAD_REDIS_JOB")
        self.crawler = crawler
        self.keys = JobKeys(job)
        self.worker = settings.get("KNEAD_REDIS_WORKER")
        self.lease = settings.getfloat("KNEAD_REDIS_LEASE", 30.0)
        self.host_delay = settings.getfloat("KNEAD_REDIS_HOST_DELAY", 1.0)
        self.host_concurrency = settings.getint("KNEAD_REDIS_HOST_CONCURRENCY", 1)
        self.client = connect(self.url)
        self.scripts = Scripts(self.client)
        self.leases = LeaseBook(self._release)
        self.failure: str | None = None
        self.budget: Any = None  # the shared host budget middleware, whose tokens the heartbeat renews

    # -- leases ----------------------------------------------------------------------

    def _release(self, fingerprints: list[str]) -> None:
        self.call(self.scripts.release, keys=[self.keys.inflight], args=[self.worker, *fingerprints])

    def requeue_expired(self) -> int:
        return int(self.call(self.scripts.requeue, keys=[self.keys.inflight, self.keys.requests], args=[""]) or 0)

    def give_back(self) -> int:
        """Every request this worker still holds goes back to the queue now (it stops before the crawl ends)."""
        given = self.call(self.scripts.requeue, keys=[self.keys.inflight, self.keys.requests], args=[self.worker])
        self.leases.clear()
        return int(given or 0)

    def renew(self) -> None:
        lost = self.call(self.scripts.renew, keys=[self.keys.inflight, self.keys.workers],
                         args=[self.worker, self.lease, *self.leases.renewable()]) or []
        for fingerprint in lost:
            self.leases.forget(fingerprint)

    def finish_if_done(self) -> bool:
        """True when the crawl is over (the end marker is set, by this call if nobody did yet)."""
        marker = json.dumps({"reason": "finished", "at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        done = self.call(self.scripts.finish_if_done,
                         keys=[self.keys.requests, self.keys.inflight, self.keys.finished], args=[marker])
        return bool(done)

    # -- failures ----------------------------------------------------------------------

    def call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """`function(*args, **kwargs)`, or None after `fail()` when Redis does not answer."""
        if self.failure is not None:
            return None
        try:
            return function(*args, **kwargs)
        except redis.RedisError as exc:
            self.fail(exc)
            return None

    def fail(self, exc: Exception) -> None:
        from twisted.python import threadable

        if not threadable.isInIOThread():  # from the heartbeat thread: the engine is the reactor's
            from twisted.internet import reactor

            reactor.callFromThread(self.fail, exc)
            return
        if self.failure is None:
            self.failure = f"Redis at {shown(self.url)} stopped answering ({exc}); {RETRY_WAY_OUT}."
            self.crawler.stats.set_value("knead/redis_failure", self.failure)
            engine = self.crawler.engine
            if engine is not None and engine.spider is not None:
                from scrapy.utils.defer import deferred_from_coro

                deferred_from_coro(engine.close_spider_async(reason=UNAVAILABLE))


def job_for(crawler: Any) -> RedisJob:
    job = _JOBS.get(crawler)
    if job is None:
        job = _JOBS[crawler] = RedisJob(crawler)
    return job
