"""The fixed mixed query set, run in process against knead and the two SQLite references.

    python -m tests.benchmarks.queries --data-dir DIR --rounds 5 [--quick]

Each kind has a few queries (`--quick`: the first of each). Every round runs
every query once against knead (`index.search.engine.search`, a fresh searcher each
time, exactly as the CLI does), then against the first FTS5 reference (`fts5`, kept
as history) and the strong SQLite reference (`sqlite_strong`), so all three see
the same machine noise. `--near` places are resolved once, outside the timing.
Prints one JSON line: per kind, all latencies in ms for each engine (wall and
CPU), and the totals each engine found in round 0 (a sanity check that all
answer the same question).
"""

from __future__ import annotations

import argparse
import json
import time

# (kind, request): options as `knead search` takes them (near as a ZIP). Each kind either searches
# the whole country or is "near" a place (issue 17's targets differ: 100 ms and 30 ms p95).
QUERIES: tuple[tuple[str, dict], ...] = (
    ("text", {"query": "low back pain"}),
    ("text", {"query": "sciatica"}),
    ("text", {"query": '"neck pain"'}),
    ("text", {"query": "deep tissue massage"}),
    ("text", {"query": "craniosacral headaches"}),
    ("text near", {"query": "low back pain", "near": "06103", "radius_miles": 25.0}),
    ("text near", {"query": "sciatica", "near": "10001", "radius_miles": 25.0}),
    ("text near", {"query": '"neck pain"', "near": "98101", "radius_miles": 25.0}),
    ("technique", {"techniques": ("deep-tissue",)}),
    ("technique", {"techniques": ("acupressure",)}),  # includes shiatsu
    ("technique", {"techniques": ("craniosacral", "myofascial-release")}),
    ("technique near", {"techniques": ("deep-tissue",), "near": "02116", "radius_miles": 25.0}),
    ("technique near", {"techniques": ("acupressure",), "near": "94103", "radius_miles": 25.0}),
    ("insurance", {"insurance": ("aetna",)}),
    ("insurance", {"insurance": ("medicare", "bcbs")}),
    ("insurance", {"accepts_insurance": True}),
    ("insurance near", {"insurance": ("aetna",), "near": "19103", "radius_miles": 25.0}),
    ("insurance near", {"accepts_insurance": True, "near": "10001", "radius_miles": 10.0}),
    ("near", {"near": "06103", "radius_miles": 10.0}),
    ("near", {"near": "10001", "radius_miles": 25.0}),
    ("near", {"near": "98101", "radius_miles": 50.0}),
    ("text+filters", {"query": "back pain", "techniques": ("deep-tissue",), "insurance": ("aetna",)}),
    ("text+filters", {"query": "neck pain", "accepts_insurance": True, "state": "CA"}),
    ("text+filters near", {"query": "sciatica", "techniques": ("myofascial-release",), "near": "19103", "radius_miles": 25.0}),
    ("text+filters near", {"query": "back pain", "techniques": ("deep-tissue",), "insurance": ("aetna",),
                           "near": "10001", "radius_miles": 25.0}),
    ("distance-sort", {"techniques": ("swedish",), "near": "02116", "radius_miles": 25.0, "sort": "distance"}),
    ("distance-sort", {"query": "neck pain", "near": "94103", "radius_miles": 40.0, "sort": "distance"}),
    ("facets", {}),  # every listing: facet counts over the whole index
    ("facets", {"state": "CA"}),
)
KINDS = tuple(dict.fromkeys(kind for kind, _ in QUERIES))
# The kinds whose every query is --near a place (issue 17: p95 <= 30 ms; the others <= 100 ms).
NEAR_KINDS = tuple(k for k in KINDS if all("near" in options for kind, options in QUERIES if kind == k))


def query_set(quick: bool = False) -> list[tuple[str, dict]]:
    if not quick:
        return list(QUERIES)
    seen, out = set(), []
    for kind, request in QUERIES:
        if kind not in seen:
            seen.add(kind)
            out.append((kind, request))
    return out


# The engines, in the order each round runs them: knead, then the references.
REFERENCES = ("fts5", "strong")


def prepare(options: dict, root) -> tuple:
    """A query's options -> (knead's SearchRequest, the references' keyword arguments); `root`: a DataDir."""
    from index.geo.places import resolve_near
    from index.model import vocabulary
    from index.search.engine import SearchRequest

    options = dict(options)
    if "near" in options:
        lat, lon, _ = resolve_near(options["near"], root.root)
        options["near"] = (lat, lon)
    request = SearchRequest(**options)
    techniques = tuple(t for tech in request.techniques for t in vocabulary.expand_technique(tech))
    reference = {"query": request.query, "techniques": techniques, "insurance": request.insurance,
                 "accepts_insurance": request.accepts_insurance, "near": request.near,
                 "radius": request.radius_miles, "sort": request.sort,
                 "state": request.state[0] if request.state else None}  # the references take one state
    return request, reference


def run(data_dir: str, rounds: int, quick: bool, references: tuple[str, ...] = REFERENCES) -> dict:
    from index.records.datadir import DataDir
    from index.search.engine import search
    from tests.benchmarks import fts5, sqlite_strong

    root = DataDir.resolve(data_dir)
    modules = {"fts5": fts5, "strong": sqlite_strong}
    engines = {name: (modules[name].search, modules[name].connect(data_dir)) for name in references}
    chosen = query_set(quick)
    prepared = [(kind, *prepare(options, root)) for kind, options in chosen]
    names = ("knead", *references)
    times = {kind: {key: [] for name in names for key in (name, f"{name}_cpu")} for kind, _, _ in prepared}
    clock = time.thread_time  # CPU time of this thread: what the query cost, whatever else the machine ran
    totals = []
    for round_ in range(rounds + 1):  # round 0 warms caches and is not counted
        for (kind, request, reference), (_, options) in zip(prepared, chosen):
            c0, t0 = clock(), time.perf_counter()
            found = {"knead": search(root.index_root, request).total}
            spent = {"knead": (time.perf_counter() - t0, clock() - c0)}
            for name in references:
                engine, conn = engines[name]
                c0, t0 = clock(), time.perf_counter()
                found[name] = engine(conn, **reference)["total"]
                spent[name] = (time.perf_counter() - t0, clock() - c0)
            if round_:
                for name, (wall, cpu) in spent.items():
                    times[kind][name].append(wall * 1000)
                    times[kind][f"{name}_cpu"].append(cpu * 1000)
            else:
                totals.append({"kind": kind, "options": options, **found})
    return {"times_ms": times, "totals": totals, "queries": len(prepared), "rounds": rounds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one query per kind")
    parser.add_argument("--references", nargs="+", choices=REFERENCES, default=list(REFERENCES))
    args = parser.parse_args()
    print(json.dumps(run(args.data_dir, args.rounds, args.quick, tuple(args.references))))


if __name__ == "__main__":
    main()
