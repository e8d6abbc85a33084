"""Telling "the host cannot be reached" apart from other download failures, in words a user reads.

A DNS failure, a refused connection, no route, or a TLS handshake that fails
means nothing on that host can be fetched: not its robots.txt, not its pages.
Scrapy wraps the Twisted error (a TLS failure arrives as a
`ResponseNeverReceived` whose `reasons` hold the OpenSSL error), so the
chain of causes is searched. Timeouts and dropped connections are not
"unreachable": a slow or failing server is handled by retries and the
robots.txt rules (RFC 9309).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError
from twisted.internet import error as tx_error


def _causes(exc: BaseException):
    seen, stack = set(), [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [current.__cause__, current.__context__]
        for reason in getattr(current, "reasons", None) or []:  # twisted.web's ResponseFailed & co.
            stack.append(getattr(reason, "value", reason))


def unreachable_reason(exc: BaseException) -> str | None:
    """"DNS lookup failed", "connection refused", "no route to host", "TLS handshake failed",
    "could not connect", or None when the failure is something else."""
    for cause in _causes(exc):
        if isinstance(cause, (CannotResolveHostError, tx_error.DNSLookupError)):
            return "DNS lookup failed"
        if isinstance(cause, (DownloadConnectionRefusedError, tx_error.ConnectionRefusedError)):
            return "connection refused"
        if isinstance(cause, tx_error.NoRouteError):
            return "no route to host"
        module = type(cause).__module__ or ""
        if module.startswith("OpenSSL") or "SSL" in type(cause).__name__:
            return "TLS handshake failed"
        if isinstance(cause, tx_error.ConnectError) and not isinstance(cause, tx_error.TCPTimedOutError):
            return "could not connect"
    return None


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url
