"""The `knead` click group: global options, and every command registered on it.

Commands live in their own modules; this one only wires them up. Nothing here
imports Scrapy or the ZIP table: `knead search` must start fast, so slow
imports happen inside the commands that need them.
"""

from __future__ import annotations

import click

from index.records.datadir import ENV_VAR, DataDir


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, dir_okay=True, writable=True),
    envvar=ENV_VAR,
    show_envvar=True,
    help="Where knead keeps its store of record and index "
    "(default: your user data directory, e.g. ~/.local/share/knead).",
)
@click.version_option(package_name="knead")
@click.pass_context
def cli(ctx: click.Context, data_dir: str | None) -> None:
    """knead: find massage therapists by technique, insurance and distance.

    Crawl public directory listings (`knead crawl`), then search them
    (`knead search "low back pain" --technique deep-tissue --near 06103`).
    """
    ctx.obj = DataDir.resolve(data_dir)


# -- command registration (keep sorted by module) ----------------------------
from search_cli import crawl as _crawl  # noqa: E402
from search_cli import export as _export  # noqa: E402
from search_cli import sample_site as _sample_site  # noqa: E402
from search_cli import search as _search  # noqa: E402
from search_cli import status as _status  # noqa: E402

cli.add_command(_crawl.crawl)
cli.add_command(_export.export)
cli.add_command(_sample_site.sample_site)
cli.add_command(_search.search)
cli.add_command(_search.reindex)
cli.add_command(_search.vocab)
cli.add_command(_status.status)
cli.add_command(_status.rollback)
