"""Clean every string of a listing: HTML entities, white space, Unicode NFC, length bounds.

Directories double-escape entities ("&amp;amp;"), paste non-breaking spaces and
decomposed accents; search and output need one spelling of each text. Absurdly
long values are cut to a bound (and counted) so one page cannot bloat the store.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

from itemadapter import ItemAdapter

from spiders.pipelines import StatsPipeline

# Control characters other than white space never belong in a listing.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")

MAX_BIO = 5000
MAX_TEXT = 500
MAX_LIST_ITEMS = 100


def clean_text(value: Any, limit: int = MAX_TEXT) -> str | None:
    """One display string: entities decoded, NFC, single spaces; None when empty."""
    if value is None:
        return None
    text = str(value)
    for _ in range(2):  # at most one level of double escaping
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    text = unicodedata.normalize("NFC", _CONTROL.sub("", text))
    text = " ".join(text.split())  # str.split() splits at exactly what the regex `\s` matches
    if len(text) > limit:
        text = text[:limit].rstrip()
    return text or None


class CleanStringsPipeline(StatsPipeline):
    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for name in adapter.field_names():
            value = adapter.get(name)
            limit = MAX_BIO if name == "bio" else MAX_TEXT
            if isinstance(value, str):
                if len(value) > limit * 2:
                    self.inc(f"field/{name}/truncated")
                adapter[name] = clean_text(value, limit)
            elif isinstance(value, list):
                cleaned = []
                for v in value[:MAX_LIST_ITEMS]:
                    text = clean_text(v)
                    if text and text not in cleaned:
                        cleaned.append(text)
                adapter[name] = cleaned
        return item
