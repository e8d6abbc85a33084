"""A bulk row's listing values normalised as a crawl's pipelines would, without Scrapy.

The crawl runs each listing through its item pipelines (spiders/pipelines/);
an import has no crawler, so it calls the same functions those pipelines
call, in the same order: clean strings (index.model.text), phone to E.164
(pipelines.phone.to_e164), ZIP to coordinates (pipelines.geocode.locate),
credentials and gender (pipelines.fields), then validation (a listing with
no name is dropped, an invalid state or ZIP emptied). What each step counts
goes into `counts` under the pipelines' own stats keys.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from index.geo.ziptable import ZipTable
from index.model.listing import TherapistListing
from index.model.states import STATES
from spiders.pipelines.clean import clean_value
from spiders.pipelines.fields import parse_credentials, parse_gender
from spiders.pipelines.geocode import locate
from spiders.pipelines.phone import to_e164


def normalise(values: dict[str, Any], table: ZipTable, counts: Counter, scraped_at: str) -> dict[str, Any] | None:
    """The stored listing dict for `values` (spiders.parse.nppes.listing_values), or None when unusable."""
    listing = {key: _clean(key, value, counts) for key, value in values.items()}
    if not listing.get("name"):
        counts["dropped/no_name"] += 1
        return None
    if listing.get("phone_raw"):
        listing["phone"] = to_e164(listing["phone_raw"])
        if listing["phone"] is None:
            counts["field/phone/invalid"] += 1
    if listing.get("state") not in STATES:
        if listing.get("state"):
            counts["field/state/invalid"] += 1
        listing["state"] = None
    if listing.get("zip") and not re.fullmatch(r"\d{5}", listing["zip"]):
        counts["field/zip/invalid"] += 1
        listing["zip"] = None
    where = locate(table, listing.get("zip"), listing.get("state"), listing.get("city"))
    counts.update(where.counts)
    listing.update(lat=where.lat, lon=where.lon, state=where.state, zip=where.zip)
    listing["credentials"], unknown = parse_credentials(listing.get("credentials_raw") or [])
    if unknown:
        counts["field/credentials/unknown"] += len(unknown)
    listing["gender"] = parse_gender(listing.get("gender_raw"))
    listing["scraped_at"] = scraped_at
    return TherapistListing.from_dict(listing).to_dict()


def _clean(name: str, value: Any, counts: Counter) -> Any:
    value, cuts = clean_value(name, value)
    if cuts:
        counts[f"field/{name}/truncated"] += cuts
    return value
