"""Frequent terms' postings as plain arrays: a per-segment sidecar the searches read at C speed.

Whoosh keeps a term's postings in blocks of 128, each a zlib-compressed
pickle of (ids, weights, positions). Reading "pain" at 100,000 listings means
unpickling a few hundred blocks, positions included, for a query that only
needs which documents have the word and how often: that was most of a text
query (pickle.loads alone ~40% of "low back pain"). Frequent terms are few
(~350 per 50,000-listing segment hold 86% of the postings) and are exactly
the ones every query reads, so the build also writes them, per segment, as
arrays: the document numbers (uint32), the postings whose weight is not 1
(their document numbers, and their weights as float32, as Whoosh stores
them: most weights are 1, and a dict of weights is then `dict.fromkeys` plus
a few updates, twice as fast as one built pair by pair), and for a field with positions every
occurrence as one integer, docnum << POSITION_BITS | position (uint64). A
search reads a term's arrays with a `pread`; a quoted phrase is then a set
intersection of its words' occurrences, each shifted back by its place in the
phrase. Rarer terms still come from Whoosh.

File `knead-hot-<segment id>.bin`: b"KHOT", the header's length and its
CRC-32 (uint32 each, little-endian), the header (JSON: the length of the
arrays that follow, and field -> term -> [offset, postings, postings not
weighing 1, occurrences or -1, CRC-32 of the postings arrays, CRC-32 of the
occurrences or -1]), then each term's arrays back to back in native byte
order. Opening checks the header's CRC and the file's length (one `fstat`);
each read checks its term's CRC, so a garbled or truncated file raises
`HotDamaged` instead of giving wrong postings. A term's CRC costs ~0.1 ms per
MB read, a few microseconds for a typical term: checking the whole file once
per search instead would cost its size on every search, hot terms or not.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import zlib
from array import array
from collections.abc import Callable
from pathlib import Path

import orjson

MAGIC = b"KHOT"
# The header's "format"; a file of another format is ignored (its terms are
# then read from Whoosh: slower, never wrong).
FORMAT = 3
# A term with at least this many postings in a segment (four Whoosh blocks) is "hot".
HOT_MIN = 512
# Occurrence keys: docnum << POSITION_BITS | position. A term with a position
# past MAX_POSITION gets none (its phrases are read from Whoosh): subtracting a
# phrase offset from a key must never reach into the docnum's bits.
POSITION_BITS = 20
MAX_POSITION = 1 << (POSITION_BITS - 1)


class HotDamaged(Exception):
    """The sidecar is truncated or garbled."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = path, problem


def filename(segment_id: str) -> str:
    # Not Whoosh's "<index>_<id>.<ext>" pattern, so its clean-up leaves it alone.
    return f"knead-hot-{segment_id}.bin"


def write(directory: Path, segment_id: str, hot: list[tuple[str, bytes, array, array, list[bytes]]],
          decoders: dict[str, Callable[[bytes], list[int]]]) -> None:
    """Write one segment's frequent terms: (field, term, docnums, weights, values) each.

    `decoders`: per field with positions, the format's `decode_positions`.
    """
    header: dict[str, dict[str, list]] = {}
    chunks, offset = [], 0
    for fieldname, tbytes, docnums, weights, values in hot:
        heavy = [i for i, w in enumerate(weights) if w != 1.0] if weights.count(1.0) != len(weights) else []
        data = (docnums.tobytes() + array("I", [docnums[i] for i in heavy]).tobytes()
                + array("f", [weights[i] for i in heavy]).tobytes())
        crc, occ_crc = zlib.crc32(data), -1
        occurrences = _occurrences(docnums, values, decoders[fieldname]) if fieldname in decoders else None
        if occurrences is not None:
            occ = occurrences.tobytes()
            occ_crc = zlib.crc32(occ)
            data += occ
        header.setdefault(fieldname, {})[tbytes.decode("utf-8")] = [
            offset, len(docnums), len(heavy), -1 if occurrences is None else len(occurrences), crc, occ_crc]
        chunks.append(data)
        offset += len(data)
    head = json.dumps({"format": FORMAT, "byteorder": sys.byteorder, "position_bits": POSITION_BITS,
                       "length": offset, "terms": header}).encode("utf-8")
    with open(Path(directory) / filename(segment_id), "wb") as fh:
        fh.write(MAGIC + struct.pack("<II", len(head), zlib.crc32(head)) + head)
        fh.writelines(chunks)


