"""Reading JSON-LD script blocks leniently, one block at a time.

extruct reads every block of a page in one go and gives up on all of them when
one is not JSON (it already forgives trailing commas and comment lines). This
module is the fallback for such pages: each `application/ld+json` script is
tried as strict JSON, then JSON5 (comments, single quotes, unquoted keys), then
as a JavaScript object literal (chompjs, also for two objects concatenated),
then once more after HTML-unescaping. A block that still fails is counted and
skipped; the others are kept.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import chompjs
import json5
from lxml import etree

_SCRIPTS = etree.XPath('//script[translate(@type, "LDJSON", "ldjson")="application/ld+json"]')
# Wrappers pages put around the JSON: HTML comments and CDATA markers.
_WRAPPER = re.compile(r"^\s*(<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(-->|//\s*\]\]>|\]\]>)\s*$")


def script_texts(tree: Any) -> list[str]:
    """The text of every JSON-LD script in a parsed page, in page order."""
    return [el.text or "" for el in _SCRIPTS(tree)]


def _attempts(text: str) -> list[Any]:
    return [
        lambda t: json.loads(t, strict=False),  # strict=False: raw newlines inside strings
        json5.loads,
        lambda t: list(chompjs.parse_js_objects(t)) or None,
    ]


def parse_block(text: str) -> list[dict[str, Any]] | None:
    """The JSON objects in one script's text ([] for an empty script), or None when unreadable."""
    body = _WRAPPER.sub("", text.strip()).strip()
    if not body:
        return []
    for candidate in (body, html.unescape(body)):
        for attempt in _attempts(candidate):
            try:
                data = attempt(candidate)
            except Exception:  # noqa: BLE001, S112 - each parser has its own error types; the next may read it
                continue
            if data is None:
                continue
            items = data if isinstance(data, list) else [data]
            # chompjs returns a list of the objects it found; flatten one level.
            flat = [x for item in items for x in (item if isinstance(item, list) else [item])]
            objects = [x for x in flat if isinstance(x, dict)]
            if objects or not flat:
                return objects
    return None


def read_blocks(tree: Any) -> tuple[list[dict[str, Any]], int]:
    """(every object of every readable block, how many blocks were unreadable)."""
    objects: list[dict[str, Any]] = []
    bad = 0
    for text in script_texts(tree):
        found = parse_block(text)
        if found is None:
            bad += 1
        else:
            objects.extend(found)
    return objects, bad
