"""index.search.document: cleaning and the listing -> document mapping."""

from __future__ import annotations

import json

import pytest

from index.model import text
from index.model.listing import FIELD_NAMES
from index.search import document


def test_clean_listing_types_and_bounds():
    raw = {"id": " amta:1 ", "name": "Jane\x07 Doe", "credentials": ["LMT", "LMT", None, 5], "lat": True,
           "lon": 1.0, "state": "ct", "techniques": ["Swedish"], "accepts_insurance": "yes",
           "bio": "b" * 50_000, "conditions": ["x"] * 500, "unknown": "dropped"}
    out = document.clean_listing(raw)
    assert set(out) == set(FIELD_NAMES) | {"first_seen", "last_seen", "stale", "stale_since"}
    assert out["id"] == "amta:1" and out["name"] == "Jane  Doe" and out["credentials"] == ["LMT", "5"]
    assert out["lat"] is None and out["lon"] is None and out["state"] == "CT"
    assert out["techniques"] == ["swedish"] and out["accepts_insurance"] is None
    assert len(out["bio"]) == text.MAX_BIO and out["conditions"] == ["x"]


@pytest.mark.parametrize("bad", [{}, {"id": None}, {"id": "  "}, [], "x"])
def test_listing_without_id_is_invalid(bad):
    with pytest.raises(document.InvalidListing):
        document.clean_listing(bad)


def test_to_document_fields():
    listing = document.clean_listing({
        "id": "t:1", "name": "Ana Silva", "credentials": ["LMT"], "city": "West  Hartford", "state": "CT",
        "zip": "06119", "lat": 41.76, "lon": -72.74, "techniques": ["craniosacral", "acupressure"],
        "insurance": ["aetna", "hsa-fsa"], "languages": ["English", "Spanish, Brazilian"], "gender": "Female",
        "conditions": ["low back pain"], "bio": "Hello", "first_seen": "2025-01-01T00:00:00+00:00"})
    doc = document.to_document(listing)
    assert json.loads(document.dumps(listing)) == listing and "data" not in doc
    assert doc["techniques"] == ["craniosacral", "acupressure"] and doc["insurance"] == ["aetna", "hsa-fsa"]
    assert doc["accepts_insurance"] == "yes" and doc["city"] == "west hartford" and doc["gender"] == "female"
    assert doc["languages"] == ["english", "spanish  brazilian"] and doc["credentials"] == ["LMT"]
    assert "Connecticut" in doc["text"] and "CST" not in doc["text"]  # synonyms match at query time
    assert "CST" in document.vocabulary_text(listing) and "Upledger" in document.vocabulary_text(listing)
    assert doc["geo"][-1] == "any" and len(doc["geo"]) == 5 and "zip" not in doc
    bare = document.to_document(document.clean_listing({"id": "t:2"}))
    assert bare["accepts_insurance"] == "no" and "geo" not in bare and "city" not in bare


def test_stemmed_text_indexes_exactly_as_plain_text():
    """StemmedText's cached, line-at-a-time indexing yields TEXT's postings, positions included."""
    from conftest import make_listings
    from whoosh import fields

    from index.search.schema import ANALYZER, SCHEMA, StemmedText

    plain = fields.TEXT(analyzer=ANALYZER, phrase=True)
    texts = [document.to_document(document.clean_listing(l))["text"] for l in make_listings(200, seed=11)]
    texts += ["The the a an e.g. St.John's 10,000 x" * 3, "Ünïcödé naïve café CAFÉ  résumé", "I I I x",
              "a " * 10 + "word " + "b" * 50 + " end", "", "\n\n", "the\nthe a\n\nword of the\nthe end\n",
              "x\nthe\nthe\ny", "ﬁ ligature İstanbul ß straße", "back pain\nback pain"]
    for _ in range(2):  # cold, then from the caches
        for text in texts:
            assert sorted(SCHEMA["text"].index(text)) == sorted(plain.index(text)), text
    assert isinstance(SCHEMA["text"], StemmedText) and not SCHEMA["text"].scorable


def test_stored_codec_round_trip():
    listings = [document.dumps(document.clean_listing(l)) for l in
                [{"id": "t:1", "name": "Zoë"}, {"id": "t:2", "bio": "x" * 5000}]]
    for codec in (document.StoredCodec(), document.StoredCodec(document.listing_zdict(listings))):
        assert [codec.unpack(codec.pack(d)) for d in listings] == [json.loads(d) for d in listings]


def test_recurring_value_fields_index_exactly_as_plain_fields():
    """The filter fields' cached `index()` yields the plain fields' postings, cold and cached."""
    from whoosh import fields

    from index.search.schema import SCHEMA, RecurringID, RecurringKeyword, UniqueID

    plain = {"id": fields.ID(), "kw": fields.KEYWORD(), "kwc": fields.KEYWORD(commas=True)}
    assert isinstance(SCHEMA["id"], UniqueID)
    cases = [("state", "id", ["CT", "ct", "New York", " x "]),
             ("id", "id", ["amta:maria-lopez", "a b", " x ", "Ünï:ß", "x" * 300]),
             ("geo", "kw", ["0:1:2 1:3:4 any", "any  any", "a\tb"]),
             ("techniques", "kwc", ["deep-tissue,swedish", "a, b ,c", ",", "x,x"]),
             # Lists are tokens already split, as to_document gives them; repeats counted.
             ("techniques", "kwc", [["deep-tissue", "swedish"], ["x", "x"], [], ["a b"]]),
             ("geo", "kw", [["0:1:2", "1:3:4", "any"], ["any"]])]
    for name, kind, values in cases:
        assert isinstance(SCHEMA[name], (RecurringID, RecurringKeyword, UniqueID))
        for _ in range(2):
            for value in values:
                assert list(SCHEMA[name].index(value)) == list(plain[kind].index(value)), (name, value)
