"""Several `knead crawl SOURCE OPTIONS...` in one process, one after another (a test helper).

    python tests/one_process_crawls.py DATA_DIR '{"nppes": ["--state", "CT", "--api-url", URL], ...}'

What a distributed crawl is compared with (tests/test_redis_sources.py), at
one process's start-up cost instead of one per source: each source's options
are read by `knead crawl`'s own option definitions and made start URLs by
its own function (search_cli.crawl_options), the crawls run as `knead crawl`
runs them (spiders.run.run_crawls, no per-host delay, 8 requests per host, no
HTTP cache), and each is published as `knead crawl --no-index` publishes it
(search_cli.crawl.publish), into one store of record.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from index.records.datadir import DataDir
from search_cli import crawl_options
from search_cli.crawl import SourceName, publish
from spiders.run import CrawlPlan, run_crawls


@click.command()
@click.argument("source", type=SourceName())
@crawl_options.source_options
@click.pass_obj
def _start_urls(data_dir: DataDir, source: str, **where):
    return crawl_options.start_urls(source, data_dir, **where)


def main(root: str, spec: str) -> None:
    data_dir = DataDir(Path(root)).ensure()
    plans = []
    for source, args in json.loads(spec).items():
        urls, extra = _start_urls.main([source, *args], standalone_mode=False, obj=data_dir)
        assert not extra, "a roster --file crawl is not a crawl of start URLs"
        plans.append(CrawlPlan(source, urls))

    def ended(report) -> None:
        publish(data_dir, report, accept_drop=False, stale_days=crawl_options.STALE_DAYS, rebuild=False)

    reports = run_crawls(plans, data_dir=data_dir.root, delay=0.0, concurrency=8, http_cache=False, on_report=ended)
    assert [r.source for r in reports] == [p.source for p in plans]


if __name__ == "__main__":
    main(*sys.argv[1:])
