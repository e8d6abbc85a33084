"""spiders.parse.schemaorg.extract_page on the reference pages and on small pages of every shape issue 13 lists."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from index.model.hours import is_open
from spiders.parse.schemaorg import extract_page

REFERENCE = Path(__file__).parent / "fixtures" / "schemaorg"  # the reference's two example pages (../shared/reference/schemaorg)
URL = "https://practice.example.com/about/?utm_source=x#top"


def page(*blocks: object, body: str = "", head: str = "") -> str:
    scripts = "".join(
        f'<script type="application/ld+json">{b if isinstance(b, str) else json.dumps(b)}</script>' for b in blocks)
    return f"<!DOCTYPE html><html><head><title>t</title>{head}{scripts}</head><body>{body}</body></html>"


def by_name(result) -> dict:
    return {listing["name"]: listing for listing in result.listings}


@pytest.fixture(scope="module")
def harborline():
    return extract_page((REFERENCE / "example-jsonld-graph.html").read_text(), "https://harborline.example.com/")


def test_graph_business_and_employee_joined_by_id(harborline):
    practice, mara = by_name(harborline)["Harborline Bodywork"], by_name(harborline)["Mara Quill"]
    assert len(harborline.listings) == 2  # the WebPage and the breadcrumb are not listings
    assert practice["id"] == "sites:harborline.example.com/#practice" and practice["practice"] is True
    assert (practice["street"], practice["city"], practice["state"], practice["zip"]) == (
        "85 Asylum St, Suite 210", "Hartford", "CT", "06103")
    assert practice["phone_raw"] == "+1-860-555-0147"
    assert practice["email"] == "frontdesk@harborline.example.com"
    assert (practice["lat"], practice["lon"]) == (41.7668, -72.6771)
    assert practice["hours"] == ("Mo-Tu,Th 09:00-19:00; We 09:00-12:00,14:00-19:00; Fr 12:00-24:00; "
                                 "Sa 10:00-16:00; Su off; 2026 Nov 26 off")
    assert len(practice["hours_raw"]) == 7
    assert practice["insurance_raw"][:2] == ["Blue Cross Blue Shield PPO", "American Specialty Health"]
    assert "Blue Cross Blue Shield" in practice["insurance_raw"]  # from paymentAccepted
    assert practice["accepting_new_clients"] is True and practice["price_range"] == "$$"
    assert practice["bio"].endswith("BCBS & ASH plans.")
    for technique in ("Myofascial release", "Deep tissue massage", "Myofascial Release (MFR)",
                      "Trigger point therapy", "Swedish massage", "Medical massage"):
        assert technique in practice["techniques_raw"]  # knowsAbout, makesOffer and the nested catalog
    assert mara["id"] == "sites:harborline.example.com/#therapist-mara-quill"
    assert mara["practice_id"] == practice["id"] and mara["business"] == "Harborline Bodywork"
    assert mara["licenses"] == [{"state": "CT", "number": "004512", "source": "sites"}]
    assert "LMT" in mara["credentials_raw"]
    assert mara["languages"] == ["English", "Portuguese"]
    assert "Oncology massage" in mara["techniques_raw"]
    assert mara["city"] == "Hartford" and mara["phone_raw"] == "+1-860-555-0147"  # where she works
    # the practice's hours, plans and offers are its own, not said of her
    assert (mara.get("hours"), mara.get("insurance_raw"), mara.get("accepting_new_clients")) == (None, None, None)
    assert "Swedish massage" not in mara["techniques_raw"]


def test_the_malformed_breadcrumb_block_costs_nothing(harborline):
    assert harborline.counts["listings/found"] == 2
    assert harborline.counts["jsonld/malformed"] == 0  # a trailing comma is read leniently


def test_microdata_only_reference_page():
    result = extract_page((REFERENCE / "example-microdata.html").read_text(),
                          "https://fernhill-massage.example.com/?ref=1")
    studio, jonah = by_name(result)["Fernhill Massage Studio"], by_name(result)["Jonah Whitcombe"]
    assert studio["address_raw"] == "2145 NW Overton St, Portland, OR 97210"
    assert studio["phone_raw"] == "+15035550172" and studio["email"] == "hello@fernhill-massage.example.com"
    assert studio["hours"] == "Mo-Fr 10:00-19:00; Sa 09:00-15:00"
    assert studio["id"].startswith("sites:fernhill-massage.example.com/#")
    assert jonah["licenses"] == [{"state": "OR", "number": "99812", "source": "sites"}]
    assert jonah["credentials_raw"] == ["LMT"] and jonah["practice_id"] == studio["id"]
    assert {"Deep tissue", "Thai massage", "Sports massage"} <= set(jonah["techniques_raw"])


RDFA = """<html><head><link rel="canonical" href="/"></head><body>
<div vocab="https://schema.org/" typeof="DaySpa">
  <span property="name">Cedar Hollow Massage</span>
  <a property="telephone" href="tel:+15035550190">(503) 555-0190</a>
  <div property="address" typeof="PostalAddress">
    <span property="streetAddress">12 Oak St</span>, <span property="addressLocality">Salem</span>,
    <span property="addressRegion">Oregon</span> <span property="postalCode">97301</span>
  </div>
  <meta property="openingHours" content="Tu-Sa 10:00-18:00">
  <meta property="isAcceptingNewPatients" content="yes">
