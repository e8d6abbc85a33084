"""Downloader middlewares that keep knead polite to, and safe from, the servers it crawls.

Each one fixes something Scrapy alone gets wrong (see the Scrapy traps in the
project notes); every refusal and failure is counted in the stats and listed
in `knead/failed_urls`, so the crawl summary shows it.

- `HostAllowListMiddleware` (50) replaces Scrapy's OffsiteMiddleware: only the
  start URLs' hosts (and the spider's `allowed_domains`) are ever fetched, on
  80/443 or the start URL's port, whatever `dont_filter` says (Scrapy's start
  requests and redirects carry it past the offsite filter). Refusals:
  `knead/offsite_refused`, or `knead/redirect_refused/other_host` for a
  meta-refresh target.
- `StrictRobotsTxtMiddleware` (100) replaces Scrapy's: a robots.txt that
  answers 5xx or cannot be fetched means "disallow all" (RFC 9309 section
  2.3.1.4) where Scrapy would allow everything; a 4xx still means "no rules".
  It also keeps the URLs it skipped, for the crawl summary.
- `FailureLogMiddleware` (540) sits just outside the retry middleware, so it
  sees what retries gave up on (error statuses and download errors) and
  records the URLs; a response flagged as having lost data is never passed on.
- `BackoffRetryMiddleware` (550) replaces Scrapy's RetryMiddleware, which
  retries at once: a 429 or 503 with `Retry-After` (seconds or an HTTP date)
  pauses the whole host (its downloader slot) until then, capped by
  `KNEAD_RETRY_AFTER_MAX`; asked to wait longer, knead gives up on that host
  until the time it asked for. Other retries wait `KNEAD_BACKOFF_BASE * 2**n`
  seconds (at most `KNEAD_BACKOFF_MAX`); a 429 without `Retry-After` pauses
  the host for that long.
- `CharsetMiddleware` (585, after decompression): a page whose declared
  charset cannot be right is decoded with the one that is: labelled UTF-8 but
  not valid UTF-8 (the `<meta>` charset, else windows-1252), or labelled
  Latin-1 / windows-1252 / ASCII but valid multi-byte UTF-8 (the common
  mislabel, which would otherwise store "MarÃ­a"). A BOM always wins, as in
  Scrapy. Counted as `knead/charset_mislabelled`.
- `CountedHttpCompressionMiddleware` (590): Scrapy's decompression, which
  stops at `DOWNLOAD_MAXSIZE` of *decompressed* bytes (a gzip bomb) but drops
  the page silently; this counts it as failed (`knead/oversized`).
- `RedirectGuardMiddleware` (610, just inside RedirectMiddleware) refuses a
  redirect before it is followed: back to a URL already in the chain (`loop`),
  to another host or port (`other_host`), to another scheme such as `file:`,
  `data:` or `ftp:` (`scheme`), past `REDIRECT_MAX_TIMES` (`too_many`), or to
  an unparsable Location (`bad_location`); counted as
  `knead/redirect_refused/<reason>`.
"""

from __future__ import annotations

import email.utils
import time
from datetime import timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
)
from w3lib.url import safe_url_string

MAX_URLS_KEPT = 1000
_DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
_NOT_BEFORE = "knead_not_before"  # request meta: time.monotonic() before which it must not be sent
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _remember(stats: Any, key: str, value: str) -> None:
    urls = stats.get_value(key)
    if urls is None:
        urls = []
        stats.set_value(key, urls)
    if len(urls) < MAX_URLS_KEPT:
        urls.append(value)


def _failed(stats: Any, url: str, reason: str) -> None:
    """Count `url` as finally failed, listed as "URL (reason)" in the crawl summary."""
    stats.inc_value("knead/failed_count")
    _remember(stats, "knead/failed_urls", f"{url} ({reason})")


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


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of an absolute URL; ValueError for a bad port."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


class _AllowedHosts:
    """The start URLs' hosts and the spider's `allowed_domains`, with their subdomains,
    each on 80/443 or a port a start URL names."""

    def __init__(self, spider: Any):
        self.ports: dict[str, set[int | None]] = {}
        for domain in getattr(spider, "allowed_domains", None) or ():
            if domain:
                self.ports.setdefault(domain.lower(), {80, 443})
        for url in getattr(spider, "start_urls", None) or ():
            try:
                _, host, port = _origin(url)
            except ValueError:
                continue
            if host:
                self.ports.setdefault(host, {80, 443}).add(port)

    def allows(self, url: str) -> bool:
        if not self.ports:
            return True  # a spider without start URLs: nothing to restrict to
        try:
            scheme, host, port = _origin(url)
        except ValueError:
            return False
        if scheme not in _DEFAULT_PORTS:
            return False
        return any(
            (host == allowed or host.endswith("." + allowed)) and port in ports
            for allowed, ports in self.ports.items()
        )


