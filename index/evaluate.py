"""Every match of a text query with its TF-IDF score, a posting list at a time.

Whoosh matches a query one document at a time: an `And` of three words is a
tree of intersection matchers, each step a few Python calls per candidate,
and a phrase adds a span matcher on top. For a common word that is most of a
search. `scored_matches` evaluates the shapes the query parser produces for
plain text (terms, phrases, `And`, unscaled `Or`, as `index.synonyms` expands
them) on whole posting lists instead: each list read a block at a time into
a dict (docnum -> weight), `And` as dict-key intersection, `Or` as a merge,
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

from bisect import bisect_right
from itertools import accumulate, repeat

from whoosh import query as wq

Scores = dict[int, float]


class _Unsupported(Exception):
    pass


def scored_matches(searcher, q: wq.Query, within: list[int] | None = None) -> Scores | None:
    """docnum -> score for every document matching `q`, or None for a shape not handled here.

    With `within` (sorted docnums, e.g. what a filter lets through), matches
    outside it may be left out: posting blocks holding none of them are skipped.
    """
    try:
        return _evaluate(searcher, q, within)
    except _Unsupported:
        return None


def matching_docs(searcher, q: wq.Query) -> set[int] | None:
    """The documents matching a filter query, or None for a shape not handled here."""
    try:
        return set(_evaluate(searcher, q, None))
    except _Unsupported:
        return None


def _evaluate(searcher, q: wq.Query, within: list[int] | None) -> Scores:
    """Scores of the matches of `q`; with `within` (sorted docnums), the matches
    outside it may be left out (posting blocks holding none of them are skipped)."""
    # Per-document work is kept in C: dict(zip(...)), map over bound methods.
    if getattr(q, "boost", 1.0) != 1.0:
        raise _Unsupported
    kind = type(q)
    if kind is wq.Term:
        weights = _postings(searcher, q.fieldname, q.text, within)
        if not weights:
            return {}
        idf = searcher.idf(q.fieldname, q.text)
        return dict(zip(weights.keys(), map(idf.__mul__, weights.values())))
    if kind is wq.And:
        if not q.subqueries:
            raise _Unsupported
        # Smallest first; each later part is read only where the matches so far are.
        reader = searcher.reader()
        parts, docs = [], None
        for sub in sorted(q.subqueries, key=lambda sub: sub.estimate_size(reader)):
            part = _evaluate(searcher, sub, within if docs is None else sorted(docs))
            docs = part.keys() if docs is None else docs & part.keys()
            parts.append(part)
            if not docs:
                return {}
        docs = list(docs)
        return dict(zip(docs, map(sum, zip(*(map(part.__getitem__, docs) for part in parts)))))
    if kind is wq.Or and not getattr(q, "scale", None):
        parts = [_evaluate(searcher, sub, within) for sub in q.subqueries]
        parts = [part for part in parts if part]
        if len(parts) <= 1:
            return parts[0] if parts else {}
        docs = list(set().union(*parts))
        return dict(zip(docs, map(sum, zip(*(map(part.get, docs, repeat(0.0)) for part in parts)))))
    if kind is wq.Phrase and q.slop == 1:
        return _phrase(searcher, q.fieldname, list(q.words), within)
    raise _Unsupported


def _phrase(searcher, fieldname: str, words: list[str], within: list[int] | None) -> Scores:
    if not words:
        return {}
    if len(words) == 1:
        return _evaluate(searcher, wq.Term(fieldname, words[0]), within)
    weights = [_postings(searcher, fieldname, word, within) for word in words]
    docs = set(weights[0])
    for w in weights[1:]:
        docs &= w.keys()
    if not docs:
        return {}
    # Each word's positions shifted back by its place in the phrase: the
    # phrase starts wherever all the shifted sets meet.
    candidates = sorted(docs)
    shifted = [_positions(searcher, fieldname, word, docs, i, candidates) for i, word in enumerate(words)]
    first, rest = shifted[0], shifted[1:]
    found = [d for d in docs if first[d].intersection(*(other[d] for other in rest))]
    scores = [dict(zip(w.keys(), map(searcher.idf(fieldname, word).__mul__, w.values())))
              for w, word in zip(weights, words)]
    return dict(zip(found, map(sum, zip(*(map(part.__getitem__, found) for part in scores)))))


def _leaves(searcher, fieldname: str, text: str) -> list:
    """(posting matcher, docnum offset) for each index segment that has the term."""
    from whoosh.reading import TermNotFound

    found = []
    for reader, offset in searcher.reader().leaf_readers():
        try:
            found.append((reader.postings(fieldname, text), offset))
        except TermNotFound:
            pass
    return found


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


def _postings(searcher, fieldname: str, text: str, within: list[int] | None = None) -> dict[int, float]:
    """docnum -> posting weight for one term (empty when the term is absent)."""
    out: dict[int, float] = {}
    for m, offset in _leaves(searcher, fieldname, text):
        for ids, block in _blocks(m, offset, within):
            if isinstance(ids, int):
                out[ids] = block.weight()
            else:
                block._read_weights()
                out.update(zip(ids, block._weights))
    return out


def _positions(searcher, fieldname: str, text: str, docs: set[int], shift: int,
               candidates: list[int]) -> dict[int, frozenset[int]]:
    """docnum -> the positions of one term less `shift`, for the documents in `docs`."""
    decode = searcher.schema[fieldname].format.decode_positions
    out: dict[int, frozenset[int]] = {}
    decoded: dict[bytes, frozenset[int]] = {}  # position lists recur across listings
    for m, offset in _leaves(searcher, fieldname, text):
        for ids, block in _blocks(m, offset, candidates):
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
