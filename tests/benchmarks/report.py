"""Turn the harness's raw figures into rows, a Markdown table and JSON.

Each row: knead's figure beside the FTS5 reference's (history; absent above
`run --fts5-max-size`) and the strong SQLite reference's, each with its
ratio, and, where issue 17 sets one, the target and whether it is met. The
targets are those at 500,000 listings, checked at every size.
"""

from __future__ import annotations

import math
import platform
from typing import Any

from tests.benchmarks.measure import percentile, summary
from tests.benchmarks.queries import KINDS, NEAR_KINDS

# Figures every size reports (the CI test checks each appears in the table).
CRAWL_ROWS = ("crawl pages/s", "crawl peak RSS MB")
BUILD_ROWS = ("build s", "build index s", "build CPU s", "build results/s", "index size MB", "build peak RSS MB",
              "build peak memory MB")
CLI_KINDS = KINDS
IMPORT_ROWS = ("import nppes rows/s", "import nppes --no-index rows/s", "import nppes CPU rows/s",
               "import nppes peak memory MB")
# Figures whose growth from one size to the next is reported (the exponent: 1.00 is linear).
GROWTH_FIGURES = ("build s", "build CPU s", "index size MB", "build peak memory MB",
                  *(f"query {kind} CPU p95 ms" for kind in KINDS))

# Issue 17's targets at 500,000 listings.
BUILD_S, INDEX_MB, BUILD_MEMORY_MB = 150.0, 600.0, 2048.0
COUNTRY_P95_MS, NEAR_P95_MS = 100.0, 30.0
CLI_MEDIAN_S = 0.3
IMPORT_ROWS_PER_S, FLAT_MEMORY = 50_000.0, 1.25


def _fmt(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}" if abs(x) >= 1 else f"{x:.{digits + 1}f}"


def _spread(s: dict, digits: int = 1) -> str:
    return f"{_fmt(s['median'], digits)} ({_fmt(s['min'], digits)}-{_fmt(s['max'], digits)})" if s["n"] > 1 \
        else _fmt(s["median"], digits)


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _row(size, figure, mine, ref=None, strong=None, target="", met=None, mine_txt=None, ref_txt=None,
         strong_txt=None, reference="", size_text=None, higher_is_better=False, why="") -> dict[str, Any]:
    flip = (lambda a, b: _ratio(b, a)) if higher_is_better else _ratio  # ratio > 1: knead is behind
    return {"size": size, "size_text": size_text or f"{size:,}", "figure": figure, "knead": mine,
            "reference": ref, "ratio": flip(mine, ref), "knead_text": mine_txt or _fmt(mine),
            "reference_text": ref_txt or _fmt(ref), "reference_name": reference, "strong": strong,
            "strong_ratio": flip(mine, strong), "strong_text": strong_txt or _fmt(strong), "target": target, "met": met,
            "why": why}  # what a missed target missed, when it has two parts


