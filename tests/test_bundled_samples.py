"""The bundled samples as a user meets them: `knead crawl` (no source), `knead sample-site`, `--write-bulk`.

One `knead crawl` of the bundled samples (tests/merge_samples.py: one per
test run, shared with the merge tests) publishes the AMTA-style directory and the NPI registry stand-in; the
assertions compare what `knead search` / `knead show` print with the
generator's truth table (spiders.sample_site.people), which says who is who.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import time
import urllib.request

import merge_samples
import pytest
from knead_proc import run_knead, start_knead

from index.records.store import RecordStore, StoreDamaged
from spiders.sample_site import generate
from spiders.sample_site.bundled import SAMPLES, BundledData

SIZE = merge_samples.SIZE  # one crawl of the samples per test run, read by these tests and the merge tests


def listings_of(data_dir, source: str) -> dict[str, dict]:
    """`source`'s own listings, by id, as `knead export --unmerged` writes them (a search gives one merged
    result per therapist, issue 15; these tests are about what each source said)."""
    result = run_knead("export", "-", "--unmerged", "--source", source, "--format", "jsonl", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    return {row["id"]: row for row in rows if row["source"] == source}


@pytest.fixture(scope="module")
def truth():
    return BundledData(generate(SIZE)).people


@pytest.fixture(scope="module")
def crawled():
    shared = merge_samples.bundled(SIZE)  # read-only, shared with the merge tests
    return {"data_dir": shared.data_dir, "stdout": shared.stdout, "stderr": shared.stderr,
            "nppes": listings_of(shared.data_dir, "nppes"), "amta": listings_of(shared.data_dir, "amta")}


def test_knead_crawl_without_source_publishes_each_bundled_sample_with_its_own_summary(crawled, truth):
    out = crawled["stdout"]
    assert "Crawl of amta finished" in out and "Crawl of nppes finished" in out
    assert out.count("Published: ") == len(SAMPLES) == 4
    assert "Crawling the bundled sample directory at http://127.0.0.1:" in crawled["stderr"]
    assert "the NPI registry's API (nppes)" in crawled["stderr"]
    directory = BundledData(generate(SIZE)).directory
    assert set(crawled["amta"]) == {f"amta:{t['slug']}" for t in directory.therapists if not t["hidden"]}
    # One deactivated NPI per state of the sample: left out, and counted in the registry's summary.
    states = generate(SIZE).states
    assert f"listings dropped:     {len(states)} deactivated" in out.split("Crawl of nppes")[1]


def test_knead_search_source_nppes_finds_exactly_the_registry_sample(crawled, truth):
    expected = {p.listing_id("nppes") for p in truth if p.listing_id("nppes")}
    assert set(crawled["nppes"]) == expected
    assert all(row["source"] == "nppes" for row in crawled["nppes"].values())
    deactivated = [p for p in truth if p.deactivated]
    assert deactivated and not any(f"nppes:{p.ids['nppes']}" in crawled["nppes"] for p in deactivated)


def test_the_same_person_is_in_both_sources_with_the_same_zip_and_phone(crawled, truth):
    both = truth.in_sources("amta", "nppes")
    assert len(both) >= 30
    for person in both:
        amta, nppes = crawled["amta"][person.listing_id("amta")], crawled["nppes"][person.listing_id("nppes")]
        assert (nppes["zip"], nppes["phone"]) == (amta["zip"], amta["phone"]) == (person.zip, person.phone)
        # Written the registry's way, read back as people write names: the surname matches
        # once accents are set aside ("Núñez" / "Nunez").
        assert _ascii(amta["name"].split(" ")[-1]) in _ascii(nppes["name"])
        assert nppes["npi"] == person.ids["nppes"] and nppes["licenses"][0]["state"] == amta["state"]


def test_two_people_with_the_same_surname_in_the_same_zip_are_two_listings(crawled, truth):
    pairs = [p for p in truth if p.distinct_from and "amta" not in p.ids]
    assert pairs
    for other in pairs:
        twin = truth.by_key(other.distinct_from[0])
        a, b = crawled["nppes"][twin.listing_id("nppes")], crawled["nppes"][other.listing_id("nppes")]
        assert a["id"] != b["id"] and a["zip"] == b["zip"]
        assert a["name"].split(" ")[-1] == b["name"].split(" ")[-1]
        assert a["name"].split(" ")[0] != b["name"].split(" ")[0] and a["phone"] != b["phone"]


def test_registry_only_therapists_and_practices_are_listed_by_the_registry_alone(crawled, truth):
    only = truth.only_in("nppes")
    people = [p for p in only if not p.practice]
    practices = [p for p in only if p.practice]
    assert len(people) >= 5 and practices
    for person in only:
        row = crawled["nppes"][person.listing_id("nppes")]
        assert (row["zip"], row["phone"]) == (person.zip, person.phone)
        assert row["practice"] is person.practice
    shown = run_knead("show", people[0].listing_id("nppes"), data_dir=crawled["data_dir"])
    assert shown.returncode == 0
    assert people[0].listing_id("nppes") in shown.stdout and people[0].name.split(" ")[-1] in shown.stdout


def test_knead_sample_site_serves_the_registry_api_beside_the_directory_and_prints_both(tmp_path):
    proc = start_knead("sample-site", "--size", "30", "--port", "0", data_dir=tmp_path)
    try:
        base = proc.stdout.readline().strip()
        lines = [proc.stderr.readline().strip() for _ in SAMPLES]
        assert lines == [f"amta: the AMTA-style directory at {base}/find-massage-therapist/?location=&keyword=&page=1",
                         f"nppes: the NPI registry's API at {base}/nppes/api/",
                         f"sites: practice websites (one 127.0.0.x address each) at "
                         f"http://127.0.0.10:{base.rsplit(':', 1)[1]}/",
                         f"roster: TX and WA licence rosters (SODA API) at {base}/soda/"]
        with urllib.request.urlopen(f"{base}/find-massage-therapist/?location=&keyword=&page=1", timeout=10) as page:
            assert page.status == 200 and b"famt/" in page.read()
        query = "version=2.1&taxonomy_description=Massage+Therapist&state=CT&limit=200"
        with urllib.request.urlopen(f"{base}/nppes/api/?{query}", timeout=10) as answer:
            body = json.load(answer)
        assert body["result_count"] >= 1
        assert all(r["addresses"][0]["state"] == "CT" for r in body["results"])
        # The API's caps and errors, as the registry answers them (HTTP 200 with Errors).
        with urllib.request.urlopen(f"{base}/nppes/api/?{query.replace('limit=200', 'limit=500')}", timeout=10) as capped:
            assert "between 1 and 200" in json.load(capped)["Errors"][0]["description"]
        with urllib.request.urlopen(f"{base}/nppes/api/?state=CT", timeout=10) as refused:
            assert "state cannot be the only criterion" in json.load(refused)["Errors"][0]["description"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def test_sample_site_write_bulk_writes_the_registry_sample_that_knead_import_reads(tmp_path, crawled):
    bulk = tmp_path / "registry.zip"
    written = run_knead("sample-site", "--size", str(SIZE), "--write-bulk", str(bulk), data_dir=tmp_path)
    assert written.returncode == 0, written.stderr
    assert f"`knead import nppes {bulk}` reads it" in written.stderr
    imported_dir = tmp_path / "imported"
    result = run_knead("import", "nppes", str(bulk), data_dir=imported_dir)
    assert result.returncode == 0, result.stderr
    imported = listings_of(imported_dir, "nppes")
    # The file holds the same registry the API stand-in serves: the same listings, field for field.
    assert set(imported) == set(crawled["nppes"])
    for key in ("name", "zip", "phone", "npi", "licenses", "practice", "street"):
        assert {i: r[key] for i, r in imported.items()} == {i: r[key] for i, r in crawled["nppes"].items()}, key


def test_write_bulk_to_a_missing_folder_is_one_error(tmp_path):
    target = tmp_path / "no-such-folder" / "registry.zip"
    result = run_knead("sample-site", "--size", "20", "--write-bulk", str(target), data_dir=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: Could not write {target}")
    assert "Traceback" not in result.stderr


def test_the_registry_sample_is_deterministic_and_leaves_the_directory_as_it_was():
    plain = list(generate(SIZE).therapists)
    first, second = BundledData(generate(SIZE)), BundledData(generate(SIZE))
    assert first.registry_records == second.registry_records
    assert [p.as_dict() for p in first.people] == [p.as_dict() for p in second.people]
    assert list(first.directory.therapists) == plain
    assert BundledData(generate(SIZE, seed=8)).registry_records != first.registry_records


def test_an_interrupted_crawl_of_the_samples_says_what_was_left_and_resume_finishes_every_sample(tmp_path):
    # amta alone is ~130 pages 0.05 s apart: the interrupt a second in lands inside it (checked below)
    proc = start_knead("crawl", "--sample-size", "120", "--delay", "0.05", data_dir=tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _started(tmp_path):
        time.sleep(0.2)
    time.sleep(1)  # a few pages in
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "Crawl of amta was interrupted" in out and "Crawl of nppes" not in out
    later = ", ".join(s.source for s in SAMPLES[1:])
    assert f"The crawl was interrupted before it reached {later}; `knead crawl --resume` continues." in err
    resumed = run_knead("crawl", "--sample-size", "120", "--resume", data_dir=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming crawl 1 (amta)." in resumed.stderr
    assert "Crawl of amta finished" in resumed.stdout and "Crawl of nppes finished" in resumed.stdout
    assert resumed.stdout.count("Published: ") == len(SAMPLES)


def _started(data_dir) -> bool:
    """True once the first sample's crawl is under way (its crawl recorded in the store)."""
    path = data_dir / "records.sqlite3"
    if not path.exists():
        return False
    try:
        with RecordStore(path) as store:
            return bool(store.crawls("amta"))
    except (sqlite3.Error, StoreDamaged):  # the crawl is creating the store right now
        return False


def _ascii(text: str) -> str:
    """Accents set aside as knead compares names ("Ødegaard" and "Odegaard" too)."""
    from index.model.text import fold

    return fold(text)
