"""The Redis client of a worker or of `knead enqueue`, and the checks made before a crawl uses a server.

Calls run on Twisted's reactor thread, so each is short and never a blocking
pop; a server that restarts is waited for (a few seconds of retries with
backoff), and one that stays away is a `RedisUnavailable` naming it and what
to do, never a traceback.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

# About 10 s of retries (0.1, 0.2, ... capped at 2 s): a restarted server is
# back well within that; longer, and the worker stops with a clear error.
RETRIES = 9
SOCKET_TIMEOUT = 5.0

RETRY_WAY_OUT = ("the crawl's queue and progress stay in Redis: run the same `knead crawl ... --redis` "
                 "again once it is back, and the crawl resumes")


class RedisUnavailable(RuntimeError):
    """The server cannot be reached, or refuses what a crawl needs; the message says which and why."""


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def connect(url: str) -> redis.Redis:
    """A client for `url` (redis://, rediss:// or unix://), retrying through a restart."""
    try:
        return redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT,
            retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), RETRIES),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        )
    except ValueError as exc:
        raise RedisUnavailable(f"{url!r} is not a Redis URL ({exc}); give redis://HOST:PORT/DB") from None


def check_server(client: redis.Redis, url: str) -> None:
    """RedisUnavailable unless the server answers and will never evict keys.

    An eviction policy would silently drop the queue or the seen-set under
    memory pressure: the crawl would then lose or repeat pages unnoticed.
    `INFO memory` is read rather than CONFIG GET, which managed servers often
    rename away.
    """
    try:
        info = client.info("memory")
    except redis.AuthenticationError as exc:
        raise RedisUnavailable(f"Redis at {shown(url)} refused the password ({exc}); "
                               "put it in the URL: redis://:PASSWORD@HOST:PORT/DB") from None
    except redis.RedisError as exc:
        raise RedisUnavailable(f"Redis at {shown(url)} cannot be reached ({exc}); "
                               "start it or check the URL") from None
    policy = str(info.get("maxmemory_policy", "noeviction"))
    if policy != "noeviction":
        raise RedisUnavailable(
            f"Redis at {shown(url)} has maxmemory-policy {policy}, which can evict the crawl's queue and "
            "seen-set; knead needs noeviction: `CONFIG SET maxmemory-policy noeviction` "
            "(and maxmemory-policy noeviction in redis.conf)")


def server_time(client: redis.Redis) -> float:
    """The server's clock in seconds: one clock for workers on different machines."""
    seconds, micros = client.time()
    return seconds + micros / 1e6
