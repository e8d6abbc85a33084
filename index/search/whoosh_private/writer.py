"""A Whoosh segment writer that gathers each term's postings as documents arrive.

Whoosh's `SegmentWriter` puts every posting (field, term, docnum, weight,
value) as a tuple into its `PostingPool`, sorts them all at commit (spilling
sorted runs to disk and merging them past `limitmb`), then hands them one at
a time to the codec's postings writer, which checks each one's types. At
100,000 listings, about 5 million postings, that per-posting Python was half
of the build.

Documents are added in docnum order, so each term's postings arrive already
sorted: `GatheringWriter` appends them to per-term arrays, and at commit sorts
the terms (a few hundred thousand, not millions of postings) and writes each
term's postings a block at a time through the same codec objects Whoosh uses
(`W3FieldWriter` for the term table, `W3PostingsWriter._write_block` for the
block bytes). The segment is the one Whoosh would write: tests compare every
term's postings with a `SegmentWriter`'s (tests/test_index_build.py). Reading
it needs nothing of this module.

It supports what knead's schema uses: indexed fields that keep no field
lengths, columns, stored values. Scorable fields (lengths), term vectors,
separate spelling fields, boosts and deletions are refused when the writer is
created or a document is added, rather than written differently.
whoosh3 is pinned exactly (this reads `W3FieldWriter._postwriter` and writes
`W3PostingsWriter`'s block buffer).
"""

from __future__ import annotations

from array import array
from typing import Any

from whoosh.writing import SegmentWriter


class GatheringWriter(SegmentWriter):
    """`SegmentWriter` for adding documents to a new segment, postings gathered per term."""

    def __init__(self, ix, hot_min: int | None = None, **kwargs: Any):
        """`hot_min`: terms with at least this many postings are also kept in
        `self.hot` at commit, (field, term, docnums, weights, values), for a sidecar."""
        super().__init__(ix, **kwargs)
        self.hot_min = hot_min
        self.hot: list[tuple[str, bytes, array, array, list[bytes]]] = []
        for name, field in self.schema.items():
            if field.scorable or field.vector or field.separate_spelling():
                raise ValueError(f"GatheringWriter cannot write field {name!r} (lengths, vectors or spelling)")
        # fieldname -> term bytes -> (docnums, weights, values), or the docnum of a term's only
        # posting so far when its weight is 1 and it has no value
        self._gathered: dict[str, dict[bytes, int | tuple[array, array, list[bytes]]]] = {
            name: {} for name, field in self.schema.items() if field.indexed}
        # A posting's value (its positions, encoded) recurs across documents: most words occur
        # once or twice at a handful of places. One object per distinct value, shared by every
        # posting list: ~8 bytes a posting instead of ~45 (a build of 250,000 listings holds tens
        # of millions of postings until it writes them).
        self._shared_values: dict[bytes, bytes] = {}
        self._plan = {name: (field, field.indexed, field.stored, field.column_type)
                      for name, field in self.schema.items()}

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        schema = self.schema
        names = sorted(fields)
        self._check_fields(schema, names)
        if any(name.startswith("_") for name in names):
            raise ValueError("GatheringWriter takes no boosts or custom stored values")
        docnum = self.docnum
        perdoc = self.perdocwriter
        gathered, plan, shared = self._gathered, self._plan, self._shared_values.setdefault
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field, indexed, stored, column = plan[name]
                if indexed:
                    terms = gathered[name]
                    for tbytes, _, weight, vbytes in field.index(value):
                        entry = terms.get(tbytes)
                        if entry is None:
                            if weight == 1.0 and not vbytes:
                                # Most terms of a large build occur once (ids, phone numbers,
                                # street numbers): the document number alone until a second one.
                                terms[tbytes] = docnum
                            else:
                                # As Whoosh's postings writer: empty values are not
                                # kept (a format has values for every posting or none).
                                terms[tbytes] = (array("I", (docnum,)), array("f", (weight,)),
                                                 [shared(vbytes, vbytes)] if vbytes else [])
                        else:
                            if type(entry) is int:
                                entry = terms[tbytes] = (array("I", (entry,)), array("f", (1.0,)), [])
                            entry[0].append(docnum)
                            entry[1].append(weight)
                            if vbytes:
                                entry[2].append(shared(vbytes, vbytes))
                if stored:  # add_field() keeps nothing else: no lengths here
                    perdoc.add_field(name, field, value, 0)
                if column:
                    perdoc.add_column_value(name, column, field.to_column_value(value))
        except ValueError:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def update_document(self, **fields: Any) -> None:
        raise NotImplementedError("GatheringWriter only adds documents to a new index")

    def delete_document(self, docnum: int, delete: bool = True) -> None:
        raise NotImplementedError("GatheringWriter only adds documents to a new index")

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        self._shared_values = {}
        writer = self.fieldwriter
        for name in sorted(self._gathered):
            terms = self._gathered.pop(name)
            if not terms:  # as Whoosh: a field with no postings gets no field number
                continue
            writer.start_field(name, self.schema[name])
            postings = writer._postwriter
            limit = postings._blocklimit
            for tbytes in sorted(terms):
                entry = terms.pop(tbytes)
                docnums, weights, values = (array("I", (entry,)), array("f", (1.0,)), []) if type(entry) is int else entry
                writer.start_term(tbytes)
                n = len(docnums)
                if self.hot_min is not None and n >= self.hot_min:
                    self.hot.append((name, tbytes, docnums, weights, values))
                # Full blocks now; the last one (full or not) by finish_term(),
                # exactly where Whoosh's add_posting() would have cut them.
                for start in range(0, n, limit):
                    end = min(start + limit, n)
                    postings._ids = docnums[start:end]
                    postings._weights = weights[start:end]
                    postings._values = values[start:end]
                    postings._maxweight = max(0, max(postings._weights))
                    if end < n:
                        postings._write_block()
                writer.finish_term()
            writer.finish_field()
        writer.close()

    # The steps of Whoosh's commit, taken one at a time: a large build writes
    # several segments (one per process) and lists them in one table of
    # contents, which `SegmentWriter.commit()` cannot do.

    def finalize_segment(self):
        """Write this writer's segment; returns it, not yet listed in the table of contents."""
        return self._finalize_segment()

    def close_empty_segment(self) -> None:
        """Close a writer that was given no documents (its segment is not written)."""
        self._close_segment()

    def commit_segments(self, segments: list) -> None:
        """List `segments` in the index's table of contents, in this order, and release the lock."""
        self._commit_toc(segments)
        self._finish()


def segment_count(ix) -> int:
    """How many segments the index's table of contents lists."""
    return len(ix._segments())
