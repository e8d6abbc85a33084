"""`knead search` loads only what a search needs: it is a whole process every time (issue 17).

The `knead` group imports a command's module when that command runs (or
`knead --help` lists it); the search loads neither the other commands, nor
the hours parser, nor the index builder's generation management. The answers
are the same either way; these are about what a search costs to start.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import make_listings, store_listings

from index.records.datadir import DataDir
from index.search.generations import build_index
from search_cli.main import COMMANDS, cli

REPO = Path(__file__).resolve().parent.parent
# Modules a search must not load: the other commands (and what they bring: the
# rosters, Redis, sockets), the hours parser (only the build parses hours; a
# search with --open reads its day names), the generations' build side.
NOT_FOR_SEARCH = ("search_cli.crawl", "search_cli.crawl_redis", "search_cli.importing", "search_cli.publish_redis",
                  "search_cli.show", "search_cli.status", "search_cli.export", "search_cli.sample_site",
                  "index.model.hours", "index.model.hours_wild", "index.search.generations", "spiders")


def test_a_search_loads_no_other_command_nor_the_hours_parser(tmp_path):
    data_dir = DataDir(tmp_path / "data").ensure()
    build_index(store_listings(data_dir, make_listings(40, seed=3)), data_dir.index_root)
    code = ("import sys; from search_cli.main import cli\n"
            "try:\n    cli(['--data-dir', sys.argv[1], 'search', 'massage', '--near', '06103', '--radius', '100'])\n"
            "except SystemExit:\n    pass\n"
            f"print('LOADED', sorted(m for m in sys.modules if m.startswith({NOT_FOR_SEARCH!r})), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, str(data_dir.root)], cwd=REPO, capture_output=True, text=True, check=False,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total"] > 0
    assert "LOADED []" in proc.stderr


def test_every_command_is_listed_and_runs_its_help():
    result = CliRunner().invoke(cli, ["--help"], catch_exceptions=False)
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == sorted(COMMANDS)
    for name in COMMANDS:
        result = CliRunner().invoke(cli, [name, "--help"], prog_name="knead", catch_exceptions=False)
        assert result.exit_code == 0 and result.output.startswith(f"Usage: knead {name} "), name


def test_an_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli, ["serach", "pain"])
    assert result.exit_code == 2
    assert "No such command 'serach'" in result.output
