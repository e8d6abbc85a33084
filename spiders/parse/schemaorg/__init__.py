"""schema.org structured data on practice websites -> knead listings (pure: no Scrapy).

The one entry point is `extract_page(html, url) -> PageResult(listings, counts)`:
`listings` are plain dicts with `TherapistListing` field names (raw values in the
`*_raw` fields for the pipelines), `counts` a Counter of what was skipped or
could not be read. Modules: `values` (cleaning one value), `jsonld` (lenient
reading of broken JSON-LD blocks), `graph` (types, `@id` resolution, RDFa
compaction), `mapping` (a node -> a listing), `page` (the whole page).
"""

from .page import PageResult, extract_page

__all__ = ["PageResult", "extract_page"]
