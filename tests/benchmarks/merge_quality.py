"""How right a merge is, against a generated corpus's truth (tests/benchmarks/merge_corpus.py).

`score(corpus, merged)` counts listing pairs, linearly (contingency counts, no
pair enumeration), so it runs at 500,000 listings:

- precision: of the pairs the merge put in one result, the share that are one
  person (or one practice); recall: of the true pairs, the share it put
  together. Verification-only roster rows count: joining one is what verifies.
- recall per hard case (`corpus.cases`): the true pairs of the people who carry
  it, so a low figure says which kind of evidence the merge misses;
- traps (`corpus.distinct`): how many pairs that must never be one result are;
  practices merged into a person;
- practice links: therapists whose result links the result holding their
  practice (recall), and the share of links that point at the right one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def score(corpus: Any, merged: Any) -> dict[str, Any]:
    """`merged`: an index.merge.MergeResult over `corpus.listings`."""
    truth: Mapping[str, str] = corpus.truth
    assignment: Mapping[str, str] = merged.assignment
    cells: Counter[tuple[str, str]] = Counter()
    for listing_id, key in truth.items():
        cells[(assignment.get(listing_id, listing_id), key)] += 1
    by_result: Counter[str] = Counter()
    by_key: Counter[str] = Counter()
    together = 0
    for (result, key), n in cells.items():
        by_result[result] += n
        by_key[key] += n
        together += _pairs(n)
    predicted = sum(_pairs(n) for n in by_result.values())
    true = sum(_pairs(n) for n in by_key.values())
    out: dict[str, Any] = {
        "listings": len(truth), "results": len(merged.results), "entities": len(by_key),
        "precision": together / predicted if predicted else 1.0, "recall": together / true if true else 1.0,
        "pairs": {"true": true, "merged": predicted, "right": together},
    }
    # Recall per hard case: the true pairs of the people carrying it, and how many were put together.
    case_true: Counter[str] = Counter()
    case_right: Counter[str] = Counter()
    keys_of_case: dict[str, set[str]] = defaultdict(set)
    for key, cases in corpus.cases.items():
        for case in set(cases):
            keys_of_case[case].add(key)
    for case, keys in keys_of_case.items():
        case_true[case] = sum(_pairs(by_key[k]) for k in keys)
    for (result, key), n in cells.items():
        for case in set(corpus.cases.get(key, ())):
            case_right[case] += _pairs(n)
    out["case_recall"] = {case: {"pairs": case_true[case],
                                 "recall": case_right[case] / case_true[case] if case_true[case] else None}
                          for case in sorted(case_true)}
    # Traps: pairs of entities that must never share a result.
    results_of: dict[str, set[str]] = defaultdict(set)
    majority: dict[str, Counter[str]] = defaultdict(Counter)
    for (result, key), n in cells.items():
        results_of[key].add(result)
        majority[result][key] += n
    traps: dict[str, dict[str, int]] = {}
    for kind, a, b in corpus.distinct:
        if a in by_key and b in by_key:
            tally = traps.setdefault(kind, {"pairs": 0, "merged": 0})
            tally["pairs"] += 1
            tally["merged"] += bool(results_of[a] & results_of[b])
    mixed = sum(1 for keys in majority.values()
                if any(k in corpus.practices for k in keys) and any(k not in corpus.practices for k in keys))
    traps["practice and person in one result"] = {"pairs": len(majority), "merged": mixed}
    out["traps"] = traps
    out["links"] = _links(corpus, merged, {r: c.most_common(1)[0][0] for r, c in majority.items()}, results_of)
    return out


def _links(corpus: Any, merged: Any, key_of_result: Mapping[str, str],
           results_of: Mapping[str, set[str]]) -> dict[str, Any]:
    """Practice links: a therapist's result should list (among `practices`) a result holding their practice."""
    expected = {p: g for p, g in corpus.practice_of.items() if p in results_of and g in results_of}
    found = right = linked_people = 0
    for result in merged.results:
        linked = [p.get("id") for p in result.get("practices") or ()]
        if not linked:
            continue
        person = key_of_result.get(result["id"])
        found += len(linked)
        good = sum(1 for rid in linked if rid in results_of.get(expected.get(person, ""), ()))
        right += good
        linked_people += bool(good)
    return {"expected": len(expected), "linked": linked_people,
            "recall": linked_people / len(expected) if expected else None,
            "precision": right / found if found else None}
