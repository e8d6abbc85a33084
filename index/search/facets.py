"""Technique and insurance facets: what a generation's facet sidecar holds, and counting it.

Per technique and insurance id, the sidecar holds a bitmap of the documents
that have it (bit d of byte d // 8), written at build time (`facet_bits`,
`mark`) in the order `facet_ids` gives; a count over any set of matches is
then an AND and a popcount per id (`facet_counts`), no per-document work
for each facet.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from index.model import vocabulary

if TYPE_CHECKING:
    from index.search.generations import Generation


def facet_ids() -> tuple[str, ...]:
    """The facets' order in the facet sidecar: technique ids, then insurance ids."""
    return tuple(f"t:{t}" for t in vocabulary.TECHNIQUES) + tuple(f"i:{i}" for i in vocabulary.INSURANCES)


def facet_bits(listing: Mapping[str, Any], bit_of: Mapping[str, int]) -> list[int]:
    """The facet numbers (see `facet_ids`) of the listing's technique and insurance ids (unknown ids ignored)."""
    bits = []
    for prefix, ids in (("t:", listing["techniques"]), ("i:", listing["insurance"])):
        for term_id in ids:
            bit = bit_of.get(prefix + term_id)
            if bit is not None:
                bits.append(bit)
    return bits


def mark(bitmap: bytearray, docnums: Iterable[int]) -> bytearray:
    """Set the bits of `docnums` in `bitmap` (bit d of byte d // 8, little-endian order); returns it."""
    for d in docnums:
        bitmap[d >> 3] |= 1 << (d & 7)
    return bitmap


def as_bits(docnums: Iterable[int], n: int) -> int:
    """The documents as the bits of one int (bit d: document d), `n` documents in all.

    One byte per document is set in the loop (a plain store: about twice as
    fast as `mark`'s shift-and-or), then folded into bits in C: slice
    `flags[j::8]` holds documents 8k + j as byte k, i.e. bit 8k, which a shift
    by j puts on bit 8k + j.
    """
    flags = bytearray(-(-n // 8) * 8)
    for d in docnums:
        flags[d] = 1
    bits = 0
    for j in range(8):
        bits |= int.from_bytes(flags[j::8], "little") << j
    return bits


def facet_counts(gen: Generation, docs: Collection[int]) -> dict[str, dict[str, int]]:
    """How many of `docs` offer each technique and take each insurance, most first."""
    bitmaps, n = gen.facet_bitmaps, gen.meta["doc_count"]
    if len(docs) == n:
        return _ordered(gen, [bitmap.bit_count() for bitmap in bitmaps])
    # The matches as the bits of one int, then an AND and a popcount per
    # facet: the per-match work is one loop, not one per facet.
    matches = as_bits(docs, n)
    return _ordered(gen, [(bitmap & matches).bit_count() for bitmap in bitmaps])


def facet_counts_all_but(gen: Generation, left_out: Collection[int]) -> dict[str, dict[str, int]]:
    """`facet_counts` of every document but `left_out` (a few: a search with no filter leaves out the stale)."""
    bits = as_bits(left_out, gen.meta["doc_count"])
    return _ordered(gen, [bitmap.bit_count() - (bitmap & bits).bit_count() for bitmap in gen.facet_bitmaps])


def _ordered(gen: Generation, counts: list[int]) -> dict[str, dict[str, int]]:
    """Per facet counts (meta's `facet_ids` order) -> {"techniques": {id: count}, "insurance": {...}}, most first."""
    ids = gen.meta["facet_ids"]
    out: dict[str, dict[str, int]] = {"techniques": {}, "insurance": {}}
    for count, fid in sorted(((c, fid) for c, fid in zip(counts, ids) if c), key=lambda item: (-item[0], item[1])):
        out["techniques" if fid.startswith("t:") else "insurance"][fid[2:]] = count
    return out
