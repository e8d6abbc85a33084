"""`knead status` and `knead rollback`: what is published and served, its history, and undoing a publish."""

from __future__ import annotations

import json
import sys

import click

from index.records.datadir import DataDir
from search_cli import wrapped


def _open_store(data_dir: DataDir):
    from index.records.store import RecordStore, StoreDamaged

    try:
        return RecordStore(data_dir.records_path)
    except StoreDamaged as exc:
        raise click.ClickException(str(exc)) from None


def _index_state(data_dir: DataDir) -> tuple[int | None, list[dict], str | None]:
    """(generation served, generations kept, what is wrong with the served one or None)."""
    from index.search.generations import (
        IndexDamaged,
        IndexMissing,
        kept,
        open_generation,
    )
    from index.search.served import verify

    root = data_dir.index_root
    generations = kept(root) if root.is_dir() else []
    try:
        generation = open_generation(root)
        verify(generation)  # every file's checksum: status is where damage is looked for
    except IndexDamaged as exc:
        return None, generations, str(exc)
    except IndexMissing as exc:  # none yet, or built by another knead version
        return None, generations, None if "No index yet" in str(exc) else str(exc)
    return generation.number, generations, None


def status_report(data_dir: DataDir) -> dict:
    """Per source: listings, how many are merged with another source's listing of the same therapist,
    last published crawl and its counts, the latest crawl if it was not published; the index generation served, those kept, and the history of publishes."""
    from index.records.store import PUBLISHED

    generation, generations, problem = _index_state(data_dir)
    sources: dict[str, dict] = {}
    history: list[dict] = []
    if data_dir.records_path.exists():
        with _open_store(data_dir) as store:
            for crawl in store.crawls():
                entry = sources.setdefault(crawl["source"], {"source": crawl["source"]})
                brief = {k: crawl[k] for k in ("id", "scope", "started_at", "finished_at", "status")}
                if crawl["status"] == PUBLISHED:
                    entry["last_published"] = {**brief, "counts": crawl["counts"]}
                entry["latest"] = {**brief, "gate": crawl["gate"].get("reasons", [])}
            merged = store.merged_counts()
            for name, entry in sources.items():
                entry["listings"] = store.count(name, include_stale=False)
                entry["stale"] = store.count(name) - entry["listings"]
                # Listings that are one therapist or practice with another source's (index.merge).
                entry["merged"] = merged.get(name, {}).get("merged", 0)
                if name == "roster":  # rows kept to verify licences: stored, never in the index
                    entry["verification_only"] = sum(
                        1 for row in store.listings(name, include_stale=False) if row.get("verification_only"))
            history = store.history()
    rolled_back = bool(history) and history[-1]["action"] == "rolled back"
    return {"data_dir": str(data_dir.root), "generation": generation, "rolled_back": rolled_back,
            "index_problem": problem, "generations": generations, "history": history,
            "sources": list(sources.values())}


def _held(data_dir: DataDir) -> tuple[dict | None, list[dict]]:
    from index.records.store import HELD

    if not data_dir.records_path.exists():
        return None, []
    with _open_store(data_dir) as store:
        held = [c for c in store.crawls() if c["status"] == HELD]
        if not held:
            return None, []
        crawl = held[-1]
        keys = ("id", "name", "business", "city", "state", "zip", "url")
        return crawl, [{k: listing.get(k) for k in keys} for listing in store.staged_listings(crawl["id"])]


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default=None, help="Default: text on a terminal, json otherwise.")
@click.option("--held", is_flag=True, help="List the listings of the latest crawl the publish gate held back.")
@click.pass_obj
def status(data_dir: DataDir, fmt: str | None, held: bool) -> None:
    """Show each source's last published crawl, the index generation served and the history.

    Every file of the served index is checked; a damaged one is named, with
    the way out, and the exit status is 1.
    """
    text = (fmt or ("text" if sys.stdout.isatty() else "json")) == "text"
    if held:
        _show_held(data_dir, text)
        return
    report = status_report(data_dir)
    if not text:
        click.echo(json.dumps(report, indent=2))
    else:
        wrapped.echo(_status_lines(report))
    if report["index_problem"]:
        raise click.ClickException(report["index_problem"])


