"""`knead crawl`: collect listings into the store of record, then rebuild the index.

With no source named, knead serves its bundled samples on 127.0.0.1 (every
stand-in in spiders.sample_site.bundled.SAMPLES: the AMTA-style directory,
the NPI registry's API) and crawls each in turn, so a fresh install has
something to search. Scrapy is imported only when a crawl actually runs.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack, contextmanager

import click

from index.records.datadir import DataDir
from search_cli import crawl_options, crawl_redis, crawl_roster, crawl_sites, wrapped

SAMPLE_SIZE = 1200


class SourceName(click.ParamType):
    """A spider name, as Scrapy's spider loader finds them (read only when a source is given:
    the loader imports Scrapy and every spider module)."""

    name = "SOURCE"

    def get_metavar(self, param, ctx):
        # Only for `knead crawl`'s own help and usage lines, which may load Scrapy.
        from spiders.run import source_names

        return f"[{'|'.join(source_names())}]"

    def convert(self, value, param, ctx):
        from spiders.run import source_names

        names = source_names()
        key = str(value).strip().casefold()
        if key in names:
            return key
        import difflib

        close = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else f" (sources: {', '.join(names)})"
        raise click.BadParameter(f"Unknown source {value!r}{hint}", ctx=ctx, param_hint="'SOURCE'")


@click.command()
@click.argument("source", required=False, type=SourceName())
@crawl_options.source_options
@click.option("--delay", type=click.FloatRange(min=0), default=None, help="Seconds between requests to a domain (default 1, AutoThrottle on; 0 for the sample directory).")
@click.option("--concurrency", type=click.IntRange(min=1, max=64), default=None, help="Requests in flight per domain (default 1; 8 for the sample directory).")
@click.option("--max-items", type=click.IntRange(min=1), default=None, help="Stop after this many listings (a partial crawl: nothing is marked stale).")
@click.option("--resume", is_flag=True, help="Continue the last interrupted crawl of this source: profiles it already has are not fetched again.")
@crawl_options.accept_drop_option
@crawl_options.stale_days_option
@click.option("--sample-size", type=click.IntRange(min=10), default=SAMPLE_SIZE, show_default=True, help="Therapists in the bundled sample directory; the registry sample holds most of them (no SOURCE).")
@click.option("--no-http-cache", is_flag=True, help="Download every page again instead of revalidating cached ones (304).")
@crawl_options.no_index_option
@click.option("--redis", "redis_url", type=crawl_redis.RedisUrl(), default=None, help="Run as one worker of the crawl `knead enqueue` seeded in this Redis (redis://HOST:PORT/DB).")
@click.option("--job", type=crawl_redis.JobName(), default=None, help="With --redis: the crawl's name in Redis (default: the source's).")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@click.pass_obj
def crawl(data_dir: DataDir, source, start_urls, sitemaps, from_listings, states, zips, cities, api_url, board, roster_url, roster_file, delay, concurrency, max_items, resume, accept_drop, stale_days, sample_size, no_http_cache, no_index, redis_url, job, verbose):
    """Crawl a directory into knead's store of record and rebuild the index.

    \b
    knead crawl                      # every bundled sample (directory and registry), no setup
    knead crawl amta --start-url 'https://directory.example/find-massage-therapist/?location=CT'
    knead crawl nppes --state CT     # the NPI registry, by state, ZIP or city
    knead crawl sites --from-listings  # the practice websites listings point to
    knead crawl roster --board tx    # a state board's licence roster (Socrata)

    robots.txt is obeyed and requests are spaced (--delay); only public
    listing pages are read. A crawl is published (and the index rebuilt) only
    when it finished and passes the publish gate; otherwise the index people
    search stays as it was and knead says why.
    """
    if redis_url is not None or job is not None:
        return crawl_redis.run_worker(data_dir, source, redis_url, job, verbose)
    start_urls, roster_settings = crawl_options.start_urls(
        source, data_dir, start_urls=start_urls, sitemaps=sitemaps, from_listings=from_listings, states=states,
        zips=zips, cities=cities, api_url=api_url, board=board, roster_url=roster_url, roster_file=roster_file)

    from index.records.lock import CrawlLock, CrawlRunning
    from spiders.run import run_crawl  # Scrapy loads here, not at start-up

    with ExitStack() as stack:
        try:
            stack.enter_context(CrawlLock(data_dir.ensure().root / "crawl.lock"))
        except CrawlRunning as exc:
            raise click.ClickException(f"{exc} Wait for it to finish, or stop it first.") from None
        _check_store(data_dir)  # before anything is fetched: a damaged store would lose the crawl
        if source is None:
            return _crawl_bundled(stack, data_dir, sample_size=sample_size, delay=delay, concurrency=concurrency,
                                  max_items=max_items, resume=resume, accept_drop=accept_drop, stale_days=stale_days,
                                  no_http_cache=no_http_cache, no_index=no_index, verbose=verbose)
        resume_id = _crawl_to_resume(data_dir, source) if resume else None
        if resume_id:
            click.echo(f"Resuming crawl {resume_id}.", err=True)
        with _progress() as progress:  # cleared before the summary
            report = run_crawl(
                source,
                start_urls=start_urls,
                data_dir=data_dir.root,
                delay=delay,
                concurrency=concurrency,
                max_items=max_items,
                log_level="INFO" if verbose else "ERROR",
                progress=progress,
                resume_crawl_id=resume_id,
                http_cache=not no_http_cache,
                extra=roster_settings,
            )
        wrapped.echo(summary_lines(report))
        crawl_roster.check_report(report)
        if report.listings_stored == 0 and not report.stats.get("knead/resume_skipped"):
            raise click.ClickException("The crawl stored no listings; the index was left as it was.")
        publish(data_dir, report, accept_drop=accept_drop, stale_days=stale_days, rebuild=not no_index)


def _crawl_bundled(stack: ExitStack, data_dir: DataDir, *, sample_size: int, delay, concurrency, max_items, resume: bool,
                   accept_drop: bool, stale_days: float, no_http_cache: bool, no_index: bool, verbose: bool) -> None:
    """Serve every bundled sample (spiders.sample_site.bundled.SAMPLES) and crawl each in turn, each
    published through the gate on its own, with its own summary; exit 1 if any was not published."""
    from spiders.run import CrawlPlan, run_crawls
    from spiders.sample_site import generate
    from spiders.sample_site.bundled import SAMPLES, BundledData
    from spiders.sample_site.process import SampleSiteDidNotStart, serve_in_child

    resumed = {s.source: _crawl_to_resume(data_dir, s.source, quiet=True) if resume else None for s in SAMPLES}
    if resume and not any(resumed.values()):
        raise click.ClickException("No interrupted crawl of the bundled samples to resume; "
                                   "run `knead crawl` without --resume.")
    try:
        url = stack.enter_context(serve_in_child(sample_size))
    except SampleSiteDidNotStart as exc:
        raise click.ClickException(f"The bundled sample directory could not be served: {exc}.") from None
    data = BundledData(generate(sample_size))  # the server's size and seed: the same states
    click.echo(f"Crawling the bundled sample directory at {url}: "
               + ", ".join(f"{s.what} ({s.source})" for s in SAMPLES), err=True)
    for source, crawl_id in resumed.items():
        if crawl_id:
            click.echo(f"Resuming crawl {crawl_id} ({source}).", err=True)
    plans = [CrawlPlan(s.source, s.start_urls(url, data), resumed[s.source]) for s in SAMPLES]
    failures: list[str] = []
    shown = _EachProgress()

    def ended(report) -> None:
        """One crawl ended (the next not started yet): clear its progress, summarise and publish it."""
        shown.clear()
        wrapped.echo(summary_lines(report))
        try:
            if report.listings_stored == 0 and not report.stats.get("knead/resume_skipped"):
                raise click.ClickException("The crawl stored no listings; the index was left as it was.")
            publish(data_dir, report, accept_drop=accept_drop, stale_days=stale_days, rebuild=not no_index)
        except click.ClickException as exc:
            failures.append(f"{report.source}: {exc.format_message()}")

    try:
        reports = run_crawls(plans, data_dir=data_dir.root, delay=0.0 if delay is None else delay,
                             concurrency=concurrency or 8, max_items=max_items,
                             log_level="INFO" if verbose else "ERROR", progress=shown.show,
                             http_cache=not no_http_cache, on_report=ended)
    finally:
        shown.clear()
    if len(reports) < len(plans):
        failures.append("The crawl was interrupted before it reached "
                        + ", ".join(p.source for p in plans[len(reports):]) + "; `knead crawl --resume` continues.")
    if failures:
        raise click.ClickException("\n".join(failures))


class _EachProgress:
    """`_progress()` once per crawl of a sequence: shown as each crawl opens, cleared as it ends."""

    def __init__(self) -> None:
        self._open: ExitStack | None = None

    def show(self, stats) -> None:
        self.clear()
        self._open = ExitStack()
        update = self._open.enter_context(_progress())
        if update is not None:
            update(stats)

    def clear(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None


def _check_store(data_dir: DataDir) -> None:
    from index.records.store import RecordStore, StoreDamaged

    try:
        RecordStore(data_dir.records_path).close()
    except StoreDamaged as exc:
        raise click.ClickException(str(exc)) from None


def _crawl_to_resume(data_dir: DataDir, source: str, quiet: bool = False) -> int | None:
    """The id of `source`'s interrupted crawl; none: ClickException (with `quiet`: None)."""
    from index.records.store import INTERRUPTED, RUNNING, RecordStore

    # We hold the crawl lock, so a crawl still marked running died without closing.
    with RecordStore(data_dir.records_path) as store:
        last = store.crawls(source)
    if not last or last[-1]["status"] not in (INTERRUPTED, RUNNING):
        if quiet:
            return None
        raise click.ClickException(f"No interrupted crawl of {source} to resume; run `knead crawl` without --resume.")
    return int(last[-1]["id"])


