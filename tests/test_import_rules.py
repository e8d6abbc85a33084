"""The house rules of `index/`, `spiders/` and `search_cli/`, read from the source itself.

Each subpackage of `index/` says in its docstring what it may import; this
test holds them to it, and keeps whoosh3's private names behind their fence
(index/search/whoosh_private) and every module out of other modules' private
names. It parses the source (no imports run), so a rule broken in a code path
no other test reaches still fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("index", "spiders", "search_cli")
FENCE = "index.search.whoosh_private"

# Which parts of knead each room of `index/` may import (itself always).
MAY_IMPORT = {
    "index.model": (),
    "index.geo": ("index.model",),
    "index.search": ("index.model", "index.geo"),
    "index.records": ("index.model", "index.search", "index.merge"),
}
# Third-party packages the library never imports (it sits under the crawl and the CLI).
NOT_IN_INDEX = ("scrapy", "twisted", "click", "rich", "itemadapter", "parsel", "lxml")


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> list[tuple[str, Path, ast.Module]]:
    out = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            out.append((_module_name(path), path, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return out


SOURCES = _sources()


def _imports(tree: ast.Module) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names imported from it) for every import, at any depth."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or ""), [alias.name for alias in node.names]))
    return found


def _within(name: str, room: str) -> bool:
    return name == room or name.startswith(room + ".")


def test_imports_in_index_are_absolute():
    # The room rules below read module names as written.
    relative = [f"{path.relative_to(REPO)}:{line}" for module, path, tree in SOURCES if _within(module, "index")
                for line, name, _ in _imports(tree) if name.startswith(".")]
    assert relative == []


def test_the_sources_were_found():
    names = {module for module, _, _ in SOURCES}
    assert {"index.model.listing", "index.search.engine", "index.records.publish", FENCE + ".writer",
            "spiders.directories.amta", "search_cli.main"} <= names


@pytest.mark.parametrize("room", sorted(MAY_IMPORT))
def test_each_room_of_index_imports_only_what_its_docstring_allows(room):
    allowed = (room, *MAY_IMPORT[room])
    broken = []
    for module, path, tree in SOURCES:
        if not _within(module, room):
            continue
        for line, name, names in _imports(tree):
            targets = [f"{name}.{n}" for n in names] if name == "index" else [name]
            for target in targets:
                if _within(target, "index") and not any(_within(target, a) for a in allowed):
                    broken.append(f"{path.relative_to(REPO)}:{line} imports {target}")
    assert broken == []


def test_nothing_under_index_imports_the_crawl_or_the_cli():
    broken = [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for module, path, tree in SOURCES if _within(module, "index")
        for line, name, _ in _imports(tree)
        if name.split(".")[0] in (*NOT_IN_INDEX, "spiders", "search_cli")
    ]
    assert broken == []


# A named tuple's methods carry an underscore only to stay clear of field names: public API.
NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make"}


def _private_uses(tree: ast.Module) -> list[tuple[int, str]]:
    """`x._name` where x is not self, cls, super() or a class of this module; `from m import _name`."""
    own_classes = {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            if node.attr in NAMEDTUPLE_API:
                continue
            base = node.value
            if isinstance(base, ast.Name) and (base.id in ("self", "cls") or base.id in own_classes):
                continue
            if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "super":
                continue  # a subclass calling its base class's hook
            uses.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.ImportFrom):
            uses += [(node.lineno, f"from {node.module} import {a.name}") for a in node.names
                     if a.name.startswith("_") and not a.name.startswith("__")]
    return uses


# An instance's own method, bound through a variable inside its class's classmethod.
_ALLOWED_OUTSIDE_FENCE = {("spiders.middlewares.retry", "o._response_downloaded")}


def test_only_the_fence_touches_private_names():
    broken = [
        f"{path.relative_to(REPO)}:{line}: {use}"
        for module, path, tree in SOURCES if not _within(module, FENCE)
        for line, use in _private_uses(tree) if (module, use) not in _ALLOWED_OUTSIDE_FENCE
    ]
    assert broken == []


def test_the_fence_is_where_whoosh_private_names_are_used():
    # The rule above would pass vacuously if the fence had moved or emptied.
    inside = [use for module, _, tree in SOURCES if _within(module, FENCE) for _, use in _private_uses(tree)]
    assert any("_postwriter" in use for use in inside) and any("_read_data" in use for use in inside)


def test_the_search_path_is_declared_scrapy_free():
    # `knead search` must start fast; tests/test_search_cli.py checks the modules a real
    # search loads, this checks the modules it is made of.
    for module, path, tree in SOURCES:
        if _within(module, "index.search") or module in ("search_cli.search", "search_cli.options", "search_cli.main"):
            top_level = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
            names = [a.name for n in top_level if isinstance(n, ast.Import) for a in n.names]
            names += [n.module or "" for n in top_level if isinstance(n, ast.ImportFrom)]
            assert not [n for n in names if n.split(".")[0] in ("scrapy", "twisted", "spiders", "zipcodes")], path
