"""The `knead search` table as a person reads it: at 80 and 120 columns, piped, with COLUMNS set.

The listings here carry the longest words knead shows (the longest technique
and insurance ids, long names, businesses, cities and ids), so a column too
narrow for a word would break it; every word of every output line is checked
against the values the listings hold.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from conftest import store_listings
from knead_proc import knead_env

from index.model import vocabulary
from index.model.listing import TherapistListing
from index.records.datadir import DataDir
from index.search.generations import build_index
from search_cli.main import cli
from search_cli.writers.display import phone

LONGEST_TECHNIQUE = max(vocabulary.TECHNIQUES, key=len)
LONGEST_INSURANCE = max(vocabulary.INSURANCES, key=len)


def long_listings() -> list[dict]:
    return [
        TherapistListing(
            id="amta:agnieszka-wisniewski-kowalczyk-west-hartford", source="amta",
            url="https://d.example/famt/agnieszka-wisniewski-kowalczyk-west-hartford",
            name="Agnieszka Wiśniewski-Kowalczyk", credentials=["LMT", "BCTMB", "NCTMB"],
            business="Myofascial Structural Integration Collective of Greater Hartford",
            city="West Hartford", state="CT", zip="06119", lat=41.7621, lon=-72.7420, phone="+18605550111",
            techniques=[LONGEST_TECHNIQUE, "lymphatic-drainage", "myofascial-release", "assisted-stretching"],
            insurance=[LONGEST_INSURANCE, "out-of-network", "health-insurance", "sliding-scale"],
            accepts_insurance=True, bio="Lymphatic drainage after surgery.", accepting_new_clients=False,
        ).to_dict(),
        TherapistListing(
            id="amta:maximiliano-castellanos-rodriguez-philadelphia", source="amta",
            url="https://d.example/famt/maximiliano-castellanos-rodriguez-philadelphia",
            name="Maximiliano Castellanos Rodríguez", credentials=["CMT"], business="Philadelphia Sports Recovery",
            city="Philadelphia", state="PA", zip="19103", lat=39.9526, lon=-75.1652, phone="+12155550112",
            techniques=["lymphatic-drainage", "trigger-point", "neuromuscular"],
            insurance=["out-of-network", "workers-comp"], accepts_insurance=False,
            bio="Sports massage and lymphatic drainage for runners.", accepting_new_clients=True,
        ).to_dict(),
        TherapistListing(
            id="amta:jo-li-hartford", source="amta", url="https://d.example/famt/jo-li-hartford", name="Jo Li",
            city="Hartford", state="CT", zip="06103", lat=41.7672, lon=-72.676, phone="+18605550113",
            techniques=["shiatsu"], insurance=[], bio="Shiatsu for headaches.",
        ).to_dict(),
    ]


@pytest.fixture(scope="module")
def long_dir(tmp_path_factory) -> DataDir:
    data_dir = DataDir(tmp_path_factory.mktemp("table") / "data").ensure()
    build_index(store_listings(data_dir, long_listings()), data_dir.index_root)
    return data_dir


def search_table(data_dir: DataDir, columns: str | None, *args: str):
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir.root), "search", "--format", "table", *args],
                              env={"COLUMNS": columns}, catch_exceptions=False)


FOOTER = "Showing of listings within miles of (West Hartford, CT). `knead show ID` shows a listing in full."
STRIP = ",.·:()`'"


def known_words() -> set[str]:
    words = set(FOOTER.split()) | {"Name", "Where", "Techniques", "Insurance", "mi", "more",
                                   "not", "accepting", "new", "clients", "Techniques:", "Insurance:"}
    for row in long_listings():
        values = [row["id"], row["name"], row["business"], row["city"], row["state"], phone(row["phone"]),
                  *row["credentials"], *row["techniques"], *row["insurance"]]
        words.update(w for value in values if value for w in value.split())
    return {w.strip(STRIP) for w in words}


def unknown_words(output: str) -> list[str]:
    """Every word of `output` that is no whole word of the listings or of knead's own text."""
    known = known_words()
    return [word for line in output.splitlines() for word in line.split()
            if word.strip(STRIP) not in known and not re.fullmatch(r"\+?\d+(\.\d+)?[,.]?|─+|·", word)]


