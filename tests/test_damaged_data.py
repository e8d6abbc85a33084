"""A damaged data directory: a one-line error naming the file and the way out, never a traceback
or a silently wrong answer.

One data directory is built once (a store of record and an index whose
frequent terms have hot-postings sidecars); each test copies it, damages one
file the way a full disk, a crash or a bad copy would, and runs `knead search`,
`knead status` and `knead reindex` as a user would.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import make_listings, store_listings
from knead_proc import run_knead, search_ids

from index.records.datadir import DataDir
from index.records.publish import rebuild_index
from index.search.sidecars import COORDS, CURRENT, FACETS, LISTINGS, META, OFFSETS

QUERY = "massage"  # in every bio: a hot term


@pytest.fixture(scope="module")
def healthy(tmp_path_factory):
    from index.search.whoosh_private import hot

    data_dir = DataDir(tmp_path_factory.mktemp("healthy")).ensure()
    stored = store_listings(data_dir, make_listings(300, seed=5))
    assert len(stored) == 300
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hot, "HOT_MIN", 20)  # so 300 listings have hot terms
        built = rebuild_index(data_dir)  # merged (issue 15), as `knead reindex` builds it again below
    expected = search_ids(data_dir.root, QUERY)
    assert len(expected) == built.doc_count
    return data_dir.root, expected


def copy(healthy, tmp_path):
    return shutil.copytree(healthy[0], tmp_path / "data")


def generation(data):
    return data / "index" / (data / "index" / CURRENT).read_text().strip()


def truncate(path, keep: float = 0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def flip(path, at: float = 0.6):
    data = bytearray(path.read_bytes())
    i = int(len(data) * at)
    data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def hot_file(data):
    return next(generation(data).glob("knead-hot-*.bin"))


def flip_hot_term(data, term: str = "massag"):
    """Change one byte inside the postings of `term` (stemmed) in the hot sidecar (the file's size stays)."""
    import json

    path = hot_file(data)
    raw = bytearray(path.read_bytes())
    length = int.from_bytes(raw[4:8], "little")
    header = json.loads(raw[12:12 + length])
    entries = [terms[term] for terms in header["terms"].values() if term in terms]
    assert entries
    for entry in entries:  # in every field that has it
        raw[12 + length + entry[0] + 4 * entry[1] // 2] ^= 0x5A
    path.write_bytes(bytes(raw))


def largest_segment_file(data):
    files = [p for p in generation(data).iterdir() if p.suffix in (".pst", ".trm", ".seg", ".fdt", ".vps", ".dci")]
    return max(files, key=lambda p: p.stat().st_size)


def assert_one_line_error(result, file_name: str, way_out: str):
    assert result.returncode == 1, (result.stdout[-500:], result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert file_name in lines[0] and way_out in lines[0], lines[0]
    assert "Traceback" not in result.stderr


# (what is damaged, how, the file named)
INDEX_DAMAGE = [
    ("hot sidecar truncated", lambda d: truncate(hot_file(d), 0.9), lambda d: hot_file(d).name),
    ("hot sidecar garbled in a term's arrays", flip_hot_term, lambda d: hot_file(d).name),
    ("hot sidecar garbled in its header", lambda d: flip(hot_file(d), 0.001), lambda d: hot_file(d).name),
    ("hot sidecar missing", lambda d: hot_file(d).unlink(), lambda d: "knead-hot-"),
    ("coordinates sidecar missing", lambda d: (generation(d) / COORDS).unlink(), lambda d: COORDS),
    ("facet bitmaps garbled", lambda d: flip(generation(d) / FACETS), lambda d: FACETS),
    ("offsets garbled", lambda d: flip(generation(d) / OFFSETS, 0.3), lambda d: OFFSETS),
    ("listings truncated", lambda d: truncate(generation(d) / LISTINGS), lambda d: LISTINGS),
    ("meta file missing", lambda d: (generation(d) / META).unlink(), lambda d: META),
    ("meta file garbled", lambda d: (generation(d) / META).write_text("{\"schema_ver"), lambda d: META),
    ("segment truncated", lambda d: truncate(largest_segment_file(d)), lambda d: largest_segment_file(d).name),
    ("CURRENT corrupt", lambda d: (d / "index" / CURRENT).write_bytes(b"\x00\xffgarbage"), lambda d: CURRENT),
    ("generation directory gone", lambda d: shutil.rmtree(generation(d)), lambda d: "gen-000001"),
]


@pytest.mark.parametrize(("what", "damage", "named"), INDEX_DAMAGE, ids=[case[0] for case in INDEX_DAMAGE])
def test_a_damaged_index_file_is_named_with_the_way_out_and_reindex_repairs_it(healthy, tmp_path, what, damage, named):
    data = copy(healthy, tmp_path)
    name = named(data)  # before the damage: a deleted file can no longer be looked up
    damage(data)
    searched = run_knead("search", QUERY, "--all", "--format", "json", data_dir=data)
    assert_one_line_error(searched, name, "knead reindex")
    status = run_knead("status", "--format", "text", data_dir=data)
    assert_one_line_error(status, name, "knead reindex")
    assert "Data directory:" in status.stdout  # what it can tell, it still tells
    repaired = run_knead("reindex", data_dir=data)
    assert repaired.returncode == 0, repaired.stderr
    assert search_ids(data, QUERY) == healthy[1]


def test_a_garbled_listing_record_is_an_error_not_a_wrong_listing(healthy, tmp_path):
    data = copy(healthy, tmp_path)
    path = generation(data) / LISTINGS
    raw = bytearray(path.read_bytes())
    for i in range(len(raw) // 3, len(raw) // 3 + 40):  # one listing's compressed bytes
        raw[i] ^= 0x33
    path.write_bytes(bytes(raw))
    assert_one_line_error(run_knead("search", QUERY, "--all", "--format", "json", data_dir=data),
                          LISTINGS, "knead reindex")


@pytest.mark.parametrize("how", ["garbage header", "truncated"])
def test_a_damaged_store_of_record_is_named_with_the_way_out(healthy, tmp_path, how):
    data = copy(healthy, tmp_path)
    store = data / "records.sqlite3"
    if how == "garbage header":
        raw = bytearray(store.read_bytes())
        raw[:16] = b"not a database!!"
        store.write_bytes(bytes(raw))
    else:
        truncate(store, 0.4)
    for command in (("reindex",), ("status", "--format", "text"), ("rollback",), ("crawl", "--sample-size", "10")):
        result = run_knead(*command, data_dir=data)
        assert_one_line_error(result, "records.sqlite3", "restore it from a backup")
    # The index does not depend on the store: searches still give the right answers.
    assert search_ids(data, QUERY) == healthy[1]
