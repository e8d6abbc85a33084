"""`knead show ID|URL`: one therapist or practice in full, as the search shows it (merged).

The id is the one every search output carries (the dim line under each
listing in the table, `id` in JSON, CSV and the other exports), or the id of
any listing merged into that result (the store of record keeps which result
each listing belongs to); the profile URL works too, whatever host and port
it was crawled from, and so does an id typed without its `<source>:` prefix
when only one source has that key. An id that matches nothing is a one-line
error (exit 1) with the closest ids, found with rapidfuzz (fast enough over
100,000 ids on the error path). The result is read from the served index;
with none (`--no-index`, not built yet), the store's listing is shown.

The text view shows every value a person may act on: contact details,
hours, whether the therapist takes new clients, techniques and insurance as
knead's ids *and* as the directory wrote them, the bio, when knead first and
last saw the listing, and where it came from. For a result several sources
list, each value says which sources gave it, a practice's values are marked
as the practice's, and "Other values" lists what the other sources said
(search_cli.show_sources). `--format json` prints the stored result object
(the fields of README's listing table, plus `first_seen`, `last_seen`,
`stale`, `stale_since` and, for a merged result, `sources`, `field_sources`,
`practices`, `from_practice`, `alternatives`, `license_verified`).
"""

from __future__ import annotations

from typing import Any

import click

from index.model.hours import readable
from index.model.listing import license_label
from index.records.datadir import DataDir
from search_cli import show_sources
from search_cli.output import render_table, stdout_is_terminal, to_json, write_output

CLOSE_SCORE = 80  # rapidfuzz ratio (0-100) for an id to be offered as "did you mean"


class ListingNotFound(click.ClickException):
    """An id or URL that names no listing: exit 1, with the closest ids when there are any."""


@click.command("show")
@click.argument("listing", metavar="ID|URL")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default=None,
              help="text (default on a terminal) or json (default otherwise): the stored listing object.")
@click.pass_obj
def show(data_dir: DataDir, listing: str, fmt: str | None) -> None:
    """Show one therapist in full: contact, hours, techniques and insurance as written, when seen, sources.

    ID is the id that `knead search` shows under each listing (and every
    export holds in `id`), e.g. amta:maria-lopez-hartford, or the id of any
    source's listing merged into it; the profile page's URL works too. Each
    value says which sources gave it, and other values sources gave are
    listed.

    \b
    Examples:
      knead show amta:maria-lopez-hartford
      knead show https://directory.example/famt/maria-lopez-hartford --format json
    """
    row = find_result(data_dir, listing.strip())
    if (fmt or ("text" if stdout_is_terminal() else "json")) == "json":
        from index.model.listing import FIELD_NAMES

        # The listing fields in their documented order (the store keeps them sorted), then the store's own.
        ordered = {k: row[k] for k in FIELD_NAMES if k in row} | {k: v for k, v in row.items() if k not in FIELD_NAMES}
        write_output(to_json(ordered), None)
    else:
        write_output(render_table(lambda console: _render(console, row)), None)


def find_result(data_dir: DataDir, wanted: str) -> dict[str, Any]:
    """The result `wanted` names, as the served index holds it (merged across sources): any member's
    id or URL finds it. Without a served index (never built, `--no-index`, outdated or damaged), the
    store's listing itself."""
    from index.search.generations import IndexDamaged, IndexMissing
    from index.search.lookup import stored_result

    listing, result_id = find_listing(data_dir, wanted)
    try:
        found = stored_result(data_dir.index_root, result_id)
    except (IndexMissing, IndexDamaged):
        found = None
    return found or listing


def find_listing(data_dir: DataDir, wanted: str) -> tuple[dict[str, Any], str]:
    """The listing `wanted` names (id, URL, or id without its source) and the id of the result it
    belongs to; click errors otherwise (several listings only when they are different results)."""
    from index.records.store import RecordStore, StoreDamaged

    if not data_dir.records_path.exists():
        raise click.ClickException(f"Nothing crawled yet in {data_dir.root}: run `knead crawl` first.")
    try:
        with RecordStore(data_dir.records_path) as store:
            if wanted.lower().startswith(("http://", "https://")):
                found = store.listings_at_url(wanted)
            else:
                one = store.listing(wanted)
                found = [one] if one else []
                if not found and ":" not in wanted:  # typed without its source
                    found = [store.listing(i) for i in store.ids_with_key(wanted)]
            results = list(dict.fromkeys(store.result_of(x["id"]) for x in found))
            if len(results) == 1:
                return next((x for x in found if x["id"] == results[0]), found[0]), results[0]
            if len(found) > 1:
                ids = ", ".join(x["id"] for x in found)
                raise click.ClickException(f"'{wanted}' names {len(found)} listings ({ids}): give one of these ids.")
            close = closest_ids(wanted, store.listing_ids())
    except StoreDamaged as exc:
        raise click.ClickException(str(exc)) from None
    hint = (f"; did you mean {' or '.join(repr(i) for i in close)}?" if close
            else ": `knead search` shows each listing's id under it.")
    raise ListingNotFound(f"No listing '{wanted}' in {data_dir.root}{hint}")


