"""The Scrapy settings that turn `knead crawl SOURCE` into a worker of a crawl in Redis.

Starts from knead's project settings (spiders/settings.py) and changes only
what a shared crawl needs; `run_crawl(..., extra=worker_settings(...))`
applies them on top. The crawl-wide values (per-host delay and concurrency,
lease) come from the job's meta, written once by `knead enqueue`, so every
worker applies the same ones.
"""

from __future__ import annotations

import json
from typing import Any

from spiders.redis.stream import WORKER_PIPELINES

DEFAULT_LEASE = 30.0  # seconds a popped request stays a silent worker's before it goes back to the queue


def crawl_settings_of(meta: dict[str, str]) -> dict[str, Any]:
    """delay, concurrency, lease of a job's meta (defaults for what it lacks)."""
    try:
        given = json.loads(meta.get("settings") or "{}")
    except ValueError:
        given = {}
    return {"delay": float(given.get("delay", 1.0)), "concurrency": int(given.get("concurrency", 1)),
            "lease": float(given.get("lease", DEFAULT_LEASE))}


def worker_settings(url: str, job: str, worker: str, meta: dict[str, str]) -> dict[str, Any]:
    from spiders.run import project_settings

    shared = crawl_settings_of(meta)
    base = project_settings()
    downloader = dict(base.getdict("DOWNLOADER_MIDDLEWARES"))
    downloader.update({
        # Outermost: a request that finally failed or was refused has its lease released.
        "spiders.redis.leases.LeaseFailureMiddleware": 10,
        # One robots.txt fetch per host for all workers.
        "spiders.middlewares.robots.StrictRobotsTxtMiddleware": None,
        "spiders.redis.robots.SharedRobotsTxtMiddleware": 100,
        # Innermost: only requests that really go out spend the shared per-host budget.
        "spiders.redis.budget.SharedHostBudgetMiddleware": 950,
    })
    pipelines = dict(base.getdict("ITEM_PIPELINES"))
    pipelines.update(WORKER_PIPELINES)
    extensions = dict(base.getdict("EXTENSIONS"))
    extensions["spiders.redis.worker.RedisWorker"] = 500
    return {
        # scrapy-redis's scheduler, queue and duplicates filter, with knead's leases (spiders.redis.scheduler).
        "SCHEDULER": "spiders.redis.scheduler.RedisScheduler",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_SERIALIZER": "spiders.redis.serializer",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_URL": url,
        "KNEAD_REDIS_JOB": job,
        "KNEAD_REDIS_WORKER": worker,
        "KNEAD_REDIS_LEASE": shared["lease"],
        "KNEAD_REDIS_HOST_DELAY": shared["delay"],
        "KNEAD_REDIS_HOST_CONCURRENCY": shared["concurrency"],
        # The shared budget spaces and limits requests per host; the process's own slot
        # only mirrors its concurrency (a delay of exactly 0 would ignore it: traps.md).
        "DOWNLOAD_DELAY": 0.001,
        "DOWNLOAD_DELAY_JITTER": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": shared["concurrency"],
        # A worker holds no more requests than the host budget lets run at once: more would
        # sit leased here, waiting for tokens, while other workers idle.
        "CONCURRENT_REQUESTS": shared["concurrency"],
        # Workers write no store of record and share no HTTP cache; several may run
        # from one data directory.
        "HTTPCACHE_ENABLED": False,
        "KNEAD_PUBLISH": False,
        "DOWNLOADER_MIDDLEWARES": downloader,
        "SPIDER_MIDDLEWARES": {
            "spiders.redis.worker.NoStartRequests": 5,
            "spiders.redis.leases.LeaseSpiderMiddleware": 10,
        },
        "ITEM_PIPELINES": pipelines,
        "EXTENSIONS": extensions,
    }
