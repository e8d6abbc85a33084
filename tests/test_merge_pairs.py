"""Who is who, case by case: hand-written listings for each hard case of issue 15.

Each test builds listings the way the pipelines store them (E.164 phones,
5-digit ZIPs, the registry's names as the NPPES parser writes them) and asks
`cluster()` which of them are one therapist, which practice each works at,
and which result id each cluster gets across two merges.
"""

from __future__ import annotations

import pytest

from index.merge.clusters import cluster
from index.model.listing import TherapistListing

BLANK = TherapistListing().to_dict()


def listing(listing_id: str, name: str | None = None, **fields) -> dict:
    source = listing_id.split(":")[0] if not listing_id.startswith("roster:") else ":".join(listing_id.split(":")[:2])
    return {**BLANK, "id": listing_id, "source": source, "name": name, **fields}


def licence(state: str, number: str, source: str) -> dict:
    return {"state": state, "number": number, "source": source}


def result_of(found, listing_id: str, listings: list[dict]) -> str:
    index = next(i for i, row in enumerate(listings) if row["id"] == listing_id)
    return next(rid for rid, members in found.groups.items() if index in members)


def results(listings: list[dict], previous: dict | None = None) -> tuple[dict[str, str], object]:
    """listing id -> result id, and the clusters."""
    found = cluster(listings, previous or {})
    return {row["id"]: result_of(found, row["id"], listings) for row in listings}, found


# -- must merge ------------------------------------------------------------------


def test_the_registry_in_upper_case_with_a_middle_initial_and_a_nine_digit_zip_is_the_directory_therapist():
    rows = [
        listing("amta:zoe-st-james-hartford", "Zoë St. James", credentials=["LMT", "BCTMB"],
                street="12 Elm St, Suite 4", city="Hartford", state="CT", zip="06103"),
        # The registry's "ZOE M ST. JAMES", 061031234 (the pipelines keep the first five digits), no phone in common.
        listing("nppes:1600000032", "ZOE M ST. JAMES, LMT", npi="1600000032", street="12 ELM ST", city="Hartford",
                state="CT", zip="06103", phone="+18605550199", licenses=[licence("CT", "012345", "nppes")]),
    ]
    ids, _ = results(rows)
    assert ids == {"amta:zoe-st-james-hartford": "amta:zoe-st-james-hartford",
                   "nppes:1600000032": "amta:zoe-st-james-hartford"}


@pytest.mark.parametrize(("directory", "registry"), [("Bill Okafor", "William J. Okafor"),
                                                     ("Liz Rossi", "ELIZABETH ROSSI"),
                                                     ("Jon Park", "John Park")])
def test_a_nickname_or_a_spelling_is_the_same_first_name(directory, registry):
    rows = [listing("amta:a", directory, street="40 Oak Rd", state="NJ", zip="07030", phone="+12015550100"),
            listing("nppes:1600000040", registry, npi="1600000040", street="40 Oak Road", state="NJ", zip="07030",
                    phone="+12015550177")]
    ids, _ = results(rows)
    assert ids["nppes:1600000040"] == "amta:a"


def test_a_site_giving_the_business_and_the_person_as_employee_joins_the_person_and_links_the_business():
    rows = [
        listing("amta:david-parker-albany", "David Parker", credentials=["LMT"], business="The North Star Room",
                street="2225 5th Ave", state="NY", zip="12204", phone="+15185550153"),
        listing("sites:127.0.0.10/#practice", "The North Star Room", business="The North Star Room", practice=True,
                street="2225 5th Ave", state="NY", zip="12204", phone="+15185550153", website="http://northstar.example/"),
        listing("sites:127.0.0.10/#therapist", "David Parker", business="The North Star Room",
                practice_id="sites:127.0.0.10/#practice", street="2225 5th Ave", state="NY", zip="12204",
                phone="+15185550153", website="http://northstar.example/"),
    ]
    ids, found = results(rows)
    assert ids["sites:127.0.0.10/#therapist"] == "amta:david-parker-albany"
    assert ids["sites:127.0.0.10/#practice"] == "sites:127.0.0.10/#practice"  # linked, never merged
    assert found.practices == {"amta:david-parker-albany": ["sites:127.0.0.10/#practice"]}