@pytest.mark.parametrize("columns", ["80", "120"])
def test_no_word_is_broken_and_lines_fit(long_dir, columns):
    result = search_table(long_dir, columns, "--near", "West Hartford, CT", "--radius", "200")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["Name", "Where", "Techniques", "Insurance"]  # columns, not stacked
    assert max(len(line) for line in lines) <= int(columns)
    assert unknown_words(result.output) == []
    for word in (LONGEST_TECHNIQUE, LONGEST_INSURANCE, "out-of-network,", "Wiśniewski-Kowalczyk,"):
        assert word.rstrip(",") in result.output.replace(",", " ").split(), word
    # Every listing's id is shown whole, on its own line, for `knead show ID`.
    for row in long_listings():
        assert row["id"] in lines


def test_listings_are_separated_and_marked(long_dir):
    output = search_table(long_dir, "80", "--sort", "name").output
    blocks = output.split("\n\n")
    # The header and the first listing, the second, the third, then the footer.
    assert len(blocks) == 4
    by_id = {block.splitlines()[-1]: " ".join(block.split()) for block in blocks[:3]}
    assert "not accepting new clients" in by_id["amta:agnieszka-wisniewski-kowalczyk-west-hartford"]
    assert "not accepting" not in by_id["amta:maximiliano-castellanos-rodriguez-philadelphia"]
    assert "not accepting" not in by_id["amta:jo-li-hartford"]
    # The business is indented under the person's name, not run on as if it were more name.
    block = next(b for b in blocks if b.endswith("amta:maximiliano-castellanos-rodriguez-philadelphia"))
    business = [line for line in block.splitlines() if "Sports" in line or "Recovery" in line]
    assert business and all(line.startswith("  ") for line in business)


def test_facet_lines_wrap_between_entries(long_dir):
    output = search_table(long_dir, "60").output
    facet_text = output[output.index("\nTechniques: ") + 1:]
    lines = facet_text.splitlines()
    assert len(lines) > 2 and max(len(line) for line in lines) <= 60
    for line in lines:  # each line holds whole "id count" entries
        body = line.split(": ", 1)[-1].strip()
        for entry in body.rstrip(",").split(", "):
            assert re.fullmatch(r"[a-z-]+ \d+|\+\d+ more", entry), line


def test_a_narrow_terminal_stacks_each_listing(long_dir):
    result = search_table(long_dir, "40", "--sort", "name")
    assert result.exit_code == 0
    assert unknown_words(result.output) == []
    assert "Where: West Hartford, CT · 860-555-0111" in " ".join(result.output.split())
    assert max(len(line) for line in result.output.splitlines()
               if not line.startswith("amta:")) <= 40


def test_relaxed_search_says_so_in_the_heading(long_dir):
    result = search_table(long_dir, "80", "runners surgery")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "No listing has every word: these listings have some of them (words OR'ed)."
    plain = search_table(long_dir, "80", "lymphatic")
    assert plain.stdout.splitlines()[0].split() == ["Name", "Where", "Techniques", "Insurance"]


def test_columns_is_honoured_when_piped(long_dir):
    import subprocess

    from knead_proc import KNEAD

    for columns, widest in (("120", 120), ("70", 70)):
        env = {**knead_env(), "COLUMNS": columns}
        proc = subprocess.run([KNEAD, "--data-dir", str(long_dir.root), "search", "--format", "table"],
                              capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr
        width = max(len(line) for line in proc.stdout.splitlines())
        assert width <= widest
        if widest == 120:
            assert width > 80  # the table used the room it was given
        assert unknown_words(proc.stdout) == []


def test_error_messages_wrap_between_words():
    result = CliRunner().invoke(cli, ["search", "--technique", "qqqq zzzz wwww xxxx yyyy"],
                                env={"COLUMNS": "40"})
    assert result.exit_code == 2
    error = result.stderr[result.stderr.index("Error: "):]
    lines = error.splitlines()
    assert len(lines) > 1 and max(len(line) for line in lines) <= 40
    assert " ".join(error.split()) == ("Error: Invalid value for '--technique' / '-t': Unknown technique "
                                       "'qqqq zzzz wwww xxxx yyyy'; see `knead vocab techniques`.")
    unwrapped = CliRunner().invoke(cli, ["search", "--technique", "qqqq zzzz wwww xxxx yyyy"],
                                   env={"COLUMNS": None})
    assert unwrapped.stderr.splitlines()[-1].startswith("Error: Invalid value for '--technique'")
    assert unwrapped.stderr.splitlines()[-1].endswith("see `knead vocab techniques`.")
