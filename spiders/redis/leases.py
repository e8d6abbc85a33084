"""In-flight leases: a popped request stays in `knead:<job>:inflight` until its work is done.

scrapy-redis pops a request and forgets it; a worker that dies then loses it.
Here the pop records it in flight (spiders.redis.scripts.POP), live workers
renew their leases every few seconds (spiders.redis.worker), and an expired
lease puts the request back in the queue for another worker.

"Done" must come after everything the page produced is safe: its new
requests queued in Redis and its listings in the stream. Scrapy hands a
callback's output to the scraper a few at a time (prefetched), so the end of
the callback is not enough. `LeaseBook` counts, per lease, the outputs
handed on and the outputs handled (a request enqueued or filtered as seen,
a listing sent or dropped) and releases the lease once the callback ended and
every output was handled:

- `LeaseSpiderMiddleware` (outermost spider middleware) counts outputs, marks
  new requests with their parent's lease, and marks the end of the callback
  (or its exception).
- The scheduler calls `handled` when it enqueues or filters a marked request;
  the item signals call it for listings. A listing Redis did not take
  (`ListingNotSent`) leaves its lease unreleased and no longer renewed, so the
  page is crawled again by whoever holds it next.
- `LeaseFailureMiddleware` (outermost downloader middleware) releases the
  lease of a request that finally failed or was refused (robots.txt, host
  allow-list); a retry or a redirect releases it as the new request is queued
  (spiders.redis.scripts.ENQUEUE).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from scrapy import Request, signals

LEASE = "knead_lease"  # request meta: the fingerprint of its in-flight entry
PARENT = "knead_lease_parent"  # request meta: the lease of the page that produced it


class LeaseBook:
    """This worker's leases, and what each still waits for.

    Used on the reactor thread, and by the heartbeat thread (renewable,
    forget): a lock keeps the two apart.
    """

    def __init__(self, release: Callable[[list[str]], None]):
        self._release = release
        self._lock = threading.RLock()
        self.held: set[str] = set()
        self._pending: Counter[str] = Counter()
        self._ended: set[str] = set()
        self._stuck: set[str] = set()  # left to expire: a listing of theirs was not sent

    def hold(self, fingerprint: str) -> None:
        with self._lock:
            self.held.add(fingerprint)

    def output(self, fingerprint: str) -> None:
        with self._lock:
            if fingerprint in self.held:
                self._pending[fingerprint] += 1

    def handled(self, fingerprint: str) -> None:
        with self._lock:
            if fingerprint in self.held:
                self._pending[fingerprint] -= 1
                self._maybe_release(fingerprint)

    def ended(self, fingerprint: str) -> None:
        with self._lock:
            if fingerprint in self.held:
                self._ended.add(fingerprint)
                self._maybe_release(fingerprint)

    def stuck(self, fingerprint: str) -> None:
        with self._lock:
            self._stuck.add(fingerprint)

    def forget(self, fingerprint: str) -> None:
        """Released elsewhere (with a retry's enqueue), or lost to another worker."""
        with self._lock:
            self.held.discard(fingerprint)
            self._ended.discard(fingerprint)
            self._pending.pop(fingerprint, None)

    def renewable(self) -> list[str]:
        with self._lock:
            return sorted(self.held - self._stuck)

    def clear(self) -> None:
        with self._lock:
            self.held.clear()
            self._pending.clear()
            self._ended.clear()
            self._stuck.clear()

    def _maybe_release(self, fingerprint: str) -> None:
        if fingerprint not in self._ended or self._pending[fingerprint] > 0 or fingerprint in self._stuck:
            return
        self._release([fingerprint])
        self.forget(fingerprint)


def _lease_of(response: Any) -> str | None:
    request = getattr(response, "request", None)
    return request.meta.get(LEASE) if request is not None else None


class LeaseSpiderMiddleware:
    """Counts each page's outputs and marks the end of its callback (see the module docstring)."""

    def __init__(self, crawler: Any):
        from spiders.redis.job import job_for

        self.book = job_for(crawler).leases
        crawler.signals.connect(self._item_done, signal=signals.item_scraped)
        crawler.signals.connect(self._item_done, signal=signals.item_dropped)
        crawler.signals.connect(self._item_error, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler: Any) -> LeaseSpiderMiddleware:
        return cls(crawler)

    def _item_done(self, response: Any = None, **kwargs: Any) -> None:
        lease = _lease_of(response)
        if lease:
            self.book.handled(lease)

    def _item_error(self, response: Any = None, failure: Any = None, **kwargs: Any) -> None:
        from spiders.redis.stream import ListingNotSent

        lease = _lease_of(response)
        if lease and failure is not None and failure.check(ListingNotSent):
            self.book.stuck(lease)
        if lease:
            self.book.handled(lease)

    def _counted(self, lease: str, output: Any) -> Any:
        if isinstance(output, Request):
            if output.meta.get(LEASE) == lease:
                output.meta.pop(LEASE)  # a callback that passed its response's meta on
            output.meta[PARENT] = lease
        self.book.output(lease)
        return output

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterable[Any]:
        lease = _lease_of(response)
        if not lease:
            yield from result
            return
        try:
            for output in result:
                yield self._counted(lease, output)
        except Exception:
            self.book.ended(lease)
            raise
        self.book.ended(lease)

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        lease = _lease_of(response)
        if not lease:
            async for output in result:
                yield output
            return
        try:
            async for output in result:
                yield self._counted(lease, output)
        except Exception:
            self.book.ended(lease)
            raise
        self.book.ended(lease)

    def process_spider_exception(self, response: Any, exception: Exception) -> None:
        lease = _lease_of(response)
        if lease:
            self.book.ended(lease)


class LeaseFailureMiddleware:
    """Outermost downloader middleware: a request that finally failed, or was refused, is done."""

    def __init__(self, crawler: Any):
        from spiders.redis.job import job_for

        self.book = job_for(crawler).leases

    @classmethod
    def from_crawler(cls, crawler: Any) -> LeaseFailureMiddleware:
        return cls(crawler)

    def process_exception(self, request: Any, exception: Exception) -> None:
        lease = request.meta.get(LEASE)
        if lease:
            self.book.ended(lease)