def test_a_solo_site_marked_up_as_a_business_with_the_persons_name_is_the_person():
    rows = [listing("amta:jordan-oconnor-boston", "Jordan O'Connor", state="MA", zip="02210", phone="+16175550173"),
            listing("sites:127.0.0.43/about/", "Jordan O'Connor", business="Jordan O'Connor", practice=True,
                    state="MA", zip="02210", phone="+16175550173")]
    ids, found = results(rows)
    assert ids["sites:127.0.0.43/about/"] == "amta:jordan-oconnor-boston"
    assert found.stats["practice named as its person"] == 1


def test_the_same_licence_merges_across_addresses_and_a_roster_row_joins_by_name_in_its_state():
    rows = [
        listing("amta:kai-edwards-dallas", "Kai Edwards", state="TX", zip="75234", phone="+12145550101"),
        listing("roster:tx:MT100000", "Kai Edwards", state="TX", zip="75234",
                licenses=[licence("TX", "MT100000", "roster:tx")]),
        # Moved across town: another ZIP and phone, but the board's number written with a dash.
        listing("nppes:1600000057", "KAI EDWARDS", npi="1600000057", state="TX", zip="75001", phone="+19725550100",
                licenses=[licence("TX", "MT-100000", "nppes")]),
        # A Washington row: only a name and a licence; the one Sophia Young of the state.
        listing("amta:sophia-young-tacoma", "Sophia Young", state="WA", zip="98443"),
        listing("roster:wa:MA60293003", "Sophia R. Young", state="WA", verification_only=True,
                licenses=[licence("WA", "MA60293003", "roster:wa")]),
    ]
    ids, _ = results(rows)
    assert ids["roster:tx:MT100000"] == ids["nppes:1600000057"] == "amta:kai-edwards-dallas"
    assert ids["roster:wa:MA60293003"] == "amta:sophia-young-tacoma"


@pytest.mark.parametrize(("registry_name", "merged"), [("ANA J. COHEN", True), ("DIEGO COHEN", False)])
def test_the_registry_writing_the_boards_number_without_its_letters_is_the_same_licence_for_the_same_name(
        registry_name, merged):
    rows = [listing("roster:tx:MT103394", "Ana Cohen", state="TX", zip="77002",
                    licenses=[licence("TX", "MT103394", "roster:tx")]),
            listing("nppes:1600000164", registry_name, npi="1600000164", state="TX", zip="78242",
                    licenses=[licence("TX", "103394", "nppes")])]
    ids, _ = results(rows)
    assert (ids["nppes:1600000164"] == ids["roster:tx:MT103394"]) is merged


# -- must not merge --------------------------------------------------------------


def test_the_same_surname_in_the_same_zip_with_another_first_name_is_another_person():
    rows = [listing("amta:maria-lopez-hartford", "Maria Lopez", street="9 Pratt St", state="CT", zip="06103",
                    phone="+18605550128"),
            listing("nppes:1600000065", "DAVID M. LOPEZ", npi="1600000065", street="9 PRATT ST", state="CT",
                    zip="06103", phone="+18605550301")]
    ids, _ = results(rows)
    assert len(set(ids.values())) == 2


def test_a_couple_sharing_a_practice_phone_stays_two_people_both_linked_to_the_practice():
    phone = "+15035550140"
    rows = [listing("amta:ana-silva-portland", "Ana Silva", state="OR", zip="97205", phone=phone, street="1 Oak St"),
            listing("amta:marco-silva-portland", "Marco Silva", state="OR", zip="97205", phone=phone, street="1 Oak St"),
            listing("nppes:1600000073", "Silva Bodywork LLC", business="Silva Bodywork LLC", practice=True,
                    npi="1600000073", state="OR", zip="97205", phone=phone, street="1 OAK ST")]
    ids, found = results(rows)
    assert len(set(ids.values())) == 3
    assert found.practices == {"amta:ana-silva-portland": ["nppes:1600000073"],
                               "amta:marco-silva-portland": ["nppes:1600000073"]}


