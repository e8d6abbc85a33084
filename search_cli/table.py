"""The search results table that `knead search` draws on a terminal (or with `--format table`), with rich.

What a person reads at 80 columns, and why it is laid out this way:

- Four columns: the person (name and credentials, the business indented
  under it, markers such as "not accepting new clients", what a state
  board's roster or the NPI registry says of the licence, and how many
  sources list the therapist when several were merged into one), where (city,
  distance, phone), techniques and insurance. Each column is at least as
  wide as its longest word (rich's own measurement of each cell), so no
  word is ever broken mid-word; the room left is shared in proportion to
  what each column still wants. When even the longest words do not fit side
  by side (a very narrow terminal), every listing is stacked instead.
- The listing's id, the one `knead show ID` takes, is a dim line under each
  listing across the whole width: ids run to 40 characters, more than any
  column has at 80. So each listing is its own one-row rich Table with the
  same fixed column widths, which keeps the columns aligned, followed by its
  id line and a blank line that separates it from the next.
- Facet counts under the table wrap between entries ("aromatherapy 2"
  stays on one line), with a hanging indent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from search_cli.output import phone_display, wrap_entries

FACETS_SHOWN = 8  # per facet under the table
GAP = 2  # between columns: the (blank) rule of box.SIMPLE_HEAD and one space of padding
HEADERS = ("Name", "Where", "Techniques", "Insurance")


def first_ids(ids: list[str], wanted, shown: int = 3) -> str:
    """The ids asked for first, then the others; at most `shown`, then "+N" (80 columns)."""
    wanted = set(wanted or ())
    ordered = [i for i in ids if i in wanted] + [i for i in ids if i not in wanted]
    more = f" +{len(ordered) - shown}" if len(ordered) > shown else ""
    return ", ".join(ordered[:shown]) + more


def _cells(row: dict[str, Any], near, request) -> list:
    """The four cells of one listing, as rich renderables."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    who = [Text(", ".join(filter(None, [row.get("name") or "(no name)", *row.get("credentials", [])])),
                style="bold")]
    if row.get("business"):
        # Indented and in italics: the practice, not a second person.
        who.append(Padding(Text(row["business"], style="italic"), (0, 0, 0, 2)))
    if row.get("accepting_new_clients") is False:
        who.append(Text("not accepting new clients", style="yellow"))
    if row.get("stale"):
        who.append(Text("stale: no longer found", style="yellow"))
    who += _board_marks(row)
    sources = _source_names(row)
    if len(sources) > 1:  # one therapist that several sources list (issue 15): `knead show` tells which gave what
        who.append(Text(f"{len(sources)} sources: {', '.join(sources)}", style="cyan"))
    where = [", ".join(filter(None, (row.get("city"), row.get("state"))))]
    if near and row.get("distance_miles") is not None:
        where.append(f"{row['distance_miles']:.1f} mi")
    where.append(phone_display(row.get("phone")))
    return [Group(*who), Text("\n".join(filter(None, where))),
            Text(first_ids(row.get("techniques") or [], request.techniques)),
            Text(first_ids(row.get("insurance") or [], request.insurance))]


def _board_marks(row: dict[str, Any]) -> list:
    """What a state board's roster says, plainly: a licence it confirms, or one that lapsed or drew an action."""
    from rich.text import Text

    from index.model import licence

    marks = []
    if licence.board_confirmed(row):
        marks.append(Text(f"\u2713 licence confirmed by the {row['state']} board", style="green"))
    elif row.get("license_verified"):  # the merge's rule (issue 15): the registry's record, or a board's
        registry = any(r.get("source") == "nppes" and r.get("state") == row.get("state")
                       for r in row.get("licenses") or ())
        marks.append(Text("\u2713 licence verified" + (" by the NPI registry" if registry else ""), style="green"))
    warning = licence.board_warning(row)
    if warning:
        marks.append(Text(f"! {warning}", style="bold red"))
    return marks


