"""One stored result by its id, from the served generation (`knead show`).

The index holds each result as a search shows it (merged across sources,
issue 15); `knead show` reads it from here so that it shows what the search
showed, not a single source's listing.
"""

from __future__ import annotations

import os
from typing import Any

from whoosh import query as wq

from index.search.served import open_generation


def stored_result(index_root: str | os.PathLike[str], result_id: str) -> dict[str, Any] | None:
    """The stored result `result_id` of the served generation, or None when it holds none.

    Raises served.IndexMissing (also IndexOutdated) and IndexDamaged as opening a generation does.
    """
    generation = open_generation(index_root)
    with generation.index.searcher() as searcher:
        docnums = list(searcher.docs_for_query(wq.Term("id", result_id)))
    return generation.listings(docnums[:1])[0] if docnums else None