def test_a_therapist_at_a_practices_address_is_linked_to_it_unless_two_practices_share_the_building():
    rows = [listing("nppes:1600000172", "Mitchell & Associates Massage LLC", practice=True, npi="1600000172",
                    business="Mitchell & Associates Massage LLC", street="918 ASYLUM AVE", state="NC", zip="27705",
                    phone="+19193949960"),
            # Their own phone, and the street with its floor but without a ZIP.
            listing("amta:tunde-shah-durham", "Tunde Shah", street="918 Asylum Ave, Floor 2", state="NC",
                    phone="+19199424795"),
            listing("sites:127.0.0.30/#1", "Lotus Spa", practice=True, business="Lotus Spa", street="2 Elm St",
                    state="CA", zip="90012", phone="+12135550101"),
            listing("sites:127.0.0.30/#2", "Evergreen Room", practice=True, business="Evergreen Room",
                    street="2 Elm St", state="CA", zip="90012", phone="+12135550102"),
            listing("amta:bjorn-park-los-angeles", "Bjorn Park", street="2 Elm St", state="CA", zip="90012",
                    phone="+12135550199")]
    _, found = results(rows)
    assert found.practices == {"amta:tunde-shah-durham": ["nppes:1600000172"]}


def test_the_same_name_in_two_states_with_other_licences_and_one_website_stays_two_people():
    site = "https://racheltanakamassage.example/"
    rows = [listing("nppes:1600000081", "Rachel Tanaka", npi="1600000081", state="WA", zip="98229", website=site,
                    licenses=[licence("WA", "003063", "nppes")]),
            listing("nppes:1600000099", "Rachel Tanaka", npi="1600000099", state="PA", zip="17601", website=site,
                    licenses=[licence("PA", "060617", "nppes")]),
            listing("amta:rachel-tanaka-bellingham", "Rachel Tanaka", state="WA", zip="98229", website=site),
            listing("amta:rachel-tanaka-lancaster", "Rachel Tanaka", state="PA", zip="17601", website=site)]
    ids, _ = results(rows)
    assert ids["nppes:1600000081"] == "amta:rachel-tanaka-bellingham"
    assert ids["nppes:1600000099"] == "amta:rachel-tanaka-lancaster"


def test_two_npis_or_two_licence_numbers_of_one_state_are_two_people_whatever_else_matches():
    rows = [listing("nppes:1600000107", "Sarah Park", npi="1600000107", state="CA", zip="94110", phone="+14155550100"),
            listing("nppes:1600000115", "Sarah Park", npi="1600000115", state="CA", zip="94110", phone="+14155550100"),
            listing("roster:tx:MT100037", "Kai Edwards", state="TX", zip="75234",
                    licenses=[licence("TX", "MT100037", "roster:tx")]),
            listing("roster:tx:MT100074", "Kai Edwards", state="TX", zip="75234",
                    licenses=[licence("TX", "MT100074", "roster:tx")])]
    ids, found = results(rows)
    assert len(set(ids.values())) == 4
    assert found.stats["veto npi"] >= 1 and found.stats["veto licence"] >= 1


def test_a_chain_through_a_nickname_never_joins_two_people():
    # Chris shares Christopher's phone and Christina's ZIP: "chris" fits both names, the two do not fit each other.
    rows = [listing("amta:chris-nguyen", "Chris Nguyen", state="CA", zip="95814", phone="+19165550100"),
            listing("sites:127.0.0.20/", "Christopher Nguyen", state="CA", zip="95816", phone="+19165550100"),
            listing("amta:christina-nguyen", "Christina Nguyen", state="CA", zip="95814", phone="+19165550199")]
    ids, found = results(rows)
    assert ids["sites:127.0.0.20/"] == "amta:chris-nguyen"  # the phone, stronger, joined first
    assert ids["amta:christina-nguyen"] == "amta:christina-nguyen"
    assert found.stats["veto first-name"] >= 1


