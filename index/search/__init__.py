"""The search index: Whoosh, plus knead's sidecar files, one generation at a time.

- `schema`: the one Whoosh schema, a comment on each field.
- `document`: a listing cleaned and turned into the schema's field values.
- `synonyms`: technique and insurance spellings matched at query time.
- `facets`: technique and insurance counts from per-id bitmaps.
- `sidecars`: the names of a generation's files beside Whoosh's.
- `build`: filling a generation (segments in one or several processes).
- `generations`: building, publishing, keeping and serving generations.
- `served`: the generation searches read, checked against its manifest (`IndexDamaged`).
- `query`: user text bounded, cleaned and parsed into query objects.
- `request`: `SearchRequest` and `SearchResult`, the sorts (no Whoosh: the CLI builds requests).
- `engine`: `search()`, a `SearchRequest` in, a `SearchResult` out.
- `suggest`: spelling suggestions for words that match nothing.
- `whoosh_private`: the fence around every use of whoosh3's private API.

May import `index.model` and `index.geo`; never `index.records` (the store
drives the index, not the other way round). Only `whoosh_private` touches
Whoosh's private names.
"""
