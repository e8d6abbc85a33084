"""Clean every string of a listing: HTML entities, white space, Unicode NFC, length bounds.

Directories double-escape entities ("&amp;amp;"), paste non-breaking spaces and
decomposed accents; search and output need one spelling of each text
(`index.model.text.display_text`). A value longer than its bound (the one set
in `index.model.text`) is cut, and every cut is counted as
`listings/field/<name>/truncated`, so one page cannot bloat the store unseen.
"""

from __future__ import annotations

import sys
from typing import Any

from itemadapter import ItemAdapter

from index.model.text import MAX_LIST_ITEMS, MAX_TEXT, display_text, limit_for
from spiders.pipelines import StatsPipeline


class CleanStringsPipeline(StatsPipeline):
    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for name in adapter.field_names():
            value = adapter.get(name)
            if isinstance(value, str):
                adapter[name] = self._bounded(name, display_text(value, sys.maxsize), limit_for(name))
            elif isinstance(value, list):
                if len(value) > MAX_LIST_ITEMS:
                    self.inc(f"field/{name}/truncated")
                cleaned = []
                for v in value[:MAX_LIST_ITEMS]:
                    if isinstance(v, dict):  # a record (a licence): each of its strings
                        record = {k: self._bounded(name, display_text(x, sys.maxsize), MAX_TEXT) for k, x in v.items()}
                        record = {k: x for k, x in record.items() if x}
                        if record and record not in cleaned:
                            cleaned.append(record)
                        continue
                    text = self._bounded(name, display_text(v, sys.maxsize), MAX_TEXT)
                    if text and text not in cleaned:
                        cleaned.append(text)
                adapter[name] = cleaned
        return item

    def _bounded(self, name: str, text: str | None, limit: int) -> str | None:
        if text is not None and len(text) > limit:
            self.inc(f"field/{name}/truncated")
            text = text[:limit].rstrip() or None
        return text
