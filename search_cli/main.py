"""The `knead` click group: global options, and every command registered on it.

Commands live in their own modules; this one only names them (`COMMANDS`),
and the group imports a command's module when that command is run or listed
(click's "lazily loading subcommands" pattern): `knead search` must start
fast, and the crawl, import and Redis commands bring in Scrapy's settings,
sockets, the rosters and the writers' dependencies (~60 ms of every search
when they were all imported up front). Nothing here imports Scrapy or the
ZIP table.
"""

from __future__ import annotations

import importlib

import click

from index.records.datadir import ENV_VAR, DataDir

# Command name -> "module:attribute" of its click command, imported on first use.
COMMANDS = {
    "crawl": "search_cli.crawl:crawl",
    "enqueue": "search_cli.crawl_redis:enqueue",
    "export": "search_cli.export:export",
    "import": "search_cli.importing:import_group",
    "publish": "search_cli.publish_redis:publish",
    "reindex": "search_cli.search:reindex",
    "rollback": "search_cli.status:rollback",
    "sample-site": "search_cli.sample_site:sample_site",
    "search": "search_cli.search:search",
    "show": "search_cli.show:show",
    "status": "search_cli.status:status",
    "vocab": "search_cli.search:vocab",
}


class KneadGroup(click.Group):
    """The `knead` group: commands imported on first use, error messages wrapped at the terminal's width.

    click prints a ClickException's message on one line, which a terminal then
    breaks mid-word; every error of every command passes through here (parsing
    in `make_context`, the commands in `invoke`), so it is wrapped once, here.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)

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

