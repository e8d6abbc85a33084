"""The NPI registry's records -> listing values (spiders.parse.nppes), on the reference response.

`fixtures/nppes/example-response.json` (a copy of
shared/reference/nppes/example-response.json) is the registry API's answer as
published (an individual and an organisation); the other cases are the
registry's own shapes written out: upper-case names, a deactivated NPI, a
record without a massage taxonomy, an `Errors` answer, the stand-in's caps.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from spiders.parse import nppes
from spiders.sample_site import registry

REFERENCE = Path(__file__).resolve().parent / "fixtures" / "nppes" / "example-response.json"


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


def _person(reference: dict) -> dict:
    return copy.deepcopy(reference["results"][0])


def test_the_reference_individual_maps_to_a_listing(reference):
    answer = nppes.api_answer(reference)
    assert answer.errors == [] and len(answer.results) == 2
    listing = nppes.api_record(answer.results[0])
    assert listing == {
        "id": "nppes:1234567893", "source": "nppes", "npi": "1234567893", "practice": False,
        "url": "https://npiregistry.cms.hhs.gov/provider-view/1234567893",
        "name": "Maria Lopez", "business": None, "credentials_raw": ["LMT"], "gender_raw": "F",
        # The LOCATION address (the MAILING one is a PO box), its 9-digit ZIP cut to 5.
        "address_raw": "85 Pratt St, Suite 4, Hartford, CT 06103", "street": "85 Pratt St, Suite 4",
        "city": "Hartford", "state": "CT", "zip": "06103", "phone_raw": "860-555-0142",
        "license": "004512", "licenses": [{"state": "CT", "number": "004512", "source": "nppes"}],
        "profile_updated": "2024-05-15", "profile_updated_raw": "2024-05-15",
    }


def test_the_reference_organisation_is_a_practice(reference):
    listing = nppes.api_record(reference["results"][1])
    assert listing["practice"] is True
    assert listing["name"] == listing["business"] == "Still Point Therapeutics LLC"
    assert listing["id"] == "nppes:1987654321" and listing["npi"] == "1987654321"
    assert listing["licenses"] == [{"state": "TX", "number": "MT123456", "source": "nppes"}]
    assert (listing["city"], listing["zip"], listing["gender_raw"]) == ("Austin", "78704", None)


@pytest.mark.parametrize(("first", "middle", "last", "expected"), [
    ("SEAN", "", "MCDONALD", "Sean McDonald"),
    ("KATE", "", "O'NEIL", "Kate O'Neil"),
    ("MARIA", "K", "LOPEZ", "Maria K. Lopez"),
    ("ANNE-MARIE", "", "MACKENZIE", "Anne-Marie MacKenzie"),
    ("MARY", "", "ST. JAMES", "Mary St. James"),
    ("JOSE", "", "D'ANGELO", "Jose D'Angelo"),
])
def test_upper_case_names_come_out_as_people_write_them(reference, first, middle, last, expected):
    record = _person(reference)
    record["basic"].update(first_name=first, middle_name=middle, last_name=last)
    assert nppes.api_record(record)["name"] == expected


def test_a_name_cased_part_by_part_is_the_name_nameparser_cases_whole():
    """person_name caches each part's casing (a bulk import's speed); nameparser cases the parts of
    one HumanName by role alone, so the two must agree, particles, Mc/Mac, saints and suffixes included."""
    from itertools import product

    from nameparser import HumanName

    def whole(first, middle, last, suffix):
        name = HumanName(first=first or None, middle=(middle + "." if len(middle) == 1 else middle) or None,
                         last=last or None, suffix=suffix or None)
        name.capitalize(force=True)
        return nppes._saints(str(name)) or None

    firsts = ["MARY ANN", "JEAN-PAUL", "DE", "LA", "Y", "ST. CLAIR", "JOSÉ", "O'NEIL", "VAN", "MAC", "J.", "AL"]
    middles = ["", "K", "ANN", "DE", "VAN", "ST.", "Y", "JO ANN"]
    lasts = ["DE LA CRUZ", "VAN DER BERG", "ST. JAMES", "STE. MARIE", "MACDONALD", "MACK", "MACHADO", "SMITH-JONES",
             "DE", "VON TRAPP", "GARCIA Y LOPEZ", "AL-SAYED", "DOS SANTOS", "MC", "SAINT JOHN", "MCCARTHY-O'NEIL"]
    suffixes = ["", "JR", "JR.", "III", "PHD", "ESQ", "2ND"]
    for first, middle, last, suffix in product(firsts, middles, lasts, suffixes):
        assert nppes.person_name(first, middle, last, "", suffix) == whole(first, middle, last, suffix), \
            (first, middle, last, suffix)


def test_every_massage_licence_with_its_state_and_no_other(reference):
    record = _person(reference)
    massage = record["taxonomies"][0]
    record["taxonomies"] += [
        {**massage, "state": "RI", "license": "MAS01234", "primary": False},
        {"code": "225100000X", "desc": "Physical Therapist", "state": "CT", "license": "PT999", "primary": False},
        {**massage, "state": "NY", "license": "$$$$$$$$$", "primary": False},  # masked: no licence
        {**massage},  # the same licence twice is one licence
    ]
    assert nppes.api_record(record)["licenses"] == [
        {"state": "CT", "number": "004512", "source": "nppes"},
        {"state": "RI", "number": "MAS01234", "source": "nppes"},
    ]


def test_a_deactivated_npi_and_a_record_without_massage_are_left_out_with_their_reason(reference):
    gone = _person(reference)
    gone["basic"].update(status="D", deactivation_date="2025-02-01")
    assert nppes.api_record(gone) == nppes.Skipped(nppes.DEACTIVATED, "1234567893")
    back = _person(reference)
    back["basic"].update(deactivation_date="2025-02-01", reactivation_date="2025-03-01")
    assert nppes.api_record(back)["id"] == "nppes:1234567893"
    other = _person(reference)
    other["taxonomies"] = [{"code": "225100000X", "desc": "Physical Therapist", "state": "CT", "license": "1"}]
    assert nppes.api_record(other) == nppes.Skipped(nppes.NOT_MASSAGE, "1234567893")


def test_an_errors_answer_is_its_descriptions():
    answer = nppes.api_answer({"Errors": [{"description": "Field skip must be between 0 and 1000",
                                           "field": "skip", "number": "04"}]})
    assert answer.results == [] and answer.errors == ["Field skip must be between 0 and 1000"]
    with pytest.raises(ValueError, match="neither results nor Errors"):
        nppes.api_answer({"something": "else"})


def test_npi_check_digits_and_zip_codes():
    assert [nppes.is_valid_npi(n) for n in ("1234567893", "1679576722", "1245319599", "1234567890", "12345")] == [
        True, True, True, False, False]
    assert [nppes.zip5(z) for z in ("061031604", "06103", "06103-1604", "0610", "", None)] == [
        "06103", "06103", "06103", None, None, None]
    assert all(nppes.is_valid_npi(registry.npi_from(n)) for n in (1, 77, 12345678))


def test_areas_become_one_query_each_and_bad_ones_are_named():
    urls = nppes.area_urls("http://127.0.0.1:9/api/", ["ct", "CT"], ["06103"], ["west hartford, CT"])
    assert urls == [
        "http://127.0.0.1:9/api/?version=2.1&taxonomy_description=Massage+Therapist&state=CT",
        "http://127.0.0.1:9/api/?version=2.1&taxonomy_description=Massage+Therapist&postal_code=06103",
        "http://127.0.0.1:9/api/?version=2.1&taxonomy_description=Massage+Therapist&state=CT&city=WEST+HARTFORD",
    ]
    assert nppes.area_of(urls[2]) == {"state": "CT", "city": "WEST HARTFORD"}
    with pytest.raises(ValueError, match="'Hartford' is not 'NAME, ST'"):
        nppes.area_urls("http://x/api/", cities=["Hartford"])
    with pytest.raises(ValueError, match="state 'XX' is not a US state code"):
        nppes.area_urls("http://x/api/", states=["XX"])


def test_the_stand_in_keeps_the_registrys_caps_and_refusals():
    records = registry.generate_registry({"RI": 30}, seed=3)
    query = {"taxonomy_description": "Massage Therapist", "state": "RI"}
    assert nppes.api_answer(registry.answer(records, {"state": "RI"})).errors == [registry.STATE_ONLY]
    assert "limit" in nppes.api_answer(registry.answer(records, {**query, "limit": "201"})).errors[0]
    assert "skip" in nppes.api_answer(registry.answer(records, {**query, "skip": "1001"})).errors[0]
    page = nppes.api_answer(registry.answer(records, {**query, "limit": "200"}))
    assert len(page.results) == 30
    prefix = page.results[0]["addresses"][0]["postal_code"][:3]
    narrowed = registry.answer(records, {**query, "limit": "200", "postal_code": f"{prefix}*"})
    assert narrowed["results"] and all(r["addresses"][0]["postal_code"].startswith(prefix) for r in narrowed["results"])
    # Deterministic: the same seed draws the same registry.
    assert registry.generate_registry({"RI": 30}, seed=3) == records