</div></body></html>"""


def test_rdfa():
    result = extract_page(RDFA, "https://cedar.example.com/index.html?x=1")
    (listing,) = result.listings
    assert listing["id"] == "sites:cedar.example.com/"  # the canonical link, query gone
    assert (listing["name"], listing["phone_raw"], listing["state"], listing["zip"]) == (
        "Cedar Hollow Massage", "+15035550190", "OR", "97301")
    assert listing["hours"] == "Tu-Sa 10:00-18:00" and listing["accepting_new_clients"] is True


def test_two_businesses_on_one_page_give_two_listings():
    result = extract_page(page([
        {"@context": "https://schema.org", "@type": "MassageTherapist", "@id": "#north", "name": "North Studio",
         "address": {"streetAddress": "1 Elm St", "addressLocality": "Hartford", "addressRegion": "CT",
                     "postalCode": 6103}},
        {"@context": "https://schema.org", "@type": "schema:localBusiness", "name": "South Studio",
         "telephone": "tel:(860) 555-0111"},
    ]), URL)
    north, south = by_name(result)["North Studio"], by_name(result)["South Studio"]
    assert north["id"] == "sites:practice.example.com/about/#north"
    assert south["id"] == "sites:practice.example.com/about/#2"
    assert north["zip"] == "06103"  # a number in JSON lost its leading zero
    assert south["phone_raw"] == "(860) 555-0111"


def test_malformed_json_ld_is_counted_and_the_microdata_beside_it_used():
    body = ('<div itemscope itemtype="http://schema.org/HealthAndBeautyBusiness">'
            '<span itemprop="name">Willow Bodywork</span>'
            '<span itemprop="telephone">860-555-0122</span></div>')
    result = extract_page(page('{"@type": "DaySpa", "name": "Broken {{name}}" "telephone": }', body=body), URL)
    assert [l["name"] for l in result.listings] == ["Willow Bodywork"]
    assert result.counts["jsonld/malformed"] == 1


def test_lenient_json_ld_with_comments_and_single_quotes():
    block = "/* plugin */ {'@type': 'DaySpa', name: 'Quiet Pines Spa', // the name\n 'telephone': '860-555-0133',}"
    result = extract_page(page(block), URL)
    assert [l["name"] for l in result.listings] == ["Quiet Pines Spa"]
    assert result.counts["jsonld/malformed"] == 0


@pytest.mark.parametrize("kind", ["NailSalon", "Restaurant", ["LocalBusiness", "NailSalon"]])
def test_a_non_massage_business_is_not_a_listing(kind):
    result = extract_page(page({"@type": kind, "name": "Polished Nails", "telephone": "860-555-0100"}), URL)
    assert result.listings == [] and result.counts["nodes/not_massage"] == 1


def test_web_page_and_web_site_nodes_are_not_listings():
    result = extract_page(page({"@graph": [
        {"@type": "WebSite", "@id": "/#website", "name": "Practice site"},
        {"@type": "WebPage", "@id": "/#webpage", "about": {"@id": "/#biz"}, "isPartOf": {"@id": "/#website"}},
        {"@type": ["DaySpa", "MedicalBusiness"], "@id": "/#biz", "name": "Birch Clinic"},
    ]}), URL)
    assert [l["name"] for l in result.listings] == ["Birch Clinic"]
    assert result.listings[0]["id"] == "sites:practice.example.com/about/"


def test_hours_across_midnight_and_closed_days():
    result = extract_page(page({"@type": "DaySpa", "name": "Night Owl Massage", "openingHoursSpecification": [
        {"dayOfWeek": ["Friday", "Saturday"], "opens": "6:00 PM", "closes": "2:00 AM"},
        {"dayOfWeek": "https://schema.org/Sunday", "opens": "00:00", "closes": "00:00"},
        {"dayOfWeek": "Monday", "closes": "Closed"},
        {"dayOfWeek": "Tuesday", "opens": "09:00:00", "closes": "17:00:00"},
    ]}), URL)
    hours = result.listings[0]["hours"]
    assert hours == "Mo,Su off; Tu 09:00-17:00, Fr-Sa 18:00-02:00"
    assert is_open(hours, "sun", 90) and not is_open(hours, "sun", 180) and not is_open(hours, "mon", 90)


def test_unreadable_hours_are_none_with_the_raw_kept_and_counted():
    result = extract_page(page({"@type": "DaySpa", "name": "Vague Spa", "openingHours": "whenever we can"}), URL)
    assert result.listings[0]["hours"] is None and result.listings[0]["hours_raw"] == ["whenever we can"]
    assert result.counts["hours/unreadable"] == 1


def test_a_person_alone_is_the_listing_and_page_links_fill_phone_and_email():
    body = '<a href="tel:+18605550144">call</a> <a href="mailto:kim@kim.example.com?subject=hi">mail</a>'
    result = extract_page(page({"@type": "Person", "name": "Kim Reyes", "honorificSuffix": "LMT",
                                "jobTitle": "Licensed Massage Therapist",
                                "geo": {"latitude": "-72,6771", "longitude": "41,7668"},
                                "address": {"addressLocality": "Hartford", "addressRegion": "CT"}}, body=body), URL)
    (kim,) = result.listings
    assert (kim["name"], kim["phone_raw"], kim["email"]) == ("Kim Reyes", "+18605550144", "kim@kim.example.com")
    assert (kim["lat"], kim["lon"]) == (41.7668, -72.6771)  # decimal commas, and swapped back
    assert result.counts["geo/swapped"] == 1


def test_reference_cycles_and_unknown_references_end():
    result = extract_page(page({"@graph": [
        {"@type": "DaySpa", "@id": "#a", "name": "Loop Spa", "employee": {"@id": "#p"}, "parentOrganization": {"@id": "#a"}},
        {"@type": "Person", "@id": "#p", "name": "Lee Park", "worksFor": {"@id": "#a"}, "knows": {"@id": "#nobody"}},
    ]}), URL)
    assert sorted(l["name"] for l in result.listings) == ["Lee Park", "Loop Spa"]


def test_a_person_pointing_to_the_practice_with_works_for_is_its_therapist():
    result = extract_page(page(
        {"@type": "http://schema.org/DaySpa", "@id": "#spa", "name": "Aspen Spa",
         "url": "/", "address": {"addressLocality": "Hartford", "addressRegion": "Connecticut"}},
        {"@type": "Person", "@id": "#jo", "name": "Jo Lane", "worksFor": {"@id": "#spa"}, "url": "www.jo.example.com"},
    ), URL)
    spa, jo = by_name(result)["Aspen Spa"], by_name(result)["Jo Lane"]
    assert jo["practice_id"] == spa["id"] == "sites:practice.example.com/about/#spa"
    assert (jo["city"], jo["state"], jo["business"]) == ("Hartford", "CT", "Aspen Spa")
    assert spa["website"] == "https://practice.example.com/" and jo["website"] == "https://www.jo.example.com"


def test_massage_therapist_type_on_a_person_is_a_therapist():
    result = extract_page(page({"@type": "MassageTherapist", "givenName": "Ana", "familyName": "Ruiz",
                                "jobTitle": "LMT", "telephone": "860-555-0155"}), URL)
    (ana,) = result.listings
    assert ana["name"] == "Ana Ruiz" and not ana.get("practice")


def test_the_same_business_in_json_ld_and_microdata_is_listed_once():
    body = ('<div itemscope itemtype="https://schema.org/DaySpa"><span itemprop="name">Twin Spa</span>'
            '<span itemprop="telephone">860-555-0999</span></div>')
    result = extract_page(page({"@type": "DaySpa", "name": "Twin Spa", "telephone": "860-555-0166"}, body=body), URL)
    assert [(l["name"], l["phone_raw"]) for l in result.listings] == [("Twin Spa", "860-555-0166")]  # JSON-LD wins


def test_deep_offer_catalogs_are_walked_to_a_bound():
    catalog: dict = {"@type": "Offer", "itemOffered": {"@type": "Service", "name": "Deepest massage"}}
    for _ in range(40):
        catalog = {"@type": "OfferCatalog", "itemListElement": [catalog]}
    result = extract_page(page({"@type": "DaySpa", "name": "Nest Spa", "hasOfferCatalog": {
        "@type": "OfferCatalog", "itemListElement": [
            {"@type": "Offer", "itemOffered": {"@type": "Service", "name": "Hot stone massage"}}, catalog]}}), URL)
    assert result.listings[0]["techniques_raw"] == ["Hot stone massage"]


def test_a_page_without_structured_data_gives_nothing():
    assert extract_page("<html><body><p>Hello</p></body></html>", URL).listings == []
    assert extract_page("", URL).listings == []


def test_the_extraction_does_not_import_scrapy():
    code = "import sys, spiders.parse.schemaorg; sys.exit('scrapy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False, cwd=Path(__file__).parents[1]).returncode == 0