def rows_for(size: int, r: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure of one size (see the module docstring)."""
    rows = []

    def add(figure, mine, **kw):
        rows.append(_row(size, figure, mine, **kw))

    crawl = r.get("crawl")
    if crawl:
        k, b = crawl["knead"], crawl["bare"]
        ratio = k["pages_per_s"] / b["pages_per_s"]
        add("crawl pages/s", k["pages_per_s"], ref=b["pages_per_s"], target=">= 80% of bare", met=ratio >= 0.8,
            mine_txt=f"{k['pages_per_s']:.0f} ({k['pages']} pages, {k['seconds']:.0f} s)",
            ref_txt=f"{b['pages_per_s']:.0f} ({b['pages']} pages, {b['seconds']:.0f} s)", reference="bare Scrapy",
            higher_is_better=True)
        add("crawl peak RSS MB", k["peak_rss_mb"], ref=b["peak_rss_mb"], target="flat as the crawl grows",
            reference="bare Scrapy")
    build, ref, strong = r["build"], r.get("fts5_build"), r["strong_build"]

    def s(b, key):
        return summary(b[key]) if b else None

    def med(x):
        return x["median"] if x else None

    secs, ref_secs, strong_secs = s(build, "seconds"), s(ref, "seconds"), s(strong, "seconds")
    docs = build["docs"]
    add("build s", secs["median"], ref=med(ref_secs), strong=strong_secs["median"], target=f"<= {BUILD_S:.0f} s",
        met=secs["median"] <= BUILD_S, reference="FTS5",
        mine_txt=f"{_spread(secs)} merge included: {build.get('listings', 0):,} listings -> {docs:,} results",
        ref_txt=_spread(ref_secs) if ref else None, strong_txt=_spread(strong_secs))
    index_s = summary(build["index_seconds"])
    add("build index s", index_s["median"], mine_txt=_spread(index_s) + " build_index alone (the rest: store, merge)",
        ref=med(ref_secs), strong=strong_secs["median"], reference="FTS5")
    cpu, ref_cpu, strong_cpu = s(build, "cpu_seconds"), s(ref, "cpu_seconds"), s(strong, "cpu_seconds")
    # CPU of every process of the build (it indexes in one process per core): the work done.
    add("build CPU s", cpu["median"], ref=med(ref_cpu), strong=strong_cpu["median"],
        mine_txt=_spread(cpu) + " all processes", ref_txt=_spread(ref_cpu) if ref else None,
        reference="FTS5 (process CPU, imports included)", strong_txt=_spread(strong_cpu))
    add("build results/s", docs / secs["median"], ref=docs / ref_secs["median"] if ref else None,
        strong=docs / strong_secs["median"], reference="FTS5", higher_is_better=True)
    add("index size MB", build["size_mb"], ref=ref["size_mb"] if ref else None, strong=strong["size_mb"],
        target=f"<= {INDEX_MB:.0f} MB", met=build["size_mb"] <= INDEX_MB, reference="FTS5")
    rss, ref_rss, strong_rss = s(build, "peak_rss_mb"), s(ref, "peak_rss_mb"), s(strong, "peak_rss_mb")
    add("build peak RSS MB", rss["median"], ref=med(ref_rss), strong=strong_rss["median"],
        mine_txt=_spread(rss, 0) + " largest process", ref_txt=_spread(ref_rss, 0) if ref else None,
        reference="FTS5", strong_txt=_spread(strong_rss, 0))
    tree = summary(build["peak_tree_mb"])
    add("build peak memory MB", tree["median"], ref=med(ref_rss), strong=strong_rss["median"],
        mine_txt=_spread(tree, 0) + " all processes (PSS)", target=f"<= {BUILD_MEMORY_MB:,.0f} MB",
        met=tree["median"] <= BUILD_MEMORY_MB, reference="FTS5 (one process)")
    engines = ("knead", "fts5", "strong") if ref else ("knead", "strong")
    for kind in KINDS:
        t = r["queries"]["times_ms"].get(kind)
        if not t:
            continue
        limit = NEAR_P95_MS if kind in NEAR_KINDS else COUNTRY_P95_MS
        target = f"<= {limit:.0f} ms and <= strong"
        p50 = {name: percentile(t[name], 50) for name in engines}
        p95 = {name: percentile(t[name], 95) for name in engines}
        c95 = {name: percentile(t[f"{name}_cpu"], 95) for name in engines}
        iqr = {name: f"{_fmt(p50[name])} (IQR {_fmt(percentile(t[name], 75) - percentile(t[name], 25))})"
               for name in engines}
        add(f"query {kind} p50 ms", p50["knead"], ref=p50.get("fts5"), strong=p50["strong"], reference="FTS5",
            mine_txt=iqr["knead"], ref_txt=iqr.get("fts5"), strong_txt=iqr["strong"])
        for figure, p in ((f"query {kind} p95 ms", p95), (f"query {kind} CPU p95 ms", c95)):
            why = ", ".join(filter(None, (f"over {limit:.0f} ms" if p["knead"] > limit else "",
                                          "slower than strong" if p["knead"] > p["strong"] else "")))
            add(figure, p["knead"], ref=p.get("fts5"), strong=p["strong"], target=target, met=not why,
                reference="FTS5", why=why)
    for kind in CLI_KINDS:
        t = r["cli"][kind]
        for figure, suffix in (("s", ""), ("CPU s", "_cpu")):
            mine, theirs, strong_t = (summary(t[name + suffix]) if name + suffix in t else None
                                      for name in ("knead", "fts5", "strong"))
            add(f"knead search {kind} {figure}", mine["median"], ref=med(theirs), strong=strong_t["median"],
                target=f"median <= {CLI_MEDIAN_S} s", met=mine["median"] <= CLI_MEDIAN_S,
                mine_txt=_spread(mine, 2), ref_txt=_spread(theirs, 2) if theirs else None,
                reference="FTS5 script", strong_txt=_spread(strong_t, 2))
    return rows


def _figure(size: dict[str, Any], figure: str, engine: str) -> float | None:
    """A growth figure's value for one engine at one size (None when not measured)."""
    build = size["build"] if engine == "knead" else size.get(f"{engine}_build")
    if figure.startswith("query "):
        times = size["queries"]["times_ms"].get(figure[len("query "):-len(" CPU p95 ms")], {})
        return percentile(times[f"{engine}_cpu"], 95) if f"{engine}_cpu" in times else None
    if build is None:
        return None
    key = {"build s": "seconds", "build CPU s": "cpu_seconds", "build peak memory MB": "peak_tree_mb"}.get(figure)
    if key is None:  # index size MB
        return build["size_mb"]
    return summary(build[key if engine == "knead" or key != "peak_tree_mb" else "peak_rss_mb"])["median"]


def growth_rows(sizes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """From each size to the next: how each figure grew, as the exponent of the growth in listings
    (time ~ listings^e; 1.00 is linear). A figure growing faster than the listings is flagged."""
    rows = []
    ordered = [sizes[k] for k in sorted(sizes, key=int)]
    for a, b in zip(ordered, ordered[1:]):
        # The growth of the store (listings), not of the merged results: what the issue scales.
        scale = math.log(b["build"].get("listings") or b["size"]) - math.log(a["build"].get("listings") or a["size"])
        span = f"{a['size']:,} -> {b['size']:,}"
        for figure in GROWTH_FIGURES:
            exps = {}
            for engine in ("knead", "fts5", "strong"):
                x, y = _figure(a, figure, engine), _figure(b, figure, engine)
                exps[engine] = math.log(y / x) / scale if x and y and scale else None
            mine = exps["knead"]
            rows.append(_row(b["size"], f"growth of {figure}", mine, ref=exps["fts5"], strong=exps["strong"],
                             mine_txt=None if mine is None else f"{mine:.2f}", size_text=span,
                             ref_txt=None if exps["fts5"] is None else f"{exps['fts5']:.2f}",
                             strong_txt=None if exps["strong"] is None else f"{exps['strong']:.2f}",
                             target="<= 1.00 (linear)", met=None if mine is None else mine <= 1.0,
                             reference="FTS5"))
    return rows


def import_rows(imp: dict[str, Any]) -> list[dict[str, Any]]:
    """`knead import nppes` of the bulk file (tests.benchmarks.importing): no reference."""
    full, bare, tenth = imp["with_index"], imp["no_index"], imp["no_index_tenth"]
    size, text = imp["rows"], f"{imp['rows']:,} rows"
    target = f">= {IMPORT_ROWS_PER_S:,.0f}"
    flat = bare["peak_tree_mb"] / tenth["peak_tree_mb"] if tenth["peak_tree_mb"] else None
    return [
        _row(size, IMPORT_ROWS[0], full["rows_per_s"], target=target, met=full["rows_per_s"] >= IMPORT_ROWS_PER_S,
             size_text=text, mine_txt=f"{_fmt(full['rows_per_s'])} ({full['seconds']:.1f} s, import + index)"),
        _row(size, IMPORT_ROWS[1], bare["rows_per_s"], target=target, met=bare["rows_per_s"] >= IMPORT_ROWS_PER_S,
             size_text=text, mine_txt=f"{_fmt(bare['rows_per_s'])} ({bare['seconds']:.1f} s)"),
        _row(size, IMPORT_ROWS[2], size / full["cpu_seconds"], size_text=text,
             mine_txt=f"{_fmt(size / full['cpu_seconds'])} ({full['cpu_seconds']:.1f} CPU s, import + index);"
                      f" --no-index {_fmt(size / bare['cpu_seconds'])}"),
        _row(size, IMPORT_ROWS[3], bare["peak_tree_mb"], size_text=text,
             target=f"flat: <= {FLAT_MEMORY}x a tenth of the file's", met=flat is not None and flat <= FLAT_MEMORY,
             mine_txt=f"{_fmt(bare['peak_tree_mb'], 0)} --no-index ({_fmt(tenth['peak_tree_mb'], 0)} at"
                      f" {tenth['rows']:,} rows: {flat:.2f}x); {_fmt(full['peak_tree_mb'], 0)} with the index"),
    ]


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']:.0f} GB; Python {m['python']}; "
        f"load average at start {m['loadavg']}, at the end {m.get('loadavg_end', '?')}.",
        f"Command: `{results['command']}` (started {results['started']}, finished {results.get('finished', '?')}).",
        *([f"Sizes {', '.join(f'{int(k):,}' for k, r in results['sizes'].items() if r.get('earlier'))} from an earlier"
           f" run: `{results['earlier']['command']}` (started {results['earlier']['started']}, load average"
           f" {results['earlier']['loadavg']})."] if results.get("earlier") else []),
        "",
        "Medians with spreads: (min-max) over repeated runs, IQR over query samples. Ratio = knead / reference"
        " (for pages/s, results/s: reference / knead), so above 1 knead is behind,"
        " beside each of the two references: the first FTS5 one (`fts5.py`, kept as history) and the strong SQLite"
        " one (`sqlite_strong.py`: bitmask filter columns, R*Tree, the match driving the join), both built from"
        " the merged results knead's build served. Wall-clock rows and CPU-time"
        " rows (user + system of the process, or of the querying thread): on a shared machine under load the"
        " CPU rows are the steadier measure of the work done. Growth rows: the exponent e of"
        " figure ~ listings^e from one size to the next (1.00 is linear).",
        "",
        "| size | figure | knead | reference | ratio | strong SQLite | ratio | target | met |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | :-: |",
    ]
    for row in results["rows"]:
        met = "" if row["met"] is None else ("yes" if row["met"] else "**no**" + (f" ({row['why']})" if row.get("why") else ""))
        ref = f"{row['reference_text']} {row['reference_name']}".strip() if row["reference"] is not None else "-"
        ratio = "-" if row["ratio"] is None or row["figure"].startswith("growth") else f"{row['ratio']:.2f}"
        strong = "-" if row.get("strong") is None else row["strong_text"]
        strong_ratio = "-" if row.get("strong_ratio") is None or row["figure"].startswith("growth") \
            else f"{row['strong_ratio']:.2f}"
        lines.append(f"| {row['size_text']} | {row['figure']} | {row['knead_text']} | {ref} | {ratio} | {strong}"
                     f" | {strong_ratio} | {row['target']} | {met} |")
    disagree = [(size, t) for size, r in results["sizes"].items() for t in r.get("totals_disagree", ())]
    lines += ["", "Round 0 totals (every query, every engine): " + (
        "all agree." if not disagree else "DISAGREE: " + "; ".join(f"{int(size):,} {t}" for size, t in disagree))]
    missed = [r for r in results["rows"] if r["met"] is False]
    lines += ["", f"Targets: {sum(r['met'] is True for r in results['rows'])} met, {len(missed)} missed"
              + (": " + "; ".join(f"{r['size_text']} {r['figure']} ({r['knead_text']}{': ' + r['why'] if r.get('why') else ''})"
                        for r in missed) if missed else ".")]
    return "\n".join(lines) + "\n"


def machine() -> dict[str, Any]:
    import os

    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(open("/proc/meminfo").readline().split()[1]) / 1024 / 1024
    except OSError:
        mem = 0.0
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem, "python": platform.python_version(),
            "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg())}
