"""`python -m search_cli` runs the `knead` command."""

from search_cli.main import cli

cli()
