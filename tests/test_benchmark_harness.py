"""The benchmark harness runs end to end at a small size, so it cannot rot.

Times are not asserted (CI machines are noisy); the harness must run from the
repository root with its documented command and write a table holding every
figure: crawl (knead and bare Scrapy), index build, each query kind, and
`knead search` as a whole process, each beside its reference.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_harness_writes_every_row(tmp_path):
    out = tmp_path / "bench"
    result = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.run", "--sizes", "1000", "--quick", "--build-runs", "1",
         "--rounds", "1", "--cli-runs", "1", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    if str(REPO) not in sys.path:  # the harness is a package of the repository, not of the tests directory
        sys.path.insert(0, str(REPO))
    from tests.benchmarks import report

    table = (out / "results.md").read_text(encoding="utf-8")
    rows = json.loads((out / "results.json").read_text(encoding="utf-8"))["rows"]
    expected = [*report.CRAWL_ROWS, *report.BUILD_ROWS]
    for kind in report.KINDS:
        expected += [f"query {kind} p50 ms", f"query {kind} p95 ms", f"query {kind} CPU p95 ms"]
    for kind in report.CLI_KINDS:
        expected += [f"knead search {kind} s", f"knead search {kind} CPU s"]
    assert [r["figure"] for r in rows] == expected
    for figure in expected:
        assert f"| 1,000 | {figure} |" in table
    assert all(r["knead"] is not None and r["knead"] > 0 for r in rows)
    crawl = next(r for r in rows if r["figure"] == "crawl pages/s")
    assert crawl["reference"] > 0  # the bare spider crawled the same pages
    size = json.loads((out / "results.json").read_text(encoding="utf-8"))["sizes"]["1000"]
    assert size["crawl"]["knead"]["pages"] == size["crawl"]["bare"]["pages"] > 1000
    # knead and both references found the same number of listings for every query.
    assert all(t["knead"] == t["fts5"] == t["strong"] for t in size["queries"]["totals"])
    # Every figure but the crawl's is also measured on the strong SQLite reference.
    assert all((r["strong"] or 0) > 0 for r in rows if not r["figure"].startswith("crawl"))


def test_merge_benchmark_measures_and_scores():
    """The merge benchmark (tests/benchmarks/merge_bench.py) at 1,000 listings, in process: every
    column of its table, the index built from the merged results, and a score its truth can check."""
    import argparse

    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from index.merge import MergeResult
    from tests.benchmarks import merge_bench, merge_report
    from tests.benchmarks.measure import summary
    from tests.benchmarks.merge_corpus import merge_corpus
    from tests.benchmarks.merge_quality import score

    figures = merge_bench.child(argparse.Namespace(size=1000, seed=7, runs=1, profile=False, no_build=False))
    figures["merge"] = summary(figures["merge_s"])
    table = merge_report.markdown({"command": "test", "started": "now", "commit": "working tree",
                                   "sizes": {"1000": figures}})
    assert "| size | " + " | ".join(merge_report.COLUMNS[1:]) + " |" in table
    row = next(line for line in table.splitlines() if line.startswith("| 1,000 | "))
    assert row.count("|") == len(merge_report.COLUMNS) + 1 and " - |" not in row
    assert figures["build_docs"] == figures["results"] > 0  # every merged result was indexed
    assert {s.split(":")[0] for s in figures["sources"]} == {"amta", "nppes", "sites", "roster"}
    assert figures["quality"]["listings"] == sum(figures["sources"].values()) == 1000

    corpus = merge_corpus(1000)
    assert corpus.listings == merge_corpus(1000).listings != merge_corpus(1000, seed=8).listings
    assert set(corpus.truth) == {row["id"] for row in corpus.listings}
    # The scorer on known answers: the truth itself is perfect and merges no trap; one result for
    # everyone finds every pair, is right about few, and merges every trap.
    perfect = score(corpus, MergeResult([], dict(corpus.truth)))
    assert (perfect["precision"], perfect["recall"]) == (1.0, 1.0)
    assert all(t["merged"] == 0 and t["pairs"] > 0 for t in perfect["traps"].values())
    lumped = score(corpus, MergeResult([], dict.fromkeys(corpus.truth, "all")))
    assert lumped["recall"] == 1.0 and lumped["precision"] < 0.01
    assert all(t["merged"] == t["pairs"] for t in lumped["traps"].values())
