"""Scrapy items: every spider yields a `TherapistListing`.

The dataclass itself lives in `index.model.listing` because the index and the CLI
read the same record without importing Scrapy; this module is where Scrapy
code looks for it.
"""

from index.model.listing import TherapistListing

__all__ = ["TherapistListing"]
