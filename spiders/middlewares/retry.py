"""`BackoffRetryMiddleware`: retries that honour Retry-After by pausing the host, and back off otherwise."""

from __future__ import annotations

import email.utils
import time
from datetime import timezone
from typing import Any

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred

from spiders.middlewares.report import failed

_NOT_BEFORE = "knead_not_before"  # request meta: time.monotonic() before which it must not be sent


async def _sleep(seconds: float) -> None:
    """Wait without blocking the reactor."""
    waiter: Deferred[None] = Deferred()
    call_later(seconds, waiter.callback, None)
    await maybe_deferred_to_future(waiter)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (delta-seconds or an HTTP date), or None.

    A date in the past means 0; anything unparsable (negative, garbage) None.
    """
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting before each retry (see the module docstring).

    Host pauses act on the downloader slot, so requests already queued there
    wait too; requests that reach this middleware later wait here.
    """

    def __init__(self, settings: Any):
        super().__init__(settings)
        self.retry_after_max = settings.getfloat("KNEAD_RETRY_AFTER_MAX", 120.0)
        self.backoff_base = settings.getfloat("KNEAD_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("KNEAD_BACKOFF_MAX", 30.0)
        self._paused: dict[str, float] = {}  # slot key -> monotonic time until which it is paused
        self._closed: dict[str, tuple[float, str]] = {}  # slot key -> (monotonic until, why)

    # -- waiting ---------------------------------------------------------------------

    def _slot_key(self, request: Any) -> str:
        return self.crawler.engine.downloader.get_slot_key(request)

    async def process_request(self, request: Any) -> None:
        key = self._slot_key(request)
        now = time.monotonic()
        closed = self._closed.get(key)
        if closed and now < closed[0]:
            failed(self.crawler.stats, request.url, closed[1])
            raise IgnoreRequest(f"{closed[1]}: {request.url}")
        until = max(self._paused.get(key, 0.0), request.meta.get(_NOT_BEFORE, 0.0))
        if until > now:
            await _sleep(until - now)

    def _pause_host(self, request: Any, seconds: float) -> None:
        """No request to `request`'s host for `seconds`: queued ones included."""
        key = self._slot_key(request)
        until = max(time.monotonic() + seconds, self._paused.get(key, 0.0))
        self._paused[key] = until
        self.crawler.stats.inc_value("knead/host_paused")
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(key)
        release = getattr(downloader, "_latercall", None)  # Scrapy 2.19 internals (pinned)
        if slot is None or release is None:
            return
        if slot.latercall:
            slot.latercall.cancel()
        # The downloader sends nothing from a slot while its `latercall` is set.
        slot.latercall = call_later(max(0.0, until - time.monotonic()), release, slot)

    def _close_host(self, request: Any, seconds: float, why: str) -> None:
        """Fail every request to `request`'s host for `seconds`: queued ones now, later ones on arrival."""
        key = self._slot_key(request)
        self._closed[key] = (time.monotonic() + seconds, why)
        slot = self.crawler.engine.downloader.slots.get(key)
        while slot is not None and slot.queue:  # sent by the downloader once this answer is done
            queued, waiter = slot.queue.popleft()
            failed(self.crawler.stats, queued.url, why)
            waiter.errback(IgnoreRequest(f"{why}: {queued.url}"))

    def _backoff(self, request: Any) -> float:
        attempt = request.meta.get("retry_times", 0)
        return min(self.backoff_max, self.backoff_base * 2**attempt)

    # -- deciding ----------------------------------------------------------------------

    @classmethod
    def from_crawler(cls, crawler: Any) -> BackoffRetryMiddleware:
        o = super().from_crawler(crawler)
        crawler.signals.connect(o._response_downloaded, signal=signals.response_downloaded)
        return o

    def _asked_wait(self, request: Any, response: Any) -> float | None:
        """Seconds the whole host must wait after this answer (429, or 503 with Retry-After), or None."""
        if response.status not in (429, 503) or response.status not in self.retry_http_codes:
            return None
        if request.meta.get("dont_retry", False):
            return None
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        if asked is None and response.status == 429:
            asked = self._backoff(request)  # "too many requests" without a time: back off the host
        return asked

    def _response_downloaded(self, response: Any, request: Any, **kwargs: Any) -> None:
        # Sent before the downloader takes the next request off this host's queue,
        # which happens before the answer reaches any middleware.
        asked = self._asked_wait(request, response)
        if asked is None:
            return
        if "Retry-After" in response.headers:
            self.crawler.stats.inc_value("knead/retry_after_honoured" if asked <= self.retry_after_max else "knead/retry_after_too_long")
        if asked > self.retry_after_max:
            # Honouring it would stall the crawl; retrying sooner would ignore it.
            self._close_host(request, asked, f"host asked to wait: Retry-After {asked:.0f} s is over KNEAD_RETRY_AFTER_MAX")
        else:
            self._pause_host(request, asked)

    def process_response(self, request: Any, response: Any) -> Any:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = self._asked_wait(request, response)
        if asked is not None and asked > self.retry_after_max:
            return response  # the host is closed; FailureLogMiddleware records this URL
        retry = self._retry(request, response_status_message(response.status))
        if retry is not None and asked is None:
            retry.meta[_NOT_BEFORE] = time.monotonic() + self._backoff(request)
        return retry or response

    def process_exception(self, request: Any, exception: Exception) -> Any:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            retry.meta[_NOT_BEFORE] = time.monotonic() + self._backoff(request)
        return retry
