"""Every match of a text query with its TF-IDF score, a posting list at a time.

Whoosh matches a query one document at a time: an `And` of three words is a
tree of intersection matchers, each step a few Python calls per candidate,
and a phrase adds a span matcher on top. For a common word that is most of a
search. `scored_matches` evaluates the shapes the query parser produces for
plain text (terms, phrases, `And`, unscaled `Or`, as `index.search.synonyms` expands
them) on whole posting lists instead: each list read into a dict (docnum ->
weight), from its plain arrays for a frequent term (index.search.whoosh_private.hot), else a
Whoosh block at a time; `And` as dict-key intersection, `Or` as a merge,
phrases checked by position only on the documents that have every word.
Scores are Whoosh's: TF-IDF per term (weight x idf), summed over the terms
of an `And`, over the matching branches of an `Or`, and over the words of a
phrase. Filters (`Term`s, `Or`s of them, `And`) go the same way
(`matching_docs`). Any other shape (`Not`, `AndNot`, the relaxed `Or` with
its coordination scale, boosts, term ranges) returns None and the caller
asks Whoosh.
tests/test_index_search.py checks both give the same matches and scores.
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_left, bisect_right
from itertools import accumulate, repeat
from typing import Protocol

from whoosh import query as wq

Scores = dict[int, float]


class _Unsupported(Exception):
    pass


class HotLookup(Protocol):
    """Frequent terms read from plain arrays (index.search.whoosh_private.hot); `store.Generation` is one."""

    def hot_postings(self, segment_id: str, fieldname: str, text: str) -> tuple[array, array, array] | None:
        """(docnums within the segment, the docnums whose weight is not 1, their weights), or None."""

    def hot_occurrences(self, segment_id: str, fieldname: str, text: str) -> array | None:
        """Occurrences as docnum << index.search.whoosh_private.hot.POSITION_BITS | position, or None."""

    def hot_count(self, segment_id: str, fieldname: str, text: str) -> int | None:
        """How many postings a frequent term has in the segment (from the header: nothing read), or None."""


def scored_matches(searcher, q: wq.Query, within: list[int] | None = None, hot: HotLookup | None = None) -> Scores | None:
    """docnum -> score for every document matching `q`, or None for a shape not handled here.

    With `within` (sorted docnums, e.g. what a filter lets through), matches
    outside it may be left out: posting blocks holding none of them are skipped.
    `hot` reads frequent terms from their arrays (index.search.whoosh_private.hot) instead of Whoosh's blocks.
    """
    if not searcher.doc_count_all():
        return {}  # and no idf to compute: log(0)
    try:
        return _evaluate(searcher, q, within, hot)
    except _Unsupported:
        return None


def matching_docs(searcher, q: wq.Query, hot: HotLookup | None = None) -> set[int] | None:
    """The documents matching a filter query, or None for a shape not handled here."""
    try:
        return _docs(searcher, q, hot, None, {})
    except _Unsupported:
        return None


# (leaf reader's place, field, term) -> the term's postings in that segment, as
# far as one filter's evaluation has looked them up.
Sizes = dict[tuple[int, str, str], int]


def _docs(searcher, q: wq.Query, hot: HotLookup | None, within: set[int] | None, sizes: Sizes) -> set[int]:
    """The documents matching `q` (Terms, And, Or), no scores; with `within`, only those in it.

    An `And` passes what its smaller parts let through on to the larger ones,
    which are then only checked against it (a set intersection with an array:
    no set of the larger part is ever built). Sizing the parts looks each term
    up once per segment (`_size`); a term found absent there is not looked up
    again: a `--near` filter is an `Or` of up to 64 grid cells, most of them
    empty, and each lookup of a missing term is a hash probe in Whoosh's term file.
    """
    kind = type(q)
    if kind is wq.Term:
        docs: set[int] = set()
        for place, (reader, offset) in enumerate(searcher.reader().leaf_readers()):
            if sizes.get((place, q.fieldname, q.text)) == 0:
                continue
            arrays = _hot(hot, reader, q.fieldname, q.text)
            if arrays is not None:
                chunks = [map(offset.__add__, arrays[0]) if offset else arrays[0]]
            else:
                m = _matcher(reader, q.fieldname, q.text)
                chunks = ((ids,) if isinstance(ids, int) else ids for ids, _ in _blocks(m, offset)) if m is not None else ()
            for ids in chunks:
                docs.update(within.intersection(ids) if within is not None else ids)
        return docs
    if kind is wq.And and q.subqueries:
        docs = within
        for sub in sorted(q.subqueries, key=lambda sub: _size(searcher, sub, hot, sizes)):
            docs = _docs(searcher, sub, hot, docs, sizes)
            if not docs:
                break
        return docs
    if kind is wq.Or:
        return set().union(*(_docs(searcher, sub, hot, within, sizes) for sub in q.subqueries))
    raise _Unsupported


def _size(searcher, q: wq.Query, hot: HotLookup | None, sizes: Sizes) -> int:
    """How many documents `q` may match, as Whoosh's `estimate_size` counts them (an `Or` the
    sum of its parts, an `And` its smallest part), each term's size per segment kept in `sizes`."""
    kind = type(q)
    if kind is wq.Term:
        total = 0
        for place, (reader, _) in enumerate(searcher.reader().leaf_readers()):
            key = (place, q.fieldname, q.text)
            size = sizes.get(key)
            if size is None:
                segment = reader.segment()
                count = hot.hot_count(segment.segment_id(), q.fieldname, q.text) if hot and segment else None
                size = sizes[key] = count if count is not None else reader.doc_frequency(q.fieldname, q.text)
            total += size
        return total
    if kind is wq.Or:
        return sum(_size(searcher, sub, hot, sizes) for sub in q.subqueries)
    if kind is wq.And and q.subqueries:
        return min(_size(searcher, sub, hot, sizes) for sub in q.subqueries)
    return q.estimate_size(searcher.reader())


