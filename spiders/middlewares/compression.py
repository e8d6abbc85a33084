"""`CountedHttpCompressionMiddleware`: a body that inflates past DOWNLOAD_MAXSIZE is counted as failed."""

from __future__ import annotations

from typing import Any

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest

from spiders.middlewares.report import failed


class CountedHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression; a body that inflates past DOWNLOAD_MAXSIZE is counted as failed."""

    def process_response(self, request: Any, response: Any) -> Any:
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            if self.stats is not None:
                self.stats.inc_value("knead/oversized")
                failed(self.stats, request.url, "decompressed body over DOWNLOAD_MAXSIZE")
            raise