def test_a_person_never_merges_with_a_practice_and_an_ambiguous_roster_name_joins_no_one():
    rows = [listing("nppes:1600000123", "Still Point Therapeutics LLC", practice=True, npi="1600000123",
                    business="Still Point Therapeutics LLC", state="WA", zip="98101", phone="+12065550100"),
            listing("amta:dana-point-seattle", "Dana Point", state="WA", zip="98101", phone="+12065550100"),
            listing("amta:dana-point-spokane", "Dana Point", state="WA", zip="99201"),
            listing("roster:wa:MA60000007", "Dana Point", state="WA", verification_only=True,
                    licenses=[licence("WA", "MA60000007", "roster:wa")])]
    ids, found = results(rows)
    assert len(set(ids.values())) == 4
    assert found.practices == {"amta:dana-point-seattle": ["nppes:1600000123"]}
    assert found.stats["name ambiguous"] == 1


def test_a_key_hundreds_of_listings_share_is_skipped_and_counted():
    rows = [listing(f"amta:sam-smith-{n}", "Sam Smith", state="NY", zip=f"{10001 + n:05d}", phone="+12125550100")
            for n in range(201)]
    ids, found = results(rows)
    assert len(set(ids.values())) == 201 and found.stats["block too common"] == 1


# -- stable ids ------------------------------------------------------------------


def _zoe(source_id: str, **extra) -> dict:
    return listing(source_id, extra.pop("name", "Zoe Tanaka"), state="CT", zip="06103", phone="+18605550142", **extra)


def test_a_new_source_joining_a_therapist_does_not_renumber_them():
    first = [_zoe("nppes:1600000131", npi="1600000131"), _zoe("roster:tx:MT1")]
    before, _ = results(first)
    assert set(before.values()) == {"nppes:1600000131"}
    # The directory (first in SOURCE_ORDER) finds her later: she keeps the registry's id; someone new takes theirs.
    later = [*first, _zoe("amta:zoe-tanaka-hartford"), listing("nppes:1600000149", "Omar Levin", state="CT")]
    after, _ = results(later, before)
    assert after == {**{i: "nppes:1600000131" for i in ("nppes:1600000131", "roster:tx:MT1", "amta:zoe-tanaka-hartford")},
                     "nppes:1600000149": "nppes:1600000149"}


def test_when_a_result_splits_the_part_with_its_anchor_keeps_the_id_and_the_others_take_new_ones():
    rows = [_zoe("amta:zoe-tanaka-hartford"), _zoe("sites:127.0.0.30/"), _zoe("nppes:1600000156", npi="1600000156")]
    before, _ = results(rows)
    assert set(before.values()) == {"amta:zoe-tanaka-hartford"}
    # The registry's record now names someone else at that phone: it leaves; the directory's listing stays put.
    rows[2] = _zoe("nppes:1600000156", name="Yuki Tanaka", npi="1600000156")
    after, _ = results(rows, before)
    assert after == {"amta:zoe-tanaka-hartford": "amta:zoe-tanaka-hartford",
                     "sites:127.0.0.30/": "amta:zoe-tanaka-hartford", "nppes:1600000156": "nppes:1600000156"}
    # The anchor itself leaves: the two left behind take the site's id (first of theirs in SOURCE_ORDER).
    rows = [_zoe("amta:zoe-tanaka-hartford", name="Mai Tanaka"), _zoe("sites:127.0.0.30/"),
            _zoe("nppes:1600000156", npi="1600000156")]
    split, _ = results(rows, before)
    assert split == {"amta:zoe-tanaka-hartford": "amta:zoe-tanaka-hartford", "sites:127.0.0.30/": "sites:127.0.0.30/",
                     "nppes:1600000156": "sites:127.0.0.30/"}


def test_when_two_results_meet_the_id_most_members_had_wins():
    rows = [_zoe("amta:zoe-tanaka-hartford"), _zoe("sites:127.0.0.30/"), _zoe("nppes:1600000156", npi="1600000156")]
    previous = {"amta:zoe-tanaka-hartford": "amta:zoe-tanaka-hartford", "sites:127.0.0.30/": "nppes:1600000156",
                "nppes:1600000156": "nppes:1600000156"}
    after, _ = results(rows, previous)
    assert set(after.values()) == {"nppes:1600000156"}
