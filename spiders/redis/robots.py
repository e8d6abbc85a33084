"""`SharedRobotsTxtMiddleware`: one robots.txt fetch per host for the whole crawl.

Each worker would otherwise fetch every host's robots.txt itself (and might
decide differently when one fetch fails). The first worker to need a host's
rules claims `knead:<job>:robots:<host>` (SET NX with an expiry), fetches and
parses as knead's strict middleware does (5xx or unreachable: disallow all),
and stores the decision there; the others wait for it (without blocking the
reactor) and build their parser from it. A claim whose worker died expires,
and the next worker fetches.
"""

from __future__ import annotations

import json
import time
from typing import Any

from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from spiders.middlewares.robots import StrictRobotsTxtMiddleware
from spiders.redis.job import job_for
from spiders.redis.pause import pause

_FETCHING = "fetching"
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"  # what knead's strict middleware decides for 5xx or no answer
CLAIM_SECONDS = 45  # over the download timeout of the robots.txt fetch (30 s)


class SharedRobotsTxtMiddleware(StrictRobotsTxtMiddleware):
    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.job = job_for(crawler)

    async def robot_parser(self, request: Any) -> Any:
        netloc = urlparse_cached(request).netloc
        if netloc in self._parsers:
            return await super().robot_parser(request)
        waiter: Deferred[Any] = Deferred()
        self._parsers[netloc] = waiter  # this worker's other requests to the host wait here
        decision = await self._decision(netloc)
        if decision is None:  # ours to fetch: the parent fetches, parses and stores (below)
            del self._parsers[netloc]
            parser = await super().robot_parser(request)
        else:
            if decision.get("unreachable"):
                self._unreachable[netloc] = decision["unreachable"]
            parser = build_from_crawler(self._parserimpl, self.crawler, decision["body"].encode("latin-1"))
            self._parsers[netloc] = parser
            self._stats.inc_value("knead/robots_shared")
        waiter.callback(parser)
        return parser

    async def _decision(self, netloc: str) -> dict[str, Any] | None:
        """Another worker's decision for `netloc`, or None when this worker must fetch it."""
        job, key = self.job, self.job.keys.robots(netloc)
        deadline = time.monotonic() + CLAIM_SECONDS
        while True:
            if job.call(job.client.set, key, _FETCHING, nx=True, ex=CLAIM_SECONDS):
                return None
            raw = job.call(job.client.get, key)
            if job.failure is not None:
                return None
            if raw and raw != _FETCHING:
                return json.loads(raw)
            if raw is None:
                continue  # the claim expired just now: claim it
            if time.monotonic() > deadline:
                return None  # its claimant is slow or gone: fetch it here
            await pause(0.1)

    def _store(self, netloc: str, body: bytes, unreachable: str | None = None) -> None:
        value = json.dumps({"body": body.decode("latin-1"), "unreachable": unreachable})
        self.job.call(self.job.client.set, self.job.keys.robots(netloc), value)

    async def _parse_robots(self, response: Any, netloc: str, request: Any) -> None:
        self._store(netloc, DISALLOW_ALL if response.status >= 500 else response.body)
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        super()._robots_error(exc, netloc)
        if self._parsers.get(netloc) is None:  # refused before the network (IgnoreRequest): not a decision
            self.job.call(self.job.client.delete, self.job.keys.robots(netloc))
        else:
            self._store(netloc, DISALLOW_ALL, self._unreachable.get(netloc))
