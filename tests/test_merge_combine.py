"""One therapist's listings combined into the result people see (index.merge.combine, issue 15).

The members are written the way the spiders write them (read off a crawl of
the bundled samples): the AMTA-style directory with a profile date, the
registry with its licence record and no techniques, a practice website with
no date and a practice beside the therapist, a state board's roster row.
Each test asserts what `knead show` and the JSON output would show; the last
one checks every value of every result on a crawl of the bundled samples.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from index.merge import merge_listings
from index.merge.combine import combine
from index.merge.fold import fold_value
from index.model import licence
from index.model.listing import FIELD_NAMES, TherapistListing

AMTA = "amta:maria-lopez-hartford"
NPPES = "nppes:1600000032"
SITE = "sites:lopezbodywork.example/#therapist"
PRACTICE = "sites:lopezbodywork.example/#practice"
ROSTER = "roster:tx:MT104255"
NEXT_YEAR = (date.today() + timedelta(days=365)).isoformat()


def _row(id_: str, seen: str = "2026-12-05T16:34:01+00:00", first: str | None = None, **fields) -> dict:
    """A listing as the store of record yields it: the spider's fields plus when knead saw it."""
    row = TherapistListing(id=id_, source=id_.rsplit(":", 1)[0] if id_.startswith("roster:") else id_.split(":")[0],
                           scraped_at=seen, **fields).to_dict()
    row.update(first_seen=first or seen, last_seen=seen, stale=False, stale_since=None)
    return row


def _fields(**values) -> dict:
    return values


def amta(**fields) -> dict:
    values = _fields(
        url="http://127.0.0.1:8470/famt/maria-lopez-hartford", name="María López", credentials=["LMT"],
        credentials_raw=["LMT"], gender="female", gender_raw="Female", languages=["English", "Spanish"],
        address_raw="181 State St, Hartford, CT 06103", street="181 State St", city="Hartford", state="CT",
        zip="06103", lat=41.7656, lon=-72.6733, phone="+18605550142", phone_raw="(860) 555-0142",
        email="maria@lopezbodywork.example", website="https://lopezbodywork.example",
        bio="I work with office workers on neck and low back pain.",
        techniques=["deep-tissue", "myofascial-release"], techniques_raw=["Deep Tissue", "MFR"],
        insurance=["aetna", "hsa-fsa"], insurance_raw=["Aetna", "HSA"], accepts_insurance=True,
        conditions=["Low back pain", "Neck pain"], profile_updated="2025-03-02", profile_updated_raw="Mar 2, 2025")
    values.update(fields)
    return _row(AMTA, first="2026-01-10T09:00:00+00:00", **values)


def nppes(**fields) -> dict:
    values = _fields(
        url="https://npiregistry.cms.hhs.gov/provider-view/1600000032", name="MARIA LOPEZ", credentials=["LMT"],
        credentials_raw=["LMT"], gender="female", gender_raw="F", license="012345",
        licenses=[{"number": "012345", "source": "nppes", "state": "CT"}], npi="1600000032", practice=False,
        accepts_insurance=False,
        address_raw="181 STATE STREET, SUITE 356, HARTFORD, CT 061031234", street="181 State Street, Suite 356",
        city="Hartford", state="CT", zip="06103", lat=41.7656, lon=-72.6733, phone="+18605550199",
        phone_raw="860-555-0199", profile_updated="2022-10-03", profile_updated_raw="2022-10-03")
    values.update(fields)
    return _row(NPPES, seen="2026-12-05T16:34:05+00:00", **values)


def site(**fields) -> dict:
    values = _fields(
        url="http://lopezbodywork.example/", name="Maria Lopez", business="Lopez Bodywork",
        practice_id=PRACTICE, street="181 State St", city="Hartford", state="CT", zip="06103",
        address_raw="181 State St, Hartford, CT 06103", lat=41.7656, lon=-72.6733,
        phone="+18605550142", phone_raw="860.555.0142", website="http://lopezbodywork.example/",
        techniques=["craniosacral", "deep-tissue"], techniques_raw=["CranioSacral Therapy", "deep tissue"],
        insurance=["bcbs", "aetna"], insurance_raw=["Anthem", "Aetna"], accepts_insurance=True,
        languages=["english"])
    values.update(fields)
    return _row(SITE, seen="2026-12-05T16:34:07+00:00", **values)


