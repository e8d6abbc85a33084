"""The store of record and a crawl's life-cycle, from staged to published.

- `datadir`: where knead keeps its files (store, index, HTTP cache, lock).
- `store`: `RecordStore`, every listing knead crawled, in SQLite, with the
  crawls that found them; crawls stage into it.
- `gate`: the publish gate, the rules a crawl must pass to be published.
- `publish`: the one call that turns an ended crawl into what people
  search (gate, merge, new index generation), and `rebuild_index`.
- `history`: what each publish changed, for `knead rollback`, and the log of
  publishes, rollbacks and reindexes.
- `lock`: one crawl per data directory.
- `clusters`: the merge's assignment of listings to results (ids stable
  across recrawls; any member's id finds its result).

May import `index.model`, `index.search` (publishing drives the index) and
`index.merge` (publishing merges; only `publish` imports it); the index never
imports this package.
"""
