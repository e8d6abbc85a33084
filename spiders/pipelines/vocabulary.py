"""Map raw technique and insurance values to canonical ids (index.model.vocabulary).

The raw values stay in `techniques_raw` / `insurance_raw`. A value that maps to
no id is never guessed: it is counted (`vocabulary/unmapped/<kind>`) and its
text tallied in the stats value `vocabulary/unmapped_values`, so the crawl
summary shows the spellings to add to the vocabulary.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from itemadapter import ItemAdapter

from index.model import vocabulary
from spiders.pipelines import StatsPipeline


class VocabularyPipeline(StatsPipeline):
    stats_prefix = "vocabulary"

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.unmapped: dict[str, Counter[str]] = {"technique": Counter(), "insurance": Counter()}

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        techniques, unmapped_t = vocabulary.map_techniques(adapter.get("techniques_raw") or [])
        insurance, unmapped_i = vocabulary.map_insurance(adapter.get("insurance_raw") or [])
        adapter["techniques"] = techniques
        adapter["insurance"] = insurance
        adapter["accepts_insurance"] = vocabulary.accepts_insurance(insurance)
        for kind, values in (("technique", unmapped_t), ("insurance", unmapped_i)):
            for value in values:
                self.unmapped[kind][value] += 1
                self.inc(f"unmapped/{kind}")
        return item

    def close_spider(self) -> None:
        self.stats.set_value(
            "vocabulary/unmapped_values",
            {kind: dict(counter.most_common()) for kind, counter in self.unmapped.items() if counter},
        )