def practice_listing(**fields) -> dict:
    values = _fields(
        url="http://lopezbodywork.example/", name="Lopez Bodywork", business="Lopez Bodywork", practice=True,
        street="181 State St", city="Hartford", state="CT", zip="06103", phone="+18605550142",
        website="http://lopezbodywork.example/", hours="Mo-Fr 09:00-18:00; Sa 10:00-14:00",
        hours_raw=["Monday-Friday 9am-6pm", "Saturday 10am-2pm"], accepting_new_clients=True,
        accepting_new_clients_raw="true", price_range="$$", insurance=["bcbs", "medicare"],
        insurance_raw=["Anthem", "Medicare"], accepts_insurance=True)
    values.update(fields)
    return _row(PRACTICE, seen="2026-12-05T16:34:07+00:00", **values)


def roster(status: str = "active", expires: str = NEXT_YEAR, state: str = "TX", **fields) -> dict:
    values = _fields(
        url="http://127.0.0.1:8470/soda/resource/7358-krk7.json?license_number=MT104255", name="Maria Lopez",
        license="MT104255", city="Austin", state=state, zip="78704", lat=30.2428, lon=-97.7658,
        licenses=[{"disciplined": False, "expires": expires, "number": "MT104255", "source": f"roster:{state.lower()}",
                   "state": state, "status": status, "type": "Massage Therapist"}], practice=False,
        accepts_insurance=False)
    values.update(fields)
    return _row(ROSTER, seen="2026-12-05T16:34:09+00:00", **values)


def texan(**fields) -> dict:
    """The AMTA-style listing of a therapist in Texas (where the bundled roster is a board's)."""
    return amta(street="1969 Cedar Ln", city="Houston", state="TX", zip="77020", address_raw=None, **fields)


# Unions: every value once, with the listings that state it.

def test_techniques_insurance_and_languages_are_the_union_each_value_with_its_sources():
    result = combine(AMTA, [site(), nppes(), amta()])
    assert result["techniques"] == ["deep-tissue", "myofascial-release", "craniosacral"]
    assert result["field_sources"]["techniques"] == {
        "deep-tissue": [AMTA, SITE], "myofascial-release": [AMTA], "craniosacral": [SITE]}
    assert result["insurance"] == ["aetna", "hsa-fsa", "bcbs"]
    assert result["field_sources"]["insurance"]["aetna"] == [AMTA, SITE]
    assert result["accepts_insurance"] is True
    # "english" on the site is the directory's "English": one language, two sources.
    assert result["languages"] == ["English", "Spanish"]
    assert result["field_sources"]["languages"]["English"] == [AMTA, SITE]
    assert result["credentials"] == ["LMT"]
    assert result["field_sources"]["credentials"] == {"LMT": [AMTA, NPPES]}
    assert result["techniques_raw"] == ["Deep Tissue", "MFR", "CranioSacral Therapy", "deep tissue"]


def test_accepts_insurance_follows_the_combined_insurance():
    # Neither member alone accepts insurance by the vocabulary's rule (HSA is not insurance)...
    alone = combine(AMTA, [amta(insurance=["hsa-fsa"], accepts_insurance=False)])
    assert alone["accepts_insurance"] is False
    # ...but the site lists a carrier, so the therapist does.
    both = combine(AMTA, [amta(insurance=["hsa-fsa"], accepts_insurance=False), site(insurance=["cigna"])])
    assert both["insurance"] == ["hsa-fsa", "cigna"] and both["accepts_insurance"] is True


# Single values: who gave it, and what the others say.

