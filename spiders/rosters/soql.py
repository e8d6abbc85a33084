"""The SODA queries a board's crawl asks, as URL parameters (SoQL; reference §2, §6).

- `where(board)`: `<type column> IN ('Massage Therapist', ...)`, the board's massage licences;
- `count_params(board)`: `count(*) AS n` under that `$where`, checked against the rows read;
- `page_params(board, offset)`: the mapped columns named in `$select` (a stable column set,
  and a column the dataset lacks is a 400 naming it), a unique `$order`, `$limit`, `$offset`;
- `discovery_params(board)`: the licence types of the dataset that mention massage, with
  their counts: run once against the live portal to confirm a board's `massage_types`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from spiders.rosters.boards import Board


def quote(value: str) -> str:
    """A SoQL string literal: single quotes, a quote inside doubled."""
    return "'" + value.replace("'", "''") + "'"


def where(board: Board) -> str:
    return f"{board.type_column} IN ({', '.join(quote(t) for t in board.massage_types)})"


def selected(board: Board) -> list[str]:
    """The columns a page asks for: the licence type and every mapped column."""
    return list(dict.fromkeys([board.type_column, *board.columns.names()]))


def count_params(board: Board) -> dict[str, str]:
    return {"$select": "count(*) AS n", "$where": where(board)}


def page_params(board: Board, offset: int, limit: int | None = None) -> dict[str, str]:
    return {"$select": ", ".join(selected(board)), "$where": where(board), "$order": ", ".join(board.order),
            "$limit": str(limit or board.page_size), "$offset": str(offset)}


def discovery_params(board: Board) -> dict[str, str]:
    column = board.type_column
    return {"$select": f"{column}, count(*) AS n", "$where": f"upper({column}) like '%MASSAGE%'",
            "$group": column, "$order": "n DESC", "$limit": "5000"}


def url(base_url: str, params: dict[str, str]) -> str:
    return f"{base_url}?{urlencode(params)}"
