"""The fixed mixed query set, run in process against knead and the FTS5 reference.

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

# (kind, request): options as `knead search` takes them (near as a ZIP).
QUERIES: tuple[tuple[str, dict], ...] = (
    ("text", {"query": "low back pain"}),
    ("text", {"query": "sciatica"}),
    ("text", {"query": '"neck pain"'}),
    ("text", {"query": "deep tissue massage"}),
    ("text", {"query": "craniosacral headaches"}),
    ("technique", {"techniques": ("deep-tissue",)}),
    ("technique", {"techniques": ("acupressure",)}),  # includes shiatsu
    ("technique", {"techniques": ("craniosacral", "myofascial-release")}),
    ("insurance", {"insurance": ("aetna",)}),
    ("insurance", {"insurance": ("medicare", "bcbs")}),
    ("insurance", {"accepts_insurance": True}),
    ("near", {"near": "06103", "radius_miles": 10.0}),
    ("near", {"near": "10001", "radius_miles": 25.0}),
    ("near", {"near": "98101", "radius_miles": 50.0}),
    ("text+filters", {"query": "back pain", "techniques": ("deep-tissue",), "insurance": ("aetna",)}),
    ("text+filters", {"query": "sciatica", "techniques": ("myofascial-release",), "near": "19103", "radius_miles": 25.0}),
    ("text+filters", {"query": "neck pain", "accepts_insurance": True, "state": "CA"}),
    ("distance-sort", {"techniques": ("swedish",), "near": "02116", "radius_miles": 25.0, "sort": "distance"}),
    ("distance-sort", {"query": "neck pain", "near": "94103", "radius_miles": 40.0, "sort": "distance"}),
    ("facets", {}),  # every listing: facet counts over the whole index
    ("facets", {"state": "CA"}),
)
KINDS = tuple(dict.fromkeys(kind for kind, _ in QUERIES))


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


def run(data_dir: str, rounds: int, quick: bool) -> dict:
    from index.records.datadir import DataDir
    from index.search.engine import search
    from tests.benchmarks import fts5, sqlite_strong

    root = DataDir.resolve(data_dir)
    engines = {"fts5": (fts5.search, fts5.connect(data_dir)),
               "strong": (sqlite_strong.search, sqlite_strong.connect(data_dir))}
    prepared = [(kind, *prepare(options, root)) for kind, options in query_set(quick)]
    names = ("knead", *REFERENCES)
    times = {kind: {key: [] for name in names for key in (name, f"{name}_cpu")} for kind, _, _ in prepared}
    clock = time.thread_time  # CPU time of this thread: what the query cost, whatever else the machine ran
    totals = []
    for round_ in range(rounds + 1):  # round 0 warms caches and is not counted
        for kind, request, reference in prepared:
            c0, t0 = clock(), time.perf_counter()
            found = {"knead": search(root.index_root, request).total}
            spent = {"knead": (time.perf_counter() - t0, clock() - c0)}
            for name in REFERENCES:
                engine, conn = engines[name]
                c0, t0 = clock(), time.perf_counter()
                found[name] = engine(conn, **reference)["total"]
                spent[name] = (time.perf_counter() - t0, clock() - c0)
            if round_:
                for name, (wall, cpu) in spent.items():
                    times[kind][name].append(wall * 1000)
                    times[kind][f"{name}_cpu"].append(cpu * 1000)
            else:
                totals.append({"kind": kind, **found})
    return {"times_ms": times, "totals": totals, "queries": len(prepared), "rounds": rounds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one query per kind")
    args = parser.parse_args()
    print(json.dumps(run(args.data_dir, args.rounds, args.quick)))


if __name__ == "__main__":
    main()
