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
    # Both engines found the same number of listings for every query.
    assert all(t["knead"] == t["fts5"] for t in size["queries"]["totals"])
