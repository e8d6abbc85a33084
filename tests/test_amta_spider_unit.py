"""`AmtaSpider` callbacks on saved pages (no network): the requests and items
they yield, start-URL checks, allowed domains and the crawl stats."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import scrapy
from scrapy.http import HtmlResponse, JsonRequest, Request, Response, TextResponse
from scrapy.utils.test import get_crawler

from index.model.listing import TherapistListing
from spiders.directories import amta as amta_module
from spiders.directories.amta import AmtaSpider

FIXTURES = Path(__file__).parent / "fixtures" / "amta"
SITE = "http://127.0.0.1:8765"
RESULTS_URL = f"{SITE}/find-massage-therapist/?location=CT&keyword=&page=2"
API_URL = f"{SITE}/api/v1/famr/getMassageResources"


def make_spider(**kwargs) -> AmtaSpider:
    crawler = get_crawler(AmtaSpider)
    return AmtaSpider.from_crawler(crawler, **kwargs)


def stats(spider: AmtaSpider) -> dict:
    return {k: v for k, v in spider.crawler.stats.get_stats().items() if k.startswith(("pages/", "listings/"))}


def html(url: str, name: str | None = None, body: str | None = None) -> HtmlResponse:
    data = (FIXTURES / name).read_bytes() if name else body.encode("utf-8")
    return HtmlResponse(url=url, body=data, encoding="utf-8")


def api_response(data: object, page: int = 1, url: str = API_URL) -> TextResponse:
    request = JsonRequest(url, data={"CurrentPage": page})
    return TextResponse(url=url, body=json.dumps(data).encode("utf-8"), encoding="utf-8", request=request)


def start_requests(spider: AmtaSpider) -> list[Request]:
    async def collect():
        return [r async for r in spider.start()]

    return asyncio.run(collect())


# -- start URLs -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, message",
    [
        ("file:///etc/passwd", "start URL 'file:///etc/passwd' is not an http:// or https:// URL"),
        ("ftp://127.0.0.1/x", "start URL 'ftp://127.0.0.1/x' is not an http:// or https:// URL"),
        ("", "start URL '' is empty: give an http:// or https:// URL"),
        ("   ", "start URL '   ' is empty: give an http:// or https:// URL"),
        ("127.0.0.1:8000/find", "start URL '127.0.0.1:8000/find' is not an http:// or https:// URL"),
        ("http:///nohost", "start URL 'http:///nohost' has no valid host"),
        ("http://bad host/", "start URL 'http://bad host/' has no valid host"),
    ],
)
def test_bad_start_url_is_refused(url, message):
    with pytest.raises(ValueError) as info:
        make_spider(start_url=url)
    assert str(info.value) == message


def test_no_start_url_is_refused():
    with pytest.raises(ValueError, match=r"no start URL: pass -a start_url="):
        make_spider()


def test_one_bad_url_in_a_list_is_refused():
    with pytest.raises(ValueError, match="'file:///tmp/x'"):
        make_spider(start_urls=f"{SITE}/a,file:///tmp/x")


def test_start_urls_list_and_comma_string():
    spider = make_spider(start_urls=f"{SITE}/a?location=Hartford,CT, https://Other.example:8443/b  {SITE}/a?location=Hartford,CT")
    assert spider.start_urls == [f"{SITE}/a?location=Hartford,CT", "https://Other.example:8443/b"]
    assert spider.allowed_domains == ["127.0.0.1", "other.example"]
    spider = make_spider(start_urls=[f"{SITE}/a", "http://localhost:9/b"])
    assert spider.start_urls == [f"{SITE}/a", "http://localhost:9/b"]
    assert spider.allowed_domains == ["127.0.0.1", "localhost"]


def test_start_url_is_never_split():
    spider = make_spider(start_url=f"{SITE}/find?location=Hartford, CT")
    assert spider.start_urls == [f"{SITE}/find?location=Hartford, CT"]


def test_start_yields_requests_that_go_through_the_filters():
    spider = make_spider(start_urls=[RESULTS_URL, f"{SITE}/famt/tom-okafor", f"{API_URL}?location=CT"])
    results, profile, api = start_requests(spider)
    assert (results.url, results.method, results.callback) == (RESULTS_URL, "GET", spider.parse_results)
    assert (profile.url, profile.callback) == (f"{SITE}/famt/tom-okafor", spider.parse_profile)
    assert isinstance(api, JsonRequest)
    assert (api.url, api.method, api.callback) == (f"{API_URL}?location=CT", "POST", spider.parse_api)
    assert json.loads(api.body) == {"CurrentPage": 1, "Location": "CT", "Keyword": "", "ResourceType": "therapist"}
    assert api.cb_kwargs == {"api_url": f"{API_URL}?location=CT", "page": 1}
    assert not any(r.dont_filter for r in (results, profile, api))


def test_spider_sets_no_politeness_settings_of_its_own():
    assert AmtaSpider.name == "amta"
    assert not AmtaSpider.custom_settings


# -- results pages ----------------------------------------------------------------


def test_results_page_follows_profiles_and_next_page():
    spider = make_spider(start_url=RESULTS_URL)
    out = list(spider.parse_results(html(RESULTS_URL, "results-page.html")))
    assert [(r.url, r.callback) for r in out] == [
        (f"{SITE}/famt/maria-lopez-hartford", spider.parse_profile),
        ("https://directory.example/famt/tom-okafor", spider.parse_profile),  # absolute: offsite filter's job
        (f"{SITE}/find-massage-therapist/?location=CT&keyword=&page=3", spider.parse_results),
    ]
    assert all(isinstance(r, Request) and not r.dont_filter for r in out)
    assert stats(spider) == {"pages/results": 1}


def test_default_parse_is_the_results_parser():
    spider = make_spider(start_url=RESULTS_URL)
    assert len(list(spider.parse(html(RESULTS_URL, "results-page.html")))) == 3


def test_empty_results_page_is_counted():
    spider = make_spider(start_url=RESULTS_URL)
    out = list(spider.parse_results(html(RESULTS_URL, body="<html><body><p>No results</p></body></html>")))
    assert out == []
    assert stats(spider) == {"pages/results": 1, "pages/results_empty": 1}


def test_last_results_page_has_no_next_request():
    spider = make_spider(start_url=RESULTS_URL)
    body = (
        '<ul><li class="find-a-mr-results-list-item"><h3 class="find-a-mr-results-list-item-title">'
        '<a href="/famt/last-one">Last One</a></h3></li></ul>'
    )
    out = list(spider.parse_results(html(RESULTS_URL, body=body)))
    assert [r.url for r in out] == [f"{SITE}/famt/last-one"]
    assert stats(spider) == {"pages/results": 1}


def test_non_html_results_page_is_malformed(caplog):
    spider = make_spider(start_url=RESULTS_URL)
    response = Response(url=RESULTS_URL, body=b"\x89PNG\r\n")
    with caplog.at_level(logging.WARNING):
        assert list(spider.parse_results(response)) == []
    assert stats(spider) == {"listings/malformed_page": 1}
    assert f"malformed page {RESULTS_URL}: results: not a text response" in caplog.text


# -- profiles -----------------------------------------------------------------------


def test_profile_becomes_a_listing():
    spider = make_spider(start_url=RESULTS_URL)
    url = f"{SITE}/famt/maria-lopez-hartford"
    before = datetime.now(timezone.utc).replace(microsecond=0)
    (item,) = list(spider.parse_profile(html(url, "profile-full.html")))
    assert isinstance(item, TherapistListing)
    assert (item.id, item.source, item.url) == ("amta:maria-lopez-hartford", "amta", url)
    scraped = datetime.fromisoformat(item.scraped_at)
    assert scraped.utcoffset() == timedelta(0)
    assert before <= scraped <= datetime.now(timezone.utc)
    assert item.name == "María López"
    assert item.credentials_raw == ["LMT", "BCTMB"]
    assert item.address_raw == "85 Pratt St, Suite 4, Hartford, CT 06103"
    assert item.phone_raw == "(860) 555-0142"
    assert item.insurance_raw[0] == "Accepts Health Insurance"
    assert item.hours_raw[0] == "Monday: 9:00 AM – 6:00 PM"
    # Normalised fields are the pipelines' job.
    assert (item.phone, item.zip, item.techniques, item.credentials) == (None, None, [], [])
    assert stats(spider) == {"pages/profile": 1}


def test_sparse_profile_becomes_a_listing():
    spider = make_spider(start_url=RESULTS_URL)
    (item,) = list(spider.parse_profile(html(f"{SITE}/famt/tom-okafor/", "profile-sparse.html")))
    assert item.id == "amta:tom-okafor"
    assert item.name == "Tom Okafor"
    assert item.techniques_raw == ["Sports Massage", "NMT", "Cranio-Sacral"]
    assert item.email is None


def test_profile_without_name_is_counted_not_raised(caplog):
    spider = make_spider(start_url=RESULTS_URL)
    url = f"{SITE}/famt/ghost"
    with caplog.at_level(logging.WARNING):
        out = list(spider.parse_profile(html(url, body="<html><body><h2>Nobody</h2></body></html>")))
    assert out == []
    assert stats(spider) == {"listings/malformed_page": 1}
    assert "Traceback" not in caplog.text
    assert f"malformed page {url}: profile: MalformedPage: no name (h1.adage-heading-title)" in caplog.text


def test_non_html_profile_is_malformed():
    spider = make_spider(start_url=RESULTS_URL)
    assert list(spider.parse_profile(Response(url=f"{SITE}/famt/x", body=b"%PDF-1.4"))) == []
    assert stats(spider) == {"listings/malformed_page": 1}


def test_exception_while_parsing_is_counted(monkeypatch):
    def broken(sel, url=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(amta_module.amta_parse, "parse_profile", broken)
    spider = make_spider(start_url=RESULTS_URL)
    assert list(spider.parse_profile(html(f"{SITE}/famt/x", "profile-full.html"))) == []
    assert stats(spider) == {"listings/malformed_page": 1}


def test_profile_url_without_slug_is_malformed():
    spider = make_spider(start_url=RESULTS_URL)
    assert list(spider.parse_profile(html(f"{SITE}/", "profile-full.html"))) == []
    assert stats(spider) == {"listings/malformed_page": 1}


# -- JSON API -------------------------------------------------------------------------


def api_fixture() -> dict:
    return json.loads((FIXTURES / "api-response.json").read_text(encoding="utf-8"))


def test_api_page_follows_profiles_and_asks_for_the_next_page():
    spider = make_spider(start_url=API_URL)
    out = list(spider.parse_api(api_response(api_fixture(), page=2), api_url=API_URL, page=2))
    profiles, next_page = out[:2], out[2]
    assert [(r.url, r.method, r.callback) for r in profiles] == [
        (f"{SITE}/famt/maria-lopez-hartford", "GET", spider.parse_profile),
        ("https://directory.example/famt/tom-okafor", "GET", spider.parse_profile),
    ]
    assert (next_page.url, next_page.method, next_page.callback) == (API_URL, "POST", spider.parse_api)
    assert json.loads(next_page.body) == {"CurrentPage": 3, "Location": "", "Keyword": "", "ResourceType": "therapist"}
    assert next_page.cb_kwargs == {"api_url": API_URL, "page": 3}
    assert stats(spider) == {"pages/api": 1}


def test_api_stops_at_total_count():
    spider = make_spider(start_url=API_URL)
    out = list(spider.parse_api(api_response(api_fixture(), page=19), api_url=API_URL, page=19))
    assert [r.callback for r in out] == [spider.parse_profile, spider.parse_profile]


def test_api_stops_on_an_empty_page():
    spider = make_spider(start_url=API_URL)
    data = {"massageResources": []}
    assert list(spider.parse_api(api_response(data, page=5), api_url=API_URL, page=5)) == []
    assert list(spider.parse_api(api_response(data, page=1), api_url=API_URL, page=1)) == []
    assert stats(spider) == {"pages/api": 2, "pages/results_empty": 1}


def test_api_stops_when_the_server_repeats_a_page():
    spider = make_spider(start_url=API_URL)
    data = {"massageResources": [{"resourceName": "A", "urlToDetailsPage": "/famt/a"}]}  # no totalCount
    first = list(spider.parse_api(api_response(data, page=1), api_url=API_URL, page=1))
    assert [r.callback for r in first] == [spider.parse_profile, spider.parse_api]
    second = list(spider.parse_api(api_response(data, page=2), api_url=API_URL, page=2))
    assert [r.callback for r in second] == [spider.parse_profile]


@pytest.mark.parametrize("body", [b"<html>not json</html>", b"[1, 2]", b""])
def test_api_garbage_is_malformed(body):
    spider = make_spider(start_url=API_URL)
    response = TextResponse(url=API_URL, body=body, encoding="utf-8")
    assert list(spider.parse_api(response, api_url=API_URL, page=1)) == []
    assert stats(spider) == {"listings/malformed_page": 1}


def test_spider_is_a_scrapy_spider_with_modern_start():
    assert issubclass(AmtaSpider, scrapy.Spider)
    assert "start" in AmtaSpider.__dict__
    assert "start_requests" not in AmtaSpider.__dict__
