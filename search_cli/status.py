"""`knead status` and `knead rollback`: what is published and served, and going back one generation."""

from __future__ import annotations

import json
import sys

import click

from index.records.datadir import DataDir


def status_report(data_dir: DataDir) -> dict:
    """Per source: listings, last published crawl and its counts, the latest crawl if it was not
    published; and the index generation being served."""
    from index.records.store import PUBLISHED, RecordStore
    from index.search.generations import IndexMissing, current_generation

    try:
        generation = current_generation(data_dir.index_root)
    except IndexMissing:
        generation = None
    sources: dict[str, dict] = {}
    if data_dir.records_path.exists():
        with RecordStore(data_dir.records_path) as store:
            for crawl in store.crawls():
                entry = sources.setdefault(crawl["source"], {"source": crawl["source"]})
                brief = {k: crawl[k] for k in ("id", "scope", "started_at", "finished_at", "status")}
                if crawl["status"] == PUBLISHED:
                    entry["last_published"] = {**brief, "counts": crawl["counts"]}
                entry["latest"] = {**brief, "gate": crawl["gate"].get("reasons", [])}
            for name, entry in sources.items():
                entry["listings"] = store.count(name, include_stale=False)
                entry["stale"] = store.count(name) - entry["listings"]
    return {"data_dir": str(data_dir.root), "generation": generation, "sources": list(sources.values())}


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default=None, help="Default: text on a terminal, json otherwise.")
@click.pass_obj
def status(data_dir: DataDir, fmt: str | None) -> None:
    """Show each source's last published crawl, its counts, and the index generation served."""
    report = status_report(data_dir)
    if (fmt or ("text" if sys.stdout.isatty() else "json")) == "json":
        click.echo(json.dumps(report, indent=2))
        return
    gen = report["generation"]
    click.echo(f"Data directory: {report['data_dir']}")
    click.echo(f"Index generation served: {gen if gen is not None else 'none (run `knead crawl`)'}")
    if not report["sources"]:
        click.echo("No crawls yet.")
    for entry in report["sources"]:
        click.echo(f"\n{entry['source']}: {entry['listings']} listings ({entry['stale']} stale)")
        published = entry.get("last_published")
        if published:
            c = published["counts"]
            click.echo(
                f"  last published crawl #{published['id']}, finished {published['finished_at']}: "
                f"{c.get('found', 0)} found, {c.get('new', 0)} new, {c.get('changed', 0)} changed, "
                f"{c.get('gone', 0)} gone, {c.get('failed', 0)} failed"
            )
        latest = entry.get("latest")
        if latest and (not published or latest["id"] != published["id"]):
            click.echo(f"  latest crawl #{latest['id']}: {latest['status']}")
            for reason in latest["gate"]:
                click.echo(f"    - {reason}")


@click.command()
@click.pass_obj
def rollback(data_dir: DataDir) -> None:
    """Serve the previous index generation again (after a bad publish)."""
    from index.search.generations import IndexMissing, current_generation
    from index.search.generations import rollback as rollback_index

    try:
        before = current_generation(data_dir.index_root)
        number = rollback_index(data_dir.index_root)
    except IndexMissing as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Now serving index generation {number} (was {before}).")
