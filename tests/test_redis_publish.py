"""`knead publish --redis`: the workers' listings from a real Redis stream into the store of record.

Each test starts its own redis-server (tests/redis_server.py). The workers'
side is the real stream pipeline (spiders.redis.stream) run through a
Scrapy crawler's settings and stats; the crawl's description and end marker
are written as `knead enqueue` and the last worker write them
(spiders.redis.keys). The publisher runs in this process (click's runner,
no start-up), and as the installed `knead` in a subprocess where a test kills
it with SIGKILL, lets it wait (--follow) or reads what a shell would see.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from types import SimpleNamespace

import pytest
import redis
from click.testing import CliRunner
from conftest import make_listings
from knead_proc import run_knead, start_knead
from redis_server import redis_server_fixture  # noqa: F401 - the fixture `redis_server`
from scrapy import Spider
from scrapy.utils.test import get_crawler

from index.records.store import RecordStore, crawl_scope
from search_cli.main import cli
from search_cli.stream_consumer import GROUP
from spiders.redis.keys import JobKeys
from spiders.redis.stream import ListingNotSent, RedisStreamPipeline

JOB = "test"
START = ["https://directory.example/find-massage-therapist/?location=CT"]


def client_of(server) -> redis.Redis:
    return redis.Redis.from_url(server.url, decode_responses=True)


def enqueue(server, created_at: str = "2026-12-01T10:00:00+00:00", job: str = JOB) -> JobKeys:
    """The crawl's description, as `knead enqueue` leaves it in Redis."""
    keys = JobKeys(job)
    client_of(server).hset(keys.meta, mapping={
        "source": "test", "start_urls": json.dumps(START), "scope": crawl_scope("test", START),
        "created_at": created_at, "settings": json.dumps({"delay": 0, "concurrency": 8})})
    return keys


def worker_sends(server, listings: list[dict], *, worker: str = "w1", pages: int | None = None, failed: int = 0,
                 job: str = JOB, close: bool = True, incomplete: bool = False) -> RedisStreamPipeline:
    """One worker's stream pipeline, through a real crawler's settings and stats, given `listings`."""
    crawler = get_crawler(settings_dict={"REDIS_URL": server.url, "KNEAD_REDIS_JOB": job,
                                         "KNEAD_REDIS_WORKER": worker})
    pipe = RedisStreamPipeline.from_crawler(crawler)
    for listing in listings:
        pipe.process_item(dict(listing))
    crawler.stats.set_value("downloader/response_count", len(listings) + 3 if pages is None else pages)
    crawler.stats.set_value("knead/failed_count", failed)
    if incomplete:  # its source saw less than there is (a roster's count above the rows read)
        crawler.stats.set_value("knead/incomplete", 1)
    if close:
        pipe.spider_closed(Spider(name="test"), "finished")
    else:
        pipe.flush()  # as the pipeline does about once a second while the worker crawls
    return pipe


def finish(server, job: str = JOB) -> None:
    """The end marker the last worker sets when the queue is empty and nothing is in flight."""
    client_of(server).set(JobKeys(job).finished, json.dumps({"reason": "finished", "at": "2026-12-01T10:05:00+00:00"}))


def publish(server, data_dir, *args) -> SimpleNamespace:
    """`knead publish --redis URL ARGS` in this process (click's runner: no start-up), read as a subprocess's
    result (returncode, stdout, stderr); an exception knead did not turn into a message is raised."""
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), "publish", "--redis", server.url, *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def store_state(data_dir) -> tuple[list[str], list[dict]]:
    """(published listing ids, crawl rows)."""
    with RecordStore(data_dir / "records.sqlite3") as store:
        return [x["id"] for x in store.listings()], store.crawls()


def staged(data_dir, crawl_id: int) -> set[str]:
    with RecordStore(data_dir / "records.sqlite3") as store:
        return store.staged_ids(crawl_id)


