"""A generation written on a machine of the other byte order answers exactly as one written here.

The served generation reads its number sidecars (coordinates, listing
offsets, opening hours) as views of the file's bytes when the generation's
byte order is this machine's, and byte-swapped copies otherwise: the second
path is taken only for a copied index, so it is checked here against the first.
"""

from __future__ import annotations

import json
import shutil
import sys
from array import array

import pytest
from conftest import make_listings

from index.search.engine import search
from index.search.generations import build_index
from index.search.request import SearchRequest
from index.search.served import current_generation, gen_name, manifest
from index.search.sidecars import COORDS, HOURS, META, OFFSETS

HARTFORD = (41.7658, -72.6734)
REQUESTS = (
    SearchRequest(near=HARTFORD, radius_miles=60.0, sort="distance", limit=None),
    SearchRequest(query="massage", near=HARTFORD, radius_miles=60.0, limit=None),
    SearchRequest(query="massage", limit=None),
    SearchRequest(open_at=(5, 14 * 60 + 5), limit=None),  # Saturday 14:05: inside a part hour, spans read
)


def _swapped(data: bytes, *parts: tuple[str, int]) -> bytes:
    """`data` as consecutive runs of numbers (typecode, count; count -1: the rest), each byte-swapped."""
    out, at = b"", 0
    for typecode, count in parts:
        values = array(typecode)
        end = len(data) if count < 0 else at + count * values.itemsize
        values.frombytes(data[at:end])
        values.byteswap()
        out += values.tobytes()
        at = end
    return out


def _answers(index_root) -> list[tuple]:
    answers = []
    for request in REQUESTS:
        result = search(index_root, request)
        answers.append((result.total, [(r["id"], r.get("distance_miles"), r["score"]) for r in result.results],
                        result.facets, result.without_hours))
    return answers


@pytest.fixture(scope="module")
def native(tmp_path_factory):
    root = tmp_path_factory.mktemp("native") / "index"
    listings = make_listings(120, seed=11)
    for i, listing in enumerate(listings):
        listing["hours"] = (None, "Mo-Fr 09:00-17:30; Sa 10:00-14:15", "Sa 13:00-14:00")[i % 3]
    build_index(listings, root)
    return root


def test_a_generation_in_the_other_byte_order_gives_the_same_results(native, tmp_path):
    expected = _answers(native)
    assert expected[0][0] > 10 and expected[3][0] > 0  # distances and opening hours are really read
    foreign = shutil.copytree(native, tmp_path / "index")
    path = foreign / gen_name(current_generation(foreign))
    meta = json.loads((path / META).read_bytes())
    n = meta["doc_count"]
    for name, parts in ((COORDS, [("d", -1)]), (OFFSETS, [("Q", -1)]), (HOURS, [("I", n + 1), ("H", -1)])):
        (path / name).write_bytes(_swapped((path / name).read_bytes(), *parts))
    meta["byteorder"] = "big" if sys.byteorder == "little" else "little"
    meta["files"] = manifest(path)
    (path / META).write_text(json.dumps(meta), encoding="utf-8")
    assert _answers(foreign) == expected
