"""vCard names and ids: what an address book files a contact under, read back with vobject.

Names with particles and compound surnames must land whole in the family name
(an address book files "Maria de la Cruz" under her family name "de la Cruz",
not under "Cruz" with "Maria de la" as her given name), titles and suffixes
apart; each
card carries the knead id that `knead show` takes, both as X-KNEAD-ID and in
the NOTE an address book shows, and `knead show` opens the listing by it.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import store_listings

from index.model.listing import TherapistListing
from index.records.datadir import DataDir
from index.search.generations import build_index
from search_cli.main import cli

# name -> (family, given, additional, prefix, suffix)
NAMES = {
    "Anh St. James": ("St. James", "Anh", "", "", ""),
    "Maria de la Cruz": ("de la Cruz", "Maria", "", "", ""),
    "Pieter van Dijk": ("van Dijk", "Pieter", "", "", ""),
    "Robin Van der Berg": ("Van der Berg", "Robin", "", "", ""),
    "Juan de los Santos": ("de los Santos", "Juan", "", "", ""),
    "Ana Maria Silva": ("Silva", "Ana", "Maria", "", ""),
    "Dr. Jane Q. Public Jr.": ("Public", "Jane", "Q.", "Dr.", "Jr."),
    "López, Ana": ("López", "Ana", "", "", ""),
    "Zoë Tanaka": ("Tanaka", "Zoë", "", "", ""),
}


@pytest.fixture(scope="module")
def names_dir(tmp_path_factory) -> DataDir:
    data_dir = DataDir(tmp_path_factory.mktemp("names")).ensure()
    listings = [
        TherapistListing(id=f"amta:person-{i}", source="amta", url=f"https://d.example/famt/person-{i}", name=name,
                         city="Hartford", state="CT", zip="06103", lat=41.7672, lon=-72.676,
                         techniques=["deep-tissue"]).to_dict()
        for i, name in enumerate([*NAMES, 'Robert "Bob" Smith'])
    ]
    listings.append(TherapistListing(id="amta:studio", source="amta", url="https://d.example/famt/studio",
                                     business="Tranquil Therapeutic Massage", city="Hartford", state="CT",
                                     zip="06103", techniques=["deep-tissue"]).to_dict())
    build_index(store_listings(data_dir, listings), data_dir.index_root)
    return data_dir


def export_cards(data_dir: DataDir, tmp_path) -> dict[str, object]:
    import vobject

    target = tmp_path / "contacts.vcf"
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir.root), "export", str(target)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {card.fn.value: card for card in vobject.readComponents(target.read_text(encoding="utf-8"))}


def test_particles_and_compound_surnames_stay_in_the_family_name(names_dir, tmp_path):
    cards = export_cards(names_dir, tmp_path)
    for name, parts in NAMES.items():
        n = cards[name].n.value
        assert (n.family, n.given, n.additional, n.prefix, n.suffix) == parts, name


def test_a_quoted_nickname_becomes_nickname(names_dir, tmp_path):
    card = export_cards(names_dir, tmp_path)['Robert "Bob" Smith']
    assert (card.n.value.family, card.n.value.given) == ("Smith", "Robert")
    assert card.nickname.value == "Bob"


def test_every_card_carries_the_knead_id(names_dir, tmp_path):
    cards = export_cards(names_dir, tmp_path)
    listed = CliRunner().invoke(cli, ["--data-dir", str(names_dir.root), "export", "-", "--format", "json"],
                                catch_exceptions=False)
    ids = {row["id"] for row in json.loads(listed.stdout)["results"]}
    assert len(cards) == len(NAMES) + 2
    for fn, card in cards.items():
        knead_id = card.contents["x-knead-id"][0].value
        assert knead_id.startswith("amta:")
        assert card.uid.value == knead_id
        assert card.note.value.splitlines()[0] == f"knead id: {knead_id}", fn
    assert {c.contents["x-knead-id"][0].value for c in cards.values()} == ids
    studio = cards["Tranquil Therapeutic Massage"]
    assert "n" not in studio.contents and studio.kind.value == "org"  # a business has no person's name to split


def test_the_id_on_a_card_opens_the_listing_with_knead_show(names_dir, tmp_path):
    cards = export_cards(names_dir, tmp_path)
    for fn, card in cards.items():
        knead_id = card.note.value.splitlines()[0].removeprefix("knead id: ")
        shown = CliRunner().invoke(cli, ["--data-dir", str(names_dir.root), "show", knead_id, "--format", "json"],
                                   catch_exceptions=False)
        assert shown.exit_code == 0, shown.output
        listing = json.loads(shown.stdout)
        assert listing["id"] == knead_id and fn in (listing["name"], listing["business"])
