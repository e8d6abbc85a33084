"""`knead search`, `knead reindex` and `knead vocab`: thin click commands over `index`.

Options are converted and checked by click parameter types (search_cli.options),
so a bad value is a usage error (exit 2) before anything is opened; the index
library does the work; search_cli.table draws the table and
search_cli.writers write every other format. `run_search`, `to_export` and
`write_file_format` are shared with `knead export` (search_cli.export), as
are the options. Nothing here imports Scrapy, and the ZIP table loads only
when `--near` is given.
"""

from __future__ import annotations

from pathlib import Path

import click

from index.records.datadir import DataDir
from search_cli import options
from search_cli.output import (
    echo_err,
    output_options,
    render_table,
    resolve_format,
    to_csv,
    to_json,
    to_jsonl,
    write_output,
)


def _no_index(data_dir: DataDir) -> click.ClickException:
    return click.ClickException(f"No index yet in {data_dir.root}: run `knead crawl` first.")


def search_formats() -> tuple[str, ...]:
    from search_cli.writers import format_names

    return ("table", *format_names())


def run_search(data_dir: DataDir, request):
    """Run `request`; library errors become click errors, and an empty or relaxed
    text search is explained on stderr. Shared by `knead search` and `knead export`."""
    from index.search.engine import UnknownFilterValue
    from index.search.engine import search as index_search
    from index.search.query import QueryError
    from index.search.served import IndexDamaged, IndexMissing, IndexOutdated

    try:
        result = index_search(data_dir.index_root, request)
    except (IndexOutdated, IndexDamaged) as exc:
        raise click.ClickException(str(exc)) from None
    except IndexMissing:
        raise _no_index(data_dir) from None
    except QueryError as exc:
        raise click.UsageError(str(exc)) from None
    except UnknownFilterValue as exc:
        raise options.unknown_value_error(exc) from None
    shown_query = _shown_query(request.query)
    hint = f" Did you mean '{result.suggestions[0]}'?" if result.suggestions else ""
    if result.unmatched:
        words = " or ".join(f"'{word}'" for word in result.unmatched)
        echo_err(f"No listing mentions {words}.{hint}")
    elif result.total == 0 and shown_query is not None:
        echo_err(f"No results for '{shown_query}'.")
    elif result.relaxed:
        echo_err(f"No listing matches every word of '{shown_query}'; showing listings that match some.")
    if result.without_hours:
        many = result.without_hours != 1
        echo_err(f"{result.without_hours:,} matching listing{'s' if many else ''} give{'' if many else 's'} "
                 f"no opening hours and {'were' if many else 'was'} left out of this --open search.")
    return result


def to_export(result, filters: options.SearchFilters, request):
    """A search result as what the file writers take."""
    from search_cli.writers import Export

    return Export(results=result.results, total=result.total, query=_shown_query(request.query),
                  facets=result.facets, suggestions=result.suggestions, filters=filters.described(),
                  filter_values=filter_values(filters, request), relaxed=result.relaxed, unmatched=result.unmatched,
                  without_hours=result.without_hours, near=filters.near, radius_miles=request.radius_miles if filters.near else None)


def filter_values(filters: options.SearchFilters, request) -> dict:
    """The options given, as JSON values: {"techniques": [...], "near": {...}, "radius_miles": 25.0, ...}.

    Every field of SearchFilters that was set (not None, False or empty) is
    kept under its own name, so an option added later shows up by itself.
    """
    from dataclasses import fields

    out: dict = {}
    for f in fields(filters):
        value = getattr(filters, f.name)
        if f.name in ("query", "radius") or value is None or value is False or value == () or value == []:
            continue
        if f.name == "open_at":
            out["open"] = value.label()
        elif f.name == "near":
            out["near"] = {"lat": value[0], "lon": value[1], "label": value[2]}
            out["radius_miles"] = request.radius_miles
        else:
            out[f.name] = list(value) if isinstance(value, (tuple, list)) else value
    return out


def write_file_format(export, fmt: str, target, *, bom: bool = False) -> None:
    """Write with search_cli.writers; notes go to stderr, a failed write is a clear error."""
    from search_cli.writers import write_export

    try:
        notes = write_export(export, fmt, target, bom=bom)
    except BrokenPipeError:  # `knead export - | head`: the reader has what it wanted
        import os
        import sys

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        raise SystemExit(1) from None
    except OSError as exc:
        raise click.ClickException(f"Could not write {target}: {exc.strerror or exc}") from None
    for note in notes:
        echo_err(note)


