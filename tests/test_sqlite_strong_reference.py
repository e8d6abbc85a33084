"""The strong SQLite benchmark reference answers exactly what knead answers, with the plans it claims.

A benchmark against a reference that counts differently, or whose match has
slipped into the inner loop of a join, would compare nothing: on a small
store of record from the sample generator, every query of the harness's set
gets knead's total and facet counts (and, outside relevance order, knead's
page), the `plan` command shows the full-text match or the R*Tree driving,
and the `search` script prints the same answer as `knead search`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # the harness is a package of the repository, not of the tests directory
    sys.path.insert(0, str(REPO))

from index.records.datadir import DataDir  # noqa: E402
from index.records.store import RecordStore  # noqa: E402
from index.search.engine import search as knead_search  # noqa: E402
from index.search.generations import build_index  # noqa: E402
from tests.benchmarks import corpus, queries, sqlite_strong  # noqa: E402


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("strong")
    root = DataDir.resolve(path)
    corpus.write_store(600, root)
    with RecordStore(root.records_path) as store:
        build_index(store.listings(), root.index_root)
    sqlite_strong.build(path)
    return path


def _script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tests.benchmarks.sqlite_strong", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("kind,options", queries.QUERIES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(queries.QUERIES)])
def test_same_answer_as_knead(data_dir, kind, options):
    root = DataDir.resolve(data_dir)
    request, reference = queries.prepare(options, root)
    mine = knead_search(root.index_root, request)
    with sqlite_strong.connect(data_dir) as conn:
        theirs = sqlite_strong.search(conn, **reference)
    assert theirs["total"] == mine.total  # at 600 listings one query (text, technique and --near) finds none
    assert theirs["facets"] == mine.facets
    if not request.query:  # bm25 and knead's TF-IDF rank differently; name and distance order must agree
        assert [r["id"] for r in theirs["results"]] == [r["id"] for r in mine.results]
    if request.near is not None:
        assert all(r["distance_miles"] <= request.radius_miles for r in theirs["results"])


def test_plans_let_the_match_or_the_rtree_drive(data_dir):
    result = _script("plan", "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr[-2000:]
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(entries) == len(queries.QUERIES) + 1
    for entry in entries[:-1]:
        plan, options = entry["plan"], entry["options"]
        if options.get("query"):
            assert plan == ["SCAN fts VIRTUAL TABLE INDEX 0:M1", "SEARCH l USING INTEGER PRIMARY KEY (rowid=?)"], entry
        elif options.get("near"):
            assert plan[0].startswith("SCAN geo VIRTUAL TABLE INDEX 2:") and plan[1].startswith("SEARCH l USING INTEGER PRIMARY KEY"), entry
        else:
            assert len(plan) == 1 and "fts" not in plan[0] and "geo" not in plan[0], entry
    assert entries[-1]["plan"] == ["SEARCH doc USING INTEGER PRIMARY KEY (rowid=?)"]


def test_search_script_prints_knead_search_answer(data_dir):
    result = _script("search", "--data-dir", str(data_dir), "--technique", "deep-tissue", "--insurance", "aetna")
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout)
    root = DataDir.resolve(data_dir)
    mine = knead_search(root.index_root, queries.prepare({"techniques": ("deep-tissue",), "insurance": ("aetna",)}, root)[0])
    assert out["total"] == mine.total > 0
    assert [r["id"] for r in out["results"]] == [r["id"] for r in mine.results]
    assert out["facets"] == mine.facets
