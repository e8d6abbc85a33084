"""One crawl spread over workers through Redis: `knead enqueue SOURCE --redis URL` and
`knead crawl SOURCE --redis URL` (a worker); `knead publish --redis URL` publishes (publish_redis).

    knead enqueue nppes --redis redis://queue.lan:6379/0 --state CT --state MA --delay 1 --concurrency 2
    knead crawl nppes --redis redis://queue.lan:6379/0     # on each of several machines
    knead publish --redis redis://queue.lan:6379/0         # once, anywhere

What every worker must agree on (what to crawl, per-host delay and
concurrency, lease) is given once, to `knead enqueue`, with `knead crawl`'s
own options for what to crawl (search_cli.crawl_options); a worker takes it
from Redis. Scrapy and the Redis client load only when one of these runs.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import click
from click.core import ParameterSource

from index.records.datadir import DataDir
from search_cli import crawl_options, crawl_roster, wrapped

# `knead crawl` options that have no meaning for a worker, and what to do instead.
_NOT_FOR_WORKERS = {
    **{name: "what to crawl is given once, to `knead enqueue`" for name in crawl_options.SOURCE_PARAMS},
    "delay": "the per-host delay is set once for every worker, by `knead enqueue --delay`",
    "concurrency": "the per-host concurrency is set once for every worker, by `knead enqueue --concurrency`",
    "max_items": "a worker cannot stop the shared crawl",
    "resume": "a worker always resumes the crawl in Redis",
    "accept_drop": "workers publish nothing: `knead publish --redis URL --accept-drop`",
    "stale_days": "workers publish nothing: `knead publish --redis URL --stale-days DAYS`",
    "no_index": "workers publish nothing: `knead publish --redis URL --no-index`",
}


class RedisUrl(click.ParamType):
    """redis://[:PASSWORD@]HOST[:PORT][/DB], rediss:// or unix://; anything else is a usage error."""

    name = "URL"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        parts = urlsplit(text)
        if parts.scheme not in ("redis", "rediss", "unix") or not (parts.netloc or parts.path):
            self.fail(f"{value!r} is not a Redis URL (for example redis://127.0.0.1:6379/0)", param, ctx)
        return text


class JobName(click.ParamType):
    name = "NAME"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if not text or any(c in text for c in ":*?[] \t\n"):
            self.fail(f"{value!r} is not a job name: letters, digits, '-', '_' and '.' (it becomes part of "
                      "Redis key names)", param, ctx)
        return text


def _connect_or_exit(url: str):
    from spiders.redis.connection import RedisUnavailable, check_server, connect

    try:
        client = connect(url)
        check_server(client, url)
    except RedisUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    return client


def run_worker(data_dir: DataDir, source: str | None, url: str | None, job: str | None, verbose: bool) -> None:
    """`knead crawl SOURCE --redis URL [--job NAME]`: one worker, until the whole crawl is over."""
    ctx = click.get_current_context()
    if url is None:
        raise click.UsageError("--job names a crawl in Redis: add --redis URL.")
    if source is None:
        raise click.UsageError("--redis needs a SOURCE: `knead crawl amta --redis URL`.")
    for param in ctx.command.params:
        why = _NOT_FOR_WORKERS.get(param.name)
        if why and ctx.get_parameter_source(param.name) == ParameterSource.COMMANDLINE:
            raise click.UsageError(f"{param.opts[0]} does not go with --redis: {why}.")
    from spiders.redis.connection import shown
    from spiders.redis.keys import JobKeys

    job = job or source
    keys = JobKeys(job)
    client = _connect_or_exit(url)
    import json

    import redis

    try:
        meta = client.hgetall(keys.meta)
        finished = client.get(keys.finished)
    except redis.RedisError as exc:
        raise click.ClickException(f"Redis at {shown(url)} did not answer ({exc}).") from None
    if not meta:
        raise click.ClickException(f"No crawl {job!r} in Redis at {shown(url)}: seed it first with "
                                   f"`knead enqueue {source} --redis URL` and what to crawl, as for `knead crawl {source}`.")
    if meta.get("source") != source:
        raise click.ClickException(f"Crawl {job!r} in Redis is a crawl of {meta.get('source')!r}, not {source!r}: "
                                   f"`knead crawl {meta.get('source')} --redis URL --job {job}`.")
    if finished:
        click.echo(f"Crawl {job!r} in Redis is already over ({json.loads(finished).get('at', '?')}); "
                   "nothing to do. `knead publish --redis URL` publishes it.", err=True)
        return
    from spiders.redis.settings import worker_settings
    from spiders.run import run_crawl

    worker = f"{socket.gethostname()}:{os.getpid()}"
    report = run_crawl(source, start_urls=json.loads(meta.get("start_urls") or "[]"), data_dir=data_dir.root,
                       log_level="INFO" if verbose else "ERROR", http_cache=False,
                       extra=worker_settings(url, job, worker, meta))
    wrapped.echo(worker_summary(report, job, worker))
    crawl_roster.check_report(report)  # a roster column renamed: this worker stops, nothing is published
    failure = report.stats.get("knead/redis_failure")
    if failure:
        raise click.ClickException(failure)
    if report.finish_reason != "finished":
        raise click.ClickException(f"This worker {report.outcome}; the requests it held went back to the queue. "
                                   f"`knead crawl {source} --redis URL` continues the crawl.")


