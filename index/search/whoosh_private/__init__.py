"""The fence: every use of whoosh3's private API, and nothing else.

- `writer`: `GatheringWriter`, a segment writer that gathers postings per
  term and writes them through Whoosh's codec objects; and the steps of a
  commit taken one at a time (several segments in one table of contents).
- `hot`: the hot-postings sidecar, frequent terms' postings as arrays.
- `evaluate`: scoring whole posting lists by reading whoosh3's blocks.

whoosh3 is pinned exactly (pyproject.toml). tests/test_whoosh_private.py
compares what this package writes and answers with Whoosh's own writer and
searcher, in the configuration that ships (hot sidecar present, several
segments, frequent terms, phrases, NOT, relaxed OR, filters): run it before
any bump. Nothing outside this package may use a private name of Whoosh
(tests/test_import_rules.py).
"""
