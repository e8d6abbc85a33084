"""Each item pipeline on its own, through a real crawler's settings and stats."""

from __future__ import annotations

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from index.model.listing import TherapistListing
from index.records.store import RecordStore
from spiders.pipelines.address import AddressPipeline, split_address
from spiders.pipelines.clean import CleanStringsPipeline
from spiders.pipelines.dedupe import DuplicatesPipeline
from spiders.pipelines.fields import (
    ProfileFieldsPipeline,
    parse_accepting,
    parse_date,
    parse_gender,
)
from spiders.pipelines.geocode import GeocodePipeline
from spiders.pipelines.phone import PhonePipeline, to_e164
from spiders.pipelines.store import RecordStorePipeline
from spiders.pipelines.validate import ValidatePipeline
from spiders.pipelines.vocabulary import VocabularyPipeline


def make(cls, **settings):
    crawler = get_crawler(settings_dict=settings)
    return cls.from_crawler(crawler), crawler.stats


def listing(**kw) -> TherapistListing:
    base = {"id": "amta:jane", "source": "amta", "url": "http://127.0.0.1/famt/jane", "name": "Jane Doe"}
    base.update(kw)
    return TherapistListing(**base)


def test_clean_decodes_entities_collapses_space_and_normalises_unicode():
    pipe, _ = make(CleanStringsPipeline)
    item = listing(
        name="  Mar&iacute;a\u00a0 L&amp;oacute;pez ",
        bio="Line one\n\n   line two",
        business="Cafe\u0301 Bodywork",  # decomposed accent
        languages=["English", " ", "English", "Spanish"],
    )
    pipe.process_item(item)
    assert item.name == "María López"
    assert item.bio == "Line one line two"
    assert item.business == "Café Bodywork" and len(item.business) == 13
    assert item.languages == ["English", "Spanish"]


def test_clean_cleans_each_string_of_a_licence_record():
    pipe, _ = make(CleanStringsPipeline)
    item = listing(licenses=[{"state": " CT ", "number": "01&amp;2345", "source": "nppes"},
                             {"state": "CT", "number": "01&2345", "source": "nppes"}, {"state": " "}])
    pipe.process_item(item)
    assert item.licenses == [{"state": "CT", "number": "01&2345", "source": "nppes"}]


def test_clean_bounds_absurdly_long_fields_and_counts_them():
    pipe, stats = make(CleanStringsPipeline)
    item = listing(bio="pain " * 10_000, business="x" * 5000)
    pipe.process_item(item)
    assert len(item.bio) <= 5000 and len(item.business) <= 500
    assert stats.get_value("listings/field/bio/truncated") == 1


@pytest.mark.parametrize(
    "raw, e164",
    [
        ("(860) 555-0142", "+18605550142"),
        ("860.555.0199", "+18605550199"),
        ("+1 860 555 0100", "+18605550100"),
        ("1-860-555-0100", "+18605550100"),
        ("tel:+18605550142", "+18605550142"),
        ("555-1234", None),
        ("call for hours", None),
    ],
)
def test_phone_to_e164(raw, e164):
    assert to_e164(raw) == e164


def test_phone_pipeline_keeps_raw_when_it_does_not_parse():
    pipe, stats = make(PhonePipeline)
    item = listing(phone_raw="ask at front desk")
    pipe.process_item(item)
    assert item.phone is None and item.phone_raw == "ask at front desk"
    assert stats.get_value("listings/field/phone/invalid") == 1


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("85 Pratt St, Suite 4, Hartford, CT 06103", ("85 Pratt St, Suite 4", "Hartford", "CT", "06103")),
        ("West Hartford, CT", (None, "West Hartford", "CT", None)),
        ("1 Elm St. Seattle WA 98101", ("1 Elm St.", "Seattle", "WA", "98101")),
        ("12 Main St, New York, New York 10001-1234", ("12 Main St", "New York", "NY", "10001")),
        ("500 5th Ave, Apt 3, Brooklyn, NY, 11215", ("500 5th Ave, Apt 3", "Brooklyn", "NY", "11215")),
    ],
)
def test_split_address(raw, expected):
    parts = split_address(raw)
    assert (parts["street"], parts["city"], parts["state"], parts["zip"]) == expected


def test_address_then_geocode_gives_zip_centroid():
    address, _ = make(AddressPipeline)
    geocode, stats = make(GeocodePipeline)
    item = listing(address_raw="85 Pratt St, Suite 4, Hartford, CT 06103")
    geocode.process_item(address.process_item(item))
    assert (item.city, item.state, item.zip) == ("Hartford", "CT", "06103")
    assert item.lat == pytest.approx(41.7672) and item.lon == pytest.approx(-72.676)


def test_geocode_falls_back_to_city_centroid_and_rejects_fake_zip():
    geocode, stats = make(GeocodePipeline)
    item = listing(city="West Hartford", state="CT")
    geocode.process_item(item)
    assert 41.6 < item.lat < 41.9 and -72.9 < item.lon < -72.6
    assert stats.get_value("listings/geocode/city_centroid") == 1

    fake = listing(city="Nowhere", state="CT", zip="00000")
    geocode.process_item(fake)
    assert fake.zip is None and fake.lat is None
    assert stats.get_value("listings/field/zip/invalid") == 1


