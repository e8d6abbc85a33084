"""The publish gate: a crawl replaces what people search only when it looks as good as the last one.

A directory that changed its layout yields few or empty listings; a server
having a bad day fails half its pages. Either would empty or degrade the index
if published blindly. The gate compares a finished crawl with the source's
last published crawl:

- found listings: at least `min_ratio` (80%) of the last published count,
  unless the user accepts the drop;
- required fields: each present at no less than its usual rate minus
  `field_tolerance` (name, city, state, techniques...);
- errors: failed URLs at most `max_error_rate` of the pages fetched.

It returns the reasons it refuses; an empty list means publish.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Fields whose presence rate is compared between crawls.
WATCHED_FIELDS = ("name", "city", "state", "zip", "lat", "phone", "techniques")


@dataclass(frozen=True)
class GatePolicy:
    min_ratio: float = 0.8
    accept_drop: bool = False
    field_tolerance: float = 0.25
    max_error_rate: float = 0.05


def field_rates(listings: Iterable[dict[str, Any]]) -> tuple[int, dict[str, float]]:
    """(count, {field: share of listings where it is present})."""
    count = 0
    present = dict.fromkeys(WATCHED_FIELDS, 0)
    for listing in listings:
        count += 1
        for name in WATCHED_FIELDS:
            if listing.get(name) not in (None, "", []):
                present[name] += 1
    return count, {name: (n / count if count else 0.0) for name, n in present.items()}


def check(
    *,
    found: int,
    rates: dict[str, float],
    pages: int,
    failed: int,
    previous: dict[str, Any] | None,
    policy: GatePolicy = GatePolicy(),
    gone: int = 0,
) -> list[str]:
    """Reasons not to publish this crawl (empty: publish). `previous` is the last published crawl's counts;
    `gone`: listings the source itself said are gone (a deactivation file finds none, and is still news)."""
    reasons = []
    if found == 0 and not gone:
        reasons.append("the crawl found no listings")
    if pages and failed / pages > policy.max_error_rate:
        reasons.append(
            f"{failed} of {pages} pages failed ({failed / pages:.0%}), more than the {policy.max_error_rate:.0%} budget"
        )
    if previous and previous.get("found"):
        before = int(previous["found"])
        if found < policy.min_ratio * before and not policy.accept_drop:
            reasons.append(
                f"found {found} listings, under {policy.min_ratio:.0%} of the {before} of the last published crawl"
                " (--accept-drop publishes anyway)"
            )
        for name, usual in (previous.get("rates") or {}).items():
            now = rates.get(name, 0.0)
            if found and now < usual - policy.field_tolerance:
                reasons.append(f"'{name}' present in {now:.0%} of listings, usually {usual:.0%}")
    return reasons
