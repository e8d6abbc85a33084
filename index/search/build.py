"""Writing one generation's content: listings in name order -> Whoosh segments + sidecars.

`index.search.generations` owns the layout (numbering, locking, fsync, publication);
this module fills a generation directory. A large build is split across
processes (`workers`): the name-ordered listings are cut into contiguous
parts, each part is indexed into its own Whoosh segment by its own process
(the first by this one), and the segments are listed in the table of contents
in part order. Whoosh numbers the documents of a multi-segment index segment
after segment, so document numbers stay the name order, exactly as in a
one-segment build, and every sidecar stays indexed by document number.

Why not Whoosh's own `writer(procs=2, multisegment=True)`: it deals documents
out in batches to whichever process is free and lists the segments in the
order they finish, which loses the name order; its parent process only
pickles documents while two children index them; and a document that fails in
a child is silently dropped (traps.md). Here each process indexes a fixed
range, a failure in any part fails the build, and `index.search.generations` checks the
document count and order before publishing.

The sidecars it writes are listed in index.search.sidecars.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import threading
from array import array
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from index.search import document, open_hours
from index.search.facets import facet_bits, facet_ids, mark
from index.search.sidecars import COORDS, FACETS, HOURS, LISTINGS, OFFSETS, WORDS, ZDICT
from index.search.whoosh_private import hot

# Below this many listings one process indexes everything: starting another
# interpreter (~0.5 s with its imports) costs more than it saves.
PARALLEL_MIN_LISTINGS = 5_000


@contextmanager
def gc_paused():
    """No cyclic garbage collection while a build allocates its millions of objects.

    Each collection walks every container alive, and a build keeps hundreds
    of thousands of them (listings, term tables): at 100,000 listings the
    collector took more time than parsing them (json.loads of the store
    9.5 s with it, 2.6 s without). A build makes no reference cycles worth
    collecting early; the collector resumes when it is done.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def release_freed_memory() -> None:
    """Give the heap's free pages back to the system (glibc's `malloc_trim`; elsewhere nothing).

    A rebuild reads and merges every listing of the store before it writes:
    half a million listings' JSON and the merge's tables, about a gigabyte,
    freed once the results are collected. glibc keeps freed blocks of that size
    for reuse, so without this the process would carry them, and each forked
    writing process would start from them, through the whole write.
    """
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library already loaded in this process
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)


def default_workers() -> int:
    """Writing processes for a large build: one per core this process may use, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


@dataclass
class _Part:
    """What one writing process made of its range of listings."""

    segment: object  # the Whoosh segment it committed (not yet in the table of contents)
    lats: array = field(default_factory=lambda: array("d"))
    lons: array = field(default_factory=lambda: array("d"))
    facet_docs: dict[int, list[int]] = field(default_factory=dict)  # facet number -> docnums within the part
    hours: list[list[tuple[int, int]]] = field(default_factory=list)  # per listing, weekly spans (open_hours)
    words: set[str] = field(default_factory=set)


def write_generation(path: Path, ordered: list[bytes], workers: int | None = None, zdict: bytes | None = None) -> dict:
    """Index `ordered` (cleaned listings as JSON, `document.dumps`, in name order) into the empty
    directory `path`: Whoosh segments plus the sidecars. Returns the meta
    fields it decided (facet order, segment count).

    `zdict`: the listings are already packed with it (`document.StoredCodec`,
    as `generations.build_index` holds them); without it they are JSON, and the
    dictionary is drawn from them here.

    `workers`: processes to index with (default: `default_workers()`, and one
    below PARALLEL_MIN_LISTINGS); never more than one per listing.
    """
    from whoosh import index as whoosh_index

    from index.search.schema import SCHEMA
    from index.search.whoosh_private.writer import GatheringWriter

    if workers is None:
        workers = default_workers() if len(ordered) >= PARALLEL_MIN_LISTINGS else 1
    workers = max(1, min(workers, len(ordered)))
    if zdict is None:
        zdict = document.listing_zdict(ordered[:: max(1, len(ordered) // 64)])
        pack = document.StoredCodec(zdict).pack
        ordered = [pack(data) for data in ordered]
    fids = facet_ids()
    step = math.ceil(len(ordered) / workers) if ordered else 1
    ranges = [(start, min(start + step, len(ordered))) for start in range(0, max(len(ordered), 1), step)]
    ix = whoosh_index.create_in(str(path), SCHEMA)
    # One writer holds Whoosh's lock for the whole build; the others write
    # their segments under it (as Whoosh's own multiprocess writer does).
    # compound=False everywhere: a compound segment is copied into memory on
    # every open (366 ms, 1.2 GB at 100,000 listings, traps.md).
    hot_min = hot.HOT_MIN
    writer = GatheringWriter(ix, hot_min=hot_min, compound=False)
    try:
        pool = None
        futures = []
        if len(ranges) > 1:
            pool = ProcessPoolExecutor(len(ranges) - 1, mp_context=_process_context())
            futures = [pool.submit(_write_part_in_child, str(path), ordered[a:b], zdict, hot_min)
                       for a, b in ranges[1:]]
        try:
            a, b = ranges[0]
            parts = [_fill(writer, ordered[a:b], zdict)]
            if b > a:
                parts[0].segment = _finish_segment(path, writer)
            else:  # nothing to index: a table of contents with no segment
                writer.close_empty_segment()
            parts += [future.result() for future in futures]
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        segments = [part.segment for part in parts if part.segment is not None]
        writer.commit_segments(segments)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()  # closes its files and releases the lock
        raise
    _write_sidecars(path, ordered, parts, zdict, len(fids))
    return {"facet_ids": list(fids), "segments": len(segments)}


def _process_context():
    """fork where it is safe, else spawn.

    A forked child starts at once with this process's imports and caches; but
    forking while other threads run can deadlock the child (a lock another
    thread held is copied locked), so then the child is a fresh interpreter.
    """
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _write_part_in_child(path: str, ordered: list[bytes], zdict: bytes, hot_min: int) -> _Part:
    """A child process's part: its own segment in the same index, returned, not committed."""
    from whoosh import index as whoosh_index

    from index.search.whoosh_private.writer import GatheringWriter

    ix = whoosh_index.open_dir(path)
    # No lock (the parent's writer holds it) and no `commit_segments()`: its end would
    # delete the temporary directory every writer of this index shares. On
    # failure the parent removes the whole generation directory.
    writer = GatheringWriter(ix, hot_min=hot_min, _lk=False, compound=False)
    with gc_paused():
        part = _fill(writer, ordered, zdict)
        part.segment = _finish_segment(Path(path), writer) if ordered else None
    return part


