"""Generic HTML text helpers for the pure parsers: clean text, lines, comma lists.

Shared by every directory parser; they take lxml elements or parsel Selectors
and return plain strings, never raising on odd markup.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

_CSS = HTMLTranslator()  # the translator parsel uses for HTML selectors


def css_xpath(query: str) -> etree.XPath:
    """A CSS query compiled once to run on lxml elements, with parsel's semantics
    (`::attr(name)` and `::text` included; results are plain `str`)."""
    return etree.XPath(_CSS.css_to_xpath(query), smart_strings=False)


_STRING_VALUE = etree.XPath("string()", smart_strings=False)


def string_value(el: Any) -> str:
    """XPath `string()` of an element: its descendant text, as parsel's `.xpath("string()")`."""
    return _STRING_VALUE(el)


def collapse_space(text: str | None) -> str:
    """Collapse white space (including NBSP) and strip."""
    # str.split() splits at exactly what the regex `\s` matches (NBSP included), 4x faster.
    return " ".join((text or "").split())


def text_or_none(text: str | None) -> str | None:
    text = collapse_space(text)
    return text or None


def as_selector(obj: Any) -> Selector:
    """Accept a parsel/Scrapy Selector, a TextResponse or an HTML string."""
    if isinstance(obj, str):
        return Selector(text=obj)
    selector = getattr(obj, "selector", None)  # TextResponse
    if selector is not None and not isinstance(obj, Selector):
        return selector
    return obj


def is_element(node: Any) -> bool:
    # lxml comments and processing instructions have a non-string tag.
    return isinstance(getattr(node, "tag", None), str)


def text_lines(nodes: list[Any], head: str | None = "") -> list[str]:
    """Text of lxml nodes, split into lines at `<br>`, each line collapsed.

    `head` is text that precedes the first node (a parent's `.text` or a
    label's `.tail`).
    """
    lines: list[str] = [head or ""]
    for node in nodes:
        if is_element(node):
            if node.tag == "br":
                lines.append("")
            else:
                for sub_line in element_lines(node):
                    lines[-1] += sub_line
                    lines.append("")
                lines.pop()
        lines[-1] += node.tail or ""
    return [line for line in (collapse_space(x) for x in lines) if line]


def element_lines(el: Any) -> list[str]:
    """Lines of one element's text (split at nested `<br>`), not collapsed."""
    if el.tag == "br":
        return ["", ""]
    parts = [el.text or ""]
    for child in el:
        if is_element(child):
            child_lines = element_lines(child)
            parts[-1] += child_lines[0]
            parts.extend(child_lines[1:])
        parts[-1] += child.tail or ""
    return parts


def own_text(el: Any) -> str:
    """An element's text without nested lists (for `<li>` inside `<li>`)."""
    out = [el.text or ""]
    for child in el:
        if is_element(child) and child.tag not in ("ul", "ol"):
            out.append(child.text_content())
        out.append(child.tail or "")
    return collapse_space("".join(out))


def split_list(text: str) -> list[str]:
    """Split "A, B (x, y); and C." into ["A", "B (x, y)", "C"].

    Commas and semicolons separate values except inside parentheses; "/" and
    "&" never do (the vocabulary mapper reads "HSA / FSA" as one value).
    """
    values: list[str] = []
    depth = 0
    current = ""
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        if ch in ",;" and depth == 0:
            values.append(current)
            current = ""
        else:
            current += ch
    values.append(current)
    values = [re.sub(r"^(?:and|&)\s+", "", collapse_space(v), flags=re.I) for v in values]  # "A, B, and C"
    if len(values) > 1:
        values[-1] = re.sub(r"(?<![A-Z])\.$", "", values[-1])  # "English, Spanish." (not "M.A.")
    return [v for v in values if v]


def dedupe(values: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        key = value.casefold()
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def has_class_xpath(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Elements whose text is code or markup, never content a person wrote.
NON_CONTENT_TAGS = ("script", "style", "noscript", "template")


_NON_CONTENT = etree.XPath("|".join(f"//{tag}" for tag in NON_CONTENT_TAGS))


def drop_non_content(root: Any) -> None:
    """Remove script, style, noscript and template elements in place, keeping the text after them."""
    for el in _NON_CONTENT(root):
        parent = el.getparent()
        if parent is None:
            continue
        tail = el.tail or ""
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
        parent.remove(el)