def publish(data_dir: DataDir, report, *, accept_drop: bool, stale_days: float | None, rebuild: bool):
    """Publish a finished crawl that passes the gate (index.records.publish); otherwise say why and exit non-zero."""
    from index.records.publish import CrawlHeld, CrawlNotFinished, publish_crawl
    from index.search.generations import BuildError

    try:
        outcome = publish_crawl(data_dir, report.crawl_id, pages=report.pages_fetched, failed=report.failed_count,
                                accept_drop=accept_drop, stale_days=stale_days, rebuild=rebuild)
    except CrawlNotFinished as exc:
        raise click.ClickException(
            f"The crawl did not finish ({exc.status}); nothing was published and the index was left as it was. "
            "`knead crawl --resume` continues it."
        ) from None
    except CrawlHeld as exc:
        raise click.ClickException(
            "The crawl was not published; the index people search was left as it was:\n  - "
            + "\n  - ".join(exc.reasons)
            + "\nIts listings stay in the store for inspection (`knead status --held`)."
        ) from None
    except BuildError as exc:
        raise click.ClickException(f"The crawl was published to the store of record, but {exc}") from None
    counts = outcome.counts
    lines = [
        f"Published: {counts['found']} found, {counts['new']} new, {counts['changed']} changed, "
        f"{counts['gone']} gone" + (f", {counts['dropped']} dropped after {stale_days:g} days stale" if counts["dropped"] else "")
    ]
    if outcome.index is not None:
        result = outcome.index
        stale = result.doc_count - result.findable
        lines.append(f"Index rebuilt: {result.findable} therapists and practices people can find now"
                     + (f" (and {stale} stale ones, shown with --include-stale)" if stale else "")
                     + f", generation {result.generation} ({result.seconds:.1f} s)")
    wrapped.echo(lines)


