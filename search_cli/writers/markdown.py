"""Markdown: one table (GitHub-flavoured pipe table) for pasting into notes or tickets.

A caption line (count, query, filters, date), then a row per listing, its
last column the id `knead show ID` takes. Every
cell is plain text made inert: backslash escapes for the characters that
Markdown or its tables would act on (`|`, `*`, `_`, `` ` ``, `[`, `]`, `<`,
`>`, `~`, `$`, `!`, `#`, backslash, and `&` where it would start an entity), so listing text can neither break the table nor
become a link, an image or raw HTML; a line break inside a value becomes `<br>`.
"""

from __future__ import annotations

import re
from typing import TextIO

from search_cli.writers import display

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~$!#]|&(?=#?\w+;))")  # & only where it would start an entity
_NEWLINES = re.compile(r"\r\n|\r|\n")


def escape(text: str) -> str:
    """Plain text -> inline Markdown that renders as exactly that text (one line)."""
    lines = _NEWLINES.split(text.strip())
    return "<br>".join(_SPECIAL.sub(r"\\\1", line.strip()) for line in lines)


def write(export, out: TextIO) -> list[str]:
    columns = display.columns(export.near is not None, with_id=True)
    out.write(escape(display.caption(export)) + "\n\n")
    out.write("| " + " | ".join(escape(title) for title, _ in columns) + " |\n")
    out.write("|" + "|".join(" ---: " if title == "Miles" else " --- " for title, _ in columns) + "|\n")
    for row in export.results:
        out.write("| " + " | ".join(escape(value(row)) for _, value in columns) + " |\n")
    return []