def _status_lines(report: dict) -> list[str]:
    gen = report["generation"]
    lines = [f"Data directory: {report['data_dir']}"]
    if gen is None:
        served = "none (damaged, see below)" if report["index_problem"] else "none (run `knead crawl`)"
    else:
        served = f"{gen}" + (" (after `knead rollback`)" if report["rolled_back"] else "")
    lines.append(f"Index generation served: {served}")
    kept = [g for g in report["generations"] if not g["retired"]]
    if kept:
        lines.append("Generations kept: " + ", ".join(
            f"{g['number']}" + (f" ({g['doc_count']} listings, built {g['built_at']})" if not g.get("damaged") else " (damaged)")
            for g in kept))
    if not report["sources"]:
        lines.append("No crawls yet.")
    for entry in report["sources"]:
        lines += ["", f"{entry['source']}: {entry['listings']} listings ({entry['stale']} stale)"]
        if entry.get("merged"):
            lines.append(f"  {entry['merged']} of them merged with another source's listing of the same "
                         "therapist or practice (one result)")
        if entry.get("verification_only"):
            lines.append(f"  {entry['verification_only']} of them verification only (no address: they confirm "
                         "licences, searches do not show them)")
        published = entry.get("last_published")
        if published:
            c = published["counts"]
            lines.append(
                f"  last published crawl #{published['id']}, finished {published['finished_at']}: "
                f"{c.get('found', 0)} found, {c.get('new', 0)} new, {c.get('changed', 0)} changed, "
                f"{c.get('gone', 0)} gone, {c.get('failed', 0)} failed"
            )
        latest = entry.get("latest")
        if latest and (not published or latest["id"] != published["id"]):
            lines.append(f"  latest crawl #{latest['id']}: {latest['status']}")
            lines += [f"    - {reason}" for reason in latest["gate"]]
            if latest["status"] == "held":
                lines.append("    its listings: `knead status --held`")
    if report["history"]:
        lines += ["", "History (latest last):"]
        for event in report["history"]:
            what = {"published": "published crawl #{crawl_id}", "rolled back": "rolled back crawl #{crawl_id}",
                    "reindexed": "reindexed"}.get(event["action"], event["action"]).format(**event)
            gen_part = f" -> generation {event['generation']}" if event["generation"] is not None else ""
            detail = f" ({event['detail']})" if event["detail"] else ""
            lines.append(f"  {event['at']}  {what}{gen_part}{detail}")
    return lines


def _show_held(data_dir: DataDir, text: bool) -> None:
    crawl, listings = _held(data_dir)
    if not text:
        click.echo(json.dumps({"crawl": crawl, "listings": listings}, indent=2, default=str))
        return
    if crawl is None:
        click.echo("No held crawl: every crawl that ended was published or is resumable.")
        return
    lines = [f"Held crawl #{crawl['id']} of {crawl['source']}, finished {crawl['finished_at']}: "
             f"{len(listings)} listings, not published because:"]
    lines += [f"  - {reason}" for reason in crawl["gate"].get("reasons", [])]
    for row in listings:
        where = ", ".join(filter(None, (row["city"], row["state"])))
        lines.append(f"  {row['id']}  {row['name'] or '(no name)'}  {where}  {row['url'] or ''}")
    lines.append("`knead crawl --accept-drop` publishes a crawl like it if it is right.")
    wrapped.echo(lines)


@click.command()
@click.pass_obj
def rollback(data_dir: DataDir) -> None:
    """Undo the last publish: the store of record and the index go back to the crawl before it.

    For good: a later `knead reindex` or search gives the rolled-back-to
    listings. knead keeps what the last 3 publishes changed.
    """
    from index.records.lock import CrawlLock, CrawlRunning
    from index.records.publish import (
        NothingCrawled,
        NothingToRollBack,
        rollback_publish,
    )
    from index.records.store import StoreDamaged
    from index.search.generations import BuildError

    try:
        with CrawlLock(data_dir.ensure().root / "crawl.lock"):
            done = rollback_publish(data_dir)
    except CrawlRunning as exc:
        raise click.ClickException(f"{exc} Roll back once it has finished.") from None
    except (NothingCrawled, NothingToRollBack, StoreDamaged) as exc:
        raise click.ClickException(str(exc)) from None
    except BuildError as exc:
        raise click.ClickException(f"The store of record was rolled back, but {exc}") from None
    how = "rebuilt" if done.rebuilt else "kept"
    wrapped.echo([
        f"Rolled back crawl #{done.crawl['id']} ({done.crawl['source']}): {done.restored} listings restored"
        f" as crawl #{done.back_to['id']} left them.",
        f"Now serving index generation {done.generation} ({how}; was {done.before if done.before is not None else 'none'}).",
    ])