def test_contact_details_come_from_the_most_recently_updated_member():
    # The directory's profile (2025) is newer than the registry's record (2022).
    result = combine(AMTA, [amta(), nppes()])
    assert (result["phone"], result["phone_raw"]) == ("+18605550142", "(860) 555-0142")
    assert result["field_sources"]["phone"] == [AMTA]
    assert result["alternatives"]["phone"] == [{"value": "+18605550199", "sources": [NPPES]}]
    # The registry updated since: its phone is the one to call; the directory's is the alternative.
    newer = combine(AMTA, [amta(), nppes(profile_updated="2026-06-01")])
    assert newer["phone"] == "+18605550199" and newer["phone_raw"] == "860-555-0199"
    assert newer["alternatives"]["phone"] == [{"value": "+18605550142", "sources": [AMTA]}]
    # A newer member that gives no email does not hide the one the directory gives.
    assert newer["email"] == "maria@lopezbodywork.example"
    assert newer["field_sources"]["email"] == [AMTA]


def test_a_page_without_a_date_counts_as_updated_when_knead_last_saw_it():
    # The practice site has no profile date: seen today, it is newer than the 2025 profile.
    result = combine(AMTA, [amta(), site(phone="+18605550177", phone_raw="860.555.0177")])
    assert result["phone"] == "+18605550177"
    assert result["alternatives"]["phone"] == [{"value": "+18605550142", "sources": [AMTA]}]


def test_the_address_is_one_unit_from_one_member():
    result = combine(AMTA, [amta(), nppes(profile_updated="2026-06-01")])
    # Every part from the registry's newer record, none mixed in from the directory's.
    assert [result[k] for k in ("street", "city", "state", "zip", "address_raw")] == [
        "181 State Street, Suite 356", "Hartford", "CT", "06103",
        "181 STATE STREET, SUITE 356, HARTFORD, CT 061031234"]
    assert result["field_sources"]["street"] == [NPPES]
    assert result["field_sources"]["zip"] == [AMTA, NPPES]
    assert result["alternatives"]["street"] == [{"value": "181 State St", "sources": [AMTA]}]


def test_a_roster_row_with_a_city_only_never_replaces_a_street_address():
    result = combine(AMTA, [texan(), roster(city="Austin", zip="78704")])
    assert (result["street"], result["city"], result["zip"]) == ("1969 Cedar Ln", "Houston", "77020")
    assert result["alternatives"]["city"] == [{"value": "Austin", "sources": [ROSTER]}]


def test_the_registry_upper_case_name_is_not_shown_when_a_directory_has_the_name():
    result = combine(AMTA, [nppes(), amta()])
    assert result["name"] == "María López"
    # The same name in capitals and without accents: no disagreement, both are its sources.
    assert result["field_sources"]["name"] == [AMTA, NPPES]
    assert "name" not in result["alternatives"]
    # A middle initial is something the directory does not say: shown as the registry's spelling.
    initial = combine(AMTA, [nppes(name="MARIA K LOPEZ"), amta()])
    assert initial["name"] == "María López"
    assert initial["alternatives"]["name"] == [{"value": "MARIA K LOPEZ", "sources": [NPPES]}]
    # With no directory, the registry's name comes before a roster's.
    assert combine(NPPES, [roster(name="LOPEZ, MARIA"), nppes()])["name"] == "MARIA LOPEZ"


def test_same_values_written_differently_are_not_disagreements():
    result = combine(AMTA, [amta(), site(website="http://www.lopezbodywork.example/", zip="06103-1234",
                                         email="Maria@LopezBodywork.example", phone="+1 860 555 0142")])
    assert result["alternatives"] == {}
    assert result["field_sources"]["website"] == [AMTA, SITE]
    assert result["field_sources"]["email"] == [AMTA, SITE]


def test_npi_and_licences_come_from_the_registry_and_the_boards():
    result = combine(AMTA, [amta(), nppes(), roster(state="CT")])
    assert result["npi"] == "1600000032" and result["field_sources"]["npi"] == [NPPES]
    assert [(r["source"], r["number"]) for r in result["licenses"]] == [("nppes", "012345"),
                                                                         ("roster:ct", "MT104255")]
    assert [s["id"] for s in result["sources"]] == [AMTA, NPPES, ROSTER]
    assert result["sources"][1] == {"source": "nppes", "id": NPPES, "url": nppes()["url"],
                                    "first_seen": "2026-12-05T16:34:05+00:00",
                                    "last_seen": "2026-12-05T16:34:05+00:00"}