def _source_names(row: dict[str, Any]) -> list[str]:
    """The sources of a merged result's members, each once ("amta", "nppes", "roster:tx")."""
    return list(dict.fromkeys(s.get("source") for s in row.get("sources") or () if s.get("source")))


def column_widths(console, rows: Sequence[Sequence], width: int) -> list[int] | None:
    """Widths for the columns of `rows` within `width`, none narrower than its longest word;
    None when the longest words alone do not fit side by side."""
    from rich.measure import Measurement

    options = console.options.update_width(width)
    low = [len(h) for h in HEADERS]
    high = list(low)
    for cells in rows:
        for i, cell in enumerate(cells):
            m = Measurement.get(console, options, cell)
            low[i], high[i] = max(low[i], m.minimum), max(high[i], m.maximum)
    room = width - GAP * (len(HEADERS) - 1)
    if sum(low) > room:
        return None
    spare = room - sum(low)
    widths = list(low)
    # Max-min fair: a column that wants little gets all of it ("New Haven, CT" on one line),
    # the rest is shared evenly by the columns that want more.
    order = sorted(range(len(widths)), key=lambda i: high[i] - low[i])
    for left, i in enumerate(order):
        give = min(high[i] - low[i], spare // (len(order) - left))
        widths[i] += give
        spare -= give
    return widths


def _grid(widths: list[int], header: bool, title: str | None = None):
    from rich import box
    from rich.table import Column, Table

    return Table(*(Column(h, width=w) for h, w in zip(HEADERS, widths)), box=box.SIMPLE_HEAD, show_edge=False,
                 padding=(0, 1, 0, 0), pad_edge=False, show_header=header, title=title, title_justify="left", title_style="bold")


def _stacked(console, cells: list) -> None:
    """One listing as lines, for a terminal too narrow for the columns."""
    from rich.padding import Padding
    from rich.text import Text

    console.print(cells[0])
    for label, cell in zip(HEADERS[1:], cells[1:]):
        if cell.plain:
            value = " \u00b7 ".join(cell.plain.split("\n"))  # city · distance · phone on one wrapped line
            console.print(Padding(Text.assemble((f"{label}: ", "dim"), value), (0, 0, 0, 2)))


def draw_results(console, result, near, request) -> None:
    """The results table, its id lines, the count and the facet lines, printed on `console`."""
    from rich.text import Text

    heading = None
    if getattr(result, "relaxed", False):
        heading = "No listing has every word: these listings have some of them (words OR'ed)."
    rows = [_cells(row, near, request) for row in result.results]
    widths = column_widths(console, rows, console.width) if rows else None
    if rows:
        if heading:
            console.print(Text(heading, style="bold"))
        if widths is not None:
            console.print(_grid(widths, header=True))
        for row, cells in zip(result.results, rows):
            if widths is not None:
                grid = _grid(widths, header=False)
                grid.add_row(*cells)
                console.print(grid)
            else:
                _stacked(console, cells)
            # Never folded, even past a narrow terminal's edge: it is there to be copied.
            console.print(Text(row.get("id") or "", style="dim"), soft_wrap=True)
            console.print()
    place = f" within {request.radius_miles:g} miles of {near[2]}" if near else ""
    console.print(f"Showing {len(result.results)} of {result.total} listings{place}.")
    if rows:
        console.print(Text("`knead show ID` shows a listing in full.", style="dim"))
    for facet, title in (("techniques", "Techniques"), ("insurance", "Insurance")):
        counts = list(result.facets.get(facet, {}).items())
        if counts:
            entries = [f"{k} {n}" for k, n in counts[:FACETS_SHOWN]]
            if len(counts) > FACETS_SHOWN:
                entries.append(f"+{len(counts) - FACETS_SHOWN} more")
            console.print(wrap_entries(f"{title}: ", entries, console.width), soft_wrap=True)
