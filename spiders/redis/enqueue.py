"""Seed a crawl in Redis (`knead enqueue SOURCE --redis URL`): its meta and its start requests.

The spider's own `async def start()` builds the start requests (so a seeded
crawl starts exactly as `knead crawl SOURCE` would), they are serialised as
every other request (spiders.redis.serializer) and queued through the same
atomic seen-and-queue step as the workers' (a second `knead enqueue` of the
same crawl queues nothing twice). The meta records what every worker must
agree on: the source, the start URLs (the host allow-list is built from
them), the crawl's scope (the spider's start URLs, as the store pipeline
scopes a crawl in one process: stale marking covers what was crawled), when
it was created, and the crawl-wide settings (per-host delay and
concurrency, lease).

Every source can be spread over workers: their requests carry plain data
(a registry query, a roster's reading state, a site's root), which the
serializer refuses to send otherwise.
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
    """The spider (for callback names) and the requests its `start()` yields.

    The spider is made through a crawler that never runs, so that it has the
    project's settings a `start()` may read, as in a worker."""
    from scrapy.crawler import Crawler
    from scrapy.spiderloader import get_spider_loader

    from spiders.run import project_settings

    settings = project_settings()
    spidercls = get_spider_loader(settings).load(source)
    spider = spidercls.from_crawler(Crawler(spidercls, settings), start_urls=list(start_urls))
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
         replace: bool = False) -> Seeded:
    """Queue the start requests of `source` from `start_urls` once, and describe the crawl in the meta.

    ValueError: a start URL the spider refuses (before anything is written)."""
    from index.records.store import crawl_scope

    spider, requests = start_requests(source, start_urls)
    scope = crawl_scope(source, list(spider.start_urls))
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
