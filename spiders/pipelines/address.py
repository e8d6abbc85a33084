"""Split `address_raw` into street, city, state and ZIP.

Directory addresses end in "City, ST 06103" (the ZIP optional), after any
number of street lines; a pattern reads that tail reliably. What the pattern
cannot read (no commas, "Seattle WA 98101") goes to usaddress, the
probabilistic US address parser. Values the spider already set are kept.
"""

from __future__ import annotations

import re
from typing import Any

from itemadapter import ItemAdapter

from index.model.states import state_code
from spiders.pipelines import StatsPipeline

_TAIL = re.compile(
    r"(?:^|,)\s*(?P<city>[^,\d][^,]*?)\s*,\s*(?P<state>[A-Za-z]{2}|[A-Za-z][A-Za-z .]+?)\.?"
    r"(?:\s*,?\s*(?P<zip>\d{5})(?:-\d{4})?)?\s*$"
)
_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\s*$")


def split_address(raw: str) -> dict[str, str | None]:
    """'85 Pratt St, Suite 4, Hartford, CT 06103' -> street, city, state, zip."""
    raw = raw.strip().strip(",")
    match = _TAIL.search(raw)
    if match and state_code(match["state"]):
        street = raw[: match.start()].strip(" ,") or None
        return {"street": street, "city": match["city"].strip(), "state": state_code(match["state"]), "zip": match["zip"]}
    return _split_with_usaddress(raw)


def _split_with_usaddress(raw: str) -> dict[str, str | None]:
    import usaddress

    try:
        parts, _kind = usaddress.tag(raw)
    except usaddress.RepeatedLabelError:
        parts = {}
    state = state_code(parts.get("StateName"))
    zip_match = _ZIP.search(parts.get("ZipCode", "") or raw)
    street_keys = [k for k in parts if k not in ("PlaceName", "StateName", "ZipCode")]
    street = " ".join(parts[k] for k in street_keys).strip(" ,") or None
    return {
        "street": street,
        "city": (parts.get("PlaceName") or "").strip(" ,") or None,
        "state": state,
        "zip": zip_match.group(1) if zip_match else None,
    }


class AddressPipeline(StatsPipeline):
    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        raw = adapter.get("address_raw")
        if not raw:
            return item
        parts = split_address(raw)
        if not parts["city"] or not parts["state"]:
            self.inc("field/address/unparsed")
        for key, value in parts.items():
            if value and not adapter.get(key):
                adapter[key] = value
        return item
