"""`python -m search_cli` runs the `knead` command."""

from search_cli.main import cli

if __name__ == "__main__":  # not when a spawned child process imports this as its main module
    cli()
