"""State licence rosters published on Socrata (SODA 2.x) portals: one mapping per board.

- `boards`: the declarative per-board mappings (portal, dataset id, the
  licence types that are massage, which column holds what) in one place;
- `rows`: pure functions from one roster row (a SODA JSON object, or a row of
  the portal's bulk CSV export) to a listing's raw values;
- `soql`: the SODA query strings a board's crawl asks (count, pages).

The generic spider is spiders.registries.roster; `knead crawl roster` reads
its options in search_cli.crawl_roster. Imports no Scrapy.
"""
