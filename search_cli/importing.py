"""`knead import nppes FILE`: the NPI registry's bulk file into the store of record, then the index.

A thin layer over spiders.bulk.importer (read, select, stage) and
index.records.publish.publish_crawl (gate, merge, stale marking, index).
The file is streamed: the monthly zip is read straight out of the archive.
Live progress goes to stderr when it is a terminal (rich); the summary to
stdout. A damaged file, a file of another layout or a held import is one
`Error:` line (exit 1) and nothing is published.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack, contextmanager

import click

from index.records.datadir import DataDir
from search_cli import wrapped
from search_cli.options import StateType


@click.group(name="import")
def import_group() -> None:
    """Import a registry's bulk file into knead's store of record and rebuild the index."""


@import_group.command(name="nppes")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--state", "states", multiple=True, type=StateType(),
              help="Import only therapists practising in this state; repeat for several (default: every state).")
@click.option("--weekly/--monthly", "weekly", default=None,
              help="Say which a data file whose name does not (a renamed CSV) is: one week's changes, or the "
                   "whole registry (taken when neither is given). CMS's own names say it.")
@click.option("--accept-drop", is_flag=True,
              help="Publish even if the import found under 80% of the listings of the last one of these states.")
@click.option("--stale-days", type=click.FloatRange(min=0), default=90, show_default=True,
              help="Drop listings that monthly imports have not found for this many days.")
@click.option("--no-index", is_flag=True, help="Publish to the store of record only; do not rebuild the index.")
@click.pass_obj
def nppes(data_dir: DataDir, file, states, weekly, accept_drop, stale_days, no_index):
    """Import the NPI registry's (NPPES) bulk FILE: massage therapists, their licences and practice address.

    \b
    knead import nppes NPPES_Data_Dissemination_November_2026_V2.zip --state CT
    knead import nppes NPPES_Data_Dissemination_110926_111526_Weekly_V2.zip
    knead import nppes NPPES_Deactivated_NPI_Report_111026_V2.zip

    FILE is the monthly zip as CMS publishes it (or the npidata_pfile CSV
    inside it), a weekly incremental zip, or the deactivation report. It is
    read as a stream, never unpacked. Rows whose taxonomy slots hold the
    massage code 225700000X become listings `nppes:<NPI>`, with every
    licence of a massage slot. A monthly import marks the listings of the same
    states it no longer holds as stale; deactivated NPIs are marked stale in
    every case. A row older than the listing knead holds (by its Last Update
    Date) never overwrites it; an NPI listed twice counts once, by its latest
    row; a monthly file older than one already imported marks nothing stale.
    """
    from index.records.lock import CrawlLock, CrawlRunning
    from index.records.store import StoreDamaged
    from spiders.bulk.importer import import_bulk
    from spiders.bulk.nppes import MONTHLY, WEEKLY, BulkFileError, KindConflict

    with ExitStack() as stack:
        try:
            stack.enter_context(CrawlLock(data_dir.ensure().root / "crawl.lock"))
        except CrawlRunning as exc:
            raise click.ClickException(f"{exc} Wait for it to finish, or stop it first.") from None
        try:
            with _progress() as watch:
                kind = None if weekly is None else WEEKLY if weekly else MONTHLY
                report = import_bulk(file, data_dir, states=states, kind=kind, watch=watch)
        except KindConflict as exc:
            raise click.BadParameter(str(exc), param_hint="'--weekly' / '--monthly'") from None
        except BulkFileError as exc:
            raise click.ClickException(f"{exc} Nothing was published.") from None
        except StoreDamaged as exc:
            raise click.ClickException(str(exc)) from None
        wrapped.echo(summary_lines(report))
        if report.kind != MONTHLY and not report.kept and not report.gone:
            # A week with no massage therapist in it, or a report naming none knead lists, is no news:
            # the gate would hold it as a crawl that found nothing.
            wrapped.echo("Nothing to publish: the file changes no listing; the index was left as it was.")
            return
        _publish(data_dir, report, accept_drop=accept_drop, stale_days=stale_days, rebuild=not no_index)


def summary_lines(report) -> list[str]:
    """The import summary: rows read, kept, skipped by reason, rate."""
    from spiders.bulk.nppes import DEACTIVATIONS, MONTHLY, cutoff_of

    kind = "the deactivation report" if report.kind == DEACTIVATIONS else f"a {report.kind} file"
    lines = [(f"Import of {report.member} ({kind}) finished in {report.seconds:.1f} s: "
             f"{report.rows:,} rows read, {report.rows_per_second:,.0f} rows/s")]
    if report.kind_reason:
        lines.append(f"  {report.kind_reason}")
    if report.newer_imported:
        ends, newer = (f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in (cutoff_of(report.member), report.newer_imported))
        lines.append(f"  older than the store: its data ends {ends}, a file already imported ends {newer}; "
                     + ("it is read as an update, so nothing is marked stale for being absent from it"
                        if report.kind == MONTHLY else "only rows not older than what knead holds are applied"))
    if report.kind != DEACTIVATIONS:
        stored = report.stored
        lines.append(f"  listings kept:   {report.kept:,} ({stored.get('new', 0):,} new, "
                     f"{stored.get('changed', 0):,} changed, {stored.get('unchanged', 0):,} unchanged)")
    skipped = ", ".join(f"{n:,} {reason}" for reason, n in report.skipped.most_common() if n)
    lines.append(f"  rows skipped:    {skipped or '0'}")
    lines.append(f"  deactivated NPIs knead lists: {len(report.gone):,} (marked stale when published)")
    if report.replaced:
        lines.append(f"  bytes not UTF-8: {report.replaced:,} (replaced)")
    problems = {k: n for k, n in report.fields.items() if not k.startswith("geocode/city")}
    if problems:
        lines.append("  fields:          " + ", ".join(f"{n:,} {k.replace('/', ' ')}" for k, n in sorted(problems.items())))
    return lines


def _publish(data_dir: DataDir, report, *, accept_drop: bool, stale_days: float | None, rebuild: bool) -> None:
    from index.records.publish import CrawlHeld, CrawlNotFinished, publish_crawl
    from index.search.generations import BuildError
    from spiders.bulk.importer import MALFORMED

    try:
        outcome = publish_crawl(data_dir, report.crawl_id, pages=report.rows, failed=report.skipped.get(MALFORMED, 0),
                                accept_drop=accept_drop, stale_days=stale_days, rebuild=rebuild, gone=report.gone)
    except CrawlNotFinished as exc:
        raise click.ClickException(f"The import did not finish ({exc.status}); nothing was published.") from None
    except CrawlHeld as exc:
        raise click.ClickException(
            "The import was not published; the index people search was left as it was:\n  - "
            + "\n  - ".join(exc.reasons)
            + "\nIts listings stay in the store for inspection (`knead status --held`).") from None
    except BuildError as exc:
        raise click.ClickException(f"The import was published to the store of record, but {exc}") from None
    counts = outcome.counts
    lines = [f"Published: {counts['found']:,} found, {counts['new']:,} new, {counts['changed']:,} changed, "
             f"{counts['gone']:,} gone"
             + (f", {counts['dropped']:,} dropped after {stale_days:g} days stale" if counts["dropped"] else "")]
    if outcome.index is not None:
        result = outcome.index
        lines.append(f"Index rebuilt: {result.findable:,} therapists and practices people can find now, "
                     f"generation {result.generation} ({result.seconds:.1f} s)")
    wrapped.echo(lines)


class _ImportCounts:
    """The live line: share of the file read, rows read and kept, rows per second (read from the
    import's own counters each time rich redraws, so the import loop does nothing for it)."""

    def __init__(self, bulk, report, started: float):
        self.bulk, self.report, self.started = bulk, report, started

    def __rich__(self):
        import time

        from rich.text import Text

        counts, report = self.bulk.counts, self.report
        share = f"{counts.bytes / self.bulk.size:.0%} of the file, " if self.bulk.size else ""
        elapsed = time.monotonic() - self.started
        rate = f", {counts.rows / elapsed:,.0f} rows/s" if elapsed >= 1 else ""
        return Text(f"{share}{counts.rows:,} rows read, {report.kept:,} kept{rate}")


@contextmanager
def _progress():
    """Yields the importer's `watch` callback: a live line on stderr when it is a terminal, else None."""
    if not sys.stderr.isatty():
        yield None
        return
    import time

    from rich.console import Console
    from rich.live import Live

    with Live("reading the file", console=Console(stderr=True), transient=True, refresh_per_second=4) as live:
        def watch(bulk, report):
            live.update(_ImportCounts(bulk, report, time.monotonic()))

        yield watch
