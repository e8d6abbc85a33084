"""CLI.md is the `--help` of every command, so the reference cannot drift from the code.

Regenerate it after changing an option: `KNEAD_UPDATE_DOCS=1 python -m pytest tests/test_cli_reference.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from click.testing import CliRunner

from search_cli.main import cli

REFERENCE = Path(__file__).resolve().parent.parent / "CLI.md"


def render() -> str:
    runner = CliRunner()
    parts = [
        "# knead command reference\n",
        "Generated from `--help` by `tests/test_cli_reference.py`; a test fails when it drifts.\n",
    ]
    paths: list[list[str]] = [[]]
    for name, command in commands().items():  # the group imports its commands on use
        paths.append([name])
        if isinstance(command, click.Group):  # its commands too (`knead import nppes`)
            paths += [[name, sub] for sub in sorted(command.commands)]
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"], prog_name="knead", terminal_width=88)
        assert result.exit_code == 0, result.output
        parts.append(f"## `{' '.join(['knead', *path])}`\n\n```text\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


def test_cli_reference_matches_the_commands():
    text = render()
    if os.environ.get("KNEAD_UPDATE_DOCS"):
        REFERENCE.write_text(text, encoding="utf-8")
    assert REFERENCE.read_text(encoding="utf-8") == text, (
        "CLI.md is out of date: KNEAD_UPDATE_DOCS=1 python -m pytest tests/test_cli_reference.py"
    )


def commands() -> dict[str, click.Command]:
    ctx = click.Context(cli)
    return {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}


def test_every_command_has_help_text():
    for name, command in commands().items():
        assert isinstance(command, click.Command) and (command.help or "").strip(), name
