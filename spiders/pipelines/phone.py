"""Phone numbers to E.164 with phonenumbers; the raw text stays in `phone_raw`.

A number that does not parse as a valid US (or explicitly international)
number keeps `phone` empty and is counted, never guessed at.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from itemadapter import ItemAdapter

from spiders.pipelines import StatsPipeline


def to_e164(raw: str | None, region: str = "US") -> str | None:
    if not raw:
        return None
    text = raw.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhonePipeline(StatsPipeline):
    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        raw = adapter.get("phone_raw") or adapter.get("phone")
        if not raw:
            return item
        adapter["phone_raw"] = raw
        adapter["phone"] = to_e164(raw)
        if adapter["phone"] is None:
            self.inc("field/phone/invalid")
        return item
