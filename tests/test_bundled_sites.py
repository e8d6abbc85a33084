"""The bundled practice sites: what a crawl of them finds, measured against the generator's truth.

The 36 sites (spiders.sample_site.practice_sites.bundled_sites) are served as
`knead crawl` serves them and crawled with `knead crawl sites`; coverage
(listings stored of those the generator put on the sites) and the accuracy
of hours, insurance and accepting new clients are measured with
spiders.sample_site.practice_sites_measure and printed (`pytest -s` shows the
figures). The sites are also checked as a sample: the same people as the
AMTA-style directory, at the same ZIP, written the way real sites differ.
"""

from __future__ import annotations

from collections import Counter

import pytest
from knead_proc import run_knead

from index.records.store import RecordStore
from spiders.sample_site import generate
from spiders.sample_site.bundled import SAMPLES, BundledData
from spiders.sample_site.practice_sites import FINDING, SHAPES, bundled_sites
from spiders.sample_site.practice_sites_measure import main as measure_main
from spiders.sample_site.practice_sites_measure import measure
from spiders.sample_site.practice_sites_server import PracticeSitesServer

SIZE = 300


@pytest.fixture(scope="module")
def bundle():
    data = BundledData(generate(SIZE))
    return data, bundled_sites(data)


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, bundle):
    _, sites = bundle
    data_dir = tmp_path_factory.mktemp("bundled-sites")
    with PracticeSitesServer(sites) as server:
        args = ["crawl", "sites", "--delay", "0", "--concurrency", "2"]
        for url in server.start_urls():
            args += ["--start-url", url]
        result = run_knead(*args, data_dir=data_dir)
    with RecordStore(data_dir / "records.sqlite3") as store:
        listings = list(store.listings(source="sites"))
    return {"result": result, "listings": listings, "measurement": measure(sites, listings), "data_dir": data_dir}


def test_the_bundled_sites_hold_every_shape_and_every_way_of_finding_pages(bundle):
    _, sites = bundle
    assert len(sites) == 36 and len({s.address for s in sites}) == 36
    assert Counter(s.finding for s in sites) == dict.fromkeys(FINDING, 6)
    assert set(SHAPES) == {s.shape for s in sites}
    assert [s for s in sites if s.shape == "nail-salon"] and all(not s.truth for s in sites if s.shape == "nail-salon")
    assert all(len(s.truth) == 2 for s in sites if s.shape == "two")
    assert "sites" in [s.source for s in SAMPLES]  # `knead crawl` with no source crawls them too


def test_most_sites_belong_to_people_of_the_other_samples_written_differently(bundle):
    data, sites = bundle
    people = data.people
    linked = [(site, t) for site in sites for t in site.truth if t.person_key]
    assert len(linked) >= 30
    amta = {p.key: p for p in people if "amta" in p.ids}
    registry_only = [t for _, t in linked if t.person_key not in amta]
    assert registry_only  # sites of therapists only the registry lists
    for site, truth in linked:
        person = people.by_key(truth.person_key)
        assert truth.zip == person.zip and truth.phone == person.phone
    html = "".join(site.pages[t.page] for site, t in linked)
    assert "(" in html and "." in html  # phones written "(518) 555-0153" and "518.555.0153", not E.164
    business_named = [t for _, t in linked if t.practice and t.name != people.by_key(t.person_key).name]
    assert business_named  # the business's name where the directory shows the person's
    therapists = [(site, t) for site, t in linked if not t.practice]
    assert all(people.by_key(t.person_key).ids.get("sites") for _, t in therapists)


def test_a_crawl_finds_every_listing_the_generator_put_there(crawled):
    result, measurement = crawled["result"], crawled["measurement"]
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    print("\n".join(measurement.lines()))
    assert measurement.coverage == 1.0, measurement.missing
    assert measurement.extra == []  # the nail salons and the SEO plugins' WebSite nodes are no listings
    assert "4 malformed JSON-LD blocks skipped" in result.stdout
    assert "businesses that are not massage left out" in result.stdout


@pytest.mark.parametrize("field", ["hours", "insurance", "accepting_new_clients", "zip", "phone"])
def test_field_accuracy_on_the_bundled_sites(crawled, field):
    measurement = crawled["measurement"]
    assert measurement.accuracy(field) >= 0.95, measurement.wrong[field]


def test_the_measurement_script_prints_the_figures(crawled, capsys):
    assert measure_main([str(crawled["data_dir"]), str(SIZE)]) == 0
    out = capsys.readouterr().out
    n = crawled["measurement"].expected
    assert out.startswith(f"coverage: {n} of {n} listings (100.0%)")
    assert measure_main([str(crawled["data_dir"] / "missing")]) == 1
    assert "Error: no store of record at" in capsys.readouterr().err
