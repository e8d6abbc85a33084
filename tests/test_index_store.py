"""index.search.generations: generations, atomic publication, failure handling and validation."""

from __future__ import annotations

import threading

import pytest
from conftest import make_listings

from index.model import text
from index.search.engine import SearchRequest, search
from index.search.generations import (
    BuildError,
    IndexMissing,
    build_index,
    current_generation,
    open_generation,
)
from index.search.sidecars import CURRENT


def _gens(root):
    return sorted(p.name for p in root.iterdir() if p.name.startswith("gen-"))


def test_build_publishes_generations_and_keeps_the_last_three(tmp_path):
    root = tmp_path / "index"
    listings = make_listings(30, seed=9)
    first = build_index(listings, root)
    assert (first.generation, first.doc_count, first.skipped) == (1, 30, 0)
    assert first.path == root / "gen-000001" and current_generation(root) == 1
    for expected in (2, 3, 4):
        assert build_index(listings[: 10 * expected - 10], root).generation == expected
    assert _gens(root) == ["gen-000002", "gen-000003", "gen-000004"]
    assert (root / CURRENT).read_text() == "gen-000004\n"
    assert search(root, SearchRequest(limit=None)).total == 30


def test_segments_are_not_compound(tmp_path):
    result = build_index(make_listings(20, seed=2), tmp_path / "index")
    names = [p.name for p in result.path.iterdir()]
    assert not any(n.endswith(".seg") for n in names), names
    assert any(n.endswith(".trm") for n in names) and any(n.endswith(".pst") for n in names)


def test_failed_build_keeps_previous_generation_serving(tmp_path):
    root = tmp_path / "index"
    build_index(make_listings(25, seed=4), root)

    def broken():
        yield from make_listings(10, seed=5)
        raise OSError("store went away")

    with pytest.raises(BuildError, match="previous index kept"):
        build_index(broken(), root)
    assert _gens(root) == ["gen-000001"] and current_generation(root) == 1
    assert search(root, SearchRequest(limit=None)).total == 25
    assert build_index(make_listings(5, seed=6), root).generation == 2  # the failed number is free again


def test_duplicates_are_removed_last_wins_and_bad_listings_skipped(tmp_path):
    listings = make_listings(10, seed=1)
    changed = dict(listings[3], name="Zelda Changed")
    bad = [{"name": "no id"}, {"id": ""}, "not a dict", {"id": 42, "name": 7, "techniques": "swedish",
                                                        "lat": "north", "bio": "x\x00" * 30_000}]
    result = build_index(listings + [changed] + bad, tmp_path / "index")
    assert (result.doc_count, result.skipped) == (11, 3)
    rows = search(tmp_path / "index", SearchRequest(limit=None)).results
    assert sum(r["id"] == changed["id"] for r in rows) == 1
    assert [r["name"] for r in rows if r["id"] == changed["id"]] == ["Zelda Changed"]
    coerced = next(r for r in rows if r["id"] == "42")
    assert coerced["name"] == "7" and coerced["techniques"] == ["swedish"] and coerced["lat"] is None
    assert len(coerced["bio"]) == text.MAX_BIO and "\x00" not in coerced["bio"]


def test_empty_build_and_missing_index(tmp_path):
    root = tmp_path / "index"
    with pytest.raises(IndexMissing):
        open_generation(root)
    build_index([], root)
    assert open_generation(root).meta["doc_count"] == 0
    assert search(root, SearchRequest(query="massage")).total == 0


def test_searches_during_rebuilds_always_see_one_complete_index(tmp_path):
    root = tmp_path / "index"
    sizes = (60, 90, 120, 150)
    build_index(make_listings(sizes[0], seed=1), root)
    seen, errors, stop = [], [], threading.Event()

    def searcher():
        while not stop.is_set():
            try:
                result = search(root, SearchRequest(limit=None))
                seen.append((result.generation, result.total, len(result.results)))
            except Exception as exc:  # noqa: BLE001 - any error fails the test
                errors.append(repr(exc))

    thread = threading.Thread(target=searcher)
    thread.start()
    try:
        for size in sizes[1:] * 2:
            build_index(make_listings(size, seed=1), root)
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert seen
    size_of = {1: 60, 2: 90, 3: 120, 4: 150, 5: 90, 6: 120, 7: 150}
    for generation, total, shown in seen:
        assert total == shown == size_of[generation]