def test_the_stream_pipeline_appends_each_listing_and_adds_the_workers_counts(redis_server):
    listings = make_listings(3, seed=5)
    worker_sends(redis_server, listings[:2], worker="w1", pages=40, failed=1)
    worker_sends(redis_server, listings[2:], worker="w2", pages=25, failed=0)
    client, keys = client_of(redis_server), JobKeys(JOB)
    entries = client.xrange(keys.items)
    assert [json.loads(fields["listing"])["id"] for _id, fields in entries] == [x["id"] for x in listings]
    assert json.loads(entries[0][1]["listing"])["bio"] == listings[0]["bio"]
    stats = client.hgetall(keys.stats)
    assert (stats["pages"], stats["failed"]) == ("65", "1")
    assert json.loads(stats["worker:w1"]) == {"pages": 40, "failed": 1, "listings": 2, "not_sent": 0,
                                               "finish_reason": "finished"}


def test_a_listing_redis_does_not_take_is_an_item_error_counted_not_sent(redis_server):
    pipe = worker_sends(redis_server, [], close=False)
    pipe.client = redis.Redis(port=redis_server.port, retry=None)  # no retries: the test need not wait them out
    redis_server.stop()
    with pytest.raises(ListingNotSent, match="Redis did not take listing test:00000"):
        pipe.process_item(make_listings(1)[0])
    assert pipe.stats.get_value("listings/not_sent") == 1


def test_a_publish_before_the_crawl_ends_says_so_publishes_nothing_then_publishes_once_finished(redis_server, tmp_path):
    data_dir = tmp_path / "data"
    listings = make_listings(300, seed=7)
    enqueue(redis_server)
    worker_sends(redis_server, listings[:200], close=False)

    early = publish(redis_server, data_dir)
    assert early.returncode == 0, early.stderr
    assert early.stdout.splitlines()[0] == ("Staged 200 listings of crawl 'test' (#1, 200 staged in all); "
                                            "the crawl is still running, so nothing was published.")
    published, crawls = store_state(data_dir)
    assert published == [] and crawls[0]["status"] == "running"
    assert not (data_dir / "index").exists()
    assert len(staged(data_dir, 1)) == 200

    worker_sends(redis_server, listings[200:], worker="w2")
    finish(redis_server)
    done = publish(redis_server, data_dir)
    assert done.returncode == 0, done.stderr
    assert "Crawl 'test' (#1) ended (finished); the stream is drained." in done.stdout
    assert "  listings staged:      300 (100 by this run, from 100 stream entries)" in done.stdout
    assert "Published: 300 found, 300 new, 0 changed, 0 gone" in done.stdout
    assert "Index rebuilt: " in done.stdout and ", generation 1 (" in done.stdout
    published, crawls = store_state(data_dir)
    assert published == sorted(x["id"] for x in listings)
    assert [c["status"] for c in crawls] == ["published"]  # one crawl row for both runs
    assert crawls[0]["started_at"] == "2026-12-01T10:00:00+00:00"
    assert crawls[0]["counts"]["pages"] == 306  # both workers' pages, from the stats hash
    assert client_of(redis_server).xlen(JobKeys(JOB).items) == 0  # acknowledged entries are deleted

    again = publish(redis_server, data_dir)
    assert again.returncode == 0 and again.stdout == "Crawl 'test' (#1) was already published; nothing to do.\n"


def test_a_publisher_killed_between_read_and_ack_resumes_and_loses_nothing(redis_server, tmp_path):
    data_dir = tmp_path / "data"
    listings = make_listings(1200, seed=11)  # three batches of at most 500
    enqueue(redis_server)
    worker_sends(redis_server, listings)
    finish(redis_server)
    client, keys = client_of(redis_server), JobKeys(JOB)

    proc = start_knead("publish", "--redis", redis_server.url, data_dir=data_dir)
    # Kill it just after it read its second batch: the first was acknowledged (and so deleted), the
    # second is pending and being staged (which takes far longer than this loop's turn).
    batches: list[str] = []
    while proc.poll() is None and len(batches) < 2:
        try:
            first = client.xpending(keys.items, GROUP)["min"]
        except redis.ResponseError:  # NOGROUP: the publisher has not created its group yet
            continue
        if first and first not in batches:
            batches.append(first)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL, "the publisher ended before the kill"
    left = client.xpending(keys.items, GROUP)["pending"]
    assert left > 0  # the kill landed between XREADGROUP and XACK
    assert client.xlen(keys.items) < len(listings)  # and after earlier batches were acknowledged
    published, crawls = store_state(data_dir)
    assert published == [] and crawls[0]["status"] == "running"

    resumed = publish(redis_server, data_dir)
    assert resumed.returncode == 0, resumed.stderr
    assert "Published: 1200 found, 1200 new, 0 changed, 0 gone" in resumed.stdout
    published, crawls = store_state(data_dir)
    assert published == sorted(x["id"] for x in listings)  # each once: nothing lost, nothing twice
    assert len(crawls) == 1
    assert client.xpending(keys.items, GROUP)["pending"] == 0 and client.xlen(keys.items) == 0
    assert len(client.xinfo_consumers(keys.items, GROUP)) == 1  # the dead publisher's name forgotten


