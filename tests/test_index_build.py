"""index.search.build: a build split over processes answers every search exactly as a one-process build."""

from __future__ import annotations

import pytest
from conftest import make_listings, store_listings

from index.records.datadir import DataDir
from index.search import document
from index.search.engine import SearchRequest, search
from index.search.generations import BuildError, build_index, open_generation

HARTFORD = (41.7672, -72.676)

REQUESTS = [
    SearchRequest(limit=None),
    SearchRequest(query="pain", limit=None),
    SearchRequest(query="low back pain", limit=None),
    SearchRequest(query='"neck pain"', limit=None),
    SearchRequest(query='"low back pain" OR "pain in the neck"', limit=None),  # phrases from occurrences
    SearchRequest(query='"pain pain" OR "back pain"', limit=None),
    SearchRequest(query="cranio sacral headaches", limit=None),
    SearchRequest(query="Anthem OR Aetna", limit=None),
    SearchRequest(query="pain NOT neck", limit=None),  # Whoosh's own matchers, across segments
    SearchRequest(query="boston denver"),  # relaxed to OR: each word matches, never together
    SearchRequest(query="massage", techniques=("deep-tissue",), insurance=("aetna", "bcbs"), limit=None),
    SearchRequest(techniques=("acupressure",), limit=None),
    SearchRequest(state="CT", sort="name", limit=None),
    SearchRequest(near=HARTFORD, radius_miles=40.0, limit=None),
    SearchRequest(query="pain", near=HARTFORD, radius_miles=120.0, sort="distance", limit=None),
    SearchRequest(accepts_insurance=True, language="spanish", limit=7),
]


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The same 400 listings built in one process without hot postings (400
    listings have no term with index.search.whoosh_private.hot.HOT_MIN postings), in three with
    them (every term with 10 postings is hot), and in one with them."""
    from index.search.whoosh_private import hot

    listings = make_listings(400, seed=3)
    roots = {}
    for name, workers, hot_min in (("plain", 1, hot.HOT_MIN), ("three", 3, 10), ("hot", 1, 10)):
        data_dir = DataDir(tmp_path_factory.mktemp(name)).ensure()
        stored = store_listings(data_dir, listings)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(hot, "HOT_MIN", hot_min)
            result = build_index(stored, data_dir.index_root, workers=workers)
        assert result.doc_count == 400
        roots[name] = data_dir.index_root
    return roots


def test_the_parallel_build_has_one_segment_per_worker_in_name_order(builds):
    one, three = (open_generation(builds[n]) for n in ("plain", "three"))
    assert (len(one.index._segments()), len(three.index._segments())) == (1, 3)
    assert one.meta["doc_count"] == three.meta["doc_count"] == 400
    for name in ("knead-listings.bin", "knead-offsets.bin", "knead-coords.bin", "knead-facets.bin", "knead-words.txt"):
        assert (one.path / name).read_bytes() == (three.path / name).read_bytes(), name
    keys = [document.sort_key(row) for row in search(builds["three"], SearchRequest(sort="name", limit=None)).results]
    assert keys == sorted(keys) and len(keys) == 400


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: r.query or ",".join(k for k, v in vars(r).items() if v))
@pytest.mark.parametrize("build", ["three", "hot"])
def test_every_search_answers_the_same_from_segments_and_hot_postings(builds, request_, build):
    one, other = search(builds["plain"], request_), search(builds[build], request_)
    assert one.total and one.total == other.total
    assert [r["id"] for r in one.results] == [r["id"] for r in other.results]
    assert [r["score"] for r in one.results] == [r["score"] for r in other.results]
    assert one.facets == other.facets and one.relaxed == other.relaxed


def test_hot_postings_hold_the_frequent_terms_of_each_segment(builds):
    from index.search.whoosh_private.hot import POSITION_BITS, HotPostings

    gen = open_generation(builds["three"])
    with gen.index.searcher() as searcher:
        leaves = searcher.reader().leaf_readers()
        assert len(leaves) == 3
        heavy_seen = 0
        for reader, _ in leaves:
            table = HotPostings(gen.path, reader.segment().segment_id())
            assert {"text", "techniques", "geo", "accepts_insurance"} <= set(table.terms)
            for fieldname, terms in table.terms.items():
                for text in terms:
                    docnums, heavy_docnums, heavy_weights = table.postings(fieldname, text)
                    m = reader.postings(fieldname, text)
                    items = list(m.items_as("weight"))
                    assert list(docnums) == [d for d, _ in items], (fieldname, text)
                    assert list(zip(heavy_docnums, heavy_weights)) == [(d, w) for d, w in items if w != 1.0]
                    heavy_seen += len(heavy_docnums)
                    assert len(docnums) >= 10
                    occurrences = table.occurrences(fieldname, text)
                    if fieldname == "text":
                        m = reader.postings(fieldname, text)
                        expected = [d << POSITION_BITS | p for d, v in m.items_as("positions") for p in v]
                        assert list(occurrences) == expected, text
                    else:
                        assert occurrences is None
        assert heavy_seen  # words twice in a listing: weights other than 1 are kept
    plain = open_generation(builds["plain"])
    assert not list(plain.path.glob("knead-hot-*")) or all(
        not HotPostings(plain.path, p.name[len("knead-hot-"):-4]).terms for p in plain.path.glob("knead-hot-*"))


def test_a_hot_postings_file_of_another_format_is_ignored(tmp_path):
    """Searches then read every term from Whoosh: the same answers, never garbage."""
    import json
    import zlib

    from index.search.whoosh_private import hot

    root = tmp_path / "index"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hot, "HOT_MIN", 10)
        built = build_index(make_listings(200, seed=6), root)
    request = SearchRequest(query='pain "low back"', limit=None)
    before = search(root, request)
    (path,) = built.path.glob("knead-hot-*.bin")
    raw = path.read_bytes()
    length = int.from_bytes(raw[4:8], "little")
    header = json.loads(raw[12:12 + length])
    assert header["terms"] and header["format"] == hot.FORMAT
    header["format"] = hot.FORMAT + 1  # one digit more or less would change the file's size: damage
    head = json.dumps(header).encode()
    assert len(head) == length
    path.write_bytes(raw[:4] + len(head).to_bytes(4, "little") + zlib.crc32(head).to_bytes(4, "little")
                     + head + raw[12 + length:])
    after = search(root, request)
    assert (after.total, [r["id"] for r in after.results]) == (before.total, [r["id"] for r in before.results])


def test_a_failure_in_a_child_process_fails_the_whole_build(tmp_path):
    """The part a child indexes fails: the build raises (it never publishes a partial index)."""
    from index.search.build import write_generation

    ordered = [document.dumps(document.clean_listing(x)) for x in make_listings(40, seed=4)]
    ordered[30] = b"{not json"  # in the second half: the child's part
    (tmp_path / "gen").mkdir()
    with pytest.raises(ValueError):  # orjson.JSONDecodeError
        write_generation(tmp_path / "gen", ordered, workers=2)
    # The parent's writer let go of Whoosh's lock: another writer can start.
    from whoosh import index as whoosh_index

    whoosh_index.open_dir(str(tmp_path / "gen")).writer().cancel()


def test_a_failed_build_keeps_the_previous_index(tmp_path, monkeypatch):
    from index.search import build

    root = tmp_path / "index"
    build_index(make_listings(10, seed=4), root)
    monkeypatch.setattr(build, "_write_sidecars", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(BuildError, match="disk full"):
        build_index(make_listings(60, seed=4), root, workers=2)
    assert open_generation(root).meta["doc_count"] == 10
    assert sorted(p.name for p in root.iterdir() if p.name.startswith("gen-")) == ["gen-000001"]


def test_the_gathering_writer_writes_the_segment_whoosh_writes(tmp_path):
    """Same documents through Whoosh's SegmentWriter and index.search.whoosh_private.writer: the same
    terms, postings (blocks of 128 included) and files, byte for byte."""
    from whoosh import index as whoosh_index
    from whoosh.writing import SegmentWriter

    from index.search.schema import SCHEMA
    from index.search.whoosh_private.writer import GatheringWriter

    docs = []
    for listing in make_listings(700, seed=5):  # "massag" and the "any" cell span several blocks
        docs.append(document.to_document(document.clean_listing(listing)))
    readers = {}
    for name, writer_class in (("whoosh", SegmentWriter), ("gathering", GatheringWriter)):
        (tmp_path / name).mkdir()
        ix = whoosh_index.create_in(str(tmp_path / name), SCHEMA)
        with writer_class(ix, compound=False) as writer:
            for doc in docs:
                writer.add_document(**doc)
        readers[name] = whoosh_index.open_dir(str(tmp_path / name)).reader()
    theirs, ours = readers["whoosh"], readers["gathering"]
    terms = list(theirs.all_terms())
    assert terms == list(ours.all_terms()) and len(terms) > 1000
    multi_block = 0
    for fieldname, text in terms:
        postings = []
        for reader in (theirs, ours):
            m, items = reader.postings(fieldname, text), []
            while m.is_active():
                items.append((m.id(), m.weight(), m.value()))
                m.next()
            info = reader.term_info(fieldname, text)
            postings.append((items, info.doc_frequency(), info.weight(), info.max_weight(), info.min_id(), info.max_id()))
        assert postings[0] == postings[1], (fieldname, text)
        multi_block += len(postings[0][0]) > 128
    assert multi_block >= 5
    for ext in ("pst", "trm"):
        (a,), (b,) = ((tmp_path / name).glob(f"*.{ext}") for name in ("whoosh", "gathering"))
        assert a.read_bytes() == b.read_bytes(), ext


def test_a_build_with_other_threads_running_starts_fresh_interpreters(tmp_path):
    """`knead crawl` builds after Twisted's threads ran: no fork then (a lock held by another thread
    would be copied locked), spawn; the index is the same."""
    import threading

    from index.search import build

    stop = threading.Event()
    waiter = threading.Thread(target=stop.wait, daemon=True)
    waiter.start()
    try:
        assert build._process_context().get_start_method() == "spawn"
        result = build_index(make_listings(40, seed=8), tmp_path / "spawned", workers=2)
    finally:
        stop.set()
        waiter.join()
    assert build._process_context().get_start_method() == "fork"
    forked = build_index(make_listings(40, seed=8), tmp_path / "forked", workers=2)
    assert len(open_generation(tmp_path / "spawned").index._segments()) == 2
    for name in ("knead-listings.bin", "knead-facets.bin", "knead-coords.bin"):
        assert (result.path / name).read_bytes() == (forked.path / name).read_bytes()
    request = SearchRequest(query="pain", limit=None)
    assert [r["id"] for r in search(tmp_path / "spawned", request).results] == [
        r["id"] for r in search(tmp_path / "forked", request).results]