def worker_summary(report, job: str, worker: str) -> list[str]:
    stats = report.stats
    over = report.finish_reason == "finished"
    return [
        (f"Worker {worker} of crawl {job!r} {'stopped: the crawl is over' if over else report.outcome}"
         f" ({report.seconds:.1f} s)"),
        f"  pages fetched:        {report.pages_fetched}",
        f"  listings sent:        {int(stats.get('listings/sent', 0) or 0)} (to Redis, for `knead publish --redis`)",
        "  listings dropped:     "
        + (", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in report.dropped.items()) or "0"),
        f"  malformed pages:      {report.malformed_pages}",
        f"  URLs failed:          {report.failed_count}",
        *[f"    {u}" for u in report.failed_urls[:20]],
        f"  skipped (robots.txt): {report.robots_skipped}",
    ]


@click.command()
@click.argument("source", type=click.STRING)
@click.option("--redis", "url", type=RedisUrl(), required=True, help="The Redis server the workers share, redis://HOST:PORT/DB.")
@click.option("--job", type=JobName(), default=None, help="The crawl's name in Redis (default: the source's); another name runs another crawl beside it.")
@crawl_options.source_options
@click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True, help="Seconds between requests to one host, for all workers together.")
@click.option("--concurrency", type=click.IntRange(min=1, max=64), default=1, show_default=True, help="Requests in flight to one host, for all workers together.")
@click.option("--lease", type=click.FloatRange(min=1), default=30.0, show_default=True, help="Seconds after which the requests of a worker that stopped answering go back to the queue.")
@click.option("--replace", is_flag=True, help="Delete what Redis holds of this crawl first (a finished crawl started again).")
@click.pass_obj
def enqueue(data_dir: DataDir, source, url, job, delay, concurrency, lease, replace, roster_file, **where):
    """Seed a crawl that workers on any number of machines share through Redis.

    \b
    knead enqueue nppes --redis redis://HOST:6379/0 --state CT --state MA
    knead crawl nppes --redis redis://HOST:6379/0   # each worker, anywhere
    knead publish --redis redis://HOST:6379/0       # stores and indexes what they found

    Any source can be spread over workers; what to crawl is said as to
    `knead crawl SOURCE` (--start-url, --state, --board, --sitemap, ...).
    The start requests are queued once; the per-host delay and concurrency
    hold for all workers together.
    """
    from search_cli.crawl import SourceName

    source = SourceName().convert(source, None, click.get_current_context())
    if roster_file is not None:
        raise click.UsageError("--file is a file on this machine, which workers elsewhere cannot read: crawl it in "
                               f"one process, `knead crawl roster --board BOARD --file {roster_file}`.")
    urls, _settings = crawl_options.start_urls(source, data_dir, roster_file=None, command="enqueue", **where)
    from spiders.redis.connection import RedisUnavailable, shown
    from spiders.redis.enqueue import EnqueueRefused, seed

    job = job or source
    try:
        seeded = seed(url, job, source, urls, replace=replace,
                      settings={"delay": delay, "concurrency": concurrency, "lease": lease})
    except (RedisUnavailable, EnqueueRefused) as exc:
        raise click.ClickException(str(exc)) from None
    except ValueError as exc:  # a start URL the spider refuses
        raise click.UsageError(str(exc)) from None
    click.echo(f"Crawl {seeded.job!r} {'seeded' if seeded.created else 'already in'} Redis at {shown(url)}: "
               f"{seeded.queued} start request(s) queued"
               + (f", {seeded.already_seen} already seen" if seeded.already_seen else "")
               + f". Start workers with `knead crawl {source} --redis URL"
               + (f" --job {seeded.job}`." if seeded.job != source else "`."))
