"""The merge benchmark's figures (tests/benchmarks/merge_bench.py) as Markdown tables."""

from __future__ import annotations

import itertools
import math
from typing import Any

# The main table's columns (the harness test checks each is there).
COLUMNS = ("listings", "results", "merge s", "merge CPU s", "CPU us a listing", "again, with previous: s / CPU s",
           "GC paused: s / CPU s", "traced peak MB", "RSS growth MB", "build s / CPU s", "merge / build (CPU)",
           "precision", "recall")


def _f(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def _median(values: list[float]) -> float:
    data = sorted(values)
    mid = len(data) // 2
    return data[mid] if len(data) % 2 else (data[mid - 1] + data[mid]) / 2


def main_row(f: dict[str, Any]) -> list[str]:
    merge, cpu = f["merge"], _median(f["merge_cpu_s"])
    spread = f" ({_f(merge['min'])}-{_f(merge['max'])})" if merge["n"] > 1 else ""
    q = f["quality"]
    build = f.get("build_s")
    build_cpu = f.get("build_cpu_s")
    cpu_spread = f" ({_f(min(f['merge_cpu_s']))}-{_f(max(f['merge_cpu_s']))})" if merge["n"] > 1 else ""
    return [f"{f['size']:,}", f"{f['results']:,}", _f(merge["median"]) + spread, _f(cpu) + cpu_spread,
            _f(cpu / f["size"] * 1e6, 0), f"{_f(f['again_s'])} / {_f(f['again_cpu_s'])}",
            f"{_f(f['gc_paused_s'])} / {_f(f['gc_paused_cpu_s'])}",
            _f(f["traced_peak_mb"], 0), _f(f["rss_growth_mb"], 0),
            f"{_f(build, 1)} / {_f(build_cpu, 1)}" if build else "-",
            f"{merge['median'] / build:.0%} ({cpu / build_cpu:.0%})" if build else "-",
            f"{q['precision']:.4f}", f"{q['recall']:.4f}"]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    align = ["---:" if i else "---" for i in range(len(header))]
    return ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |",
            *("| " + " | ".join(row) + " |" for row in rows)]


def markdown(results: dict[str, Any]) -> str:
    sizes = [results["sizes"][k] for k in sorted(results["sizes"], key=int)]
    lines = [f"Merge benchmark, {results['started']}, `{results['command']}`, index/ at {results['commit']}.", ""]
    lines += _table(["size", *COLUMNS[1:]], [main_row(f) for f in sizes])
    for a, b in itertools.pairwise(sizes):
        grow = _median(b["merge_cpu_s"]) / _median(a["merge_cpu_s"])
        ratio = b["size"] / a["size"]
        lines += ["", (f"{a['size']:,} -> {b['size']:,} listings ({ratio:.1f}x): merge CPU time {grow:.2f}x "
                       f"(exponent {math.log(grow) / math.log(ratio):.2f}; 1.00 is linear), traced peak "
                       f"{b['traced_peak_mb'] / max(a['traced_peak_mb'], 1e-9):.2f}x.")]
    lines += ["", "Listings per source:", ""]
    names = sorted({s for f in sizes for s in f["sources"]})
    lines += _table(["size", *names], [[f"{f['size']:,}", *(f"{f['sources'].get(s, 0):,}" for s in names)]
                                       for f in sizes])
    cases = sorted({c for f in sizes for c in f["quality"]["case_recall"]})
    lines += ["", "Recall per hard case (true pairs of the people carrying it):", ""]
    lines += _table(["case", *(f"{f['size']:,}" for f in sizes)], [
        [case, *(_case(f["quality"]["case_recall"].get(case)) for f in sizes)] for case in cases])
    traps = sorted({t for f in sizes for t in f["quality"]["traps"]})
    lines += ["", "Traps (pairs that must never be one result: merged / pairs):", ""]
    lines += _table(["trap", *(f"{f['size']:,}" for f in sizes)], [
        [trap, *(_trap(f["quality"]["traps"].get(trap)) for f in sizes)] for trap in traps])
    lines += ["", "Practice links (therapists whose result links their practice's result):", ""]
    lines += _table(["size", "expected", "linked", "recall", "precision"], [
        [f"{f['size']:,}", f"{f['quality']['links']['expected']:,}", f"{f['quality']['links']['linked']:,}",
         _f(f["quality"]["links"]["recall"], 3), _f(f["quality"]["links"]["precision"], 3)] for f in sizes])
    for f in sizes:
        if "profile" in f:
            lines += ["", _profile(f)]
    return "\n".join(lines) + "\n"


def _case(c: dict[str, Any] | None) -> str:
    return "-" if not c or c["recall"] is None else f"{c['recall']:.3f} ({c['pairs']:,})"


def _trap(t: dict[str, int] | None) -> str:
    return "-" if not t else f"{t['merged']:,} / {t['pairs']:,}"


def _profile(f: dict[str, Any]) -> str:
    p = f["profile"]
    lines = [(f"Profile of one merge at {f['size']:,} (cProfile, {p['total_s']:.1f} s under the profiler): "
              "each index.merge module's own time, then the functions with the most own time."), ""]
    lines += _table(["module", "own s", "share"], [[m, _f(v["own_s"]), f"{v['own_share']:.0%}"]
                                                  for m, v in p["modules"].items()])
    lines += [""]
    lines += _table(["function", "calls", "own s", "own share", "cumulative share"], [
        [f"`{r['function']}`", f"{r['calls']:,}", _f(r["own_s"]), f"{r['own_share']:.0%}", f"{r['cum_share']:.0%}"]
        for r in p["top"]])
    return "\n".join(lines)
