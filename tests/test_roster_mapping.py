"""Each board's mapping on recorded-style rows (shared/reference/socrata/README.md §7's examples).

What a user would see of a roster row: the listing's name, place, id and
source, and the licence record (status normalised with the board's word kept,
ISO dates, discipline), plus the status words and date forms boards use, and
the bulk CSV's human column names.
"""

from __future__ import annotations

from datetime import date

import pytest

from index.model.licence import board_confirmed, board_warning, normalise_status
from spiders.rosters import soql
from spiders.rosters.boards import BOARDS
from spiders.rosters.rows import field_name, iso_date, listing_values

TODAY = date(2026, 12, 5)


def values(board: str, row: dict) -> dict:
    found = listing_values(BOARDS[board], row, today=TODAY)
    assert found is not None
    return found


def test_illinois_expired_disciplined_row():
    row = {"license_type": "MASSAGE THERAPY", "description": "LICENSED MASSAGE THERAPIST",
           "license_number": "227098765", "license_status": "EXPIRED", "business": "N", "first_name": "MARCUS",
           "last_name": "OYELARAN", "suffix": "JR", "original_issue_date": "03/02/2011",
           "effective_date": "01/01/2021", "expiration_date": "12/31/2022", "city": "ROCKFORD", "state": "IL",
           "zip": "61107", "county": "WINNEBAGO", "ever_disciplined": "Y", "action": "REPRIMAND"}
    got = values("il", row)
    assert (got["id"], got["source"], got["name"]) == ("roster:il:227098765", "roster:il", "Marcus Oyelaran Jr")
    assert (got["city"], got["state"], got["zip"], got["verification_only"]) == ("Rockford", "IL", "61107", None)
    assert got["licenses"] == [{"state": "IL", "number": "227098765", "source": "roster:il", "status": "expired",
                                "status_raw": "EXPIRED", "issued": "2011-03-02", "expires": "2022-12-31",
                                "disciplined": True, "type": "MASSAGE THERAPY"}]
    assert not board_confirmed(got, TODAY)
    assert board_warning(got, TODAY) == "licence expired 2022-12-31"


def test_illinois_active_row_is_confirmed_in_its_state():
    row = {"license_type": "MASSAGE THERAPY", "license_number": "227012345", "license_status": "ACTIVE",
           "business": "N", "first_name": "PRIYA", "middle": "L", "last_name": "HALVORSEN",
           "original_issue_date": "06/14/2017", "expiration_date": "12/31/2026", "city": "EVANSTON", "state": "IL",
           "zip": "60201", "ever_disciplined": "N"}
    got = values("il", row)
    assert got["name"] == "Priya L. Halvorsen"
    assert got["licenses"][0]["disciplined"] is False
    assert board_confirmed(got, TODAY) and board_warning(got, TODAY) is None
    # The same licence read after its expiry date is no longer confirmed, whatever the status says.
    assert not board_confirmed(got, date(2027, 1, 1))


def test_texas_therapist_keeps_city_and_zip_of_the_mailing_address_not_the_street():
    row = {"license_type": "Massage Therapist", "license_number": "MT123456", "owner_name": "NAKAMURA, JUNE",
           "owner_telephone": "5125550133", "mailing_address_line1": "4410 DUVAL ST",
           "mailing_address_city_state_zip": "AUSTIN TX 78751", "license_expiration_date_mmddccyy": "09/30/2027"}
    got = values("tx", row)
    assert (got["id"], got["name"], got["practice"]) == ("roster:tx:MT123456", "June Nakamura", False)
    assert (got["street"], got["city"], got["state"], got["zip"], got["phone_raw"]) == (None, "Austin", "TX", "78751", None)
    # TDLR's roster has no status column: active until the expiry date.
    assert got["licenses"][0] == {"state": "TX", "number": "MT123456", "source": "roster:tx", "status": "active",
                                  "expires": "2027-09-30", "disciplined": False, "type": "Massage Therapist"}


def test_texas_establishment_is_a_practice_with_its_business_address():
    row = {"license_type": "Massage Establishment", "license_number": "ME098765",
           "business_name": "RIVERSIDE BODYWORK STUDIO", "business_address_line1": "1200 S LAMAR BLVD",
           "business_address_line2": "UNIT 5", "business_city_state_zip": "AUSTIN, TX 78704-1234",
           "business_telephone": "5125550187", "owner_name": "RIVERA, DIEGO",
           "license_expiration_date_mmddccyy": "02/28/2025"}
    got = values("tx", row)
    assert (got["name"], got["practice"], got["street"], got["zip"]) == (
        "Riverside Bodywork Studio", True, "1200 S Lamar Blvd, Unit 5", "78704")
    assert got["phone_raw"] == "5125550187"
    assert got["licenses"][0]["status"] == "expired"


def test_washington_rows_have_no_place_and_only_verify():
    row = {"credentialnumber": "MA60987654", "lastname": "Villanueva", "firstname": "Rafael",
           "credentialtype": "Massage Therapist License", "status": "Expired", "birthyear": "1979",
           "firstissuedate": "09/01/2009", "lastissuedate": "09/01/2021", "expirationdate": "09/01/2023",
           "actiontaken": "Yes"}
    got = values("wa", row)
    assert (got["id"], got["state"], got["city"], got["verification_only"]) == (
        "roster:wa:MA60987654", "WA", None, True)
    assert "birthyear" not in str(got)
    assert got["licenses"][0] == {"state": "WA", "number": "MA60987654", "source": "roster:wa", "status": "expired",
                                  "status_raw": "Expired", "issued": "2009-09-01", "expires": "2023-09-01",
                                  "disciplined": True, "type": "Massage Therapist License"}