def _evaluate(searcher, q: wq.Query, within: list[int] | None, hot: HotLookup | None = None) -> Scores:
    """Scores of the matches of `q`; with `within` (sorted docnums), the matches
    outside it may be left out (posting blocks holding none of them are skipped)."""
    # Per-document work is kept in C: dict(zip(...)), map over bound methods.
    if getattr(q, "boost", 1.0) != 1.0:
        raise _Unsupported
    kind = type(q)
    if kind is wq.Term:
        return _postings(searcher, q.fieldname, q.text, within, hot, searcher.idf(q.fieldname, q.text))
    if kind is wq.And:
        if not q.subqueries:
            raise _Unsupported
        # Smallest first; each later part is read only where the matches so far are.
        reader = searcher.reader()
        parts, docs = [], None
        allowed = set(within) if within is not None else None
        for sub in sorted(q.subqueries, key=lambda sub: sub.estimate_size(reader)):
            part = _evaluate(searcher, sub, within if docs is None else sorted(docs), hot)
            if docs is None:
                docs = part.keys() & allowed if allowed is not None else part.keys()
            else:
                docs = docs & part.keys()
            parts.append(part)
            if not docs:
                return {}
        docs = list(docs)
        return dict(zip(docs, map(sum, zip(*(map(part.__getitem__, docs) for part in parts)))))
    if kind is wq.Or and not getattr(q, "scale", None):
        parts = [_evaluate(searcher, sub, within, hot) for sub in q.subqueries]
        parts = [part for part in parts if part]
        if len(parts) <= 1:
            return parts[0] if parts else {}
        if within is not None and len(within) < max(map(len, parts)):
            # Inside an And: only the documents still in the running count.
            docs = [d for d in within if any(d in part for part in parts)]
        else:
            docs = list(set().union(*parts))
        return dict(zip(docs, map(sum, zip(*(map(part.get, docs, repeat(0.0)) for part in parts)))))
    if kind is wq.Phrase and q.slop == 1:
        return _phrase(searcher, q.fieldname, list(q.words), within, hot)
    raise _Unsupported


