"""The files of one index generation beside Whoosh's own, by name.

Written by `index.search.build` (all but the meta file) and
`index.search.generations` (the meta file, last); read by `generations.Generation`.
Every file but the meta and word list is indexed by document number, which
is also the name order.

    knead-meta.json    schema version, doc count, facet order, byte order, what it was built
                       from, and every other file's size and CRC-32 (written last)
    knead-coords.bin   lat, lon as native doubles (NaN when unknown)
    knead-hours.bin    each listing's weekly opening hours as spans (index.search.open_hours)
    knead-facets.bin   per technique/insurance id, a bitmap of the documents that have it
    knead-words.txt    unstemmed words for spelling suggestions
    knead-listings.bin each listing's JSON, zlib-compressed, back to back
    knead-offsets.bin  where each listing starts in knead-listings.bin (uint64, n + 1)
    knead-zdict.bin    the zlib preset dictionary the listings are compressed with
    knead-hot-<segment>.bin  each segment's frequent terms' postings as arrays
                       (index.search.whoosh_private.hot)
"""

CURRENT = "CURRENT"  # under the index root: the name of the generation searches open
META = "knead-meta.json"
COORDS = "knead-coords.bin"
FACETS = "knead-facets.bin"
HOURS = "knead-hours.bin"
WORDS = "knead-words.txt"
LISTINGS = "knead-listings.bin"
OFFSETS = "knead-offsets.bin"
ZDICT = "knead-zdict.bin"