# The practice a therapist works at.

def test_the_practice_hours_show_on_the_therapist_marked_as_the_practice_s():
    practice = combine(PRACTICE, [practice_listing()])
    result = combine(AMTA, [amta(), site()], [practice])
    assert result["hours"] == "Mo-Fr 09:00-18:00; Sa 10:00-14:00"
    assert result["hours_raw"] == ["Monday-Friday 9am-6pm", "Saturday 10am-2pm"]
    assert result["accepting_new_clients"] is True and result["price_range"] == "$$"
    assert result["field_sources"]["hours"] == [PRACTICE]
    assert result["from_practice"] == ["hours", "accepting_new_clients", "price_range", "insurance"]
    assert result["practices"] == [{"id": PRACTICE, "name": "Lopez Bodywork", "url": "http://lopezbodywork.example/"}]
    # The practice's networks join the therapist's, marked as the practice's.
    assert result["insurance"] == ["aetna", "hsa-fsa", "bcbs", "medicare"]
    assert result["field_sources"]["insurance"]["medicare"] == [PRACTICE]
    assert result["field_sources"]["insurance"]["bcbs"] == [SITE]


def test_the_therapist_s_own_hours_win_over_the_practice_s():
    practice = combine(PRACTICE, [practice_listing()])
    result = combine(AMTA, [amta(hours="Tu,Th 12:00-20:00", accepting_new_clients=False)], [practice])
    assert result["hours"] == "Tu,Th 12:00-20:00" and result["accepting_new_clients"] is False
    assert result["field_sources"]["hours"] == [AMTA]
    assert result["from_practice"] == ["price_range", "insurance"]
    # The practice itself is untouched by the therapists linked to it.
    assert practice["from_practice"] == [] and practice["practice"] is True


# Verified: the registry or a board in the therapist's own state.

def test_a_registry_licence_in_the_therapist_s_state_verifies():
    assert combine(AMTA, [amta(), nppes()])["license_verified"] is True
    assert combine(AMTA, [amta()])["license_verified"] is False


def test_an_active_board_licence_verifies_and_licensed_still_means_the_board():
    result = combine(AMTA, [texan(), roster()])
    assert result["license_verified"] is True
    assert licence.board_confirmed(result)  # what `knead search --licensed` asks of the result


def test_an_expired_board_licence_does_not_verify_even_beside_a_registry_licence():
    expired = combine(AMTA, [texan(), roster(status="expired", expires="2025-08-25")])
    assert expired["license_verified"] is False
    assert licence.board_warning(expired) == "licence expired 2025-08-25"
    # Active on paper but past its expiry date: expired too.
    lapsed = combine(AMTA, [texan(), roster(expires="2020-01-31")])
    assert lapsed["license_verified"] is False
    registry = nppes(licenses=[{"number": "095427", "source": "nppes", "state": "TX"}], state="TX")
    assert combine(AMTA, [texan(), registry, roster(status="expired")])["license_verified"] is False


def test_a_registry_licence_in_another_state_does_not_verify():
    elsewhere = nppes(licenses=[{"number": "4455", "source": "nppes", "state": "NY"}])
    assert combine(AMTA, [amta(), elsewhere])["license_verified"] is False
    assert combine(AMTA, [amta(), roster(state="TX")])["license_verified"] is False


# The result as a whole.

def test_stale_only_when_every_member_is():
    old = amta()
    old.update(stale=True, stale_since="2026-11-01T00:00:00+00:00")
    result = combine(AMTA, [old, nppes()])
    assert result["stale"] is False and result["stale_since"] is None
    gone = nppes()
    gone.update(stale=True, stale_since="2026-11-20T00:00:00+00:00")
    both = combine(AMTA, [old, gone])
    assert both["stale"] is True and both["stale_since"] == "2026-11-20T00:00:00+00:00"
    assert (both["first_seen"], both["last_seen"]) == ("2026-01-10T09:00:00+00:00", "2026-12-05T16:34:05+00:00")


