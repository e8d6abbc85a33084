"""`spiders.parse.amta` on the reference examples (tests/fixtures/amta/, copied
from the AMTA-style format description) and on literal variations of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from index.model.listing import FIELD_NAMES
from spiders.parse.amta import (
    MalformedPage,
    api_has_more,
    field_for_heading,
    parse_api,
    parse_profile,
    parse_results,
    slug_from_url,
    split_name_credentials,
)

FIXTURES = Path(__file__).parent / "fixtures" / "amta"
SITE = "https://directory.example"
RESULTS_URL = f"{SITE}/find-massage-therapist/?location=CT&keyword=&page=2"


def fixture(name: str) -> Selector:
    return Selector(text=(FIXTURES / name).read_text(encoding="utf-8"))


def profile(body: str) -> str:
    """A profile page around `body` (contact block, sections...)."""
    return (
        '<html><body><main class="famt-profile">'
        '<h1 class="adage-heading-title">Jane Doe</h1>'
        f"{body}</main></body></html>"
    )


def section(heading: str, content: str) -> str:
    return f'<section class="famt-section"><h2>{heading}</h2>{content}</section>'


def contact(*pairs: str) -> str:
    return '<div class="amta-flex-grow-5 amta-padding-bottom-1">' + "".join(pairs) + "</div>"


EMPTY_PROFILE = {
    "name": "Jane Doe",
    "credentials_raw": [],
    "business": None,
    "address_raw": None,
    "phone_raw": None,
    "email": None,
    "website": None,
    "license": None,
    "bio": None,
    "techniques_raw": [],
    "conditions": [],
    "settings": [],
    "insurance_raw": [],
    "languages": [],
    "gender_raw": None,
    "accepting_new_clients_raw": None,
    "hours_raw": [],
    "profile_updated_raw": None,
}


# -- reference examples -----------------------------------------------------------


def test_results_page_example():
    page = parse_results(fixture("results-page.html"), RESULTS_URL)
    assert page.profile_urls == [
        f"{SITE}/famt/maria-lopez-hartford",
        f"{SITE}/famt/tom-okafor",
    ]
    assert page.next_url == f"{SITE}/find-massage-therapist/?location=CT&keyword=&page=3"


def test_results_page_from_a_response():
    body = (FIXTURES / "results-page.html").read_bytes()
    response = HtmlResponse(url=RESULTS_URL, body=body, encoding="utf-8")
    page = parse_results(response, response.url)
    assert page.profile_urls == [f"{SITE}/famt/maria-lopez-hartford", f"{SITE}/famt/tom-okafor"]


def test_profile_full_example():
    fields = parse_profile(fixture("profile-full.html"), f"{SITE}/famt/maria-lopez-hartford")
    assert fields == {
        "name": "María López",
        "credentials_raw": ["LMT", "BCTMB"],
        "business": "Capitol Bodywork Studio",
        "address_raw": "85 Pratt St, Suite 4, Hartford, CT 06103",
        "phone_raw": "(860) 555-0142",
        "email": "maria@capitolbodywork.example",
        "website": "https://capitolbodywork.example",
        "license": "CT LMT #004512",
        "bio": (
            "I help desk workers and new parents with chronic low back pain, neck pain and tension "
            "headaches. Sessions blend Swedish and deep tissue work with myofascial release. "
            "Se habla español."
        ),
        "techniques_raw": [
            "Swedish",
            "Deep Tissue",
            "Myofascial Release (MFR)",
            "Prenatal / Pregnancy",
            "Trigger Point Therapy",
        ],
        "conditions": ["Low back pain", "Neck pain", "Headaches"],
        "settings": ["Private Office", "Chiropractic Office"],
        "insurance_raw": [
            "Accepts Health Insurance",
            "Blue Cross Blue Shield",
            "Aetna",
            "Workers' Compensation",
            "Auto Accident (PIP)",
            "HSA / FSA",
            "Credit Card",
        ],
        "languages": ["English", "Spanish"],
        "gender_raw": "Female",
        "accepting_new_clients_raw": "Yes",
        "hours_raw": [
            "Monday: 9:00 AM – 6:00 PM",
            "Wednesday: 9:00 AM – 6:00 PM",
            "Saturday: 10:00 AM – 2:00 PM",
        ],
        "profile_updated_raw": "March 14, 2026",
    }


def test_profile_keys_are_listing_fields():
    fields = parse_profile(fixture("profile-full.html"))
    assert set(fields) <= set(FIELD_NAMES)


def test_profile_sparse_example():
    fields = parse_profile(fixture("profile-sparse.html"), f"{SITE}/famt/tom-okafor")
    assert fields == {
        **EMPTY_PROFILE,
        "name": "Tom Okafor",
        "address_raw": "West Hartford, CT",
        "phone_raw": "860.555.0199",
        "techniques_raw": ["Sports Massage", "NMT", "Cranio-Sacral"],
    }


def test_api_example():
    data = json.loads((FIXTURES / "api-response.json").read_text(encoding="utf-8"))
    assert parse_api(data, f"{SITE}/api/v1/famr/getMassageResources") == [
        f"{SITE}/famt/maria-lopez-hartford",
        f"{SITE}/famt/tom-okafor",
    ]
    assert api_has_more(data, 2) is True  # 20 of 187
    assert api_has_more(data, 19) is False  # 190 >= 187


def test_api_edge_cases():
    base = f"{SITE}/api/v1/famr/getMassageResources"
    assert parse_api({}, base) == []
    assert parse_api({"massageResources": None}, base) == []
    assert parse_api({"massageResources": [{"resourceName": "No Link"}, "junk"]}, base) == []
    assert api_has_more({"massageResources": []}, 1) is False
    assert api_has_more({"massageResources": [{"x": 1}]}, 1) is True  # no totalCount: ask again
    assert api_has_more({"totalCount": 3, "massageResources": [{}, {}, {}]}, 1) is False
    assert api_has_more({"totalCount": 4, "massageResources": [{}, {}, {}]}, 1) is True


@pytest.mark.parametrize(
    "url, slug",
    [
        (f"{SITE}/famt/maria-lopez-hartford", "maria-lopez-hartford"),
        (f"{SITE}/famt/maria-lopez-hartford/", "maria-lopez-hartford"),
        (f"{SITE}/famt/maria-lopez-hartford?ref=search#top", "maria-lopez-hartford"),
        (f"{SITE}/famt/ct/hartford/jo-ann", "jo-ann"),
        (f"{SITE}/famt/mar%C3%ADa", "maría"),
        (f"{SITE}/therapists/tom-okafor", "tom-okafor"),
        (f"{SITE}/", ""),
    ],
)
def test_slug_from_url(url, slug):
    assert slug_from_url(url) == slug


# -- results-page variations ------------------------------------------------------


def results_page(items: str, nav: str = "") -> str:
    return f'<html><body><ul class="find-a-mr-results-list">{items}</ul><nav>{nav}</nav></body></html>'


def item(href: str, name: str = "X") -> str:
    return (
        '<li class="find-a-mr-results-list-item">'
        f'<h3 class="find-a-mr-results-list-item-title"><a href="{href}">{name}</a></h3></li>'
    )


def test_results_last_page_has_no_next():
    html = results_page(
        item("/famt/a"),
        '<a class="pagination-arrows-item" rel="prev" href="?page=18">Previous Page</a>',
    )
    page = parse_results(html, f"{SITE}/find-massage-therapist/?page=19")
    assert page.profile_urls == [f"{SITE}/famt/a"]
    assert page.next_url is None


def test_results_next_link_found_by_text_only():
    html = results_page(
        item("/famt/a"),
        '<a class="pagination-arrows-item" href="?page=1">Previous Page</a>'
        '<a class="pagination-arrows-item" href="?location=CT&amp;page=3"> Next\n Page </a>',
    )
    page = parse_results(html, f"{SITE}/find-massage-therapist/?location=CT&page=2")
    assert page.next_url == f"{SITE}/find-massage-therapist/?location=CT&page=3"


def test_results_links_deduplicated_in_page_order_relative_and_absolute():
    html = results_page(
        item("famt/b")
        + item(f"{SITE}/famt/a")
        + item("/famt/b")
        + item("/famt/a#reviews")
        + item("")
        + item("mailto:x@example.com")
        + item("/famt/c")
    )
    page = parse_results(html, f"{SITE}/")
    assert page.profile_urls == [f"{SITE}/famt/b", f"{SITE}/famt/a", f"{SITE}/famt/c"]


def test_results_empty_page():
    page = parse_results("<html><body><p>No therapists found.</p></body></html>", f"{SITE}/x")
    assert page.profile_urls == []
    assert page.next_url is None


def test_results_next_link_to_itself_is_not_a_next_page():
    html = results_page(item("/famt/a"), '<a rel="next" href="?page=2">Next Page</a>')
    assert parse_results(html, f"{SITE}/f/?page=2").next_url is None


# -- profile variations -----------------------------------------------------------


def test_no_h1_is_malformed():
    with pytest.raises(MalformedPage):
        parse_profile("<html><body><h2>Jane Doe</h2></body></html>")
    with pytest.raises(MalformedPage):
        parse_profile('<html><body><h1 class="adage-heading-title">  </h1></body></html>')


def test_credentials_only_as_name_suffix():
    html = profile("").replace("Jane Doe", "Jane   Doe, LMT, BCTMB")
    fields = parse_profile(html)
    assert fields["name"] == "Jane Doe"
    assert fields["credentials_raw"] == ["LMT", "BCTMB"]


def test_credentials_from_both_places_deduplicated():
    html = profile('<p class="famt-credentials">LMT,CMT  NCTMB</p>').replace("Jane Doe", "Jane Doe, LMT, M.Ed.")
    fields = parse_profile(html)
    assert fields["name"] == "Jane Doe"
    assert fields["credentials_raw"] == ["LMT", "CMT", "NCTMB", "M.Ed."]


@pytest.mark.parametrize(
    "text, name, credentials",
    [
        ("Jane Doe", "Jane Doe", []),
        ("Jane Doe, LMT", "Jane Doe", ["LMT"]),
        ("Jane Doe, Jr., LMT", "Jane Doe, Jr.", ["LMT"]),
        ("John Smith, III", "John Smith, III", []),
        ("Jane Doe LMT", "Jane Doe", ["LMT"]),
        ("Jane Doe, LMT BCTMB", "Jane Doe", ["LMT", "BCTMB"]),
        ("Jane Doe, PhD, LMT", "Jane Doe", ["PhD", "LMT"]),
        ("Doe, Jane", "Doe, Jane", []),
        ("Zoë Ōkafor-Ñúñez, CMT", "Zoë Ōkafor-Ñúñez", ["CMT"]),
    ],
)
def test_split_name_credentials(text, name, credentials):
    assert split_name_credentials(text) == (name, credentials)


def test_upper_case_headings_and_unseen_wording():
    html = profile(
        section("MASSAGE TECHNIQUES", "<ul><li>Swedish</li></ul>")
        + section("Bodywork Modalities Offered", "<ul><li>Shiatsu</li></ul>")
        + section("Insurance Plans", "<ul><li>Cigna and Evernorth</li><li>HSA/FSA</li></ul>")
        + section("LANGUAGES SPOKEN:", "<p>English</p>")
        + section("Areas of Specialty", "<p>Sciatica</p>")
        + section("Are you accepting new clients?", "<p>No</p>")
        + section("Where I Work &amp; Settings", "<p>Spa</p>")
        + section("My Office Hours", "<p>By appointment</p>")
        + section("A Little About My Practice", "<p>Hello.</p>")
        + section("Gender Identity", "<p>Non-binary</p>")
        + section("Reviews", "<p>Great, five stars</p>")
    )
    fields = parse_profile(html)
    assert fields["techniques_raw"] == ["Swedish", "Shiatsu"]
    assert fields["insurance_raw"] == ["Cigna and Evernorth", "HSA/FSA"]
    assert fields["languages"] == ["English"]
    assert fields["conditions"] == ["Sciatica"]
    assert fields["accepting_new_clients_raw"] == "No"
    assert fields["settings"] == ["Spa"]
    assert fields["hours_raw"] == ["By appointment"]
    assert fields["bio"] == "Hello."
    assert fields["gender_raw"] == "Non-binary"


@pytest.mark.parametrize(
    "heading, field",
    [
        ("About Me", "bio"),
        ("about", "bio"),
        ("Bio", "bio"),
        ("Massage Techniques", "techniques_raw"),
        ("Techniques", "techniques_raw"),
        ("Modalities", "techniques_raw"),
        ("Massage Types", "techniques_raw"),
        ("Conditions Treated", "conditions"),
        ("Areas of Focus", "conditions"),
        ("Specialties", "conditions"),
        ("Practice Settings", "settings"),
        ("Work Settings", "settings"),
        ("Payment Options", "insurance_raw"),
        ("Insurance & Payment", "insurance_raw"),
        ("Insurance and Payment", "insurance_raw"),
        ("insurance  accepted", "insurance_raw"),
        ("Payment Methods:", "insurance_raw"),
        ("Languages", "languages"),
        ("Languages Spoken", "languages"),
        ("Gender", "gender_raw"),
        ("Accepting New Clients", "accepting_new_clients_raw"),
        ("Hours", "hours"),
        ("Office Hours", "hours"),
        ("Types of Massage Offered", "techniques_raw"),
        ("Currently Accepting New Patients?", "accepting_new_clients_raw"),
        ("Accepting Insurance From", "insurance_raw"),
        ("Specialty Techniques", "techniques_raw"),
        ("My Biography", "bio"),
        ("Testimonials", None),
        ("", None),
    ],
)
def test_field_for_heading(heading, field):
    assert field_for_heading(heading) == field


def test_paragraph_lists_split_on_commas_only():
    html = profile(
        section("Techniques", "<p>Swedish, Deep Tissue &amp; Sports,\n Prenatal / Pregnancy</p>")
        + section(
            "Payment Methods",
            "<p>Blue Cross (Anthem, Empire), Cigna and Evernorth; HSA/FSA, and Cash.</p>",
        )
        + section("Languages", "<p>English<br>Español</p>")
    )
    fields = parse_profile(html)
    assert fields["techniques_raw"] == ["Swedish", "Deep Tissue & Sports", "Prenatal / Pregnancy"]
    assert fields["insurance_raw"] == ["Blue Cross (Anthem, Empire)", "Cigna and Evernorth", "HSA/FSA", "Cash"]
    assert fields["languages"] == ["English", "Español"]


def test_ul_items_are_not_split_on_commas():
    html = profile(section("Conditions Treated", "<ul><li>Pain, chronic</li><li> Stress\n</li></ul>"))
    assert parse_profile(html)["conditions"] == ["Pain, chronic", "Stress"]


def test_missing_contact_fields_and_sections():
    assert parse_profile(profile("")) == EMPTY_PROFILE


def test_contact_labels_case_colon_and_unknown():
    html = profile(
        contact(
            "<p><span>PHONE</span> <a href='tel:+12035550100'></a></p>",
            "<p><strong>e-mail:</strong> jane@example.com</p>",
            "<p><span>Fax:</span> 203-555-0101</p>",
            "<p><span>Web site :</span> <a href='www.jane.example'>www.jane.example</a></p>",
            "<p><span>Office Address:</span> 1 Main St,<br>\n Apt 2<br><br>New Haven, CT</p>",
            "<p><span>State License Number:</span> 123</p>",
            "<p><span>Practice Name:</span> Jane&#39;s &amp; Co</p>",
            "<p><span>Instagram:</span> @jane</p>",
        )
    )
    fields = parse_profile(html)
    assert fields["phone_raw"] == "+12035550100"
    assert fields["email"] == "jane@example.com"
    assert fields["website"] == "www.jane.example"
    assert fields["address_raw"] == "1 Main St, Apt 2, New Haven, CT"
    assert fields["license"] == "123"
    assert fields["business"] == "Jane's & Co"


def test_phone_link_without_a_number_gives_way_to_its_href():
    html = profile(contact("<p><span>Phone:</span> <a href='tel:860-555-0142'>Call me</a></p>"))
    assert parse_profile(html)["phone_raw"] == "860-555-0142"
    html = profile(contact("<p><span>Phone:</span> <a href='tel:+18605550142'>1-860-MASSAGE</a></p>"))
    assert parse_profile(html)["phone_raw"] == "1-860-MASSAGE"


def test_colon_outside_the_label_and_second_label_for_a_field():
    html = profile(
        contact(
            "<p><span class='amta-text-bold'>License</span>: MA 12345</p>",
            "<p><span>Mobile Phone</span> : <span>(413) 555-0100</span></p>",
            "<p><span>Phone:</span> (413) 555-0199</p>",
        )
    )
    fields = parse_profile(html)
    assert fields["license"] == "MA 12345"
    assert fields["phone_raw"] == "(413) 555-0100"  # the first one given


def test_contact_links_mailto_and_plain_values():
    html = profile(
        contact(
            "<p><span>Email:</span> <a href='mailto:Jane%40Example.com?subject=Hi'>Write to me</a></p>",
            "<p><span>Phone:</span> (203) 555-0100 ext. 2</p>",
            "<p><span>Website:</span> <a href='https://jane.example/?a=1'>Visit</a></p>",
        )
    )
    fields = parse_profile(html)
    assert fields["email"] == "Jane@Example.com"
    assert fields["phone_raw"] == "(203) 555-0100 ext. 2"
    assert fields["website"] == "https://jane.example/?a=1"


def test_contact_block_without_its_class():
    html = profile(
        '<div class="contact"><p><span>Phone:</span> 555-0100</p><p>Address: 9 Elm St</p></div>'
        + '<p class="famt-updated">Updated 2025-01-02</p>'
    )
    fields = parse_profile(html)
    assert fields["phone_raw"] == "555-0100"
    assert fields["address_raw"] == "9 Elm St"
    assert fields["profile_updated_raw"] == "2025-01-02"


def test_hours_as_list_and_paragraph_and_table_without_th():
    html = profile(
        section("Office Hours", "<ul><li>Mon&ndash;Fri 9&ndash;5</li><li>Sat: by appointment</li></ul>")
    )
    assert parse_profile(html)["hours_raw"] == ["Mon–Fri 9–5", "Sat: by appointment"]
    html = profile(section("Hours", "<p>Tuesday, Thursday: 10 AM – 7 PM<br>Sunday: Closed</p>"))
    assert parse_profile(html)["hours_raw"] == ["Tuesday, Thursday: 10 AM – 7 PM", "Sunday: Closed"]
    html = profile(section("Hours", "<table><tr><td>Friday:</td><td>9</td><td>– 5</td></tr></table>"))
    assert parse_profile(html)["hours_raw"] == ["Friday: 9 – 5"]


def test_bio_paragraphs_joined_and_entities_decoded():
    html = profile(section("Bio", "<p>First &amp; foremost.</p>\n<p>  Second\n line.</p>"))
    assert parse_profile(html)["bio"] == "First & foremost. Second line."


def test_profile_updated_variants():
    assert parse_profile(profile('<p class="famt-updated">Last Updated: 2026-03-14</p>'))["profile_updated_raw"] == (
        "2026-03-14"
    )
    assert parse_profile(profile('<p class="famt-updated">Reviewed: Jan 5, 2025</p>'))["profile_updated_raw"] == (
        "Jan 5, 2025"
    )
    assert parse_profile(profile('<p class="famt-updated">Jan 5, 2025</p>'))["profile_updated_raw"] == "Jan 5, 2025"
    assert parse_profile(profile("<p>Profile last updated on 5 May 2024</p>"))["profile_updated_raw"] == "5 May 2024"


def test_sections_in_divs_with_h3_headings():
    html = profile('<div class="famt-section"><h3>Gender</h3><span>Male</span></div>')
    assert parse_profile(html)["gender_raw"] == "Male"