@click.command("search")
@options.search_options
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Show at most N listings.")
@click.option("--all", "all_", is_flag=True, help="Show every matching listing.")
@output_options(formats=search_formats())
@click.pass_context
def search(ctx, filters: options.SearchFilters, limit, all_, fmt, output):
    """Search the index: free-text QUERY (optional) plus filters.

    Every word must match (AND), stemmed ("headache" finds "headaches"), in
    any case and with or without accents ("Garcia" finds "García"); "quoted
    phrases" match in that order. In capitals, OR matches either side
    ("shiatsu OR reflexology"), NOT leaves a word out ("pain NOT neck"), and
    parentheses group. A word no listing mentions gives no results and a
    suggestion; if every word matches but no listing has them all, listings
    with some of them are shown and stderr says so. Technique and insurance
    spellings work as text too ("cranio sacral", "CST"). `-o FILE` writes
    any `knead export` format, chosen by the file's extension.

    \b
    Examples:
      knead search "low back pain" --near 06103
      knead search --technique deep-tissue --insurance aetna --near "Hartford, CT"
      knead search --new-since 30d --state CT -o new-this-month.csv
    """
    data_dir: DataDir = ctx.obj
    if all_ and ctx.get_parameter_source("limit") == click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--limit and --all cannot be used together.")
    fmt = resolve_format(fmt, output, search_formats(), strict=True)
    request = filters.request(limit=None if all_ else limit)
    result = run_search(data_dir, request)
    if fmt == "table":
        from search_cli.table import draw_results

        write_output(render_table(lambda console: draw_results(console, result, filters.near, request)), output)
    else:
        write_file_format(to_export(result, filters, request), fmt, output if output is not None else "-")
    from search_cli.output import to_stdout

    if not to_stdout(output):
        echo_err(wrote(len(result.results), result.total, output))


def wrote(shown: int, total: int, output) -> str:
    """"Wrote 20 of 166 listings to shiatsu.csv; ...": what `search -o` put in the file."""
    if shown >= total:
        return f"Wrote {shown} listing{'' if shown == 1 else 's'} to {output}."
    return f"Wrote {shown} of {total} listings to {output}; --all or `knead export` writes every match."


def _shown_query(query: str | None) -> str | None:
    """The query as searched (cleaned and bounded), None when there is none."""
    from index.search.query import clean_query

    return clean_query(query) or None


@click.command("reindex")
@click.pass_obj
def reindex(data_dir: DataDir) -> None:
    """Rebuild the search index from the store of record (no crawling)."""
    from index.records.publish import NothingCrawled, rebuild_index
    from index.search.generations import BuildError

    try:
        result = rebuild_index(data_dir)
    except NothingCrawled as exc:
        raise click.ClickException(f"{exc}: run `knead crawl` first.") from None
    except BuildError as exc:
        raise click.ClickException(str(exc)) from None
    skipped = f", {result.skipped} skipped" if result.skipped else ""
    click.echo(f"Indexed {result.doc_count} therapists and practices{skipped}: generation {result.generation} ({result.seconds:.1f} s)")


@click.command("vocab")
@click.argument("kind", type=click.Choice(("techniques", "insurance")))
@output_options
def vocab(kind: str, fmt: str | None, output: Path | None) -> None:
    """List the technique or insurance ids, their labels and spellings."""
    from index.model import vocabulary

    table = vocabulary.TECHNIQUES if kind == "techniques" else vocabulary.INSURANCES
    rows = [{"id": t.id, "label": t.label, "spellings": list(t.spellings), **({"group": t.group} if t.group else {})}
            for t in table.values()]
    fmt = resolve_format(fmt, output, strict=True)  # `-o vocab.md`: refused, not written as JSON
    if fmt == "json":
        text = to_json(rows)
    elif fmt == "jsonl":
        text = to_jsonl(rows)
    elif fmt == "csv":
        text = to_csv(rows, ["id", "label", "spellings"] + (["group"] if kind == "insurance" else []))
    else:
        text = render_table(lambda console: _vocab_table(console, rows))
    write_output(text, output)


def _vocab_table(console, rows) -> None:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Id", no_wrap=True)
    table.add_column("Label", overflow="fold")
    table.add_column("Other spellings", overflow="fold")
    for row in rows:
        table.add_row(row["id"], row["label"], ", ".join(row["spellings"]))
    console.print(table)
