"""The benchmark harness runs end to end at a small size, so it cannot rot.

Times are not asserted (CI machines are noisy); the harness must run from the
repository root with its documented command and write a table holding every
figure: crawl (knead and bare Scrapy), the index build (merge included), each
query kind, `knead search` as a whole process for every kind, each beside the
references, and `knead import nppes` of a bulk file; every target judged.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _harness():
    if str(REPO) not in sys.path:  # the harness is a package of the repository, not of the tests directory
        sys.path.insert(0, str(REPO))
    from tests.benchmarks import report

    return report


def test_harness_writes_every_row(tmp_path):
    out = tmp_path / "bench"
    # As cheap as every row allows: one size (crawled for the crawl rows; indexed: the generated store
    # with every source, so the merge has work), one query per kind and one round,
    # one run of each process and no warm-up run, a 2,000-row bulk file.
    result = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.run", "--sizes", "1000", "--quick", "--build-runs", "1",
         "--rounds", "1", "--cli-runs", "1", "--no-cli-warm", "--import-rows", "2000", "--store-from", "truth",
         "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = _harness()

    table = (out / "results.md").read_text(encoding="utf-8")
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    rows = results["rows"]
    expected = [*report.CRAWL_ROWS, *report.BUILD_ROWS]
    for kind in report.KINDS:
        expected += [f"query {kind} p50 ms", f"query {kind} p95 ms", f"query {kind} CPU p95 ms"]
    for kind in report.CLI_KINDS:
        expected += [f"knead search {kind} s", f"knead search {kind} CPU s"]
    assert [r["figure"] for r in rows] == expected + list(report.IMPORT_ROWS)
    for figure in expected:
        assert f"| 1,000 | {figure} |" in table
    for figure in report.IMPORT_ROWS:
        assert f"| 2,000 rows | {figure} |" in table
    assert all(r["knead"] is not None and r["knead"] > 0 for r in rows)
    # Every target is judged (but the crawl's memory: "flat as the crawl grows" needs two crawls),
    # and the table's summary names each one missed.
    assert all(r["met"] in (True, False) for r in rows if r["target"] and r["figure"] != "crawl peak RSS MB")
    for r in rows:
        if r["met"] is False:
            assert f"{r['size_text']} {r['figure']} (" in table.split("Targets:")[1]
    crawl = next(r for r in rows if r["figure"] == "crawl pages/s")
    assert crawl["reference"] > 0  # the bare spider crawled the same pages
    size = results["sizes"]["1000"]
    assert size["crawl"]["knead"]["pages"] == size["crawl"]["bare"]["pages"] > 1000
    # The build is `knead reindex`'s (merge included), and both references indexed what it served
    # (but the stale results, which knead hides unless asked).
    assert size["build"]["findable"] == size["fts5_build"]["docs"] == size["strong_build"]["docs"] > 0
    assert size["store_from"] == "merged" and size["build"]["listings"] == 1000 > size["build"]["docs"]
    # knead and both references found the same number of listings for every query.
    assert size["totals_disagree"] == [] and "all agree." in table
    assert all(t["knead"] == t["fts5"] == t["strong"] for t in size["queries"]["totals"])
    # Every figure but the crawl's and the import's is also measured on both references.
    assert all((r["strong"] or 0) > 0 and (r["reference"] or 0) > 0 for r in rows
               if not r["figure"].startswith(("crawl", "import")))
    imported = results["import"]
    assert imported["no_index"]["rows"] == 2000 and imported["no_index_tenth"]["rows"] == 200
    assert "2,000 rows read" in imported["with_index"]["output"]


def test_growth_rows_give_the_exponent_and_flag_faster_than_linear():
    """From 1,000 to 5,000 listings: a figure 5x larger grew linearly (1.00), 25x is flagged (2.00)."""
    report = _harness()

    def size(n: int, slow: float, build: float) -> dict:
        times = {kind: {"knead_cpu": [slow if kind == "text" else 2.0], "strong_cpu": [1.0 * n / 1000]}
                 for kind in report.KINDS}
        figures = {"seconds": [build], "cpu_seconds": [build], "peak_tree_mb": [100.0], "peak_rss_mb": [90.0]}
        return {"size": n, "build": {**figures, "size_mb": build, "listings": n},
                "strong_build": {**figures, "size_mb": build}, "queries": {"times_ms": times}}

    rows = {r["figure"]: r for r in report.growth_rows({"1000": size(1000, 1.0, 10.0), "5000": size(5000, 25.0, 50.0)})}
    assert set(rows) == {f"growth of {figure}" for figure in report.GROWTH_FIGURES}
    text = rows["growth of query text CPU p95 ms"]
    assert (text["knead_text"], text["strong_text"], text["met"], text["size_text"]) == ("2.00", "1.00", False, "1,000 -> 5,000")
    assert (rows["growth of build s"]["knead_text"], rows["growth of build s"]["met"]) == ("1.00", True)
    assert rows["growth of build peak memory MB"]["knead_text"] == "0.00"
    assert rows["growth of query facets CPU p95 ms"]["knead_text"] == "0.00"
    assert rows["growth of build s"]["reference"] is None  # no FTS5 reference at these sizes


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
