"""Crawl benchmarks: the sample directory served from a child process, knead vs bare Scrapy.

The server runs in its own process (`knead sample-site`), so rendering pages
does not compete with the crawler for the interpreter lock; each crawler runs
in its own process too, so its peak RSS is its own (`measure.run_child`).
Both crawl the same site, one after the other, in the same run.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from spiders.sample_site.process import serve_in_child
from tests.benchmarks.measure import python_child, run_child

KNEAD = str(Path(sys.executable).with_name("knead"))
_SUMMARY = re.compile(r"Crawl of \S+ (?P<reason>\S+) in (?P<seconds>[\d.]+) s")
_PAGES = re.compile(r"pages fetched:\s+(\d+)")
_STORED = re.compile(r"listings stored:\s+(\d+)")


def knead_crawl(start_url: str, data_dir: Path, concurrency: int, *extra: str) -> dict:
    """`knead crawl amta --delay 0 --no-index` as a user runs it; figures read from its summary.

    The seconds are the command's own ("Crawl of amta finished in N s": the
    Scrapy run, start-up excluded), measured as the bare spider measures itself.
    CPU milliseconds a page are the whole process's (start-up and publishing included).
    """
    run = run_child([KNEAD, "--data-dir", str(data_dir), "crawl", "amta", "--start-url", start_url, "--delay", "0",
                     "--concurrency", str(concurrency), "--no-index", *extra])
    summary = _SUMMARY.search(run.stdout)
    if run.returncode != 0 or summary is None:
        raise RuntimeError(f"knead crawl failed ({run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}")
    pages, seconds = int(_PAGES.search(run.stdout).group(1)), float(summary["seconds"])
    return {"pages": pages, "items": int(_STORED.search(run.stdout).group(1)), "seconds": seconds,
            "pages_per_s": pages / seconds, "finish_reason": summary["reason"], "peak_rss_mb": run.peak_rss_mb,
            "process_seconds": run.seconds, "cpu_seconds": run.cpu_seconds,
            "cpu_ms_per_page": 1000 * run.cpu_seconds / max(pages, 1)}


def crawl_both(size: int, data_dir: Path, concurrency: int = 8) -> dict:
    """Crawl a `size` sample directory with the bare spider, then knead (into `data_dir`).

    The bare spider keeps no HTTP cache, so knead crawls a second time with
    `--no-http-cache` (into a scratch directory beside `data_dir`, removed
    after): `knead` is the crawl as users run it, `knead_no_cache` the like-for-like one.
    """
    with serve_in_child(size) as url:
        start = f"{url}/find-massage-therapist/?location=&keyword=&page=1"
        # Warm the server (its first results page builds the result order).
        import urllib.request

        urllib.request.urlopen(start, timeout=60).read()
        bare = python_child("tests.benchmarks.bare_spider", start, "--concurrency", str(concurrency))
        knead = knead_crawl(start, data_dir, concurrency)
        scratch = data_dir.with_name(data_dir.name + "-no-cache")
        shutil.rmtree(scratch, ignore_errors=True)
        try:
            no_cache = knead_crawl(start, scratch, concurrency, "--no-http-cache")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    out = {"knead": knead, "knead_no_cache": no_cache, "bare": bare.json()}
    out["bare"]["peak_rss_mb"] = bare.peak_rss_mb
    out["bare"]["process_seconds"] = bare.seconds
    out["bare"]["cpu_seconds"] = bare.cpu_seconds
    out["bare"]["cpu_ms_per_page"] = 1000 * bare.cpu_seconds / max(out["bare"]["pages"], 1)
    return out
