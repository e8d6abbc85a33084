"""Normalise the small profile fields: credentials, gender, new clients, hours, last-updated date.

Each keeps its raw text beside it. Credentials are kept when they are known
titles (index.model.vocabulary.CREDENTIALS); other tokens stay in `credentials_raw`
and are counted.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from itemadapter import ItemAdapter

from index.model.hours import from_lines
from index.model.vocabulary import CREDENTIALS
from spiders.pipelines import StatsPipeline

_TOKEN = re.compile(r"[A-Za-z][A-Za-z.]*")

_GENDERS = {
    "female": "female", "f": "female", "woman": "female", "women": "female",
    "male": "male", "m": "male", "man": "male", "men": "male",
    "non binary": "non-binary", "nonbinary": "non-binary", "non-binary": "non-binary",
}
_YES = ("yes", "y", "true", "accepting", "currently accepting", "open", "accepting new clients")
_NO = ("no", "n", "false", "not accepting", "closed", "full", "waitlist", "wait list", "waiting list")

_DATE_FORMATS = (
    "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y",
    "%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%Y/%m/%d", "%b. %d, %Y", "%B %Y",
)


def parse_credentials(raw: list[str]) -> tuple[list[str], list[str]]:
    """['LMT, BCTMB', 'N.C.T.M.B.'] -> (['LMT', 'BCTMB', 'NCTMB'], unknown tokens)."""
    known: list[str] = []
    unknown: list[str] = []
    for value in raw:
        for token in _TOKEN.findall(value):
            key = token.replace(".", "").upper()
            target = known if key in CREDENTIALS else unknown
            if key and key not in target:
                target.append(key)
    return known, unknown


def parse_gender(raw: str | None) -> str | None:
    if not raw:
        return None
    key = re.sub(r"[^a-z\- ]", "", raw.lower()).strip()
    return _GENDERS.get(key, key or None)


def parse_accepting(raw: str | None) -> bool | None:
    if not raw:
        return None
    key = re.sub(r"[^a-z ]", "", raw.lower()).strip()
    if key.startswith(_NO) or "not accepting" in key or "waitlist" in key or "wait list" in key:
        return False
    if key.startswith(_YES):
        return True
    return None


@lru_cache(maxsize=4096)  # a directory's profiles share a few thousand update dates; each miss tries 13 formats
def parse_date(raw: str | None) -> str | None:
    """Human dates ("March 14, 2026", "14 Mar 2026", "03/14/2026") -> ISO "2026-03-14"."""
    if not raw:
        return None
    text = re.sub(r"^.*?updated\s*:?\s*", "", raw.strip(), flags=re.I).strip(" .")
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


class ProfileFieldsPipeline(StatsPipeline):
    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        credentials, unknown = parse_credentials(adapter.get("credentials_raw") or [])
        adapter["credentials"] = credentials
        if unknown:
            self.inc("field/credentials/unknown", len(unknown))
        if adapter.get("gender_raw"):
            adapter["gender"] = parse_gender(adapter["gender_raw"])
        raw = adapter.get("accepting_new_clients_raw")
        if raw:
            adapter["accepting_new_clients"] = parse_accepting(raw)
            if adapter["accepting_new_clients"] is None:
                self.inc("field/accepting_new_clients/unparsed")
        raw = adapter.get("hours_raw")
        if raw and not adapter.get("hours"):  # a source that read its own hours (sites) has set them
            adapter["hours"] = from_lines(raw)
            if adapter["hours"] is None and not all("appointment" in line.lower() for line in raw):
                self.inc("field/hours/unparsed")  # "By appointment only" says no hours; it is not unread
        raw = adapter.get("profile_updated_raw")
        if raw:
            adapter["profile_updated"] = parse_date(raw)
            if adapter["profile_updated"] is None:
                self.inc("field/profile_updated/unparsed")
        return item