def test_connecticut_lapsed_inactive_reads_as_expired_with_floating_timestamps():
    row = {"credentialid": "3100452", "name": "LUIS FERREIRA", "type": "INDIVIDUAL",
           "fullcredentialcode": "MT.0007781", "credentialnumber": "7781", "credentialtype": "MT",
           "credential": "MASSAGE THERAPIST", "status": "INACTIVE", "statusreason": "LAPSED DUE TO NON-RENEWAL",
           "issuedate": "2019-03-18T00:00:00.000", "expirationdate": "2024-02-29T00:00:00.000",
           "city": "NEW LONDON", "state": "CT", "zip": "06320"}
    got = values("ct", row)
    assert (got["id"], got["name"], got["city"], got["zip"]) == ("roster:ct:MT.0007781", "Luis Ferreira", "New London", "06320")
    record = got["licenses"][0]
    assert (record["status"], record["status_raw"]) == ("expired", "INACTIVE (LAPSED DUE TO NON-RENEWAL)")
    assert (record["issued"], record["expires"]) == ("2019-03-18", "2024-02-29")


def test_connecticut_active_with_street():
    row = {"name": "HANNAH R OKONKWO", "type": "INDIVIDUAL", "fullcredentialcode": "MT.0004512",
           "credential": "MASSAGE THERAPIST", "status": "ACTIVE", "issuedate": "2016-05-02T00:00:00.000",
           "expirationdate": "2026-11-30T00:00:00.000", "address": "85 ASYLUM ST STE 210", "city": "HARTFORD",
           "state": "CT", "zip": "06103"}
    got = values("ct", row)
    assert (got["name"], got["street"]) == ("Hannah R. Okonkwo", "85 Asylum St Ste 210")
    # ACTIVE, but its expiry date (2026-11-30) is before TODAY: shown as expired, not confirmed.
    assert board_warning(got, TODAY) == "licence expired 2026-11-30"


def test_colorado_keys_on_type_and_number_and_reads_a_program_action_as_discipline():
    row = {"lastname": "Delacroix", "firstname": "Martin", "middlename": "E", "city": "Pueblo", "state": "CO",
           "licensetype": "MT", "licensenumber": "0020481", "licensefirstissuedate": "2018-02-12T00:00:00.000",
           "licenseexpirationdate": "2027-08-31T00:00:00.000", "licensestatusdescription": "Active",
           "programaction": "Letter of Admonition", "disciplineeffectivedate": "03/04/2024", "casenumber": "2024-311",
           "linktoverifylicense": {"url": "https://www.colorado.gov/dora/licensing/Lookup/PrintLicenseDetails.aspx?cred=9900002"}}
    got = values("co", row)
    assert (got["id"], got["name"], got["city"], got["zip"]) == ("roster:co:MT-0020481", "Martin E. Delacroix", "Pueblo", None)
    assert got["licenses"][0]["disciplined"] is True
    assert board_confirmed(got, TODAY)
    assert board_warning(got, TODAY) == "board action on record"


def test_a_row_without_a_number_or_a_name_is_no_listing():
    assert listing_values(BOARDS["wa"], {"credentialtype": "Massage Therapist License", "lastname": "X"}) is None
    assert listing_values(BOARDS["wa"], {"credentialnumber": "MA1", "credentialtype": "Massage Therapist License"}) is None


@pytest.mark.parametrize(("raw", "status"), [
    ("ACTIVE", "active"), ("Active", "active"), ("ACTIVE - PROBATION", "active"), ("EXPIRED", "expired"),
    ("Lapsed", "expired"), ("INACTIVE", "inactive"), ("NOT RENEWED", "inactive"), ("Suspended", "suspended"),
    ("SUMMARY SUSPENSION", "suspended"), ("REVOKED", "revoked"), ("Surrendered", "revoked"),
    ("Pending", "other"), ("", None),
])
def test_status_words(raw, status):
    assert normalise_status(raw) == status


@pytest.mark.parametrize(("raw", "iso"), [
    ("12/31/2026", "2026-12-31"), ("2027-07-31T00:00:00.000", "2027-07-31"), ("2027-07-31", "2027-07-31"),
    ("31/12/2026", None), ("", None),
])
def test_both_date_forms(raw, iso):
    assert iso_date(raw) == iso


def test_bulk_csv_column_names_become_field_names():
    assert field_name("LICENSE EXPIRATION DATE (MMDDCCYY)") == "license_expiration_date_mmddccyy"
    assert field_name("BUSINESS CITY, STATE ZIP") == "business_city_state_zip"
    assert field_name("BUSINESS ADDRESS-LINE1") == "business_address_line1"


def test_every_board_selects_its_massage_types_and_pages_in_a_unique_order():
    for board in BOARDS.values():
        params = soql.page_params(board, 20_000)
        assert params["$where"].startswith(f"{board.type_column} IN (")
        assert params["$order"].endswith(":id") and params["$offset"] == "20000"
        assert board.columns.number in params["$select"]
    assert soql.where(BOARDS["tx"]) == "license_type IN ('Massage Therapist', 'Massage Establishment')"
    assert soql.quote("BOB'S SPA") == "'BOB''S SPA'"