class HostAllowListMiddleware:
    """Refuse every request to a host the crawl was not started on, `dont_filter` or not."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self._allowed: _AllowedHosts | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> HostAllowListMiddleware:
        return cls(crawler)

    def process_request(self, request: Any) -> None:
        if self._allowed is None:
            self._allowed = _AllowedHosts(self.crawler.spider)
        if self._allowed.allows(request.url):
            return
        if request.meta.get("redirect_urls"):  # a meta refresh (HTTP redirects are checked earlier)
            self.stats.inc_value("knead/redirect_refused/other_host")
            _failed(self.stats, request.meta["redirect_urls"][0], f"redirect refused: other host: {request.url}")
        else:
            self.stats.inc_value("knead/offsite_refused")
            _failed(self.stats, request.url, "refused: not a start URL's host")
        raise IgnoreRequest(f"not on an allowed host: {request.url}")


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    def process_request_2(self, rp: Any, request: Any) -> None:
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            _remember(self._stats, "knead/robots_skipped_urls", request.url)
            raise

    async def _parse_robots(self, response: Any, netloc: str, request: Any) -> None:
        if response.status >= 500:
            self._stats.inc_value("robotstxt/unavailable_disallow_all")
            response = response.replace(body=_DISALLOW_ALL)
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        super()._robots_error(exc, netloc)
        if isinstance(exc, IgnoreRequest):
            return
        # The fetch failed (timeout, refused): disallow everything on that host.
        self._stats.inc_value("robotstxt/unavailable_disallow_all")
        self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, _DISALLOW_ALL)


class FailureLogMiddleware:
    """Record each URL that finally failed, as "URL (reason)", in `knead/failed_urls`.

    A response that lost part of its body (flag `dataloss`, possible only when
    `DOWNLOAD_FAIL_ON_DATALOSS` is switched off) is failed here too, so a
    truncated page never reaches a parser.
    """

    def __init__(self, crawler: Any):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> FailureLogMiddleware:
        return cls(crawler)

    def process_response(self, request: Any, response: Any) -> Any:
        if "dataloss" in response.flags:
            _failed(self.stats, request.url, "truncated body")
            raise IgnoreRequest(f"truncated body: {request.url}")
        if response.status >= 400 and not request.url.endswith("/robots.txt"):
            _failed(self.stats, request.url, f"HTTP {response.status}")
        return response

    def process_exception(self, request: Any, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest) or request.url.endswith("/robots.txt"):
            return
        _failed(self.stats, request.url, type(exception).__name__)
        return


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
            _failed(self.crawler.stats, request.url, closed[1])
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
            _failed(self.crawler.stats, queued.url, why)
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


class CountedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression; a body that inflates past DOWNLOAD_MAXSIZE is counted as failed."""

    def process_response(self, request: Any, response: Any) -> Any:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                self.stats.inc_value("knead/oversized")
                _failed(self.stats, request.url, "decompressed body over DOWNLOAD_MAXSIZE")
            raise


_SINGLE_BYTE_LABELS = {"cp1252", "ascii", "latin_1", "iso8859-15"}  # as w3lib names them


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def corrected_encoding(response: Any) -> str | None:
    """The encoding to read `response` with when its declared charset cannot be right, else None."""
    body = response.body
    if not isinstance(response, TextResponse) or body.isascii() or read_bom(body)[0]:
        return None
    content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
    declared = http_content_type_encoding(content_type) or html_body_declared_encoding(body)
    if declared is None:
        return None  # Scrapy infers: UTF-8 if it decodes, else windows-1252
    if declared == "utf-8":
        if _decodes(body, "utf-8"):
            return None
        meta = html_body_declared_encoding(body)
        return next((enc for enc in (meta, "cp1252") if enc and enc != "utf-8" and _decodes(body, enc)), None)
    if declared in _SINGLE_BYTE_LABELS and _decodes(body, "utf-8"):
        return "utf-8"  # non-ASCII bytes that happen to form valid UTF-8 are UTF-8
    return None


class CharsetMiddleware:
    """Read a page with a mislabelled charset in the encoding it really has."""

    def __init__(self, crawler: Any):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> CharsetMiddleware:
        return cls(crawler)

    def process_response(self, request: Any, response: Any) -> Any:
        encoding = corrected_encoding(response)
        if encoding is None:
            return response
        self.stats.inc_value("knead/charset_mislabelled")
        return response.replace(encoding=encoding)


class RedirectGuardMiddleware:
    """Refuse loops, other hosts and other schemes before RedirectMiddleware follows them."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_redirects = crawler.settings.getint("REDIRECT_MAX_TIMES")
        self._allowed: _AllowedHosts | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedirectGuardMiddleware:
        return cls(crawler)

    def process_response(self, request: Any, response: Any) -> Any:
        location = response.headers.get("Location")
        if response.status not in (301, 302, 303, 307, 308) or location is None:
            return response
        if request.meta.get("dont_redirect") or request.meta.get("handle_httpstatus_all"):
            return response
        reason, target = self._refusal(request, location)
        if reason is None:
            return response
        self.stats.inc_value(f"knead/redirect_refused/{reason}")
        first = (request.meta.get("redirect_urls") or [request.url])[0]
        _failed(self.stats, first, f"redirect refused: {reason.replace('_', ' ')}: {target}")
        raise IgnoreRequest(f"redirect refused ({reason}): {request.url} -> {target}")

    def _refusal(self, request: Any, location: bytes) -> tuple[str | None, str]:
        try:
            target = urljoin(request.url, safe_url_string(location.decode("latin-1").strip()))
            scheme, _, _ = _origin(target)
        except ValueError:
            return "bad_location", location.decode("latin-1", "replace")[:200]
        if scheme not in _DEFAULT_PORTS:
            return "scheme", target[:200]
        chain = [*request.meta.get("redirect_urls", ()), request.url]
        if target.split("#", 1)[0] in {u.split("#", 1)[0] for u in chain}:
            return "loop", target
        if self._allowed is None:
            self._allowed = _AllowedHosts(self.crawler.spider)
        if not self._allowed.allows(target):
            return "other_host", target
        if request.meta.get("redirect_times", 0) >= self.max_redirects:
            return "too_many", target
        return None, target