def _finish_segment(path: Path, writer):
    """Write the writer's segment (not yet listed in the table of contents) and its hot postings."""
    segment = writer.finalize_segment()
    decoders = {name: field.format.decode_positions for name, field in writer.schema.items()
                if field.format and field.format.supports("positions")}
    hot.write(path, segment.segment_id(), writer.hot, decoders)
    writer.hot = []
    return segment


def _fill(writer, ordered: list[bytes], zdict: bytes) -> _Part:
    """Add each listing (packed with `zdict`) to `writer` and gather its sidecar data (the listings
    themselves are written by the parent, which holds them all)."""
    bit_of = {fid: bit for bit, fid in enumerate(facet_ids())}
    part = _Part(segment=None)
    add, unpack = writer.add_document, document.StoredCodec(zdict).unpack
    for docnum, blob in enumerate(ordered):
        listing = unpack(blob)
        spans = open_hours.week_spans(listing.get("hours"))
        part.hours.append(spans)
        add(**document.to_document(listing, spans))
        part.lats.append(listing["lat"] if listing["lat"] is not None else math.nan)
        part.lons.append(listing["lon"] if listing["lon"] is not None else math.nan)
        for facet in facet_bits(listing, bit_of):
            part.facet_docs.setdefault(facet, []).append(docnum)
        part.words |= document.spelling_words(listing)
    return part


def _write_sidecars(path: Path, blobs: list[bytes], parts: list[_Part], zdict: bytes, n_facets: int) -> None:
    lats, lons, offsets = array("d"), array("d"), array("Q", [0])
    hours: list[list[tuple[int, int]]] = []
    bitmaps = [bytearray((len(blobs) + 7) // 8) for _ in range(n_facets)]
    words: set[str] = set()
    base = 0
    with open(path / LISTINGS, "wb", buffering=1 << 20) as fh:
        fh.writelines(blobs)
    offsets.extend(accumulate(map(len, blobs)))
    for part in parts:
        lats.extend(part.lats)
        hours.extend(part.hours)
        lons.extend(part.lons)
        for facet, docnums in part.facet_docs.items():
            mark(bitmaps[facet], map(base.__add__, docnums))
        words |= part.words
        base += len(part.lats)
    (path / COORDS).write_bytes(lats.tobytes() + lons.tobytes())
    (path / FACETS).write_bytes(b"".join(bitmaps))
    (path / HOURS).write_bytes(open_hours.pack(hours))
    (path / OFFSETS).write_bytes(offsets.tobytes())
    (path / ZDICT).write_bytes(zdict)
    (path / WORDS).write_text("\n".join(sorted(words)), encoding="utf-8")
