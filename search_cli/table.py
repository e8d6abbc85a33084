"""The search results table that `knead search` draws on a terminal, with rich.

Kept apart from the command so that its layout (columns, facet lines under
it) can change without touching the search options or the export writers.
"""

from __future__ import annotations

from search_cli.output import phone_display

FACETS_SHOWN = 8  # per facet under the table


def _first_ids(ids: list[str], wanted, shown: int = 3) -> str:
    """The ids asked for first, then the others; at most `shown`, then "+N" (80 columns)."""
    wanted = set(wanted or ())
    ordered = [i for i in ids if i in wanted] + [i for i in ids if i not in wanted]
    more = f" +{len(ordered) - shown}" if len(ordered) > shown else ""
    return ", ".join(ordered[:shown]) + more


def _table(console, result, near, request) -> None:
    from rich import box
    from rich.table import Table

    # No vertical rules: at 80 columns every character goes to the values.
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Name", overflow="fold")
    table.add_column("Where", overflow="fold")
    table.add_column("Techniques", overflow="fold")
    table.add_column("Insurance", overflow="fold")
    table.add_column("Phone", no_wrap=True)
    for row in result.results:
        who = ", ".join(filter(None, [row.get("name") or "(no name)", *row.get("credentials", [])]))
        if row.get("stale"):
            who += " (stale)"
        if row.get("business"):
            who += f"\n{row['business']}"
        where = ", ".join(filter(None, (row.get("city"), row.get("state"))))
        if near:
            where += f"\n{row['distance_miles']:.1f} mi"
        table.add_row(who, where, _first_ids(row.get("techniques") or [], request.techniques),
                      _first_ids(row.get("insurance") or [], request.insurance), phone_display(row.get("phone")))
    if result.results:
        console.print(table)
    place = f" within {request.radius_miles:g} miles of {near[2]}" if near else ""
    console.print(f"Showing {len(result.results)} of {result.total} listings{place}.")
    for facet, title in (("techniques", "Techniques"), ("insurance", "Insurance")):
        counts = list(result.facets.get(facet, {}).items())
        if counts:
            shown = ", ".join(f"{k} {n}" for k, n in counts[:FACETS_SHOWN])
            more = f", +{len(counts) - FACETS_SHOWN} more" if len(counts) > FACETS_SHOWN else ""
            console.print(f"{title}: {shown}{more}")
