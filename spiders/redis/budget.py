"""`SharedHostBudgetMiddleware`: one per-host delay and concurrency for the whole crawl, in Redis.

Scrapy's download delay, per-domain concurrency and AutoThrottle live in one
process: three workers would hit a host three times as hard. Before a
request goes out, this middleware asks Redis for a start on its host
(spiders.redis.scripts.HOST_ACQUIRE): granted when no request to the host
started within the delay and fewer than the allowed number are in flight
across every worker; otherwise it waits the time Redis names, without
blocking the reactor, and asks again. The token is given back when the
answer (or the failure) comes back; a dead worker's token expires after one
lease period (live workers renew theirs).

A 429 or 503 with Retry-After pauses the host for every worker (HOST_PAUSE),
capped by `KNEAD_RETRY_AFTER_MAX` as the local pause is.

It sits innermost (after the HTTP cache and the retry logic), so only what
really goes to the network is counted; the worker's own Scrapy slot is left
with a tiny delay and the same concurrency, so it adds nothing.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from spiders.middlewares.retry import retry_after_seconds
from spiders.redis.job import job_for
from spiders.redis.pause import pause

_TOKEN = "knead_host_token"  # request meta: (host key, token) while it holds a start


def host_of(url: str) -> str:
    """host:port of a URL, the unit of politeness (Scrapy's downloader slots are per host too)."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{(parts.hostname or '').lower()}:{port}"


class SharedHostBudgetMiddleware:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.job = job_for(crawler)
        self.retry_after_max = crawler.settings.getfloat("KNEAD_RETRY_AFTER_MAX", 120.0)
        self.held: dict[str, str] = {}  # token -> host key, renewed with the leases
        self.job.budget = self

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedHostBudgetMiddleware:
        return cls(crawler)

    async def process_request(self, request: Any) -> None:
        job = self.job
        key = job.keys.host(host_of(request.url))
        token = uuid.uuid4().hex[:16]
        while True:
            wait = job.call(job.scripts.host_acquire, keys=[key],
                            args=[token, job.host_delay, job.host_concurrency, job.lease])
            if wait is None:  # Redis is gone; the worker is closing (RedisJob.fail)
                return
            wait = float(wait)
            if wait <= 0:
                break
            self.crawler.stats.inc_value("knead/host_budget_waits")
            await pause(wait)
        self.held[token] = key
        request.meta[_TOKEN] = (key, token)

    def _give_back(self, request: Any) -> None:
        held = request.meta.pop(_TOKEN, None)
        if held:
            key, token = held
            self.held.pop(token, None)
            self.job.call(self.job.client.hdel, key, f"t:{token}")

    def process_response(self, request: Any, response: Any) -> Any:
        if response.status in (429, 503):
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            if asked:
                # Paused before the token is given back: no other worker starts in between.
                job = self.job
                job.call(job.scripts.host_pause, keys=[job.keys.host(host_of(request.url))],
                         args=[min(asked, self.retry_after_max)])
                self.crawler.stats.inc_value("knead/host_paused_shared")
        self._give_back(request)
        return response

    def process_exception(self, request: Any, exception: Exception) -> None:
        self._give_back(request)

    def renew(self) -> None:
        """From the heartbeat thread: this worker's tokens are still in use."""
        by_host: dict[str, list[str]] = {}
        for token, key in list(self.held.items()):  # a copy: the reactor thread changes it meanwhile
            by_host.setdefault(key, []).append(token)
        for key, tokens in by_host.items():
            self.job.call(self.job.scripts.host_renew, keys=[key], args=[self.job.lease, *tokens])
