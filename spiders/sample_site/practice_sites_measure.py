"""How well a crawl read the bundled practice sites: coverage and field accuracy against the generator's truth.

    measurement = measure(sites, store.listings(source="sites"))
    print("\\n".join(measurement.lines()))

Listings are matched to the truth by id (`ListingTruth.listing_id`: the
host, the page's path and the node's `@id` or position). Coverage is the
share of the listings the generator put on the sites that the crawl stored;
a stored listing the generator did not put there (the nail salon, the SEO
plugin's WebSite node) is an extra. Accuracy is counted per field over the
matched listings, an absent value included (a page with no hours read as
having some is wrong): `hours` as the canonical OpenStreetMap string
(index.model.hours), `insurance` as the set of vocabulary ids,
`accepting_new_clients` as True, False or None; `zip` and `phone` too.

    knead --data-dir D crawl --sample-size 1200                        # the bundled samples
    python -m spiders.sample_site.practice_sites_measure D [SIZE]      # the same size (default 1200)
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .practice_sites import ListingTruth, PracticeSite

FIELDS = ("hours", "insurance", "accepting_new_clients", "zip", "phone")


def _hours(value: Any) -> str | None:
    from index.model.hours import format_hours, parse_hours

    return format_hours(parse_hours(value)) if value else None


def _value(name: str, value: Any) -> Any:
    if name == "hours":
        return _hours(value)
    if name == "insurance":
        return sorted(set(value or []))
    return value


@dataclass
class Measurement:
    expected: int = 0
    found: int = 0
    missing: list[str] = field(default_factory=list)  # ids the crawl did not store
    extra: list[str] = field(default_factory=list)  # ids stored that the generator did not put there
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    wrong: dict[str, list[str]] = field(default_factory=lambda: {f: [] for f in FIELDS})

    @property
    def coverage(self) -> float:
        return self.found / self.expected if self.expected else 0.0

    def accuracy(self, name: str) -> float:
        compared = self.right[name] + len(self.wrong[name])
        return self.right[name] / compared if compared else 0.0

    def lines(self) -> list[str]:
        out = [(f"coverage: {self.found} of {self.expected} listings ({self.coverage:.1%}); "
                f"{len(self.extra)} stored that the sites do not hold")]
        for name in FIELDS:
            compared = self.right[name] + len(self.wrong[name])
            out.append(f"{name}: {self.right[name]} of {compared} right ({self.accuracy(name):.1%})")
            out += [f"  wrong: {w}" for w in self.wrong[name][:5]]
        out += [f"missing: {m}" for m in self.missing[:10]]
        out += [f"extra: {e}" for e in self.extra[:10]]
        return out


def measure(sites: Iterable[PracticeSite], listings: Iterable[dict[str, Any]]) -> Measurement:
    truth: dict[str, ListingTruth] = {t.listing_id(site.address): t for site in sites for t in site.truth}
    stored = {listing["id"]: listing for listing in listings}
    result = Measurement(expected=len(truth))
    for listing_id, expected in truth.items():
        got = stored.get(listing_id)
        if got is None:
            result.missing.append(listing_id)
            continue
        result.found += 1
        for name in FIELDS:
            want, have = _value(name, getattr(expected, name)), _value(name, got.get(name))
            if want == have:
                result.right[name] += 1
            else:
                result.wrong[name].append(f"{listing_id}: {have!r}, the site says {want!r}")
    result.extra = sorted(set(stored) - set(truth))
    return result


def main(argv: list[str]) -> int:
    """Measure the store under DATA_DIR against the bundled practice sites of the sample size given (seed 7)."""
    from pathlib import Path

    from index.records.store import RecordStore

    from .bundled import BundledData
    from .generator import generate
    from .practice_sites import bundled_sites

    if len(argv) not in (1, 2) or (len(argv) == 2 and not argv[1].isdigit()):
        print("usage: python -m spiders.sample_site.practice_sites_measure DATA_DIR [SAMPLE_SIZE]", file=sys.stderr)
        return 2
    size = int(argv[1]) if len(argv) == 2 else 1200
    path = Path(argv[0]) / "records.sqlite3"
    if not path.exists():
        print(f"Error: no store of record at {path}; crawl the bundled samples first (`knead crawl`).", file=sys.stderr)
        return 1
    with RecordStore(path) as store:
        found = [row for row in store.listings(source="sites") if str(row["id"]).startswith("sites:127.0.0.")]
    print("\n".join(measure(bundled_sites(BundledData(generate(size))), found).lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
