"""One crawl shared by several workers through Redis (issue 16): real `knead enqueue`, `knead crawl
--redis` and `knead publish --redis` subprocesses against the sample directory on loopback and a
real redis-server of their own (tests/redis_server.py).

What each test shows a user:
- three workers publish exactly what one `knead crawl` does, and the server saw no page twice;
- a worker killed with -9 mid-crawl loses nothing: the others finish, the result is complete;
- Redis restarted mid-crawl: the workers ride it out (or stop with one clear line and a rerun
  resumes), losing nothing;
- three workers against one host keep the per-host delay and concurrency set at `knead enqueue`,
  and a Retry-After one of them is given holds for all;
- the crawl's settings and a Redis that may evict keys are refused with a clear error.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner
from faultserver import FaultServer
from knead_proc import run_knead, start_knead
from redis_server import start_or_skip

from index.records.store import RecordStore
from search_cli.main import cli
from spiders.sample_site import SampleSite

SIZE = 40  # therapists: ~45 pages, so each crawl takes seconds
_VOLATILE = ("scraped_at", "first_seen", "last_seen", "stale", "stale_since", "url")


@pytest.fixture
def redis_server(tmp_path):
    server = start_or_skip(tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def single_crawl(tmp_path_factory):
    """What one `knead crawl amta` (no Redis) publishes from the same sample directory."""
    data_dir = tmp_path_factory.mktemp("single")
    with SampleSite(size=SIZE) as site:
        result = run_knead("crawl", "amta", "--start-url", site.start_url, "--delay", "0", "--concurrency", "4",
                           "--no-index", data_dir=data_dir)
    assert result.returncode == 0, result.stderr[-2000:]
    return published(data_dir)


def knead(*args: str, data_dir: Path):
    """`knead ARGS` in this process (click's runner): all but the crawls, which run as real subprocesses."""
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])


def published(data_dir: Path) -> dict[str, dict]:
    """The store of record's listings, without what differs between two crawls (times, the port in URLs)."""
    with RecordStore(data_dir / "records.sqlite3") as store:
        rows = list(store.listings())
    return {row["id"]: {k: v for k, v in row.items() if k not in _VOLATILE} for row in rows}


def enqueue(server, site, tmp_path, *options: str) -> None:
    result = knead("enqueue", "amta", "--redis", server.url, "--start-url", site.start_url, *options,
                   data_dir=tmp_path / "enqueue")
    assert result.exit_code == 0, result.stderr
    assert "1 start request(s) queued" in result.stdout


def workers(server, tmp_path, n: int, first: int = 0):
    return [start_knead("crawl", "amta", "--redis", server.url, data_dir=tmp_path / f"worker{i}")
            for i in range(first, first + n)]


def finish(procs, timeout: float = 120) -> list[tuple[int, str, str]]:
    """(exit code, stdout, stderr) of each worker, once it has exited."""
    ended = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        ended.append((proc.returncode, out, err))
    return ended


def pages_of(stdout: str) -> int:
    return int(re.search(r"pages fetched: +(\d+)", stdout).group(1))


def publish(server, tmp_path) -> Path:
    data_dir = tmp_path / "publisher"
    result = knead("publish", "--redis", server.url, data_dir=data_dir)
    assert result.exit_code == 0, result.stderr[-2000:]
    return data_dir


