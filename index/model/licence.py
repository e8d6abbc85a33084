"""Licence records and what a board's word on them means: pure, imports nothing else of knead.

A listing's `licenses` holds small records. Every source writes
`{"state", "number", "source"}`; a state board's roster (source
`roster:<board>`) adds what only a board knows:

- `status`: one of `STATUSES` (`normalise_status` maps the board's word),
  with `status_raw` the board's word as written;
- `issued`, `expires`: ISO dates;
- `disciplined`: a JSON bool, true when the board reports an action;
- `type`: the board's licence type as written ("Massage Therapist").

`board_confirmed(listing)` is the rule behind `knead search --licensed`: a
roster record with an active licence in the listing's own state. It reads the
records, not the listing's source, so a therapist whose listings are merged
from several sources (issue 15) is confirmed by the roster record the merge
brings along.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

STATUSES = ("active", "inactive", "expired", "suspended", "revoked", "other")

# The boards' words (upper case) -> a status. Checked in order: a prefix or word
# match, so "ACTIVE - PROBATION" is active and "NOT RENEWED" inactive.
_STATUS_WORDS = (
    ("revoked", ("REVOKED", "REVOCATION", "SURRENDERED", "DENIED")),
    ("suspended", ("SUSPENDED", "SUSPENSION", "SUMMARY SUSPENSION")),
    ("expired", ("EXPIRED", "LAPSED", "DELINQUENT")),
    ("inactive", ("INACTIVE", "NOT RENEWED", "CLOSED", "RETIRED", "CANCELLED", "CANCELED", "VOID", "DECEASED",
                  "NULL AND VOID")),
    ("active", ("ACTIVE", "CURRENT", "VALID", "ISSUED", "LICENSED", "RENEWED")),
)

ROSTER_PREFIX = "roster:"


def normalise_status(raw: Any) -> str | None:
    """'Active' -> 'active', 'LAPSED DUE TO NON-RENEWAL' -> 'expired'; unknown words 'other'; empty None."""
    text = " ".join(str(raw or "").replace("_", " ").split()).upper()
    if not text:
        return None
    words = set(text.replace("-", " ").replace("/", " ").split())
    for status, spellings in _STATUS_WORDS:
        for spelling in spellings:
            if text.startswith(spelling) or (" " not in spelling and spelling in words):
                return status
    return "other"


def is_disciplined(record: Mapping[str, Any]) -> bool:
    value = record.get("disciplined")
    return value is True or str(value).lower() == "true"


def is_roster(record: Mapping[str, Any]) -> bool:
    """A record a state board's roster gave (its source is `roster:<board>`)."""
    return str(record.get("source") or "").startswith(ROSTER_PREFIX)


def effective_status(record: Mapping[str, Any], today: date | None = None) -> str | None:
    """The record's status, 'expired' when it says active but its expiry date has passed."""
    status = record.get("status")
    expires = record.get("expires")
    if status == "active" and isinstance(expires, str) and len(expires) == 10 \
            and expires < (today or date.today()).isoformat():
        return "expired"
    return status


def board_records(listing: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [r for r in listing.get("licenses") or () if isinstance(r, Mapping) and is_roster(r)]


def board_confirmed(listing: Mapping[str, Any], today: date | None = None) -> bool:
    """True when a board roster holds an active, unexpired licence in the listing's state."""
    state = (listing.get("state") or "").upper()
    return bool(state) and any(
        (r.get("state") or "").upper() == state and effective_status(r, today) == "active"
        for r in board_records(listing))


def board_warning(listing: Mapping[str, Any], today: date | None = None) -> str | None:
    """What a reader must see about a board's records: 'licence expired 2023-09-01',
    'licence revoked', 'board action on record'; None when nothing is amiss."""
    for record in board_records(listing):
        status = effective_status(record, today)
        if status in ("expired", "inactive", "suspended", "revoked"):
            when = f" {record['expires']}" if status == "expired" and record.get("expires") else ""
            return f"licence {status}{when}"
    if any(is_disciplined(r) for r in board_records(listing)):
        return "board action on record"
    return None
