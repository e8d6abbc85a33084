"""Building, publishing and opening index generations.

Layout under the index root::

    CURRENT            "gen-000007": the generation searches open
    gen-000005/        earlier generations, kept for rollback (the last KEEP in all)
    gen-000006/
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
doc count, facet order, the manifest of every other file with its size and
checksum, and a `note` from the caller saying what the generation was built
from) is written here, last. Opening and checking the served generation is
`index.search.served`.

`serve` points CURRENT at a kept generation (for `knead rollback`, which picks
it by its note); `retire` marks generations that must never be served again
(a file `knead-retired` in them), and the next build deletes them.

The listings live beside Whoosh rather than in a stored field: Whoosh pickles
stored values (bytes grow by half under its pickle protocol) and keeps them
uncompressed otherwise; here they take ~0.25-0.7 KB a listing instead of
1.4 KB (zlib with a preset dictionary drawn from the listings themselves), and
a page of results reads only its own listings.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.search import document
from index.search.crashpoint import crash_point
from index.search.schema import SCHEMA_VERSION
from index.search.served import (  # noqa: F401  (re-exported: what callers open and catch)
    GEN_NAME,
    Generation,
    IndexDamaged,
    IndexMissing,
    IndexOutdated,
    current_generation,
    gen_name,
    manifest,
    open_generation,
)
from index.search.sidecars import CURRENT, META

# Generations kept on disk (the served one and those before it), for rollback.
KEEP = 3
RETIRED = "knead-retired"


class BuildError(Exception):
    """A build that could not be published; the previous generation still serves."""


@dataclass(frozen=True)
class BuildResult:
    generation: int
    path: Path
    doc_count: int
    seconds: float
    skipped: int = 0  # listings rejected by validation (no usable id)
    findable: int = 0  # documents a search shows without --include-stale


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


def _existing(index_root: Path) -> list[tuple[int, Path]]:
    found = []
    for child in index_root.iterdir():
        m = GEN_NAME.match(child.name)
        if m and child.is_dir():
            found.append((int(m.group(1)), child))
    return sorted(found)


# The listings the compression dictionary is drawn from: the first ones read. Until then they
# are held as JSON; after, each is compressed as soon as it is cleaned (a build of 500,000
# listings holds a fifth of the bytes it would as JSON).
ZDICT_FROM = 4096


def _collect(listings: Iterable[Mapping[str, Any]]) -> tuple[list[tuple[tuple, bytes]], bytes, int, int]:
    """Clean, de-duplicate (the last occurrence of an id wins) and compress, in name order: (sort
    key, listing packed by `document.StoredCodec`) pairs; also the compression dictionary and the
    number of listings skipped and of stale ones."""
    by_id: dict[str, tuple[tuple, bytes]] = {}
    stale: set[str] = set()
    skipped = 0
    pending: list[tuple[str, tuple, bytes]] = []  # JSON, until the dictionary is drawn
    pack = None
    for raw in listings:
        if isinstance(raw, Mapping) and raw.get("verification_only") is True:
            continue  # a roster row with no address: it verifies licences, it is not a listing to find
        try:
            listing = document.clean_listing(raw)
        except document.InvalidListing:
            skipped += 1
            continue
        if listing.get("stale"):
            stale.add(listing["id"])
        else:
            stale.discard(listing["id"])
        if pack is not None:
            by_id[listing["id"]] = (document.sort_key(listing), pack(document.dumps(listing)))
            continue
        pending.append((listing["id"], document.sort_key(listing), document.dumps(listing)))
        if len(pending) >= ZDICT_FROM:
            zdict, pack = _packer(pending, by_id)
    if pack is None:
        zdict, pack = _packer(pending, by_id)
    ordered = sorted(by_id.values(), key=lambda item: item[0])
    return ordered, zdict, skipped, len(stale)


def _packer(pending: list[tuple[str, tuple, bytes]], by_id: dict[str, tuple[tuple, bytes]]):
    """The dictionary drawn from `pending` (document.listing_zdict) and its packing function;
    `pending` packed into `by_id` and emptied."""
    zdict = document.listing_zdict(data for _, _, data in pending[:: max(1, len(pending) // 64)])
    pack = document.StoredCodec(zdict).pack
    for listing_id, key, data in pending:
        by_id[listing_id] = (key, pack(data))
    pending.clear()
    return zdict, pack


def build_index(listings: Iterable[Mapping[str, Any]], index_root: str | os.PathLike[str],
                workers: int | None = None, note: dict[str, Any] | None = None) -> BuildResult:
    """Build a new generation from `listings` and publish it atomically.

    `workers`: indexing processes for a large build (default: one per core,
    at most 4; see index.search.build). `note`: what the caller wants to
    know later about what the generation was built from (kept in its meta
    file, see `kept`). Raises BuildError (after removing the partial
    generation) when the build fails; the previously published generation is
    untouched.
    """
    import fcntl

    # Here, not at the top: searches never build, and index.search.build brings in
    # multiprocessing (~50 ms of a `knead search`).
    from index.search.build import gc_paused, release_freed_memory, write_generation

    started = time.monotonic()
    root = Path(index_root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time; released on close or death
        existing = _existing(root)
        number = (existing[-1][0] if existing else 0) + 1
        tmp = root / f"{gen_name(number)}.tmp"
        final = root / gen_name(number)
        try:
            with gc_paused():
                ordered, zdict, skipped, stale = _collect(listings)
                packed = [blob for _, blob in ordered]
                del ordered  # the sort keys: not needed once in order
                release_freed_memory()
                tmp.mkdir()
                written = write_generation(tmp, packed, workers, zdict=zdict)
            crash_point("build:generation-written")
            _verify(tmp, packed, zdict, written["segments"])
            meta = {
                "schema_version": SCHEMA_VERSION,
                "generation": number,
                "doc_count": len(packed),
                "facet_ids": written["facet_ids"],
                "byteorder": sys.byteorder,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "note": note or {},
                "files": manifest(tmp),
            }
            (tmp / META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
            _fsync_tree(tmp)
            os.rename(tmp, final)
            _fsync_path(root, directory=True)
            crash_point("build:generation-renamed")
            _publish(root, final.name)
            crash_point("build:generation-served")
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, Exception) and not isinstance(exc, BuildError):
                raise BuildError(f"index build failed, previous index kept: {exc}") from exc
            raise
        _prune(root)
        return BuildResult(number, final, len(packed), time.monotonic() - started, skipped, len(packed) - stale)


def _verify(path: Path, packed: list[bytes], zdict: bytes, segments: int) -> None:
    """The committed generation holds every document, in its segments, in our order."""
    from whoosh import index as whoosh_index
    from whoosh.query import Term

    from index.search.whoosh_private.writer import segment_count

    ix = whoosh_index.open_dir(str(path), readonly=True)
    with ix.searcher() as searcher:
        count = searcher.doc_count_all()
        if count != len(packed):
            raise BuildError(f"index holds {count} documents, expected {len(packed)}")
        found = segment_count(ix)
        if found != segments:
            raise BuildError(f"expected {segments} index segments, found {found}")
        # The first and last document of every segment: their numbers are the name order.
        bounds = set()
        for reader, base in searcher.reader().leaf_readers():
            bounds |= {base, base + reader.doc_count_all() - 1}
        unpack = document.StoredCodec(zdict).unpack
        for docnum in sorted(d for d in bounds if 0 <= d < count):
            listing_id = unpack(packed[docnum])["id"]
            if list(searcher.docs_for_query(Term("id", listing_id))) != [docnum]:
                raise BuildError("document order differs from insertion order")


def _publish(root: Path, name: str) -> None:
    tmp = root / f"{CURRENT}.tmp"
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    crash_point("build:pointer-written")
    os.replace(tmp, root / CURRENT)
    _fsync_path(root, directory=True)


def _prune(root: Path) -> None:
    """Keep the newest KEEP complete generations (the served one always); delete the others,
    retired ones and leftovers of crashed builds."""
    try:
        live = current_generation(root)
    except IndexDamaged:
        live = None
    others = 0
    for number, path in reversed(_existing(root)):
        usable = not path.name.endswith(".tmp") and not (path / RETIRED).exists()
        if number == live or (usable and others < KEEP - 1):
            others += number != live
            continue
        shutil.rmtree(path, ignore_errors=True)


def kept(index_root: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The generations on disk, oldest first: number, built_at, doc_count, note, retired
    (a generation whose meta file is unreadable is listed with `damaged`)."""
    out = []
    for number, path in _existing(Path(index_root)):
        if path.name.endswith(".tmp"):
            continue
        entry: dict[str, Any] = {"number": number, "retired": (path / RETIRED).exists()}
        try:
            meta = json.loads((path / META).read_bytes())
            entry.update(built_at=meta.get("built_at"), doc_count=meta.get("doc_count"), note=meta.get("note") or {})
        except (OSError, ValueError, AttributeError):
            entry["damaged"] = True
        out.append(entry)
    return out


def serve(index_root: str | os.PathLike[str], number: int) -> None:
    """Point CURRENT at kept generation `number` (it must be complete and not retired)."""
    import fcntl

    from index.search.served import check_files, read_meta

    root = Path(index_root)
    with open(root / ".build.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = root / gen_name(number)
        if (path / RETIRED).exists():
            raise IndexMissing(f"Generation {number} was rolled back; it is not served again")
        check_files(path, read_meta(path))
        _publish(root, path.name)


def retire(index_root: str | os.PathLike[str], numbers: Iterable[int]) -> None:
    """Mark generations never to be served again (they held a publish that was undone)."""
    root = Path(index_root)
    for number in numbers:
        path = root / gen_name(number)
        if path.is_dir():
            (path / RETIRED).touch()


