"""The `knead` click group: global options, and every command registered on it.

Commands live in their own modules; this one only wires them up. Nothing here
imports Scrapy or the ZIP table: `knead search` must start fast, so slow
imports happen inside the commands that need them.
"""

from __future__ import annotations

import click

from index.records.datadir import ENV_VAR, DataDir


class KneadGroup(click.Group):
    """A click group whose error messages wrap at the terminal's width, between words.

    click prints a ClickException's message on one line, which a terminal then
    breaks mid-word; every error of every command passes through here (parsing
    in `make_context`, the commands in `invoke`), so it is wrapped once, here.
    """

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.ClickException as exc:
            raise _wrapped(exc) from exc.__cause__

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            raise _wrapped(exc) from exc.__cause__


def _wrapped(exc: click.ClickException) -> click.ClickException:
    """`exc`, its message wrapped to stderr's width (unchanged when stderr is not a terminal)."""
    from search_cli.output import stderr_width, wrap_words

    width = stderr_width()
    if width is not None:  # each error passes through one of the two hooks above, so once
        message = exc.format_message()
        prefix = "Error: "  # what click's show() puts before the message
        exc.format_message = lambda: wrap_words(prefix + message, width, "  ")[len(prefix):]  # type: ignore[method-assign]
    return exc


@click.group(cls=KneadGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
from search_cli import crawl_redis as _crawl_redis  # noqa: E402
from search_cli import export as _export  # noqa: E402
from search_cli import importing as _importing  # noqa: E402
from search_cli import publish_redis as _publish_redis  # noqa: E402
from search_cli import sample_site as _sample_site  # noqa: E402
from search_cli import search as _search  # noqa: E402
from search_cli import show as _show  # noqa: E402
from search_cli import status as _status  # noqa: E402

cli.add_command(_crawl.crawl)
cli.add_command(_crawl_redis.enqueue)
cli.add_command(_export.export)
cli.add_command(_importing.import_group)
cli.add_command(_publish_redis.publish)
cli.add_command(_sample_site.sample_site)
cli.add_command(_search.search)
cli.add_command(_search.reindex)
cli.add_command(_search.vocab)
cli.add_command(_show.show)
cli.add_command(_status.status)
cli.add_command(_status.rollback)
