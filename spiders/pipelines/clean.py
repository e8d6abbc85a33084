"""Clean every string of a listing: HTML entities, white space, Unicode NFC, length bounds.

Directories double-escape entities ("&amp;amp;"), paste non-breaking spaces and
decomposed accents; search and output need one spelling of each text
(`index.model.text.display_text`). A value longer than its bound (the one set
in `index.model.text`) is cut, and every cut is counted as
`listings/field/<name>/truncated`, so one page cannot bloat the store unseen.
`clean_value` is the rule itself, shared with the bulk import (spiders.bulk).
"""

from __future__ import annotations

import sys
from typing import Any

from itemadapter import ItemAdapter

from index.model.text import MAX_LIST_ITEMS, MAX_TEXT, display_text, limit_for
from spiders.pipelines import StatsPipeline


def clean_value(name: str, value: Any) -> tuple[Any, int]:
    """(the field's value cleaned and bounded, how many cuts that took). Strings, lists of
    strings and lists of records (a licence: each of its strings; its booleans kept) are cleaned; anything else is kept."""
    cuts = 0

    def bounded(text: Any, limit: int) -> str | None:
        nonlocal cuts
        text = display_text(text, sys.maxsize)
        if text is not None and len(text) > limit:
            cuts += 1
            text = text[:limit].rstrip() or None
        return text

    if isinstance(value, str):
        return bounded(value, limit_for(name)), cuts
    if not isinstance(value, list):
        return value, cuts
    if len(value) > MAX_LIST_ITEMS:
        cuts += 1
    cleaned: list[Any] = []
    for item in value[:MAX_LIST_ITEMS]:
        if isinstance(item, dict):
            # A board's `disciplined` is a JSON bool, kept as one.
            item = {k: text for k, v in item.items()
                    if (text := v if isinstance(v, bool) else bounded(v, MAX_TEXT)) not in (None, "")}
        else:
            item = bounded(item, MAX_TEXT)
        if item and item not in cleaned:
            cleaned.append(item)
    return cleaned, cuts


class CleanStringsPipeline(StatsPipeline):
    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for name in adapter.field_names():
            value, cuts = clean_value(name, adapter.get(name))
            adapter[name] = value
            if cuts:
                self.inc(f"field/{name}/truncated", cuts)
        return item
