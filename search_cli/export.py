"""`knead export FILE`: every listing a search matches, written to a file in one of seven formats.

The QUERY and filters are `knead search`'s own (options.search_options, the
same SearchRequest through search.run_search), but an export takes every
match, not a page. The format comes from FILE's extension or `--format`; the
writers live in search_cli.writers, one module per format. A file is replaced
atomically, so it is complete or absent even if knead is killed mid-way.
Results are merged (one per therapist, issue 15); `--unmerged` writes each
result's member listings from the store of record instead.
"""

from __future__ import annotations

import click

from index.records.datadir import DataDir
from search_cli import options
from search_cli.output import echo_err, resolve_format
from search_cli.search import run_search, to_export, write_file_format


def _export_formats() -> tuple[str, ...]:
    from search_cli.writers import format_names

    return tuple(format_names())


@click.command("export")
@click.argument("file", type=options.OutputFile())
@options.search_options
@click.option("--format", "fmt", type=click.Choice(_export_formats(), case_sensitive=False), default=None,
              help="json, jsonl, csv, geojson, vcf, md or html (default: from FILE's extension; json for -).")
@click.option("--excel", is_flag=True,
              help="CSV for Excel: UTF-8 with a byte-order mark, so accented and non-Latin names open correctly.")
@click.option("--unmerged", is_flag=True,
              help="One row per source listing of the therapists matched (as each source gave it, from the "
                   "store of record, with `result_id`), instead of one merged row per therapist.")
@click.pass_context
def export(ctx, file, filters: options.SearchFilters, fmt, excel, unmerged):
    """Write every listing matching QUERY and the filters to FILE ("-": stdout).

    Takes the same QUERY and filters as `knead search`, and every match, not
    just a page: one row per therapist, merged across the sources that list
    them (--unmerged: one row per source listing). The format is FILE's
    extension or --format:

    \b
      .csv      one row per listing; formula-like cells get a leading '
      .json     the `knead search --format json` object; .jsonl one listing per line
      .geojson  map points (listings without coordinates are left out)
      .vcf      vCard 4.0 contacts for phones and address books
      .md       a Markdown table; .html a page with a map and the table

    \b
    Examples:
      knead export in-network.csv --insurance aetna --state CT --excel
      knead export near-me.html "low back pain" --near 06103 --radius 10
      knead export new.vcf --new-since 30d --near "Hartford, CT"
      knead export raw.jsonl --state TX --unmerged
    """
    data_dir: DataDir = ctx.obj
    fmt = resolve_format(fmt.lower() if fmt else None, file, _export_formats(), strict=True)
    if excel and fmt != "csv":
        raise click.UsageError("--excel applies to CSV only.")
    request = filters.request(limit=None)
    result = run_search(data_dir, request)
    export = to_export(result, filters, request)
    if unmerged:
        export.results = source_listings(data_dir, result.results)
        export.total = len(export.results)
    write_file_format(export, fmt, file, bom=excel)
    if file != "-":
        noun = "listing" if export.total == 1 else "listings"
        of = f" of {result.total} therapist{'' if result.total == 1 else 's'}" if unmerged else ""
        echo_err(f"Exported {export.total} {noun}{of} to {file} ({fmt}).")


def source_listings(data_dir: DataDir, results: list[dict]) -> list[dict]:
    """Each result's member listings as the store of record holds them, in the result's order of
    sources, each with `result_id` (the merged result it belongs to)."""
    from index.records.store import RecordStore, StoreDamaged

    rows = []
    try:
        with RecordStore(data_dir.records_path) as store:
            for result in results:
                members = {m["id"]: m for m in store.members(result["id"])}
                order = [s.get("id") for s in result.get("sources") or ()]
                ordered = [members.pop(i) for i in order if i in members] + list(members.values())
                rows += [{**m, "result_id": result["id"]} for m in ordered]
    except StoreDamaged as exc:
        raise click.ClickException(str(exc)) from None
    return rows