def closest_ids(wanted: str, ids: list[str], n: int = 3) -> list[str]:
    """Up to `n` ids that look like `wanted`, best first (compared without the source when
    `wanted` has none)."""
    from rapidfuzz import fuzz, process

    def key(text: str) -> str:
        return text if ":" in wanted else text.split(":", 1)[-1]

    matches = process.extract(wanted, ids, scorer=fuzz.ratio, processor=key, limit=n, score_cutoff=CLOSE_SCORE)
    return [match for match, _score, _index in matches]


def _as_written(kind: str, ids: list[str], raw: list[str]) -> list[str]:
    """Each value as the directory wrote it, with the knead ids it maps to ("Stone Massage -> hot-stone")."""
    from index.model import vocabulary

    lines = []
    for value in raw:
        mapped, unmapped = vocabulary.map_values(kind, [value])
        if mapped:
            target = ", ".join(mapped)
        elif unmapped or kind != vocabulary.INSURANCE:
            target = "no knead id"
        else:  # counted by the vocabulary as a way to pay (cash, Venmo), not as coverage
            target = "a way to pay, not insurance"
        lines.append(f"\u201c{value}\u201d \u2192 {target}")
    return lines or ([] if not ids else ["(no original wording kept)"])


def _fields(row: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) pairs, in reading order; empty values left out."""
    from index.model import vocabulary
    from search_cli.writers import display

    new_clients = {True: "accepting", False: "not accepting"}.get(row.get("accepting_new_clients"), "not stated")
    if row.get("accepting_new_clients_raw"):
        new_clients += f" (as written: \u201c{row['accepting_new_clients_raw']}\u201d)"
    phone = display.phone(row.get("phone"))
    if row.get("phone_raw") and not (row.get("phone") or "").startswith("+"):
        phone = f"{phone} (as written: {row['phone_raw']})" if phone else row["phone_raw"]
    techniques = "\n".join([", ".join(row.get("techniques") or []),
                            *_as_written(vocabulary.TECHNIQUE, row.get("techniques") or [], row.get("techniques_raw") or [])])
    insurance = "\n".join([", ".join(row.get("insurance") or []),
                           *_as_written(vocabulary.INSURANCE, row.get("insurance") or [], row.get("insurance_raw") or [])])
    accepts = {True: "takes health insurance", False: "does not take health insurance"}.get(row.get("accepts_insurance"), "")
    seen = row.get("stale_since")

    def said(text: str, field: str) -> str:  # the sources of a merged result's value (search_cli.show_sources)
        note = show_sources.said_by(row, field)
        if not text or not note:
            return text
        return text + ("\n" + note.strip() if "\n" in text else note)  # a multi-line value: on a line of its own

    def per_source(text: str, field: str) -> str:
        return "\n".join([text, *show_sources.by_source_lines(row, field)]) if text else ""

    merged = show_sources.is_merged(row)
    return [
        ("Address", said(display.address(row) or row.get("address_raw") or "", "address")),
        ("Phone", said(phone, "phone")),
        ("Email", said(row.get("email") or "", "email")),
        ("Website", said(row.get("website") or "", "website")),
        ("Hours", said(readable(row.get("hours")) or "\n".join(row.get("hours_raw") or []), "hours")),
        ("New clients", said(new_clients, "accepting_new_clients")),
        ("Price", said(row.get("price_range") or "", "price_range")),
        ("Practice", "\n".join(show_sources.practice_lines(row))),
        ("Techniques", per_source(techniques.strip("\n"), "techniques")),
        ("Insurance", per_source("\n".join(filter(None, (accepts, insurance.strip("\n")))), "insurance")),
        ("Conditions", per_source(", ".join(row.get("conditions") or []), "conditions")),
        ("Settings", per_source(", ".join(row.get("settings") or []), "settings")),
        ("Languages", per_source(", ".join(row.get("languages") or []), "languages")),
        ("Gender", said(row.get("gender") or "", "gender")),
        ("License", "\n".join(filter(None, (row.get("license"),
                                             *(license_label(x) for x in row.get("licenses") or []),
                                             show_sources.verified_line(row))))),
        ("NPI", said(row.get("npi") or "", "npi")),
        ("Bio", said(row.get("bio") or "", "bio")),
        ("Other values", "\n".join(show_sources.alternative_lines(row))),
        ("Updated", row.get("profile_updated") or row.get("profile_updated_raw") or ""),
        ("First seen", _when(row.get("first_seen"))),
        ("Last seen", _when(row.get("last_seen")) + (f" (stale: no longer found since {_when(seen)})" if seen else "")),
        ("Sources", "\n".join(show_sources.source_lines(row))) if merged else
        ("Source", " ".join(filter(None, (row.get("source"), row.get("url"))))),
    ]


def _when(stamp: str | None) -> str:
    """"2025-01-02T03:04:05+00:00" -> "2025-01-02 03:04 UTC"."""
    if not stamp:
        return ""
    return f"{stamp[:10]} {stamp[11:16]} UTC" if len(stamp) >= 16 else stamp


def _render(console, row: dict[str, Any]) -> None:
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    console.print(Text(", ".join(filter(None, [row.get("name") or "(no name)", *row.get("credentials", [])])),
                       style="bold"))
    if row.get("business"):
        console.print(Padding(Text(row["business"], style="italic"), (0, 0, 0, 2)))
    console.print(Text(row.get("id") or "", style="dim"), soft_wrap=True)
    console.print()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column()
    for label, value in _fields(row):
        if value:
            grid.add_row(label, Text(value, overflow="fold"))  # a long URL folds, never cut
    console.print(grid)
