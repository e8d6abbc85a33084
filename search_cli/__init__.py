"""knead's command line: a thin click layer over `index` (search) and `spiders` (crawl)."""