def _occurrences(docnums: array, values: list[bytes], decode) -> array | None:
    keys = array("Q")
    decoded: dict[bytes, list[int]] = {}  # position lists recur across documents
    for docnum, value in zip(docnums, values):
        positions = decoded.get(value)
        if positions is None:
            positions = decoded[value] = decode(value)
            if positions and max(positions) >= MAX_POSITION:
                return None
        base = docnum << POSITION_BITS
        if len(positions) == 1:
            keys.append(base | positions[0])
        else:
            keys.extend(base | p for p in positions)
    return keys


class HotPostings:
    """One segment's frequent terms, opened for reading (no file: no hot terms)."""

    def __init__(self, directory: Path, segment_id: str):
        self.path = Path(directory) / filename(segment_id)
        self.terms: dict[str, dict[str, list]] = {}
        self._occurrences_ok = False
        self._base = 0
        self._swap = False
        try:
            with open(self.path, "rb") as fh:
                start = fh.read(12)
                if len(start) < 12 or start[:4] != MAGIC:
                    raise HotDamaged(self.path, "garbled (not a hot postings file)")
                length, crc = struct.unpack("<II", start[4:])
                head = fh.read(length)
                size = os.fstat(fh.fileno()).st_size
        except FileNotFoundError:
            return
        if len(head) != length or zlib.crc32(head) != crc:
            raise HotDamaged(self.path, "garbled (header checksum mismatch)")
        header = orjson.loads(head)  # a third of json's time; parsed on every search that reads a hot term
        if header.get("format") != FORMAT:
            return
        self._base = 12 + length
        if size != self._base + header["length"]:
            raise HotDamaged(self.path, f"truncated ({size} bytes, {self._base + header['length']} written)")
        self.terms = header["terms"]
        self._occurrences_ok = header.get("position_bits") == POSITION_BITS
        self._swap = header["byteorder"] != sys.byteorder

    def postings(self, fieldname: str, text: str) -> tuple[array, array, array] | None:
        """(docnums within the segment, the docnums whose weight is not 1, their
        weights), or None when the term is not hot here."""
        entry = self.terms.get(fieldname, {}).get(text)
        if entry is None:
            return None
        offset, count, heavy, _, crc, _ = entry
        with open(self.path, "rb") as fh:
            raw = os.pread(fh.fileno(), 4 * (count + 2 * heavy), self._base + offset)
        if zlib.crc32(raw) != crc:
            raise HotDamaged(self.path, f"garbled (checksum mismatch in {fieldname}:{text})")
        docnums, heavy_docnums, heavy_weights = array("I"), array("I"), array("f")
        docnums.frombytes(raw[: 4 * count])
        heavy_docnums.frombytes(raw[4 * count: 4 * (count + heavy)])
        heavy_weights.frombytes(raw[4 * (count + heavy):])
        if self._swap:
            for values in (docnums, heavy_docnums, heavy_weights):
                values.byteswap()
        return docnums, heavy_docnums, heavy_weights

    def count(self, fieldname: str, text: str) -> int | None:
        """How many postings a frequent term has in the segment (nothing read: the header says), or None."""
        entry = self.terms.get(fieldname, {}).get(text)
        return None if entry is None else entry[1]

    def occurrences(self, fieldname: str, text: str) -> array | None:
        """Every occurrence of a frequent term as docnum << POSITION_BITS | position, or None."""
        entry = self.terms.get(fieldname, {}).get(text)
        if entry is None or entry[3] < 0 or not self._occurrences_ok:
            return None
        offset, count, heavy, n, _, crc = entry
        start = self._base + offset + 4 * (count + 2 * heavy)
        with open(self.path, "rb") as fh:
            raw = os.pread(fh.fileno(), n * 8, start)
        if zlib.crc32(raw) != crc:
            raise HotDamaged(self.path, f"garbled (checksum mismatch in {fieldname}:{text} occurrences)")
        keys = array("Q")
        keys.frombytes(raw)
        if self._swap:
            keys.byteswap()
        return keys