def test_a_dead_consumers_unacknowledged_entries_are_claimed(redis_server, tmp_path):
    data_dir = tmp_path / "data"
    listings = make_listings(200, seed=13)
    enqueue(redis_server)
    worker_sends(redis_server, listings)
    finish(redis_server)
    client, keys = client_of(redis_server), JobKeys(JOB)
    client.xgroup_create(keys.items, GROUP, id="0")
    # A publisher on another machine read 50 entries and died before acknowledging them; its lease expired.
    client.xreadgroup(GROUP, "elsewhere:4242", {keys.items: ">"}, count=50)
    assert client.xpending(keys.items, GROUP)["consumers"] == [{"name": "elsewhere:4242", "pending": 50}]

    result = publish(redis_server, data_dir)
    assert result.returncode == 0, result.stderr
    assert "Published: 200 found, 200 new, 0 changed, 0 gone" in result.stdout
    assert store_state(data_dir)[0] == sorted(x["id"] for x in listings)
    assert client.xpending(keys.items, GROUP)["pending"] == 0


def test_a_live_publisher_elsewhere_keeps_the_crawl_to_itself(redis_server, tmp_path):
    data_dir = tmp_path / "data"
    enqueue(redis_server)
    worker_sends(redis_server, make_listings(20, seed=17))
    client, keys = client_of(redis_server), JobKeys(JOB)
    client.set(keys.publisher, json.dumps({"host": "elsewhere", "pid": 4242, "since": time.time()}), px=30_000)
    result = publish(redis_server, data_dir)
    assert result.returncode == 1
    assert re.fullmatch(r"Error: another publisher \(elsewhere pid 4242\) is consuming this crawl; only one "
                        r"publisher may consume a crawl\. Stop it, or wait (2\d|30) s if it is dead on another "
                        r"machine\.\n", result.stderr), result.stderr
    assert client.xlen(keys.items) == 20
    assert client.xinfo_groups(keys.items) == []  # nothing read


def test_a_crawl_the_gate_holds_stays_staged_and_accept_drop_publishes_it(redis_server, tmp_path):
    data_dir = tmp_path / "data"
    listings = make_listings(300, seed=19)
    enqueue(redis_server, created_at="2026-11-01T10:00:00+00:00")
    worker_sends(redis_server, listings)
    finish(redis_server)
    assert publish(redis_server, data_dir).returncode == 0

    # The next crawl of the same job finds half as many.
    client = client_of(redis_server)
    client.delete(JobKeys(JOB).finished, JobKeys(JOB).stats)
    enqueue(redis_server, created_at="2026-12-01T10:00:00+00:00")
    worker_sends(redis_server, listings[:150])
    finish(redis_server)
    held = publish(redis_server, data_dir)
    assert held.returncode == 1
    assert ("Error: The crawl was not published; the index people search was left as it was:\n"
            "  - found 150 listings, under 80% of the 300 of the last published crawl (--accept-drop publishes anyway)\n"
            "Its listings stay in the store for inspection (`knead status --held`).") in held.stderr
    published, crawls = store_state(data_dir)
    assert [c["status"] for c in crawls] == ["published", "held"]
    assert len(published) == 300 and len(staged(data_dir, 2)) == 150
    status = run_knead("status", "--held", data_dir=data_dir)
    assert status.returncode == 0 and "150" in status.stdout

    accepted = publish(redis_server, data_dir, "--accept-drop")
    assert accepted.returncode == 0, accepted.stderr
    assert "Published: 150 found, 0 new, 0 changed, 150 gone" in accepted.stdout
    _published, crawls = store_state(data_dir)
    assert [c["status"] for c in crawls] == ["published", "published"]