def wait_for_requests(site, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(site.requests) < count:
        assert time.monotonic() < deadline, f"the workers fetched only {len(site.requests)} pages"
        time.sleep(0.02)


def test_three_workers_publish_what_one_crawl_does_and_fetch_no_page_twice(redis_server, tmp_path, single_crawl):
    server = redis_server
    with SampleSite(size=SIZE) as site:
        enqueue(server, site, tmp_path, "--delay", "0", "--concurrency", "4")
        ended = finish(workers(server, tmp_path, 3))
        requests = site.requests
    for code, out, err in ended:
        assert code == 0, err[-2000:]
        assert "the crawl is over" in out
    twice = {path: n for path, n in Counter(path for _, path in requests).items() if n > 1}
    assert twice == {}
    # Every page the server answered was fetched by one of the workers, and the work was shared.
    fetched = [pages_of(out) for _, out, _ in ended]
    assert sum(fetched) == len(requests)
    assert sum(1 for n in fetched if n) >= 2
    assert published(publish(server, tmp_path)) == single_crawl


def test_a_worker_killed_mid_crawl_loses_nothing(redis_server, tmp_path, single_crawl):
    server = redis_server
    with SampleSite(size=SIZE) as site:
        # Spaced requests and a short lease: the kill lands mid-crawl and its requests return soon.
        enqueue(server, site, tmp_path, "--delay", "0.05", "--concurrency", "2", "--lease", "2")
        [doomed] = workers(server, tmp_path, 1)
        wait_for_requests(site, 12)
        doomed.kill()  # SIGKILL: no clean-up, its leases stay in Redis until they expire
        doomed.wait(timeout=10)
        before = len(site.requests)
        ended = finish(workers(server, tmp_path, 2, first=1))
        after = len(site.requests) - before
    assert doomed.returncode == -9
    assert before >= 12 and after >= 12, (before, after)  # the kill landed mid-crawl
    for code, out, err in ended:
        assert code == 0, err[-2000:]
    assert published(publish(server, tmp_path)) == single_crawl


def test_redis_restarted_mid_crawl_loses_nothing(redis_server, tmp_path, single_crawl):
    server = redis_server
    with SampleSite(size=SIZE) as site:
        enqueue(server, site, tmp_path, "--delay", "0.05", "--concurrency", "2", "--lease", "3")
        running = workers(server, tmp_path, 2)
        wait_for_requests(site, 12)
        server.restart()  # SIGTERM (its append-only file is flushed), then up again on the same port
        restarted_at = len(site.requests)
        ended = finish(running)
        if any(code != 0 for code, _, _ in ended):  # one stopped with an error: a rerun resumes
            ended += finish(workers(server, tmp_path, 1, first=2))
        total = len(site.requests)
    assert restarted_at < total  # the restart landed mid-crawl
    for code, out, err in ended:
        assert "Traceback" not in err
        assert code == 0 or re.search(r"^Error: Redis at redis://127\.0\.0\.1:\d+/0 stopped answering", err, re.MULTILINE), err
    assert ended[-1][0] == 0
    assert published(publish(server, tmp_path)) == single_crawl


def test_three_workers_keep_one_hosts_budget_and_its_retry_after(redis_server, tmp_path):
    server, delay = redis_server, 0.15
    with FaultServer(profiles=8) as site:
        slow_down = [site.profile_path(i) for i in (1, 5)]  # each answers 429 "come back in 1 s" once
        for path in slow_down:
            site.fault(path, "status", status=429, headers={"Retry-After": "1"}, times=1)
        enqueue(server, site, tmp_path, "--delay", str(delay), "--concurrency", "1")
        ended = finish(workers(server, tmp_path, 3))
        arrivals = list(site.requests)
    for code, _, err in ended:
        assert code == 0, err[-2000:]
    assert sum(1 for _, out, _ in ended if pages_of(out)) >= 2  # several workers took turns
    paths = [r.path for r in arrivals]
    assert all(paths.count(path) == 2 for path in slow_down)  # asked to wait, then fetched again
    assert paths[0] == "/robots.txt" and paths.count("/robots.txt") == 1  # one fetch for all three
    # Three workers unaware of each other would send three requests at once; the shared budget
    # spaces every start by the delay, give or take the few ms from grant to arrival (robots.txt,
    # the first request, also waited for its worker's first connection: the gap after it is not one).
    gaps = [(b.at - a.at, a.path) for a, b in itertools.pairwise(arrivals)]
    assert min(gap for gap, _ in gaps[1:]) >= delay * 0.6, gaps
    assert arrivals[-1].at - arrivals[0].at >= (len(arrivals) - 2) * delay
    # Whichever worker sends the request after a 429, it waits out the second the host asked for.
    for i, (gap, path) in enumerate(gaps):
        if path in slow_down and path not in paths[:i]:
            assert gap >= 0.9, (path, gaps)
    client = redis.Redis(port=server.port)
    assert client.xlen("knead:amta:items") == len(site.therapists)
    client.close()


def test_a_redis_that_may_evict_keys_is_refused(tmp_path):
    server = start_or_skip(tmp_path / "redis", extra=("--maxmemory-policy", "allkeys-lru"))
    try:
        seeding = knead("enqueue", "amta", "--redis", server.url, "--start-url", "http://127.0.0.1:9/",
                        data_dir=tmp_path / "d")
        worker = knead("crawl", "amta", "--redis", server.url, data_dir=tmp_path / "d")
    finally:
        server.stop()
    for answer in (seeding, worker):
        assert answer.exit_code == 1
        assert f"Error: Redis at {server.url} has maxmemory-policy allkeys-lru" in answer.stderr
        assert "CONFIG SET maxmemory-policy noeviction" in answer.stderr


def test_worker_options_and_crawls_that_do_not_match_are_clear_errors(redis_server, tmp_path):
    server, data_dir = redis_server, tmp_path / "d"
    no_crawl = knead("crawl", "amta", "--redis", server.url, data_dir=data_dir)
    assert no_crawl.exit_code == 1
    assert f"No crawl 'amta' in Redis at {server.url}: seed it first with `knead enqueue amta" in no_crawl.stderr
    delay = knead("crawl", "amta", "--redis", server.url, "--delay", "2", data_dir=data_dir)
    assert delay.exit_code == 2
    assert "--delay does not go with --redis: the per-host delay is set once for every worker" in delay.stderr
    bad_url = knead("crawl", "amta", "--redis", "http://127.0.0.1:6379", data_dir=data_dir)
    assert bad_url.exit_code == 2 and "is not a Redis URL" in bad_url.stderr
    seed = ("enqueue", "amta", "--redis", server.url, "--start-url", "http://127.0.0.1:9/a")
    first = knead(*seed, data_dir=data_dir)
    assert first.exit_code == 0, first.stderr
    again = knead(*seed, data_dir=data_dir)
    assert again.exit_code == 0 and "0 start request(s) queued, 1 already seen" in again.stdout
    other = knead("enqueue", "amta", "--redis", server.url, "--start-url", "http://127.0.0.1:9/b", data_dir=data_dir)
    assert other.exit_code == 1
    assert "was seeded with another start urls" in other.stderr and "--job NAME" in other.stderr
    # What to crawl is checked as `knead crawl` checks it; a roster's local file cannot travel to workers.
    no_area = knead("enqueue", "nppes", "--redis", server.url, "--start-url", "http://127.0.0.1:9/", data_dir=data_dir)
    assert no_area.exit_code == 2 and "takes areas (--state, --zip, --city), not --start-url" in no_area.stderr
    roster_csv = tmp_path / "roster.csv"
    roster_csv.write_text("License Number\n")
    local = knead("enqueue", "roster", "--redis", server.url, "--board", "tx", "--file", str(roster_csv), data_dir=data_dir)
    assert local.exit_code == 2
    assert "--file is a file on this machine, which workers elsewhere cannot read: crawl it in one process" in local.stderr
    on_worker = knead("crawl", "nppes", "--redis", server.url, "--state", "CT", data_dir=data_dir)
    assert on_worker.exit_code == 2
    assert "--state does not go with --redis: what to crawl is given once, to `knead enqueue`" in on_worker.stderr
    client = redis.Redis(port=server.port, decode_responses=True)
    settings = json.loads(client.hget("knead:amta:meta", "settings"))
    assert settings == {"delay": 1.0, "concurrency": 1, "lease": 30.0}  # what every worker will apply
    client.xadd("knead:amta:items", {"listing": "{}"})  # a listing a worker found, not published yet
    client.close()
    replace = knead(*seed, "--replace", data_dir=data_dir)
    assert replace.exit_code == 1
    assert "holds 1 listing(s) not yet published; run `knead publish --redis URL` first" in replace.stderr
