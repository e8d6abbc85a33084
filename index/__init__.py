"""knead's index library: listings, vocabulary, the store of record and the Whoosh index.

A plain library: it imports neither Scrapy nor click, so that `knead search`
starts fast and both the crawl pipelines and the CLI can sit on top of it.
"""
