"""`knead publish --redis URL`: a crawl's listings from every worker into the store of record, then the index.

Workers (`knead crawl SOURCE --redis URL`) append what they find to the
crawl's stream in Redis; this command is its one consumer
(search_cli.stream_consumer): it stages each batch under one crawl row for the
whole distributed crawl, commits, and only then acknowledges the batch. When
the crawl is finished (the workers set `knead:<job>:finished` once the queue
is empty and nothing is in flight) and the stream is drained, the crawl is
published like any other (index.records.publish: the gate, the merge, a new
index generation), with the pages fetched and failed that the workers added
up in `knead:<job>:stats`.

The crawl row is found again by its source, scope and start time (the
crawl's `created_at` in Redis), so a publisher that died, or one run every
few minutes from cron, goes on with the same row; a crawl held by the gate
is published by a later `knead publish --accept-drop`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone

import click

from index.records.datadir import DataDir
from search_cli import crawl_options, wrapped
from search_cli.crawl_redis import JobName, RedisUrl

BATCH = 500  # stream entries staged and committed per acknowledgement
FOLLOW_BLOCK_MS = 1000  # --follow: how long one read waits for new entries (and so the end marker)


def shown_url(url: str) -> str:
    """The URL as messages show it: a password never printed."""
    from spiders.redis.connection import shown

    return shown(url)


@click.command(name="publish")
@click.option("--redis", "redis_url", required=True, type=RedisUrl(), envvar="KNEAD_REDIS_URL", show_envvar=True,
              help="The Redis the workers share, redis://[:PASSWORD@]HOST:PORT/DB.")
@click.option("--job", type=JobName(), default=None,
              help="The crawl to publish, as `knead enqueue --job` named it (default: the only crawl in Redis).")
@crawl_options.accept_drop_option
@crawl_options.stale_days_option
@crawl_options.no_index_option
@click.option("--follow", is_flag=True,
              help="Keep consuming as the workers crawl, and publish when the crawl finishes.")
@click.pass_obj
def publish(data_dir: DataDir, redis_url: str, job: str | None, accept_drop: bool, stale_days: float, no_index: bool,
            follow: bool) -> None:
    """Stage the listings the workers of a Redis crawl found, and publish the crawl once it is finished.

    \b
    knead publish --redis redis://:PASSWORD@10.0.0.5:6379/0            # what is there now
    knead publish --redis redis://:PASSWORD@10.0.0.5:6379/0 --follow   # until the crawl ends

    Without --follow, the listings already in Redis are staged in the store of
    record; the crawl is published only if every worker is done, otherwise
    knead says how many it staged and that the crawl is still running (run it
    again later). A publisher that is stopped or killed loses nothing: what it
    had not committed is read again by the next one. Only one publisher
    consumes a crawl at a time.
    """
    import redis

    from index.records.lock import CrawlLock, CrawlRunning
    from search_cli.stream_consumer import LeaseHeld, LeaseLost

    client = _connect(redis_url)
    try:
        with CrawlLock(data_dir.ensure().root / "crawl.lock"):
            job = _job(client, job, redis_url)
            _publish_job(client, data_dir, job, redis_url, accept_drop=accept_drop, stale_days=stale_days,
                         rebuild=not no_index, follow=follow)
    except CrawlRunning as exc:
        raise click.ClickException(f"{exc} Wait for it to finish, or stop it first.") from None
    except LeaseHeld as exc:
        raise click.ClickException(
            f"{exc}; only one publisher may consume a crawl. Stop it, or wait "
            f"{-(-max(exc.ttl_ms, 0) // 1000)} s if it is dead on another machine.") from None
    except LeaseLost:
        raise click.ClickException("Another publisher took this crawl over while this one stalled; "
                                   "what this one staged is kept. Let the other one finish.") from None
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise click.ClickException(
            f"Lost Redis at {shown_url(redis_url)} ({_reason(exc)}); every listing staged so far is kept "
            "and nothing acknowledged is lost: run `knead publish` again when Redis is back.") from None
    except KeyboardInterrupt:
        raise click.ClickException("Interrupted; every listing staged so far is kept: "
                                   "run `knead publish` again to go on.") from None


def _reason(exc: Exception) -> str:
    return str(exc).splitlines()[0].rstrip(".") if str(exc) else type(exc).__name__


def _connect(url: str):
    """A client that rides out a Redis restart of a few seconds; a clear error when there is none."""
    import redis
    from redis.backoff import ExponentialBackoff, NoBackoff
    from redis.retry import Retry

    try:
        client = redis.Redis.from_url(url, decode_responses=True, retry=Retry(NoBackoff(), 0), socket_timeout=30,
                                      retry_on_error=[redis.ConnectionError, redis.TimeoutError])
        client.ping()  # at once: no Redis at all is a mistyped URL more often than a restart
        # From now on 0.1 s doubling to 2 s, 12 tries: about 17 s, enough for a restart that reloads its AOF.
        client.set_retry(Retry(ExponentialBackoff(cap=2.0, base=0.1), 12))
    except redis.AuthenticationError as exc:
        raise click.ClickException(f"Redis at {shown_url(url)} refused the password ({_reason(exc)}): "
                                   "give it in the URL, redis://:PASSWORD@HOST:PORT/DB.") from None
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise click.ClickException(f"Cannot reach Redis at {shown_url(url)} ({_reason(exc)}): "
                                   "is it running, and is --redis right?") from None
    except ValueError as exc:  # redis-py's own URL checks (a DB that is not a number...)
        raise click.BadParameter(str(exc), param_hint="'--redis'") from None
    return client


def _job(client, job: str | None, url: str) -> str:
    """The job named, or the only one in Redis; a usage error naming the closest when it is unknown."""
    from spiders.redis.keys import PREFIX, JobKeys

    head, tail = f"{PREFIX}:", ":meta"
    jobs = sorted(k[len(head):-len(tail)] for k in client.scan_iter(match=JobKeys("*").meta, count=1000))
    if job is not None and job in jobs:
        return job
    if job is not None:
        import difflib

        close = difflib.get_close_matches(job, jobs, n=1, cutoff=0.5)
        hint = (f"; did you mean {close[0]!r}?" if close else
                f" (crawls there: {', '.join(jobs)})" if jobs else " (it has none: seed one with `knead enqueue`)")
        raise click.BadParameter(f"No crawl {job!r} in Redis at {shown_url(url)}{hint}", param_hint="'--job'")
    if not jobs:
        raise click.ClickException(f"No crawl in Redis at {shown_url(url)}: seed one with "
                                   "`knead enqueue SOURCE --redis URL` and start workers with `knead crawl SOURCE --redis URL`.")
    if len(jobs) > 1:
        raise click.UsageError(f"Redis at {shown_url(url)} holds several crawls ({', '.join(jobs)}): "
                               "name one with --job.")
    return jobs[0]


@dataclass
class Tally:
    entries: int = 0  # stream entries consumed by this run
    staged: int = 0  # listings staged by this run (an entry read again after a kill counts again)
    not_listings: int = 0  # entries without a readable listing: acknowledged, counted, never staged


def _publish_job(client, data_dir: DataDir, job: str, url: str, *, accept_drop: bool, stale_days: float,
                 rebuild: bool, follow: bool) -> None:
    from index.records.store import (
        FINISHED,
        PUBLISHED,
        ROLLED_BACK,
        RecordStore,
        StoreDamaged,
    )
    from search_cli.stream_consumer import PublisherLease, StreamConsumer
    from spiders.redis.keys import JobKeys

    keys = JobKeys(job)
    source, scope, started_at = _crawl_identity(client.hgetall(keys.meta))
    consumer = StreamConsumer(client, keys.items, batch=BATCH)
    tally = Tally()
    with PublisherLease(client, keys.publisher) as lease:
        try:
            store = RecordStore(data_dir.records_path)
        except StoreDamaged as exc:
            raise click.ClickException(str(exc)) from None
        with store:
            crawl = _shared_crawl(store, source, scope, started_at)
            crawl_id = crawl["id"]
            if crawl["status"] in (PUBLISHED, ROLLED_BACK):
                wrapped.echo([f"Crawl {job!r} (#{crawl_id}) was already published"
                              + (" and rolled back" if crawl["status"] == ROLLED_BACK else "") + "; nothing to do."])
                return
            consumer.ensure_group()
            for entries in consumer.claim_all():  # what dead publishers read and never acknowledged
                _stage(store, consumer, crawl_id, entries, tally)
                lease.renew()
            consumer.forget_dead_consumers()
            ended = _consume(client, store, consumer, lease, keys, crawl_id, tally, follow=follow)
            total = len(store.staged_ids(crawl_id))
            if ended is None:
                wrapped.echo([
                    (f"Staged {tally.staged} listings of crawl {job!r} (#{crawl_id}, {total} staged in all); "
                     "the crawl is still running, so nothing was published."),
                    f"Run `knead publish --redis {shown_url(url)}` again when the workers are done, or add --follow to wait.",
                ])
                return
            stats = _stats(client, keys, ended, total)
            # A crawl the gate held goes through the gate again (with --accept-drop, the drop passes).
            store.finish_crawl(crawl_id, _status(ended), stats)
        if _status(ended) != FINISHED:
            raise click.ClickException(
                f"Crawl {job!r} ended without finishing ({ended.get('reason')}); its {total} listings stay staged "
                "and nothing was published. Enqueue it again to go on, then run `knead publish` again.")
        report = PublishedCrawl(crawl_id, int(stats["downloader/response_count"]), int(stats["knead/failed_count"]))
        wrapped.echo(_summary(job, crawl_id, tally, total, report, ended))
        from search_cli.crawl import publish as publish_crawl

        publish_crawl(data_dir, report, accept_drop=accept_drop, stale_days=stale_days, rebuild=rebuild)


@dataclass(frozen=True)
class PublishedCrawl:
    """What search_cli.crawl.publish reads from a crawl report."""

    crawl_id: int
    pages_fetched: int
    failed_count: int


def _consume(client, store, consumer, lease, keys, crawl_id: int, tally: Tally, *, follow: bool) -> dict | None:
    """Stage until the stream is drained; the crawl's end marker once it is finished and drained, else None
    (without --follow, as soon as nothing new is there)."""
    waited = False
    while True:
        # Read the end marker before draining: the workers set it after their last XADD.
        marker = client.get(keys.finished)
        while entries := consumer.read():
            _stage(store, consumer, crawl_id, entries, tally)
            lease.renew()
        if marker is not None:
            if consumer.backlog() == 0:
                return _marker(marker)
            for entries in consumer.claim_all():  # pending for someone else: only a dead publisher's
                _stage(store, consumer, crawl_id, entries, tally)
            continue
        if not follow:
            return None
        if not waited:
            click.echo(f"Waiting for the workers of crawl {keys.job!r} to finish ({tally.staged} listings staged so far).",
                       err=True)
            waited = True
        entries = consumer.read(block_ms=FOLLOW_BLOCK_MS)
        if entries:
            _stage(store, consumer, crawl_id, entries, tally)
        lease.renew()


def _stage(store, consumer, crawl_id: int, entries, tally: Tally) -> None:
    """Stage a batch, commit it, then acknowledge it: an entry is in the store or still pending in Redis."""
    import orjson

    for entry in entries:
        tally.entries += 1
        try:
            listing = orjson.loads(entry.fields["listing"]) if entry.fields else None
        except (KeyError, orjson.JSONDecodeError):
            listing = None
        if not isinstance(listing, dict) or not isinstance(listing.get("id"), str):
            tally.not_listings += entry.fields is not None  # a deleted entry was staged before its deletion
            continue
        store.stage(listing, crawl_id)
        tally.staged += 1
    store.commit()
    consumer.ack(entries)


def _crawl_identity(meta: dict[str, str]) -> tuple[str, str, str]:
    """(source, scope, started_at) of the crawl `knead enqueue` described in Redis."""
    from index.records.store import crawl_scope

    source = meta.get("source")
    if not source:
        raise click.ClickException("The crawl's description in Redis has no source: seed it again with `knead enqueue`.")
    try:
        start_urls = json.loads(meta.get("start_urls") or "[]")
    except ValueError:
        start_urls = []
    scope = meta.get("scope") or crawl_scope(source, start_urls)
    created = meta.get("created_at") or ""
    try:  # seconds since the epoch, or already an ISO time
        started_at = datetime.fromtimestamp(float(created), timezone.utc).replace(microsecond=0).isoformat()
    except ValueError:
        started_at = created
    if not started_at:
        raise click.ClickException("The crawl's description in Redis has no created_at: seed it again with `knead enqueue`.")
    return source, scope, started_at


def _shared_crawl(store, source: str, scope: str, started_at: str) -> dict:
    """The one crawl row of this distributed crawl: found again by source, scope and start, or begun."""
    from index.records.store import PUBLISHED, ROLLED_BACK

    for crawl in reversed(store.crawls(source)):
        if crawl["scope"] == scope and crawl["started_at"] == started_at:
            if crawl["status"] not in (PUBLISHED, ROLLED_BACK):
                store.resume_crawl(crawl["id"], os.getpid())  # running again, under this publisher's pid
            return crawl
    crawl_id = store.begin_crawl(source, os.getpid(), scope, started_at=started_at)
    return store.crawl(crawl_id)


def _marker(raw: str) -> dict:
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {"reason": str(raw)}


def _status(ended: dict) -> str:
    from index.records.store import FINISHED, INTERRUPTED

    return FINISHED if ended.get("reason", "finished") == "finished" else INTERRUPTED


def _stats(client, keys, ended: dict, total: int) -> dict:
    """The crawl row's stats: the workers' sums (`knead:<job>:stats`), each worker's own, the end marker."""
    raw = client.hgetall(keys.stats)
    workers = {}
    for key, value in raw.items():
        if key.startswith("worker:"):
            try:
                workers[key[len("worker:"):]] = json.loads(value)
            except ValueError:
                workers[key[len("worker:"):]] = value
    return {
        "downloader/response_count": int(raw.get("pages", 0) or 0),
        "knead/failed_count": int(raw.get("failed", 0) or 0),
        "knead/redis_job": keys.job,
        "knead/redis_workers": workers,
        "finish_reason": ended.get("reason", "finished"),
        "finish_time": ended.get("at"),
        "listings/staged": total,
        # A worker's source saw less than there is (a roster's count): publish, but mark nothing stale.
        **({"knead/incomplete": 1} if raw.get("incomplete") else {}),
    }


def _summary(job: str, crawl_id: int, tally: Tally, total: int, report: PublishedCrawl, ended: dict) -> list[str]:
    lines = [
        f"Crawl {job!r} (#{crawl_id}) ended ({ended.get('reason', 'finished')}); the stream is drained.",
        f"  listings staged:      {total} ({tally.staged} by this run, from {tally.entries} stream entries)",
        f"  pages fetched:        {report.pages_fetched} (by every worker)",
        f"  URLs failed:          {report.failed_count}",
    ]
    if tally.not_listings:
        lines.append(f"  not listings:         {tally.not_listings} stream entries without a readable listing (skipped)")
    return lines
