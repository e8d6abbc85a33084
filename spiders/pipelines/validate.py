"""Validate by counting: missing and invalid fields are counted, only unusable listings dropped.

A listing without identity (no id, no profile URL or no name) cannot be
stored, searched or shown, so it is dropped with its reason counted as
`listings/dropped/<reason>`. Everything else is kept; a value that fails its
format check is emptied (its raw text stays beside it) and counted as
`listings/field/<name>/invalid`, a missing one as `listings/field/<name>/missing`.
"""

from __future__ import annotations

import re
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from index.model.states import STATES
from spiders.pipelines import StatsPipeline

# Fields whose absence is worth watching on every source.
WATCHED = ("phone", "street", "city", "state", "zip", "lat", "techniques", "insurance", "bio", "email", "website")

_CHECKS = {
    "state": lambda v: v in STATES,
    "zip": lambda v: bool(re.fullmatch(r"\d{5}", v)),
    "email": lambda v: bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", v)),
    "website": lambda v: bool(re.match(r"https?://[^\s/]+\.[^\s]+", v)),
    "phone": lambda v: bool(re.fullmatch(r"\+\d{8,15}", v)),
}


class ValidatePipeline(StatsPipeline):
    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for key in ("id", "url", "name"):
            if not adapter.get(key):
                self.inc(f"dropped/no_{key}")
                raise DropItem(f"listing has no {key}: {adapter.get('url') or adapter.get('id')}")
        website = adapter.get("website")
        if website and not re.match(r"https?://", website, re.I) and "." in website and " " not in website:
            adapter["website"] = "http://" + website  # "capitolbodywork.example" as typed
        for key, check in _CHECKS.items():
            value = adapter.get(key)
            if value and not check(value):
                self.inc(f"field/{key}/invalid")
                adapter[key] = None
        for key in WATCHED:
            if adapter.get(key) in (None, "", []):
                self.inc(f"field/{key}/missing")
        return item
