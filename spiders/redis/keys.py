"""The Redis keys of one distributed crawl (one `job`; default: the source's name).

    keys = JobKeys("amta")
    keys.requests            # "knead:amta:requests"

Workers (`knead crawl SOURCE --redis URL`), `knead enqueue` and
`knead publish --redis` all name their keys through here, so the layout is
written down once:

- `meta`: hash. source, start_urls (JSON list), scope, created_at, settings
  (JSON: delay, concurrency, lease: what every worker must agree on).
- `requests`: scrapy-redis's priority queue (sorted set, score -priority),
  each member one request as JSON (spiders.redis.serializer).
- `seen`: scrapy-redis's duplicates filter (set of request fingerprints).
- `inflight`: hash, request fingerprint -> JSON {request, worker, lease_until}:
  popped and not finished; an expired lease goes back to `requests`.
- `workers`: hash, worker id -> last heartbeat (Redis server time, seconds).
- `hosts:<host>`: hash, the shared per-host budget (next start, tokens in use).
- `robots:<host>`: string, the host's robots.txt decision (JSON).
- `items`: stream of listings (field `listing`, JSON), written by the workers.
- `stats`: hash: pages, failed, and each worker's stats (JSON).
- `finished`: string, set once when the crawl is over: JSON {reason, at}.
- `publisher`: string with an expiry, the one publisher consuming `items`
  (search_cli.stream_consumer.PublisherLease).
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "knead"


@dataclass(frozen=True)
class JobKeys:
    job: str

    def _key(self, name: str) -> str:
        return f"{PREFIX}:{self.job}:{name}"

    @property
    def meta(self) -> str:
        return self._key("meta")

    @property
    def requests(self) -> str:
        return self._key("requests")

    @property
    def seen(self) -> str:
        return self._key("seen")

    @property
    def inflight(self) -> str:
        return self._key("inflight")

    @property
    def workers(self) -> str:
        return self._key("workers")

    def host(self, host: str) -> str:
        return self._key(f"hosts:{host}")

    def robots(self, host: str) -> str:
        return self._key(f"robots:{host}")

    @property
    def items(self) -> str:
        return self._key("items")

    @property
    def stats(self) -> str:
        return self._key("stats")

    @property
    def finished(self) -> str:
        return self._key("finished")

    @property
    def publisher(self) -> str:
        """String with an expiry: the one `knead publish` consuming `items` (JSON {host, pid, since})."""
        return self._key("publisher")

    @property
    def pattern(self) -> str:
        """Every key of this job (for SCAN), when a finished job is cleared to start again."""
        return f"{PREFIX}:{self.job}:*"