def _phrase(searcher, fieldname: str, words: list[str], within: list[int] | None, hot: HotLookup | None) -> Scores:
    if not words:
        return {}
    if len(words) == 1:
        return _evaluate(searcher, wq.Term(fieldname, words[0]), within, hot)
    weights = [_postings(searcher, fieldname, word, within, hot, searcher.idf(fieldname, word)) for word in words]
    docs = set(weights[0])
    for w in weights[1:]:
        docs &= w.keys()
    if not docs:
        return {}
    found = _phrase_from_occurrences(searcher, fieldname, words, hot, docs)
    if found is not None:
        found = list(found & docs)
    else:
        # Each word's positions shifted back by its place in the phrase: the
        # phrase starts wherever all the shifted sets meet.
        candidates = sorted(docs)
        shifted = [_positions(searcher, fieldname, word, docs, i, candidates) for i, word in enumerate(words)]
        first, rest = shifted[0], shifted[1:]
        found = [d for d in docs if first[d].intersection(*(other[d] for other in rest))]
    return dict(zip(found, map(sum, zip(*(map(part.__getitem__, found) for part in weights)))))


# Checking a phrase in one candidate document (two binary searches per word and a
# small set) costs about as much as this many occurrences in the whole-list intersection.
OCCURRENCES_PER_CANDIDATE = 10


def _phrase_from_occurrences(searcher, fieldname: str, words: list[str], hot: HotLookup | None,
                             candidates: set[int] | None = None) -> set[int] | None:
    """The documents holding the phrase, from the words' occurrence arrays (index.search.whoosh_private.hot),
    or None when a word is not frequent in every segment: a set intersection in C of
    each word's occurrences shifted back by its place in the phrase.

    With `candidates` (the documents that have every word), when they are few
    against the occurrences (a filter or `--near` kept a few hundred of the
    country's listings), each candidate's own occurrences are found by binary
    search instead (the arrays are in document order) and only they are intersected;
    documents outside `candidates` may then be left out.
    """
    from index.search.whoosh_private.hot import POSITION_BITS

    if hot is None:
        return None
    found: set[int] = set()
    for reader, offset in searcher.reader().leaf_readers():
        segment = reader.segment()
        if segment is None:
            return None
        keys = [hot.hot_occurrences(segment.segment_id(), fieldname, word) for word in words]
        if any(k is None for k in keys):
            return None
        if candidates is not None:
            end = offset + reader.doc_count_all()
            local = [d - offset for d in candidates if offset <= d < end]
            if len(local) * len(words) * OCCURRENCES_PER_CANDIDATE < sum(map(len, keys)):
                found.update(d + offset for d in local if _has_phrase(keys, d, POSITION_BITS))
                continue
        starts = set(keys[0]).intersection(*(map(operator.sub, k, repeat(i)) for i, k in enumerate(keys) if i))
        found.update(map(offset.__add__, map(operator.rshift, starts, repeat(POSITION_BITS))))
    return found


def _has_phrase(keys: list[array], docnum: int, position_bits: int) -> bool:
    """Whether the words whose occurrence arrays are `keys` follow each other in document `docnum`."""
    low, high = docnum << position_bits, (docnum + 1) << position_bits
    starts: set[int] | None = None
    for i, k in enumerate(keys):
        first = bisect_left(k, low)
        mine = k[first:bisect_left(k, high, first)]
        shifted = set(mine) if not i else set(map(operator.sub, mine, repeat(i)))
        starts = shifted if starts is None else starts & shifted
        if not starts:
            return False
    return True


def _hot(hot: HotLookup | None, reader, fieldname: str, text: str):
    segment = reader.segment()  # None for an empty index's reader
    return hot.hot_postings(segment.segment_id(), fieldname, text) if hot is not None and segment is not None else None


def _matcher(reader, fieldname: str, text: str):
    """One segment's posting matcher for the term, or None when the segment lacks it."""
    from whoosh.reading import TermNotFound

    try:
        return reader.postings(fieldname, text)
    except TermNotFound:
        return None