@contextmanager
def _progress():
    """Live counts on stderr while the crawl runs, when stderr is a terminal; cleared on exit.

    Yields the callback `run_crawl` gives the crawl's stats to (None: no display).
    rich redraws from those stats several times a second on its own thread,
    so the display moves even while a slow page is awaited.
    """
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TimeElapsedColumn

    from search_cli.crawl_progress import CrawlCounts

    with Progress(SpinnerColumn(), CrawlCounts(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True, refresh_per_second=4) as bar:
        task = bar.add_task("crawl", total=None, stats=None)
        yield lambda stats: bar.update(task, stats=stats)


def summary_lines(report) -> list[str]:
    """The crawl summary, one item a line (wrapped to the terminal by the caller)."""
    stored = report.stored
    lines = [
        f"Crawl of {report.source} {report.outcome}"
        + (f" in {report.seconds:.1f} s" if report.outcome == "finished" else f" ({report.seconds:.1f} s)"),
        f"  pages fetched:        {report.pages_fetched} ({report.pages_unchanged} unchanged: 304 Not Modified)",
        (f"  listings stored:      {report.listings_stored}"
        f" ({stored.get('new', 0)} new, {stored.get('changed', 0)} changed, {stored.get('unchanged', 0)} unchanged)"),
    ]
    if report.past_limit:
        lines.append(f"  not stored:           {report.past_limit} found after the --max-items limit was reached")
    lines += [
        "  listings dropped:     "
        + (", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in report.dropped.items()) or "0"),
        f"  malformed pages:      {report.malformed_pages}",
        f"  URLs failed:          {report.failed_count}",
    ]
    lines += [f"    {url}" for url in report.failed_urls[:20]]
    if report.failed_count > 20:
        lines.append(f"    ... and {report.failed_count - 20} more")
    # A source's own error answers (the NPI registry's `Errors`), each by its description.
    errors = {k.split("/", 2)[2]: int(v) for k, v in sorted(report.stats.items()) if k.startswith("knead/source_errors/")}
    if errors:
        lines.append("  error answers:        " + ", ".join(f"{n} {desc!r}" for desc, n in errors.items()))
    if report.stats.get("knead/source_capped"):
        lines.append(f"  queries capped:       {report.stats['knead/source_capped']} answered more records than the"
                     " source returns and could not be narrowed (-v names them)")
    if report.redirects_refused:
        lines.append("  redirects refused:    " + ", ".join(
            f"{n} {reason.replace('_', ' ')}" for reason, n in report.redirects_refused.items()))
    lines.append(f"  skipped (robots.txt): {report.robots_skipped}")
    lines += [f"    {url}" for url in report.robots_skipped_urls[:5]]
    if len(report.robots_skipped_urls) > 5:
        lines.append(f"    ... and {len(report.robots_skipped_urls) - 5} more")
    for kind, values in report.unmapped.items():
        shown = ", ".join(f"{v!r} ({n})" for v, n in list(values.items())[:10])
        more = f", ... {len(values) - 10} more" if len(values) > 10 else ""
        lines.append(f"  unmapped {kind} values: {len(values)} distinct, {sum(values.values())} occurrences:"
                     f" {shown}{more}")
    lines += crawl_sites.report_lines(report)
    lines += crawl_roster.report_lines(report)
    return lines
