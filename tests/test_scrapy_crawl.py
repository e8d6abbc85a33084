"""`scrapy crawl amta` from the repository root does what `knead crawl amta` does.

People who know Scrapy run the spider directly (README). That crawl goes
through the same publish step (index.records.publish): the same gate, the
same merge into the store, the same new index generation, so it never stages
a crawl that is then silently left unpublished. It must also run clean: no
deprecation warning, and nothing left behind in the checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from knead_proc import run_knead

from spiders.sample_site import SampleSite, generate

REPO = Path(__file__).resolve().parents[1]
# Files a run may touch without leaving anything behind: caches Python itself keeps.
SKIPPED_PARTS = {".git", "__pycache__", ".pytest_cache", ".venv", "venv"}


def _tree() -> set[str]:
    return {
        str(p.relative_to(REPO)) for p in REPO.rglob("*")
        if not SKIPPED_PARTS & set(p.relative_to(REPO).parts) and not p.relative_to(REPO).parts[0].endswith(".egg-info")
    }


def _scrapy_crawl(url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KNEAD_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "amta", "-a", f"start_url={url}",
         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )


def _search_ids(data_dir: Path) -> list[str]:
    result = run_knead("search", "--all", "--format", "json", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    return sorted(row["id"] for row in json.loads(result.stdout)["results"])


def test_scrapy_crawl_publishes_through_the_same_gate_and_leaves_nothing_behind(tmp_path):
    data_dir = tmp_path / "data"
    before = _tree()
    big, small = generate(60, seed=5), generate(20, seed=5)
    with SampleSite(directory=big) as site:
        first = _scrapy_crawl(site.start_url, data_dir)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "deprecat" not in first.stderr.lower(), first.stderr[-3000:]
    assert "Published crawl 1:" in first.stderr
    visible = sorted(f"amta:{t['slug']}" for t in big.therapists if not t["hidden"])
    assert _search_ids(data_dir) == visible  # published and indexed, as `knead crawl` would

    # The same directory, now a third of its size (same scope: same host and start URL
    # whatever the port): the gate holds the crawl and people keep searching the last one.
    with SampleSite(directory=small) as site:
        second = _scrapy_crawl(site.start_url, data_dir)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Crawl 2 was not published, the index was left as it was: found" in second.stderr
    assert "under 80% of the" in second.stderr
    assert _search_ids(data_dir) == visible
    status = run_knead("status", "--format", "json", data_dir=data_dir)
    latest = json.loads(status.stdout)["sources"][0]["latest"]
    assert latest["status"] == "held" and latest["gate"]

    assert _tree() == before  # no .scrapy/, no HTTP cache or feed in the checkout
    assert (data_dir / "httpcache" / "amta.sqlite3").exists()  # the cache went to the data directory
