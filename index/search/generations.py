"""Building, publishing and opening index generations.

Layout under the index root::

    CURRENT            "gen-000007": the generation searches open
    gen-000006/        the previous generation, kept for rollback
    gen-000007/        Whoosh files (compound=False) + knead sidecars
    .build.lock        serialises builders (flock; dies with the process)

A build writes a *new* directory `gen-NNNNNN.tmp` beside the live one, commits
it, checks its document count, writes the sidecars, fsyncs every file and the
directory, renames it to `gen-NNNNNN`, and only then swaps the pointer
(`CURRENT.tmp`, fsync, `os.replace`). A search resolves `CURRENT` once and
reads one complete generation; a build that fails removes its `.tmp` and the
previous generation keeps serving. Whoosh commits are atomic against a killed
process but fsync nothing (traps.md), hence the explicit fsyncs.

What a generation holds (Whoosh segments plus sidecar files indexed by
document number; documents are added in name order, so the docnum is also the
name sort key) is written by `index.search.build`; `knead-meta.json` (schema version,
doc count, facet order) is written here, last.

The listings live beside Whoosh rather than in a stored field: Whoosh pickles
stored values (bytes grow by half under its pickle protocol) and keeps them
uncompressed otherwise; here they take ~0.25-0.7 KB a listing instead of
1.4 KB (zlib with a preset dictionary drawn from the listings themselves), and
a page of results reads only its own listings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from index.search import document
from index.search.schema import SCHEMA_VERSION
from index.search.sidecars import (
    COORDS,
    CURRENT,
    FACETS,
    LISTINGS,
    META,
    OFFSETS,
    WORDS,
    ZDICT,
)
from index.search.whoosh_private import hot

_GEN = re.compile(r"^gen-(\d{6})(\.tmp)?$")


class IndexMissing(Exception):
    """Nothing has been built (or published) under this index root yet."""


class IndexOutdated(IndexMissing):
    """The published generation was built by another version of knead: `knead reindex`."""


class BuildError(Exception):
    """A build that could not be published; the previous generation still serves."""


@dataclass(frozen=True)
class BuildResult:
    generation: int
    path: Path
    doc_count: int
    seconds: float
    skipped: int = 0  # listings rejected by validation (no usable id)


def _gen_name(number: int) -> str:
    return f"gen-{number:06d}"


def _fsync_path(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for child in path.iterdir():
        if child.is_file():
            _fsync_path(child)
    _fsync_path(path, directory=True)


def current_generation(index_root: Path) -> int | None:
    """The published generation number, or None when nothing was published."""
    try:
        name = (Path(index_root) / CURRENT).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    m = _GEN.match(name)
    if not m or m.group(2):
        raise IndexMissing(f"{Path(index_root) / CURRENT} is corrupt: {name[:40]!r}")
    return int(m.group(1))


def _existing(index_root: Path) -> list[tuple[int, Path]]:
    found = []
    for child in index_root.iterdir():
        m = _GEN.match(child.name)
        if m and child.is_dir():
            found.append((int(m.group(1)), child))
    return sorted(found)


def _collect(listings: Iterable[Mapping[str, Any]]) -> tuple[list[tuple[tuple, bytes]], int]:
    """Clean and de-duplicate (the last occurrence of an id wins), in name order."""
    by_id: dict[str, tuple[tuple, bytes]] = {}
    skipped = 0
    for raw in listings:
        try:
            listing = document.clean_listing(raw)
        except document.InvalidListing:
            skipped += 1
            continue
        # Held as JSON, not dicts: a third of the memory at 100,000 listings.
        by_id[listing["id"]] = (document.sort_key(listing), document.dumps(listing))
    ordered = sorted(by_id.values(), key=lambda item: item[0])
    return ordered, skipped


def build_index(listings: Iterable[Mapping[str, Any]], index_root: str | os.PathLike[str],
                workers: int | None = None) -> BuildResult:
    """Build a new generation from `listings` and publish it atomically.

    `workers`: indexing processes for a large build (default: one per core,
    at most 4; see index.search.build). Raises BuildError (after removing the
    partial generation) when the build fails; the previously published
    generation is untouched.
    """
    import fcntl

    # Here, not at the top: searches never build, and index.search.build brings in
    # multiprocessing (~50 ms of a `knead search`).
    from index.search.build import gc_paused, write_generation

    started = time.monotonic()
    root = Path(index_root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time; released on close or death
        existing = _existing(root)
        live = current_generation(root)  # kept for `knead rollback`, even after a rollback
        number = (existing[-1][0] if existing else 0) + 1
        tmp = root / f"{_gen_name(number)}.tmp"
        final = root / _gen_name(number)
        try:
            with gc_paused():
                ordered, skipped = _collect(listings)
                tmp.mkdir()
                written = write_generation(tmp, [data for _, data in ordered], workers)
            _verify(tmp, ordered, written["segments"])
            meta = {
                "schema_version": SCHEMA_VERSION,
                "generation": number,
                "doc_count": len(ordered),
                "facet_ids": written["facet_ids"],
                "byteorder": sys.byteorder,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            (tmp / META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
            _fsync_tree(tmp)
            os.rename(tmp, final)
            _fsync_path(root, directory=True)
            _publish(root, final.name)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, Exception) and not isinstance(exc, BuildError):
                raise BuildError(f"index build failed, previous index kept: {exc}") from exc
            raise
        _prune(root, keep={number} | ({live} if live else _previous(existing)))
        return BuildResult(number, final, len(ordered), time.monotonic() - started, skipped)


def _previous(existing: list[tuple[int, Path]]) -> set[int]:
    # The generation that was live before this build (normally number - 1,
    # but not after a failed build left a gap): kept for rollback.
    done = [n for n, p in existing if not p.name.endswith(".tmp")]
    return {done[-1]} if done else set()


def _verify(path: Path, ordered: list[tuple[tuple, bytes]], segments: int) -> None:
    """The committed generation holds every document, in its segments, in our order."""
    from whoosh import index as whoosh_index
    from whoosh.query import Term

    from index.search.whoosh_private.writer import segment_count

    ix = whoosh_index.open_dir(str(path), readonly=True)
    with ix.searcher() as searcher:
        count = searcher.doc_count_all()
        if count != len(ordered):
            raise BuildError(f"index holds {count} documents, expected {len(ordered)}")
        found = segment_count(ix)
        if found != segments:
            raise BuildError(f"expected {segments} index segments, found {found}")
        # The first and last document of every segment: their numbers are the name order.
        bounds = set()
        for reader, base in searcher.reader().leaf_readers():
            bounds |= {base, base + reader.doc_count_all() - 1}
        for docnum in sorted(d for d in bounds if 0 <= d < count):
            listing_id = json.loads(ordered[docnum][1])["id"]
            if list(searcher.docs_for_query(Term("id", listing_id))) != [docnum]:
                raise BuildError("document order differs from insertion order")


def _publish(root: Path, name: str) -> None:
    tmp = root / f"{CURRENT}.tmp"
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT)
    _fsync_path(root, directory=True)


def _prune(root: Path, keep: set[int]) -> None:
    """Delete generations other than `keep` and leftovers of crashed builds."""
    for number, path in _existing(root):
        if number not in keep or path.name.endswith(".tmp"):
            shutil.rmtree(path, ignore_errors=True)


@dataclass
class Generation:
    """One published generation, opened for reading: the Whoosh index plus sidecars."""

    number: int
    path: Path
    index: Any  # whoosh.index.FileIndex
    meta: dict[str, Any] = field(repr=False)
    _hot: dict[str, hot.HotPostings] = field(default_factory=dict, repr=False)  # per segment, opened on use

    @cached_property
    def coords(self) -> tuple[array, array]:
        raw = array("d")
        raw.frombytes((self.path / COORDS).read_bytes())
        self._byteswap(raw)
        n = len(raw) // 2
        return raw[:n], raw[n:]

    @cached_property
    def facet_bitmaps(self) -> list[int]:
        """Per facet (meta's `facet_ids` order), the documents that have it as the bits of an int."""
        raw = (self.path / FACETS).read_bytes()
        size = (self.meta["doc_count"] + 7) // 8
        return [int.from_bytes(raw[i * size:(i + 1) * size], "little") for i in range(len(self.meta["facet_ids"]))]

    @cached_property
    def offsets(self) -> array:
        raw = array("Q")
        raw.frombytes((self.path / OFFSETS).read_bytes())
        self._byteswap(raw)
        return raw

    @cached_property
    def codec(self) -> document.StoredCodec:
        return document.StoredCodec((self.path / ZDICT).read_bytes())

    def listings(self, docnums: Iterable[int]) -> list[dict[str, Any]]:
        """The stored listings of these document numbers, in that order."""
        offsets, unpack = self.offsets, self.codec.unpack
        out = []
        with open(self.path / LISTINGS, "rb") as fh:
            for docnum in docnums:
                start = offsets[docnum]
                out.append(unpack(os.pread(fh.fileno(), offsets[docnum + 1] - start, start)))
        return out

    def hot_postings(self, segment_id: str, fieldname: str, text: str):
        """A frequent term's postings in one segment as arrays (index.search.whoosh_private.hot), or None."""
        return self._hot_table(segment_id).postings(fieldname, text)

    def hot_occurrences(self, segment_id: str, fieldname: str, text: str):
        """A frequent term's occurrences in one segment (index.search.whoosh_private.hot), or None."""
        return self._hot_table(segment_id).occurrences(fieldname, text)

    def _hot_table(self, segment_id: str) -> hot.HotPostings:
        table = self._hot.get(segment_id)
        if table is None:
            table = self._hot[segment_id] = hot.HotPostings(self.path, segment_id)
        return table

    @cached_property
    def words(self) -> list[str]:
        text = (self.path / WORDS).read_text(encoding="utf-8")
        return text.split("\n") if text else []

    def _byteswap(self, values: array) -> None:
        if self.meta.get("byteorder", sys.byteorder) != sys.byteorder:
            values.byteswap()


def open_generation(index_root: str | os.PathLike[str]) -> Generation:
    """Resolve CURRENT once and open that generation (IndexMissing when there is none)."""
    from whoosh import index as whoosh_index

    root = Path(index_root)
    number = current_generation(root)
    if number is None:
        raise IndexMissing(f"No index yet in {root}")
    path = root / _gen_name(number)
    meta = json.loads((path / META).read_text(encoding="utf-8"))
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise IndexOutdated(f"The index in {root} was built by another version of knead: run `knead reindex`.")
    return Generation(number, path, whoosh_index.open_dir(str(path), readonly=True), meta)


def rollback(index_root: str | os.PathLike[str]) -> int:
    """Serve the generation published before the current one again; returns its number.

    Raises IndexMissing when there is no earlier complete generation to go back to.
    """
    import fcntl

    root = Path(index_root)
    live = current_generation(root)
    if live is None:
        raise IndexMissing(f"No index yet in {root}")
    with open(root / ".build.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        earlier = [n for n, p in _existing(root) if n < live and not p.name.endswith(".tmp") and (p / META).exists()]
        if not earlier:
            raise IndexMissing(f"No earlier index generation than {live} is kept in {root}")
        _publish(root, _gen_name(earlier[-1]))
    return earlier[-1]