@pytest.mark.parametrize(("incomplete", "gone"), [(True, 0), (False, 30)])
def test_a_worker_whose_source_saw_less_than_there_is_makes_the_crawl_mark_nothing_gone(redis_server, tmp_path,
                                                                                         incomplete, gone):
    data_dir = tmp_path / "data"
    listings = make_listings(150, seed=29)
    enqueue(redis_server, created_at="2026-11-01T10:00:00+00:00")
    worker_sends(redis_server, listings)
    finish(redis_server)
    first = publish(redis_server, data_dir, "--no-index")
    assert first.returncode == 0, first.stderr
    assert not (data_dir / "index").exists()  # --no-index: the store of record only

    client_of(redis_server).delete(JobKeys(JOB).finished, JobKeys(JOB).stats)
    enqueue(redis_server, created_at="2026-12-01T10:00:00+00:00")
    worker_sends(redis_server, listings[:60], worker="w1")
    worker_sends(redis_server, listings[60:120], worker="w2", incomplete=incomplete)
    finish(redis_server)
    second = publish(redis_server, data_dir, "--no-index")
    assert second.returncode == 0, second.stderr
    assert f"Published: 120 found, 0 new, 0 changed, {gone} gone" in second.stdout


def test_follow_waits_for_the_end_and_rides_out_a_redis_restart(redis_server, tmp_path):
    data_dir = tmp_path / "data"
    listings = make_listings(120, seed=23)
    enqueue(redis_server)
    worker_sends(redis_server, listings[:60], close=False)
    proc = start_knead("publish", "--redis", redis_server.url, "--follow", data_dir=data_dir)
    client, keys = client_of(redis_server), JobKeys(JOB)
    deadline = time.monotonic() + 30
    while client.xlen(keys.items) and time.monotonic() < deadline:  # the first 60 consumed
        time.sleep(0.05)
    redis_server.restart()  # SIGTERM and up again: the stream, the group and the lease come back from the AOF
    worker_sends(redis_server, listings[60:], worker="w2")
    finish(redis_server)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Waiting for the workers of crawl 'test' to finish" in err
    assert "Published: 120 found, 120 new, 0 changed, 0 gone" in out
    assert store_state(data_dir)[0] == sorted(x["id"] for x in listings)


def test_usage_and_runtime_errors_are_one_clear_line(redis_server, tmp_path):
    data_dir = tmp_path / "data"
    enqueue(redis_server, job="amta")
    typo = publish(redis_server, data_dir, "--job", "amtaa")
    assert typo.returncode == 2
    assert typo.stderr.splitlines()[-1] == (f"Error: Invalid value for '--job': No crawl 'amtaa' in Redis at "
                                           f"{redis_server.url}; did you mean 'amta'?")
    enqueue(redis_server, job="nppes")
    several = publish(redis_server, data_dir)
    assert several.returncode == 2
    assert several.stderr.splitlines()[-1] == (f"Error: Redis at {redis_server.url} holds several crawls "
                                              "(amta, nppes): name one with --job.")
    bad_url = run_knead("publish", "--redis", "http://127.0.0.1:6379", data_dir=data_dir)
    assert bad_url.returncode == 2 and "'http://127.0.0.1:6379' is not a Redis URL" in bad_url.stderr
    redis_server.stop()
    gone = run_knead("publish", "--redis", redis_server.url.replace("/0", "").replace("127.0.0.1", ":secret@127.0.0.1"),
                     data_dir=data_dir)
    assert gone.returncode == 1 and "Traceback" not in gone.stderr
    assert gone.stderr.startswith(f"Error: Cannot reach Redis at redis://:***@127.0.0.1:{redis_server.port} (")
    assert "secret" not in gone.stderr
