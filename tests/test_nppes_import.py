"""`knead import nppes FILE`: the registry's bulk files, as a user runs the command.

Generated zips are full width (all 330 columns, spiders.sample_site.registry_bulk)
and their generator knows which NPIs are massage therapists, organisations,
licensed twice or deactivated; each test compares what `knead search` then
finds with that truth. The five-row example in the real layout
(tests/fixtures/nppes, from the team's reference) checks the mapping.
"""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.geo import ziptable
from search_cli.main import cli
from spiders.pipelines.geocode import locate
from spiders.sample_site.registry_bulk import write_bulk_zip, write_deactivation_report

EXAMPLE = Path(__file__).parent / "fixtures" / "nppes" / "npidata-example.csv"
# The generator's Last Update Dates run to the end of 2026: a report dated after them deactivates
# (an earlier one would be older than the store for some NPIs, and rightly skipped).
AFTER_ANY_UPDATE = "12/31/2026"


def knead(data_dir, *args):
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], catch_exceptions=False)


def found(data_dir, *args) -> dict[str, dict]:
    result = knead(data_dir, "search", "--source", "nppes", "--format", "json", "--all", *args)
    assert result.exit_code == 0, result.output
    return {r["id"]: r for r in json.loads(result.output)["results"]}


@pytest.fixture(scope="module")
def monthly(tmp_path_factory):
    path = tmp_path_factory.mktemp("bulk") / "NPPES_Data_Dissemination_November_2026_V2.zip"
    return path, write_bulk_zip(path, 3000, seed=5, massage_share=0.05)


def test_a_monthly_zip_becomes_one_listing_per_massage_therapist(tmp_path, monthly):
    path, truth = monthly
    result = knead(tmp_path, "import", "nppes", str(path))
    assert result.exit_code == 0, result.output
    assert "(a monthly file)" in result.output and "3,000 rows read" in result.output
    assert f"listings kept:   {len(truth.massage):,} ({len(truth.massage):,} new" in result.output
    assert f"{len(truth.deactivated):,} deactivated" in result.output
    listings = found(tmp_path)
    assert set(listings) == {f"nppes:{npi}" for npi in truth.massage}
    for npi, state in truth.massage.items():
        listing = listings[f"nppes:{npi}"]
        assert listing["state"] == state and listing["npi"] == npi
        assert len(listing["zip"]) == 5 and listing["lat"] is not None
        assert listing["phone"].startswith("+1")
        assert listing["practice"] is (npi in truth.organisations)
    twice = listings[f"nppes:{sorted(truth.two_licences)[0]}"]
    assert len({licence["state"] for licence in twice["licenses"]}) == 2
    assert all(licence["source"] == "nppes" for licence in twice["licenses"])
    # The same file again: nothing changed, nothing gone.
    again = knead(tmp_path, "import", "nppes", str(path))
    assert f"0 new, 0 changed, {len(truth.massage):,} unchanged" in again.output
    assert "0 gone" in again.output


def test_state_filter_imports_only_those_states(tmp_path, monthly):
    path, truth = monthly
    result = knead(tmp_path, "import", "nppes", str(path), "--state", "CT", "--state", "ma")
    assert result.exit_code == 0, result.output
    wanted = {f"nppes:{npi}" for npi, state in truth.massage.items() if state in ("CT", "MA")}
    assert set(found(tmp_path)) == wanted
    assert f"{len(truth.massage) - len(wanted):,} outside the states asked for" in result.output


