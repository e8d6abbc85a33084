"""Seed a crawl in Redis (`knead enqueue SOURCE --redis URL`): its meta and its start requests.

The spider's own `async def start()` builds the start requests (so a seeded
crawl starts exactly as `knead crawl SOURCE` would), they are serialised as
every other request (spiders.redis.serializer) and queued through the same
atomic seen-and-queue step as the workers' (a second `knead enqueue` of the
same crawl queues nothing twice). The meta records what every worker must
agree on: the source, the start URLs (the host allow-list is built from
them), the crawl's scope, when it was created, and the crawl-wide settings
(per-host delay and concurrency, lease).

Only sources whose requests are plain data can be spread over workers
(`DISTRIBUTABLE`): the others carry Python objects in their callbacks'
arguments.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from scrapy_redis.dupefilter import RFPDupeFilter

from spiders.redis import serializer
from spiders.redis.connection import check_server, connect
from spiders.redis.keys import JobKeys
from spiders.redis.scripts import Scripts

DISTRIBUTABLE = ("amta",)


class EnqueueRefused(RuntimeError):
    """The job exists with other values, or is finished; the message says what to do."""


@dataclass(frozen=True)
class Seeded:
    job: str
    queued: int
    already_seen: int
    created: bool


async def _collect(start: Any) -> list[Any]:
    return [request async for request in start]


def start_requests(source: str, start_urls: Sequence[str]) -> tuple[Any, list[Any]]:
    """The spider (for callback names) and the requests its `start()` yields."""
    from scrapy.spiderloader import get_spider_loader

    from spiders.run import project_settings

    spider = get_spider_loader(project_settings()).load(source)(start_urls=list(start_urls))
    return spider, asyncio.run(_collect(spider.start()))


def unpublished(client: Any, keys: JobKeys) -> int:
    """Listings in the job's stream that no publisher has acknowledged yet (0 when all are safe)."""
    length = client.xlen(keys.items)
    if not length:
        return 0
    groups = client.xinfo_groups(keys.items)
    if not groups:
        return length
    # A group's `lag` counts entries it has not read (Redis 7; None when unknown), `pending` the ones
    # read but not acknowledged; the slowest group decides.
    return max((g.get("lag") if g.get("lag") is not None else length) + int(g.get("pending") or 0) for g in groups)


def clear_job(client: Any, keys: JobKeys) -> int:
    """Delete every key of the job (a finished crawl started again from nothing)."""
    names = list(client.scan_iter(match=keys.pattern, count=1000))
    return client.delete(*names) if names else 0


def seed(url: str, job: str, source: str, start_urls: Sequence[str], *, settings: dict[str, Any],
         scope: str, replace: bool = False) -> Seeded:
    client = connect(url)
    check_server(client, url)
    keys = JobKeys(job)
    if replace:
        waiting = unpublished(client, keys)
        if waiting:
            raise EnqueueRefused(f"Crawl {job!r} in Redis holds {waiting} listing(s) not yet published; "
                                 "run `knead publish --redis URL` first, then --replace starts it again.")
        clear_job(client, keys)
    finished = client.get(keys.finished)
    if finished:
        at = json.loads(finished).get("at", "?")
        raise EnqueueRefused(f"Crawl {job!r} in Redis finished at {at}; publish it (`knead publish --redis URL`), "
                             f"then add --replace to start it again from nothing, or pick another --job NAME.")
    meta = client.hgetall(keys.meta)
    wanted = {"source": source, "start_urls": json.dumps(list(start_urls)), "scope": scope,
              "settings": json.dumps(settings, sort_keys=True)}
    for name in ("source", "start_urls", "settings"):
        if meta and meta.get(name) != wanted[name]:
            raise EnqueueRefused(f"Crawl {job!r} in Redis was seeded with another {name.replace('_', ' ')} "
                                 f"({meta.get(name)}); give this one another --job NAME, or --replace to start over.")
    spider, requests = start_requests(source, start_urls)
    scripts, dupefilter = Scripts(client), RFPDupeFilter(client, key=keys.seen)
    queued = 0
    for request in requests:
        data = serializer.dumps(request.to_dict(spider=spider))
        fingerprint = "" if request.dont_filter else dupefilter.request_fingerprint(request)
        queued += int(scripts.enqueue(keys=[keys.seen, keys.requests, keys.inflight],
                                      args=[fingerprint, -request.priority, data, "", ""]))
    if not meta:
        wanted["created_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        client.hset(keys.meta, mapping=wanted)
    return Seeded(job, queued, len(requests) - queued, created=not meta)