def _blocks(m, offset: int, within: list[int] | None = None):
    """(ids, the matcher) per block of one segment's postings; the matcher is positioned on the block.

    Ids are the index's document numbers (the segment's plus `offset`). With
    `within` (sorted docnums), blocks holding none of them are skipped
    unread: a block's header gives its last docnum, the previous block's its first.
    """
    from whoosh.codec.whoosh3 import W3LeafMatcher

    if type(m) is not W3LeafMatcher:  # short lists inlined in the term info: a plain matcher
        while m.is_active():
            yield m.id() + offset, m
            m.next()
        return
    last = -1
    while m.is_active():
        if within is not None:
            i = bisect_right(within, last + offset)
            last = m.block_max_id()
            if i == len(within):
                return
            if within[i] > last + offset:
                if m._lastblock:
                    return
                m._next_block()
                continue
        if m._data is None:
            m._read_data()
        ids = m._data[0]
        # Whoosh's own _read_ids delta-decodes in a Python generator.
        ids = ids if m._byteids else tuple(accumulate(ids))
        yield (tuple(map(offset.__add__, ids)) if offset else ids), m
        if m._lastblock:
            return
        m._next_block()


def _postings(searcher, fieldname: str, text: str, within: list[int] | None = None,
              hot: HotLookup | None = None, factor: float = 1.0) -> dict[int, float]:
    """docnum -> posting weight x `factor` for one term (empty when the term is absent).

    With `within` (sorted docnums), documents outside it may be left out.
    """
    out: dict[int, float] = {}
    scale = factor.__mul__
    for reader, offset in searcher.reader().leaf_readers():
        arrays = _hot(hot, reader, fieldname, text)
        if arrays is not None:
            docnums, heavy_docnums, heavy_weights = arrays
            if within is not None:
                wanted = within[bisect_left(within, offset):bisect_left(within, offset + reader.doc_count_all())]
                if len(wanted) * 4 < len(docnums):
                    # A few allowed documents among many postings: look each one
                    # up (binary search in C) rather than building the whole dict.
                    _lookup(out, docnums, dict(zip(heavy_docnums, heavy_weights)), wanted, offset, factor)
                    continue
            shift = offset.__add__
            # Weight 1 for all (factor x 1.0 is factor exactly), then the others.
            out.update(dict.fromkeys(map(shift, docnums) if offset else docnums, factor))
            out.update(zip(map(shift, heavy_docnums) if offset else heavy_docnums, map(scale, heavy_weights)))
            continue
        m = _matcher(reader, fieldname, text)
        if m is None:
            continue
        for ids, block in _blocks(m, offset, within):
            if isinstance(ids, int):
                out[ids] = block.weight() * factor
            else:
                block._read_weights()
                out.update(zip(ids, map(scale, block._weights)))
    return out


def _lookup(out: dict[int, float], docnums: array, heavy: dict[int, float], within: list[int], offset: int,
            factor: float) -> None:
    """Add the postings of the documents in `within` (global docnums, all in this
    segment) found in the segment's sorted `docnums` (`heavy`: the weights that are not 1)."""
    n, i = len(docnums), 0
    for d in within:
        local = d - offset
        i = bisect_left(docnums, local, i)
        if i == n:
            break
        if docnums[i] == local:
            out[d] = factor * heavy.get(local, 1.0)


def _positions(searcher, fieldname: str, text: str, docs: set[int], shift: int,
               candidates: list[int]) -> dict[int, frozenset[int]]:
    """docnum -> the positions of one term less `shift`, for the documents in `docs`."""
    decode = searcher.schema[fieldname].format.decode_positions
    out: dict[int, frozenset[int]] = {}
    decoded: dict[bytes, frozenset[int]] = {}  # position lists recur across listings
    for reader, offset in searcher.reader().leaf_readers():
        m = _matcher(reader, fieldname, text)
        for ids, block in _blocks(m, offset, candidates) if m is not None else ():
            if isinstance(ids, int):
                if ids in docs:
                    out[ids] = frozenset(p - shift for p in decode(block.value()))
                continue
            block._read_values()
            for d, value in zip(ids, block._values):
                if d in docs:
                    positions = decoded.get(value)
                    if positions is None:
                        positions = decoded[value] = frozenset(p - shift for p in decode(value))
                    out[d] = positions
    return out
