"""The page's schema.org nodes as one graph: types normalised, `@id` references resolved.

JSON-LD blocks, `@graph` lists, microdata items and RDFa (expanded by extruct into
full-IRI keys and `@value` lists, compacted here) all become plain nodes:
`{"@type": [...], "@id": ..., "name": ..., ...}`. Nodes refer to each other with
`{"@id": "…"}` objects, in the same block or another; `resolve` replaces each
reference by the node it names (relative ids joined to the page URL), guards
against cycles (a practice's `employee` whose `worksFor` points back) and drops
references that name nothing on the page.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

# knead's business types, lower-case without prefixes (schema.org has no massage type;
# MassageTherapist is unofficial but used on real sites).
BUSINESS_TYPES = frozenset({
    "localbusiness", "healthandbeautybusiness", "dayspa", "medicalbusiness", "physiotherapy",
    "medicalclinic", "medicalorganization", "healthclub", "beautysalon", "professionalservice",
    "massagetherapist",
})
# Subtypes of the generic business types that are never a massage practice.
NOT_MASSAGE_TYPES = frozenset({
    "nailsalon", "hairsalon", "tattooparlor", "restaurant", "foodestablishment", "cafeorcoffeeshop",
    "bar", "barorpub", "bakery", "store", "autorepair", "dentist", "pharmacy", "hotel", "lodgingbusiness",
})
PERSON = "person"
PAGE_TYPES = frozenset({"webpage", "website", "breadcrumblist", "itempage", "aboutpage", "contactpage",
                        "collectionpage", "profilepage", "imageobject", "searchaction"})
MAX_DEPTH = 8  # nesting bound for resolving and walking (offer catalogs, people)

_TYPE_PREFIX = re.compile(r"^(https?://)?(www\.)?(schema\.org/|schema:)", re.IGNORECASE)
_SCHEMA_KEY = re.compile(r"^https?://(www\.)?schema\.org/")


def type_names(node: Any) -> set[str]:
    """`@type` as lower-case names without prefixes: "https://schema.org/DaySpa" -> {"dayspa"}."""
    if not isinstance(node, dict):
        return set()
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {_TYPE_PREFIX.sub("", v).strip().lower() for v in values if isinstance(v, str) and v.strip()}


def compact_rdfa(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """extruct's expanded RDFa (full-IRI keys, `@value` lists) as plain schema.org nodes."""
    out = []
    for node in nodes:
        types = [t for t in node.get("@type", []) if _SCHEMA_KEY.match(t)]
        keys = [k for k in node if _SCHEMA_KEY.match(k)]
        if not types and not keys:
            continue  # rdfa:usesVocabulary and other bookkeeping nodes
        compact: dict[str, Any] = {"@id": node.get("@id"), "@type": types}
        for key in keys:
            values = [v.get("@value", v) if isinstance(v, dict) and "@value" in v else v for v in node[key]]
            # rdflib hands a property's values back in a random order: sort the texts, so a page reads the same every time.
            values.sort(key=lambda v: (isinstance(v, dict), "" if isinstance(v, dict) else str(v)))
            compact[_SCHEMA_KEY.sub("", key)] = values[0] if len(values) == 1 else values
        out.append(compact)
    return out


def _flatten(data: Any) -> list[dict[str, Any]]:
    """Top-level objects of a block: lists and `@graph` members one by one."""
    out: list[dict[str, Any]] = []
    for item in data if isinstance(data, list) else [data]:
        if not isinstance(item, dict):
            continue
        graph = item.get("@graph")
        if isinstance(graph, (list, dict)):
            out.extend(_flatten(graph))
        else:
            out.append(item)
    return out


def _is_ref(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"@id"}


class Graph:
    """Every node of a page, indexed by absolute `@id`."""

    def __init__(self, objects: list[Any], page_url: str) -> None:
        self.page_url = page_url
        self.nodes = _flatten(objects)
        self.by_id: dict[str, dict[str, Any]] = {}
        for node in self.nodes:
            self._index(node, 0)

    def _absolute(self, node_id: Any) -> str | None:
        if not isinstance(node_id, str) or not node_id.strip():
            return None
        node_id = node_id.strip()
        return node_id if node_id.startswith("_:") else urljoin(self.page_url, node_id)

    def _index(self, node: Any, depth: int) -> None:
        """Register every node with an `@id` (embedded ones too) that says more than its id."""
        if depth > MAX_DEPTH:
            return
        if isinstance(node, list):
            for item in node:
                self._index(item, depth + 1)
        elif isinstance(node, dict):
            node_id = self._absolute(node.get("@id"))
            if node_id and not _is_ref(node):
                known = self.by_id.setdefault(node_id, {})
                for key, value in node.items():
                    known.setdefault(key, value)  # the same node in two blocks: first value wins
            for key, value in node.items():
                if key != "@id":
                    self._index(value, depth + 1)

    def resolve(self, value: Any, seen: frozenset[str] = frozenset(), depth: int = 0) -> Any:
        """`value` with references replaced by their nodes; cycles and unknown references dropped."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(value, list):
            items = [self.resolve(v, seen, depth + 1) for v in value]
            return [v for v in items if v is not None]
        if not isinstance(value, dict):
            return value
        node_id = self._absolute(value.get("@id"))
        if _is_ref(value):
            if node_id is None or node_id in seen or node_id not in self.by_id:
                # RDFa writes a link (tel:, mailto:, a URL) as a reference to a node that is not there.
                return value["@id"] if node_id and node_id not in self.by_id and not node_id.startswith("_:") \
                    and node_id not in seen else None
            value = self.by_id[node_id]
        elif node_id in self.by_id:
            value = {**self.by_id[node_id], **value}
        inner = seen | {node_id} if node_id else seen
        return {k: (v if k in ("@id", "@type", "@context") else self.resolve(v, inner, depth + 1))
                for k, v in value.items()}