def test_geocode_rejects_zip_from_another_state():
    geocode, stats = make(GeocodePipeline)
    item = listing(city="Hartford", state="WA", zip="06103")
    geocode.process_item(item)
    assert item.zip is None
    assert stats.get_value("listings/field/zip/invalid") == 1


def test_vocabulary_pipeline_maps_ids_and_counts_unmapped():
    pipe, stats = make(VocabularyPipeline)
    item = listing(
        techniques_raw=["Swedish", "Myofascial Release (MFR)", "Prenatal / Pregnancy", "Bamboo Massage"],
        insurance_raw=["Accepts Health Insurance", "Blue Cross Blue Shield", "Auto Accident (PIP)", "Credit Card", "Gold Star Plan"],
    )
    pipe.process_item(item)
    assert item.techniques == ["swedish", "myofascial-release", "prenatal"]
    assert item.insurance == ["health-insurance", "bcbs", "auto-pip"]
    assert item.accepts_insurance is True
    assert item.techniques_raw[-1] == "Bamboo Massage"  # raw kept
    pipe.close_spider()
    assert stats.get_value("vocabulary/unmapped/technique") == 1
    assert stats.get_value("vocabulary/unmapped/insurance") == 1
    assert stats.get_value("vocabulary/unmapped_values") == {
        "technique": {"Bamboo Massage": 1},
        "insurance": {"Gold Star Plan": 1},
    }


def test_vocabulary_pipeline_auto_only_does_not_accept_insurance():
    pipe, _ = make(VocabularyPipeline)
    item = listing(insurance_raw=["Auto Accident (PIP)", "HSA / FSA", "Workers' Compensation"])
    pipe.process_item(item)
    assert item.insurance == ["auto-pip", "hsa-fsa", "workers-comp"]
    assert item.accepts_insurance is False


def test_profile_fields():
    pipe, stats = make(ProfileFieldsPipeline)
    item = listing(
        credentials_raw=["LMT, BCTMB", "N.C.T.M.B.", "PhD"],
        gender_raw="Female",
        accepting_new_clients_raw="Waitlist only",
        profile_updated_raw="Profile last updated: March 14, 2026",
    )
    pipe.process_item(item)
    assert item.credentials == ["LMT", "BCTMB", "NCTMB"]
    assert item.gender == "female"
    assert item.accepting_new_clients is False
    assert item.profile_updated == "2026-03-14"
    assert stats.get_value("listings/field/credentials/unknown") == 1


@pytest.mark.parametrize(
    "raw, expected",
    [("Yes", True), ("Currently accepting", True), ("No", False), ("Not accepting new clients", False), ("Maybe", None)],
)
def test_parse_accepting(raw, expected):
    assert parse_accepting(raw) is expected


@pytest.mark.parametrize(
    "raw, expected",
    [("March 14, 2026", "2026-03-14"), ("14 Mar 2026", "2026-03-14"), ("03/14/2026", "2026-03-14"),
     ("2026-03-14", "2026-03-14"), ("sometime", None)],
)
def test_parse_date(raw, expected):
    assert parse_date(raw) == expected


def test_parse_gender():
    assert parse_gender("Male") == "male"
    assert parse_gender("Non-binary") == "non-binary"
    assert parse_gender(None) is None


def test_validate_drops_only_listings_without_identity():
    pipe, stats = make(ValidatePipeline)
    with pytest.raises(DropItem):
        pipe.process_item(listing(name=None))
    assert stats.get_value("listings/dropped/no_name") == 1

    item = listing(email="not-an-email", state="XX", website="capitolbodywork.example")
    assert pipe.process_item(item) is item
    assert item.email is None and item.state is None
    assert item.website == "http://capitolbodywork.example"
    assert stats.get_value("listings/field/email/invalid") == 1
    assert stats.get_value("listings/field/state/invalid") == 1
    assert stats.get_value("listings/field/phone/missing") == 1  # the dropped one is not counted


def test_duplicates_keep_the_first_listing_per_id():
    pipe, stats = make(DuplicatesPipeline)
    pipe.process_item(listing())
    with pytest.raises(DropItem):
        pipe.process_item(listing(url="http://localhost/famt/jane"))
    assert stats.get_value("listings/dropped/duplicate") == 1


def test_store_pipeline_stages_listings_durably_under_its_crawl(tmp_path):
    crawler = get_crawler(settings_dict={"KNEAD_DATA_DIR": str(tmp_path)})

    class FakeSpider:
        name = "amta"

    crawler.spider = FakeSpider()
    pipe = RecordStorePipeline.from_crawler(crawler)
    pipe.open_spider()
    pipe.process_item(listing())
    pipe.process_item(listing(id="amta:tom", name="Tom Okafor", url="http://127.0.0.1/famt/tom"))
    pipe.close_spider()
    pipe.spider_closed(crawler.spider, "finished")
    with RecordStore(tmp_path / "records.sqlite3") as store:
        crawls = store.crawls()
        staged = list(store.staged_listings(crawls[-1]["id"]))
        published = list(store.listings())
    assert [row["name"] for row in staged] == ["Jane Doe", "Tom Okafor"]
    assert published == []  # publishing is `knead crawl`'s decision, after the gate
    assert crawls[-1]["status"] == "finished"
    assert crawler.stats.get_value("listings/stored/new") == 2
