"""Where each value of a merged result came from, as `knead show` writes it in text.

A result that several sources list (issue 15) carries `sources` (its member
listings), `field_sources` (which members state each value shown),
`from_practice` (fields whose values are a linked practice's), `practices`
and `alternatives` (the other values members gave a single-valued field).
These functions turn them into the short notes beside each value:
"(amta, nppes)", "(the practice's: Harbor Line Massage)", and the lines of
the "Other values", "Practice" and "Sources" rows. A result of one source
gets no notes: its one source is the `Source` row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from search_cli.writers import display

# The listing fields that make up the address, shown as one row.
ADDRESS_FIELDS = ("street", "city", "state", "zip", "address_raw")


def is_merged(result: Mapping[str, Any]) -> bool:
    """More than one member, or values from a linked practice: worth saying where values came from."""
    return len(result.get("sources") or ()) > 1 or bool(result.get("from_practice"))


def _source_names(result: Mapping[str, Any], ids) -> list[str]:
    """Listing ids -> the sources that gave them, each once, in the result's member order; an id of a
    practice's listing (not a member) by its own source prefix."""
    by_id = {s.get("id"): s.get("source") for s in result.get("sources") or ()}
    names = [by_id.get(i) or str(i).partition(":")[0] for i in ids or ()]
    return list(dict.fromkeys(n for n in names if n))


def _practice_name(result: Mapping[str, Any]) -> str:
    return ", ".join(p.get("name") or p.get("id") or "" for p in result.get("practices") or ()) or "a linked practice"


def said_by(result: Mapping[str, Any], field: str) -> str:
    """" (amta, nppes)" or " (the practice's: Harbor Line Massage)" for a single-valued field; "" when
    nothing is known or the result is not merged."""
    if not is_merged(result):
        return ""
    if field in (result.get("from_practice") or ()):
        return f" (the practice's: {_practice_name(result)})"
    fields = ADDRESS_FIELDS if field == "address" else (field,)
    sources = (result.get("field_sources") or {})
    ids = next((sources[f] for f in fields if isinstance(sources.get(f), list) and sources[f]), [])
    names = _source_names(result, ids)
    return f" ({', '.join(names)})" if names else ""


def by_source_lines(result: Mapping[str, Any], field: str) -> list[str]:
    """A list field's values grouped by the sources that give them: "from amta, sites: deep-tissue, cupping"
    ("all from amta" when one set of sources gives them all)."""
    if not is_merged(result):
        return []
    given = (result.get("field_sources") or {}).get(field)
    if not isinstance(given, Mapping):
        return []
    if field in (result.get("from_practice") or ()):
        return [f"the practice's: {_practice_name(result)}"]
    groups: dict[tuple[str, ...], list[str]] = {}
    for value, ids in given.items():
        groups.setdefault(tuple(_source_names(result, ids)), []).append(str(value))
    if len(groups) == 1:  # no need to repeat the values
        return [f"all from {', '.join(next(iter(groups))) or 'unknown'}"]
    return [f"from {', '.join(names) or 'unknown'}: {', '.join(values)}" for names, values in groups.items()]


def _value_text(value: Any) -> str:
    if isinstance(value, Mapping):  # the address as one unit
        return display.address(dict(value)) or str(value.get("address_raw") or "")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def alternative_lines(result: Mapping[str, Any]) -> list[str]:
    """The other values members gave: 'name: “MARIA LOPEZ” (nppes)'."""
    lines = []
    for field, options in (result.get("alternatives") or {}).items():
        for option in options:
            names = _source_names(result, option.get("sources"))
            lines.append(f"{field}: \u201c{_value_text(option.get('value'))}\u201d"
                         + (f" ({', '.join(names)})" if names else ""))
    return lines


def practice_lines(result: Mapping[str, Any]) -> list[str]:
    """The practices a therapist works at: "Harbor Line Massage  sites:harborline.example/"."""
    return ["  ".join(filter(None, (p.get("name"), p.get("id")))) for p in result.get("practices") or ()]


def source_lines(result: Mapping[str, Any]) -> list[str]:
    """One line per member listing: its id and profile URL (its id is what `knead show` takes too)."""
    return ["  ".join(filter(None, (s.get("id"), s.get("url")))) for s in result.get("sources") or ()]


def verified_line(result: Mapping[str, Any]) -> str:
    """What confirms the licence, when the result is `license_verified`: a board's roster, else the registry."""
    from index.model import licence

    if not result.get("license_verified"):
        return ""
    state = result.get("state") or ""
    if licence.board_confirmed(result):
        return f"\u2713 verified: the {state} board's roster confirms an active licence"
    if any(r.get("source") == "nppes" and r.get("state") == state for r in result.get("licenses") or ()):
        return f"\u2713 verified: the NPI registry lists a {state} massage licence"
    return f"\u2713 verified: a licence in {state} is confirmed"
