"""The generation searches read: which one `CURRENT` names, checked against its manifest, opened.

A generation's meta file (`knead-meta.json`, written last) lists every other
file of the generation with its size and CRC-32. Opening a generation checks
that `CURRENT` names one, that the meta file parses and is of this knead's
schema, and that every listed file is there at its size (a few `stat` calls,
microseconds); a search then checks the CRCs of the small sidecars it reads
whole, the hot postings' per term as it reads them
(index.search.whoosh_private.hot), and each stored listing by zlib's own
checksum, never the CRC of a large file (that would cost its size on every
search). `verify` checks every file's CRC (`knead status`). A file that fails
any of these raises `IndexDamaged`, naming the file and the way out, instead
of a traceback or a silently wrong answer.
"""

from __future__ import annotations

import json
import os
import re
import sys
import zlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from index.search import document, open_hours
from index.search.schema import SCHEMA_VERSION
from index.search.sidecars import (
    COORDS,
    CURRENT,
    FACETS,
    HOURS,
    LISTINGS,
    META,
    OFFSETS,
    WORDS,
    ZDICT,
)
from index.search.whoosh_private import hot

GEN_NAME = re.compile(r"^gen-(\d{6})(\.tmp)?$")
# Sidecars read whole by a search: a CRC-32 of each is kept in the manifest.
WHOLE = (COORDS, FACETS, HOURS, OFFSETS, ZDICT, WORDS)
WAY_OUT = "run `knead reindex` to rebuild the index from the store of record"


class IndexMissing(Exception):
    """Nothing has been built (or published) under this index root yet."""


class IndexOutdated(IndexMissing):
    """The published generation was built by another version of knead: `knead reindex`."""


class IndexDamaged(Exception):
    """A file of the served generation (or CURRENT) is missing, truncated or garbled."""

    def __init__(self, path: Path | str, problem: str):
        self.path = Path(path)
        super().__init__(f"The index file {path} is {problem}: {WAY_OUT}.")


def gen_name(number: int) -> str:
    return f"gen-{number:06d}"


def current_generation(index_root: Path) -> int | None:
    """The published generation number, or None when nothing was published (IndexDamaged when
    CURRENT does not name a generation)."""
    path = Path(index_root) / CURRENT
    try:
        name = path.read_bytes().decode("ascii", "replace").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    m = GEN_NAME.match(name)
    if not m or m.group(2):
        raise IndexDamaged(path, f"corrupt (it should name a generation, it holds {name[:40]!r})")
    return int(m.group(1))


def _crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def manifest(path: Path) -> dict[str, list]:
    """Every file of a generation directory (but the meta file): name -> [size, CRC-32]."""
    return {child.name: [child.stat().st_size, _crc(child)]
            for child in sorted(path.iterdir()) if child.is_file() and child.name != META}


def verify(generation: Generation) -> None:
    """Every file of an opened generation against its CRC-32 (reads the whole index once)."""
    for name, (_size, crc) in generation.meta["files"].items():
        if crc is not None and _crc(generation.path / name) != crc:
            raise IndexDamaged(generation.path / name, "garbled (checksum mismatch)")


def read_meta(path: Path) -> dict[str, Any]:
    meta_path = path / META
    try:
        meta = json.loads(meta_path.read_bytes())
    except FileNotFoundError:
        if not path.is_dir():
            raise IndexDamaged(path, "missing (CURRENT names it)") from None
        raise IndexDamaged(meta_path, "missing") from None
    except (ValueError, UnicodeDecodeError):
        raise IndexDamaged(meta_path, "garbled (not JSON)") from None
    if not isinstance(meta, dict):
        raise IndexDamaged(meta_path, "garbled (not a JSON object)")
    return meta


def check_files(path: Path, meta: dict[str, Any]) -> None:
    """Every file the manifest lists is there, at its size."""
    files = meta.get("files")
    if not isinstance(files, dict):
        raise IndexDamaged(path / META, "garbled (no file list)")
    for name, (size, _crc) in files.items():
        try:
            found = os.stat(path / name).st_size
        except FileNotFoundError:
            raise IndexDamaged(path / name, "missing") from None
        if found != size:
            raise IndexDamaged(path / name, f"{'truncated' if found < size else 'longer than written'}"
                               f" ({found} bytes, {size} written)")


