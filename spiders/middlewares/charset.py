"""`CharsetMiddleware`: a page is decoded in the charset it is really in, whatever its label says."""

from __future__ import annotations

from typing import Any

from scrapy.http import TextResponse
from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
)

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