def test_verification_only_when_every_member_is():
    hidden = roster(verification_only=True, city=None, zip=None, lat=None, lon=None)
    assert combine(ROSTER, [hidden])["verification_only"] is True
    shown = combine(AMTA, [texan(), hidden])
    assert shown["verification_only"] is None and shown["license_verified"] is True


def test_the_same_members_in_any_order_give_the_same_result():
    practice = combine(PRACTICE, [practice_listing()])
    # A second practice (the registry's organisation) with other hours: which one shows must not
    # depend on the order the practices come in either.
    registered = _row("nppes:1700000001", name="LOPEZ BODYWORK LLC", practice=True, hours="Mo-Sa 08:00-20:00",
                      insurance=["cigna"])
    organisation = combine(registered["id"], [registered])
    members = [amta(), nppes(profile_updated="2025-03-02"), site(phone="+18605550177"), roster(state="CT")]
    results = [combine(AMTA, list(order), linked)
               for order in itertools.permutations(members)
               for linked in ([practice, organisation], [organisation, practice])]
    assert all(r == results[0] for r in results[1:])
    assert list(results[0]) == list(results[-1])  # the same key order too (JSON output)
    assert results[0]["hours"] == "Mo-Fr 09:00-18:00; Sa 10:00-14:00"  # the site's practice comes first
    assert [p["id"] for p in results[0]["practices"]] == [PRACTICE, "nppes:1700000001"]


def test_every_listing_field_is_on_the_result_and_one_listing_shows_as_it_is():
    for row in (amta(), nppes(), site(), roster(), practice_listing()):
        result = combine(row["id"], [row])
        assert {k: result[k] for k in FIELD_NAMES} == {k: row[k] for k in FIELD_NAMES}
        assert result["sources"] == [{k: row[k] for k in ("source", "id", "url", "first_seen", "last_seen")}]
        assert result["alternatives"] == {} and result["from_practice"] == []
        assert all(ids == [row["id"]] for f, ids in result["field_sources"].items() if isinstance(ids, list))
    merged = combine(AMTA, [amta(), nppes(), site(), roster()])
    assert set(FIELD_NAMES) <= set(merged)
    assert (merged["id"], merged["source"], merged["url"]) == (AMTA, "amta", amta()["url"])


# On the bundled samples' crawl (one per test session, shared with the merge quality tests).

@pytest.fixture(scope="module")
def merged():
    import merge_samples

    crawled = merge_samples.bundled()
    return crawled.listings, merge_listings(crawled.listings)


def test_every_value_shown_on_the_bundled_samples_names_listings_that_state_it(merged):
    listings, found = merged
    by_id = {row["id"]: row for row in listings}
    members_of: dict[str, list[str]] = {}
    for listing_id, result_id in found.assignment.items():
        members_of.setdefault(result_id, []).append(listing_id)
    several = [r for r in found.results if len(r["sources"]) > 1]
    assert len(several) > 100  # the samples do hold one therapist in several sources
    for result in found.results:
        assert sorted(s["id"] for s in result["sources"]) == sorted(members_of[result["id"]])
        own = {s["id"] for s in result["sources"]}
        linked = {i for p in result["practices"] for i in members_of[p["id"]]}
        for name, sources in result["field_sources"].items():
            # A practice's insurance joins the therapist's own; its hours and the like replace none.
            allowed = own | linked if name == "insurance" else linked if name in result["from_practice"] else own
            stated = sources.items() if isinstance(sources, dict) else [(result[name], sources)]
            for value, ids in stated:
                assert ids and set(ids) <= allowed, (result["id"], name)
                for listing_id in ids:
                    said = by_id[listing_id][name]
                    if isinstance(said, list):
                        assert any(fold_value(name, v) == fold_value(name, value) for v in said)
                    else:
                        assert fold_value(name, said) == fold_value(name, value), (result["id"], name)
        for name, others in result["alternatives"].items():
            assert all(fold_value(name, o["value"]) != fold_value(name, result[name]) for o in others)
            assert all(set(o["sources"]) <= own for o in others)