@dataclass
class Generation:
    """One published generation, opened for reading: the Whoosh index plus sidecars."""

    number: int
    path: Path
    index: Any  # whoosh.index.FileIndex
    meta: dict[str, Any] = field(repr=False)
    _hot: dict[str, hot.HotPostings] = field(default_factory=dict, repr=False)  # per segment, opened on use

    def _whole(self, name: str) -> bytes:
        """A sidecar read whole, its CRC checked against the manifest (~1 ms per MB, once per search)."""
        data = (self.path / name).read_bytes()
        expected = self.meta["files"].get(name, [None, None])[1]
        if expected is not None and zlib.crc32(data) != expected:
            raise IndexDamaged(self.path / name, "garbled (checksum mismatch)")
        return data

    @cached_property
    def coords(self) -> tuple[Sequence[float], Sequence[float]]:
        """Latitudes and longitudes by document number (NaN: none)."""
        values = self._numbers(COORDS, "d")
        n = len(values) // 2
        return values[:n], values[n:]

    @cached_property
    def facet_bitmaps(self) -> list[int]:
        """Per facet (meta's `facet_ids` order), the documents that have it as the bits of an int."""
        raw = memoryview(self._whole(FACETS))  # slices without copies
        size = (self.meta["doc_count"] + 7) // 8
        return [int.from_bytes(raw[i * size:(i + 1) * size], "little") for i in range(len(self.meta["facet_ids"]))]

    @cached_property
    def hours(self) -> tuple[array, array]:
        """Each listing's weekly spans (index.search.open_hours.unpack), read only by --open at a time."""
        return open_hours.unpack(self._whole(HOURS), self.meta["doc_count"],
                                 swap=self.meta.get("byteorder", sys.byteorder) != sys.byteorder)

    @cached_property
    def offsets(self) -> Sequence[int]:
        return self._numbers(OFFSETS, "Q")

    @cached_property
    def codec(self) -> document.StoredCodec:
        return document.StoredCodec(self._whole(ZDICT))

    def listings(self, docnums: Iterable[int]) -> list[dict[str, Any]]:
        """The stored listings of these document numbers, in that order."""
        offsets, unpack = self.offsets, self.codec.unpack
        out = []
        with open(self.path / LISTINGS, "rb") as fh:
            for docnum in docnums:
                start = offsets[docnum]
                try:
                    out.append(unpack(os.pread(fh.fileno(), offsets[docnum + 1] - start, start)))
                except (zlib.error, ValueError, OverflowError):  # zlib's adler32 caught a changed byte
                    raise IndexDamaged(self.path / LISTINGS, f"garbled (listing {docnum} unreadable)") from None
        return out

    def hot_postings(self, segment_id: str, fieldname: str, text: str):
        """A frequent term's postings in one segment as arrays (index.search.whoosh_private.hot), or None."""
        return self._checked(self._hot_table(segment_id).postings, fieldname, text)

    def hot_occurrences(self, segment_id: str, fieldname: str, text: str):
        """A frequent term's occurrences in one segment (index.search.whoosh_private.hot), or None."""
        return self._checked(self._hot_table(segment_id).occurrences, fieldname, text)

    def hot_count(self, segment_id: str, fieldname: str, text: str) -> int | None:
        """How many postings a frequent term has in one segment (index.search.whoosh_private.hot), or None."""
        return self._checked(self._hot_table(segment_id).count, fieldname, text)

    def _checked(self, read, fieldname: str, text: str):
        try:
            return read(fieldname, text)
        except hot.HotDamaged as exc:
            raise IndexDamaged(exc.path, exc.problem) from None

    def _hot_table(self, segment_id: str) -> hot.HotPostings:
        table = self._hot.get(segment_id)
        if table is None:
            try:
                table = self._hot[segment_id] = hot.HotPostings(self.path, segment_id)
            except hot.HotDamaged as exc:
                raise IndexDamaged(exc.path, exc.problem) from None
        return table

    @cached_property
    def words(self) -> list[str]:
        try:
            text = self._whole(WORDS).decode("utf-8")
        except UnicodeDecodeError:
            raise IndexDamaged(self.path / WORDS, "garbled (not UTF-8)") from None
        return text.split("\n") if text else []

    def _numbers(self, name: str, typecode: str) -> Sequence:
        """A sidecar of fixed-size numbers, read whole: a view of its bytes in this
        machine's byte order (no copy: copying 100,000 listings' coordinates into
        arrays cost more than reading them), else a byte-swapped array."""
        raw = self._whole(name)
        if self.meta.get("byteorder", sys.byteorder) == sys.byteorder:
            return memoryview(raw).cast(typecode)
        values = array(typecode)
        values.frombytes(raw)
        values.byteswap()
        return values


def open_generation(index_root: str | os.PathLike[str]) -> Generation:
    """Resolve CURRENT once and open that generation, checked (IndexMissing when there is none,
    IndexOutdated when another knead built it, IndexDamaged when a file is missing or truncated)."""
    from whoosh import index as whoosh_index

    root = Path(index_root)
    for attempt in range(3):
        number = current_generation(root)
        if number is None:
            raise IndexMissing(f"No index yet in {root}")
        path = root / gen_name(number)
        try:
            meta = read_meta(path)
            if meta.get("schema_version") != SCHEMA_VERSION:
                raise IndexOutdated(f"The index in {root} was built by another version of knead: run `knead reindex`.")
            check_files(path, meta)
            try:
                index = whoosh_index.open_dir(str(path), readonly=True)
            except Exception as exc:  # whoosh raises whatever its unpickling of a bad TOC raises
                raise IndexDamaged(path, f"unreadable by Whoosh ({type(exc).__name__})") from None
        except IndexDamaged:
            # Two builds in a row may have pruned the generation while we opened it:
            # damage only if CURRENT still names it.
            if attempt == 2 or current_generation(root) == number:
                raise
            continue
        return Generation(number, path, index, meta)
    raise AssertionError("unreachable")