def test_the_reference_example_maps_each_kind_of_row(tmp_path):
    result = knead(tmp_path, "import", "nppes", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    assert "1 deactivated" in result.output and "1 not a massage therapist" in result.output
    listings = found(tmp_path)
    assert set(listings) == {"nppes:9900000016", "nppes:9900000024", "nppes:9900000032"}
    two = listings["nppes:9900000024"]
    assert {(x["state"], x["number"]) for x in two["licenses"]} == {("RI", "MAS01234"), ("CT", "007781")}
    assert listings["nppes:9900000032"]["practice"] is True
    assert listings["nppes:9900000016"]["street"] and "Po Box" not in listings["nppes:9900000016"]["street"]


def test_a_value_with_a_line_break_is_read_not_miscounted(tmp_path):
    lines = EXAMPLE.read_text(encoding="utf-8").split("\n")
    row = lines[1].split('","')
    row[29] = "SUITE\n4"  # the practice address's second line, broken in two
    path = tmp_path / "npidata_pfile_20050523-20261108.csv"
    path.write_text("\n".join([lines[0], '","'.join(row), *lines[2:]]), encoding="utf-8")
    result = knead(tmp_path / "data", "import", "nppes", str(path))
    assert result.exit_code == 0 and "malformed" not in result.output
    assert found(tmp_path / "data")["nppes:9900000016"]["street"].endswith("Suite 4")


def test_a_truncated_zip_is_one_error_and_nothing_published(tmp_path, monthly):
    path, truth = monthly
    assert knead(tmp_path, "import", "nppes", str(path)).exit_code == 0
    cut = tmp_path / "cut.zip"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    result = knead(tmp_path, "import", "nppes", str(cut))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {cut} is not a complete zip archive")
    assert result.output.rstrip().endswith("Nothing was published.") and result.output.count("\n") == 1
    assert len(found(tmp_path)) == len(truth.massage)


def test_a_zip_damaged_inside_its_data_ends_the_import_unpublished(tmp_path):
    good = tmp_path / "good.zip"
    truth = write_bulk_zip(good, 1500, seed=9)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo(truth.member)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    middle = start + info.compress_size // 2
    data[middle:middle + 64] = bytes(64)  # the central directory is intact; the deflate stream is not
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    assert knead(tmp_path / "data", "import", "nppes", str(good)).exit_code == 0
    result = knead(tmp_path / "data", "import", "nppes", str(bad))
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "ends early or is damaged after" in result.output and "Nothing was published." in result.output
    assert set(found(tmp_path / "data")) == {f"nppes:{npi}" for npi in truth.massage}
    status = json.loads(knead(tmp_path / "data", "status", "--format", "json").output)
    (nppes,) = [s for s in status["sources"] if s["source"] == "nppes"]
    assert nppes["latest"]["status"] == "failed" and nppes["listings"] == len(truth.massage)


def test_a_file_of_another_layout_names_the_missing_columns(tmp_path):
    other = tmp_path / "pl_pfile_20050523-20261108.csv"
    other.write_text('"NPI","Provider Secondary Practice Location Address- Address Line 1"\n"1234567893","1 MAIN ST"\n')
    result = knead(tmp_path, "import", "nppes", str(other))
    assert result.exit_code == 1 and result.output.count("\n") == 1
    assert "is not an NPPES npidata file" in result.output
    assert "'Entity Type Code'" in result.output and "'Healthcare Provider Taxonomy Code_1..15'" in result.output
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("endpoint_pfile_20050523-20261108.csv", '"NPI","Endpoint"\n')
    result = knead(tmp_path, "import", "nppes", str(archive))
    assert result.exit_code == 1
    assert "holds no NPPES data file" in result.output and "endpoint_pfile_20050523-20261108.csv" in result.output


def test_the_deactivation_report_marks_listed_npis_stale(tmp_path, monthly):
    path, truth = monthly
    assert knead(tmp_path, "import", "nppes", str(path)).exit_code == 0
    gone = sorted(truth.massage)[:3]
    report = tmp_path / "NPPES_Deactivated_NPI_Report_111026_V2.zip"
    write_deactivation_report(report, [*gone, "1234567893", *truth.deactivated[:5]], date=AFTER_ANY_UPDATE)
    result = knead(tmp_path, "import", "nppes", str(report))
    assert result.exit_code == 0, result.output
    assert "(the deactivation report)" in result.output and "Published: 0 found, 0 new, 0 changed, 3 gone" in result.output
    assert not {f"nppes:{npi}" for npi in gone} & set(found(tmp_path))
    stale = found(tmp_path, "--include-stale")
    assert all(stale[f"nppes:{npi}"]["stale"] for npi in gone)


def test_a_weekly_file_adds_and_deactivates_without_marking_the_rest_stale(tmp_path, monthly):
    path, truth = monthly
    assert knead(tmp_path, "import", "nppes", str(path)).exit_code == 0
    weekly = tmp_path / "NPPES_Data_Dissemination_111626_112226_Weekly_V2.zip"
    leaving = sorted(truth.massage)[-2:]
    week = write_bulk_zip(weekly, 200, seed=6, massage_share=0.2, first="20261116", cutoff="20261122",
                          first_serial=70_000_000, deactivate=leaving)
    result = knead(tmp_path, "import", "nppes", str(weekly))
    assert result.exit_code == 0, result.output
    assert "(a weekly file)" in result.output and f"{len(week.massage)} new" in result.output
    assert "deactivated NPIs knead lists: 2 " in result.output and ", 2 gone" in result.output
    staying = set(truth.massage) - set(leaving)
    assert set(found(tmp_path)) == {f"nppes:{npi}" for npi in (*staying, *week.massage)}


def test_a_monthly_file_marks_therapists_it_no_longer_holds_stale(tmp_path, monthly):
    path, truth = monthly
    assert knead(tmp_path, "import", "nppes", str(path)).exit_code == 0
    smaller = tmp_path / "npidata_pfile_20050523-20261206.csv"
    with zipfile.ZipFile(path) as zf, zf.open(truth.member) as src:
        lines = src.read().decode().split("\n")
    dropped = lines[1:]
    kept_lines = [lines[0]] + [line for line in dropped if sorted(truth.massage)[0] not in line]
    smaller.write_text("\n".join(kept_lines), encoding="utf-8")
    result = knead(tmp_path, "import", "nppes", str(smaller))
    assert result.exit_code == 0, result.output
    assert "1 gone" in result.output
    assert f"nppes:{sorted(truth.massage)[0]}" not in found(tmp_path)


def test_locate_is_the_geocode_pipelines_rule(tmp_path):
    table = ziptable.load(tmp_path)
    hartford = locate(table, "06103", "CT", "Hartford")
    assert hartford.zip == "06103" and hartford.lat is not None and hartford.counts == ()
    elsewhere = locate(table, "06103", "NY", "Albany")  # a CT ZIP on a NY address
    assert elsewhere.zip is None and elsewhere.counts == ("field/zip/invalid", "geocode/city_centroid")
    assert locate(table, None, None, None).counts == ("geocode/missing",)


def test_a_report_naming_no_listing_publishes_nothing_and_rollback_undoes_deactivations(tmp_path, monthly):
    path, truth = monthly
    report = tmp_path / "NPPES_Deactivated_NPI_Report_111026_V2.zip"
    write_deactivation_report(report, truth.deactivated[:5])
    empty = knead(tmp_path, "import", "nppes", str(report))
    assert empty.exit_code == 0 and "Nothing to publish: the file changes no listing" in empty.output
    assert knead(tmp_path, "import", "nppes", str(path)).exit_code == 0
    gone = sorted(truth.massage)[:2]
    write_deactivation_report(report, gone, date=AFTER_ANY_UPDATE)
    assert ", 2 gone" in knead(tmp_path, "import", "nppes", str(report)).output
    assert len(found(tmp_path)) == len(truth.massage) - 2
    back = knead(tmp_path, "rollback")
    assert back.exit_code == 0, back.output
    assert set(found(tmp_path)) == {f"nppes:{npi}" for npi in truth.massage}


# -- which row wins: the store's newer data, the latest of two rows, the kind a name does not say ----------

def example_rows() -> tuple[list[str], dict[str, list[str]]]:
    """The reference example's header and its rows by NPI (16, 24 and 32 massage, 40 not, 57 deactivated)."""
    with EXAMPLE.open(newline="", encoding="utf-8") as handle:
        header, *rows = csv.reader(handle)
    return header, {row[0]: row for row in rows}


def edited(header: list[str], row: list[str], **values: str) -> list[str]:
    """`row` with columns changed by name (`Last_Update_Date="11/20/2026"`; `_` for a space)."""
    out = row.copy()
    for name, value in values.items():
        out[header.index(name.replace("_", " "))] = value
    return out


def deactivated(header: list[str], npi: str, on: str) -> list[str]:
    """A deactivated NPI's row as CMS writes it: the NPI and the date, nothing else."""
    return edited(header, [""] * len(header), NPI=npi, NPI_Deactivation_Date=on)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows([header, *rows])
    return path


def shown(data_dir, listing_id: str) -> dict:
    result = knead(data_dir, "show", listing_id, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_an_older_weekly_file_never_overwrites_newer_data(tmp_path):
    header, rows = example_rows()
    data = tmp_path / "data"
    monthly = write_csv(tmp_path / "npidata_pfile_20050523-20261108.csv", header, list(rows.values()))
    assert knead(data, "import", "nppes", str(monthly)).exit_code == 0
    newer = write_csv(tmp_path / "npidata_pfile_20261116-20261122.csv", header, [
        edited(header, rows["9900000016"], Last_Update_Date="11/20/2026",
               Provider_First_Line_Business_Practice_Location_Address="100 PEARL ST")])
    result = knead(data, "import", "nppes", str(newer))
    assert result.exit_code == 0 and "(0 new, 1 changed, 0 unchanged)" in result.output
    # A week applied late: it predates what the store holds for 16 and 32, but is news for 24.
    older = write_csv(tmp_path / "npidata_pfile_20260720-20260726.csv", header, [
        edited(header, rows["9900000016"], Last_Update_Date="07/23/2026",
               Provider_First_Line_Business_Practice_Location_Address="1 OLD RD"),
        edited(header, rows["9900000024"], Last_Update_Date="07/23/2026",
               Provider_First_Line_Business_Practice_Location_Address="9 NEW WAY"),
        deactivated(header, "9900000032", "01/02/2024"),  # the store's row for 32 was updated 05/30/2024
    ])
    result = knead(data, "import", "nppes", str(older))
    assert result.exit_code == 0, result.output
    assert "listings kept:   1 (0 new, 1 changed, 0 unchanged)" in result.output
    assert "rows skipped:    2 older than the store" in result.output
    assert ("older than the store: its data ends 2026-07-26, a file already imported ends 2026-11-22; "
            "only rows not older than what knead holds are applied") in " ".join(result.output.split())
    assert "deactivated NPIs knead lists: 0 " in result.output and ", 0 gone" in result.output
    assert shown(data, "nppes:9900000016")["street"].startswith("100 Pearl St")
    assert shown(data, "nppes:9900000016")["profile_updated"] == "2026-11-20"
    assert shown(data, "nppes:9900000024")["street"] == "9 New Way"
    assert set(found(data)) == {"nppes:9900000016", "nppes:9900000024", "nppes:9900000032"}
    assert found(data)["nppes:9900000016"]["street"].startswith("100 Pearl St")  # the index too


def test_a_monthly_file_older_than_an_imported_week_marks_nothing_stale(tmp_path):
    header, rows = example_rows()
    data = tmp_path / "data"
    november = write_csv(tmp_path / "npidata_pfile_20050523-20261108.csv", header, list(rows.values()))
    assert knead(data, "import", "nppes", str(november)).exit_code == 0
    joined = edited(header, rows["9900000024"], NPI="1234567893", Last_Update_Date="11/18/2026")
    week = write_csv(tmp_path / "npidata_pfile_20261116-20261122.csv", header, [
        joined, edited(header, rows["9900000016"], Last_Update_Date="11/20/2026",
                       Provider_First_Line_Business_Practice_Location_Address="100 PEARL ST")])
    assert "2 found, 1 new, 1 changed" in knead(data, "import", "nppes", str(week)).output
    # November's file again: it predates the week, so the NPI the week added is not gone, and 16 keeps its new street.
    result = knead(data, "import", "nppes", str(november))
    assert result.exit_code == 0, result.output
    assert "older than the store: its data ends 2026-11-08, a file already imported ends 2026-11-22" in result.output
    assert "1 older than the store" in result.output and ", 0 gone" in result.output
    assert "nppes:1234567893" in found(data)
    assert shown(data, "nppes:9900000016")["street"].startswith("100 Pearl St")
    # December's file (the newest) is the whole registry: what it lacks is gone, what it holds older is kept as stored.
    december = write_csv(tmp_path / "npidata_pfile_20050523-20261206.csv", header, list(rows.values()))
    result = knead(data, "import", "nppes", str(december))
    assert result.exit_code == 0, result.output
    assert "older than the store: its data" not in result.output and ", 1 gone" in result.output
    assert set(found(data)) == {"nppes:9900000016", "nppes:9900000024", "nppes:9900000032"}
    assert shown(data, "nppes:9900000016")["street"].startswith("100 Pearl St")


def test_an_npi_listed_twice_counts_once_by_its_latest_row(tmp_path):
    header, rows = example_rows()
    path = write_csv(tmp_path / "npidata_pfile_20050523-20261108.csv", header, [
        edited(header, rows["9900000016"], Last_Update_Date="11/20/2026",
               Provider_First_Line_Business_Practice_Location_Address="100 PEARL ST"),
        rows["9900000016"],  # older, after the newer row: loses
        rows["9900000024"],
        edited(header, rows["9900000024"], Last_Update_Date="03/01/2026",
               Provider_First_Line_Business_Practice_Location_Address="9 NEW WAY"),  # newer, later: wins
        rows["9900000032"],
        deactivated(header, "9900000032", "06/01/2025"),  # deactivated after its row was updated: gone
        rows["9900000040"], rows["9900000057"],
    ])
    result = knead(tmp_path / "data", "import", "nppes", str(path))
    assert result.exit_code == 0, result.output
    assert "8 rows read" in result.output and "listings kept:   2 (2 new, 0 changed" in result.output
    assert ("rows skipped:    3 duplicate NPI in the file, 2 deactivated, 1 not a massage therapist"
            in result.output)
    assert set(found(tmp_path / "data")) == {"nppes:9900000016", "nppes:9900000024"}
    assert shown(tmp_path / "data", "nppes:9900000016")["street"].startswith("100 Pearl St")
    assert shown(tmp_path / "data", "nppes:9900000024")["street"] == "9 New Way"


def test_a_file_whose_name_does_not_say_its_kind_is_named_in_the_summary(tmp_path):
    header, rows = example_rows()
    data = tmp_path / "data"
    everything = write_csv(tmp_path / "registry.csv", header, list(rows.values()))
    result = knead(data, "import", "nppes", str(everything))
    assert result.exit_code == 0, result.output
    assert "(a monthly file)" in result.output
    assert "taken as a monthly file (the whole registry): its name registry.csv does not say monthly or weekly" in " ".join(result.output.split())
    assert "pass --weekly if it holds one week's changes" in " ".join(result.output.split())
    one = write_csv(tmp_path / "changes.csv", header, [
        edited(header, rows["9900000024"], Last_Update_Date="03/01/2026",
               Provider_First_Line_Business_Practice_Location_Address="9 NEW WAY")])
    # Taken as the whole registry, one row would make the other two gone: the gate holds it.
    held = knead(data, "import", "nppes", str(one))
    assert held.exit_code == 1 and "The import was not published" in held.output
    result = knead(data, "import", "nppes", str(one), "--weekly")
    assert result.exit_code == 0, result.output
    assert "(a weekly file)" in result.output and "taken as a weekly file, as --weekly says" in result.output
    assert ", 0 gone" in result.output and len(found(data)) == 3
    assert shown(data, "nppes:9900000024")["street"] == "9 New Way"


def test_a_kind_the_name_contradicts_is_a_usage_error(tmp_path, monthly):
    path, _truth = monthly
    result = knead(tmp_path, "import", "nppes", str(path), "--weekly")
    assert result.exit_code == 2
    assert "Invalid value for '--weekly' / '--monthly'" in result.output
    assert "is a monthly file" in result.output and "leave out --weekly" in result.output
    report = tmp_path / "NPPES_Deactivated_NPI_Report_111026_V2.zip"
    write_deactivation_report(report, ["1234567893"])
    result = knead(tmp_path, "import", "nppes", str(report), "--monthly")
    assert result.exit_code == 2 and "is the deactivation report, not a monthly data file" in result.output
    status = json.loads(knead(tmp_path, "status", "--format", "json").output)
    assert not [s for s in status["sources"] if s["source"] == "nppes"]  # nothing begun


def test_a_deactivation_older_than_the_stored_update_leaves_the_listing(tmp_path):
    header, rows = example_rows()
    data = tmp_path / "data"
    monthly = write_csv(tmp_path / "npidata_pfile_20050523-20261108.csv", header, list(rows.values()))
    assert knead(data, "import", "nppes", str(monthly)).exit_code == 0
    report = tmp_path / "NPPES_Deactivated_NPI_Report_010625_V2.zip"
    # 16 was updated 07/22/2025, after this report's date (reactivated since); 32 last on 05/30/2024.
    write_deactivation_report(report, ["9900000016", "9900000032"], date="01/05/2025")
    result = knead(data, "import", "nppes", str(report))
    assert result.exit_code == 0, result.output
    assert "1 older than the store, 1 deactivated" in result.output and ", 1 gone" in result.output
    assert set(found(data)) == {"nppes:9900000016", "nppes:9900000024"}


def test_a_large_file_is_read_by_a_second_process_with_the_same_result(tmp_path, monthly, monkeypatch):
    """A file past reader.CHILD_FROM_BYTES is read (inflated, tested, parsed) in a child process
    while this one maps the rows: the same listings, counts and summary as reading it here."""
    from spiders.bulk import importer, reader

    path, truth = monthly
    here = knead(tmp_path / "here", "import", "nppes", str(path))
    used = []
    monkeypatch.setattr(reader, "CHILD_FROM_BYTES", 1)
    monkeypatch.setattr(importer, "child_rows", lambda bulk: used.append(bulk.path) or reader.child_rows(bulk))
    child = knead(tmp_path / "child", "import", "nppes", str(path))
    assert used == [path] and child.exit_code == 0, child.output
    strip = lambda out: [line for line in out.splitlines() if " finished in " not in line and "Index rebuilt" not in line]  # noqa: E731
    assert strip(child.output) == strip(here.output)
    assert "3,000 rows read" in child.output
    assert _timeless(found(tmp_path / "child")) == _timeless(found(tmp_path / "here"))


def _timeless(value):
    """`value` without the times of the two imports (a second apart at most)."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in ("scraped_at", "first_seen", "last_seen")}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def test_a_large_file_damaged_inside_is_the_same_one_error_from_the_second_process(tmp_path, monkeypatch):
    from spiders.bulk import reader

    monkeypatch.setattr(reader, "CHILD_FROM_BYTES", 1)
    good = tmp_path / "good.zip"
    truth = write_bulk_zip(good, 1500, seed=9)
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo(truth.member)
    middle = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    data[middle:middle + 64] = bytes(64)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    result = knead(tmp_path / "data", "import", "nppes", str(bad))
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert result.output.startswith(f"Error: {bad} ends early or is damaged after")
    assert "Nothing was published." in result.output
    status = json.loads(knead(tmp_path / "data", "status", "--format", "json").output)
    (nppes,) = [s for s in status["sources"] if s["source"] == "nppes"]
    assert nppes["latest"]["status"] == "failed" and nppes["listings"] == 0
