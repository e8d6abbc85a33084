"""knead's library: the listing model, geography, the store of record and the search index.

A plain library: nothing under `index/` imports Scrapy, click or rich, so that
`knead search` starts fast and both the crawl (spiders/) and the CLI
(search_cli/) sit on top of it. One subpackage per concern, and who may
import whom (tests/test_import_rules.py checks it):

    model/     the listing record, vocabularies, states, text bounds.
               Pure data and functions, no I/O; imports nothing else of knead.
    geo/       distances, grid cells, ZIP and city look-ups.         -> model
    search/    the Whoosh index: schema, documents, generations,
               build, query parsing, search, suggestions, facets.    -> model, geo
      whoosh_private/  every use of whoosh3's private API, fenced.
    records/   the store of record and a crawl's life-cycle: staging,
               the publish gate, publishing, the crawl lock, the
               data directory.                                       -> model, search
"""
