"""Turn the harness's raw figures into rows, a Markdown table and JSON."""

from __future__ import annotations

import platform
from typing import Any

from tests.benchmarks.measure import percentile, summary
from tests.benchmarks.queries import KINDS

# Figures every size reports (the CI test checks each appears in the table).
CRAWL_ROWS = ("crawl pages/s", "crawl peak RSS MB")
BUILD_ROWS = ("build s", "build CPU s", "build docs/s", "index size MB", "build peak RSS MB")
CLI_KINDS = ("text", "filter", "near")


def _fmt(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}" if abs(x) >= 1 else f"{x:.{digits + 1}f}"


def _spread(s: dict, digits: int = 1) -> str:
    return f"{_fmt(s['median'], digits)} ({_fmt(s['min'], digits)}-{_fmt(s['max'], digits)})" if s["n"] > 1 \
        else _fmt(s["median"], digits)


def rows_for(size: int, r: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per figure: knead's value beside the reference's and the strong SQLite reference's
    (display and raw, each with its ratio), the target and whether it is met."""
    rows = []

    def add(figure, mine, ref, ratio, target="", met=None, mine_txt=None, ref_txt=None, reference="",
            strong=None, strong_txt=None):
        rows.append({"size": size, "figure": figure, "knead": mine, "reference": ref, "ratio": ratio,
                     "knead_text": mine_txt or _fmt(mine), "reference_text": ref_txt or _fmt(ref),
                     "reference_name": reference, "strong": strong,
                     "strong_ratio": None if strong is None else mine / strong,
                     "strong_text": strong_txt or _fmt(strong), "target": target, "met": met})

    crawl = r.get("crawl")
    if crawl:
        k, b = crawl["knead"], crawl["bare"]
        ratio = k["pages_per_s"] / b["pages_per_s"]
        add("crawl pages/s", k["pages_per_s"], b["pages_per_s"], ratio, ">= 80% of bare", ratio >= 0.8,
            mine_txt=f"{k['pages_per_s']:.0f} ({k['pages']} pages, {k['seconds']:.0f} s)",
            ref_txt=f"{b['pages_per_s']:.0f} ({b['pages']} pages, {b['seconds']:.0f} s)", reference="bare Scrapy")
        add("crawl peak RSS MB", k["peak_rss_mb"], b["peak_rss_mb"], k["peak_rss_mb"] / b["peak_rss_mb"],
            "flat as the crawl grows", None, reference="bare Scrapy")
    build, ref, strong = r["build"], r["fts5_build"], r["strong_build"]
    secs, ref_secs, strong_secs = summary(build["seconds"]), summary(ref["seconds"]), summary(strong["seconds"])
    docs = build["docs"]
    add("build s", secs["median"], ref_secs["median"], secs["median"] / ref_secs["median"],
        "<= 45 s at 100k", secs["median"] * 100_000 / max(docs, 1) <= 45 if docs < 100_000 else secs["median"] <= 45,
        mine_txt=_spread(secs), ref_txt=_spread(ref_secs), reference="FTS5",
        strong=strong_secs["median"], strong_txt=_spread(strong_secs))
    cpu, ref_cpu, strong_cpu = (summary(b["cpu_seconds"]) for b in (build, ref, strong))
    # CPU of every process of the build (a large one indexes in one process
    # per core): the work done, not a target, which is on the wall clock.
    add("build CPU s", cpu["median"], ref_cpu["median"], cpu["median"] / ref_cpu["median"],
        mine_txt=_spread(cpu) + " all processes", ref_txt=_spread(ref_cpu),
        reference="FTS5 (process CPU, imports included)", strong=strong_cpu["median"], strong_txt=_spread(strong_cpu))
    add("build docs/s", docs / secs["median"], docs / ref_secs["median"], ref_secs["median"] / secs["median"],
        reference="FTS5", strong=docs / strong_secs["median"])
    add("index size MB", build["size_mb"], ref["size_mb"], build["size_mb"] / ref["size_mb"],
        "<= 150 MB at 100k", build["size_mb"] * 100_000 / max(docs, 1) <= 150, reference="FTS5",
        strong=strong["size_mb"])
    rss, ref_rss, strong_rss = (summary(b["peak_rss_mb"]) for b in (build, ref, strong))
    add("build peak RSS MB", rss["median"], ref_rss["median"], rss["median"] / ref_rss["median"],
        mine_txt=_spread(rss, 0), ref_txt=_spread(ref_rss, 0), reference="FTS5",
        strong=strong_rss["median"], strong_txt=_spread(strong_rss, 0))
    for kind in KINDS:
        t = r["queries"]["times_ms"].get(kind)
        if not t:
            continue
        mine50, ref50, strong50 = (percentile(t[name], 50) for name in ("knead", "fts5", "strong"))
        mine95, ref95, strong95 = (percentile(t[name], 95) for name in ("knead", "fts5", "strong"))
        with_iqr = {name: f"{_fmt(percentile(t[name], 50))} (IQR {_fmt(percentile(t[name], 75) - percentile(t[name], 25))})"
                    for name in ("knead", "fts5", "strong")}
        add(f"query {kind} p50 ms", mine50, ref50, mine50 / ref50, reference="FTS5", mine_txt=with_iqr["knead"],
            ref_txt=with_iqr["fts5"], strong=strong50, strong_txt=with_iqr["strong"])
        add(f"query {kind} p95 ms", mine95, ref95, mine95 / ref95, "<= 50 ms and <= 2x FTS5",
            mine95 <= 50 and mine95 <= 2 * ref95, reference="FTS5", strong=strong95)
        c95, rc95, sc95 = (percentile(t[f"{name}_cpu"], 95) for name in ("knead", "fts5", "strong"))
        add(f"query {kind} CPU p95 ms", c95, rc95, c95 / rc95, "<= 50 ms and <= 2x FTS5",
            c95 <= 50 and c95 <= 2 * rc95, reference="FTS5", strong=sc95)
    for kind in CLI_KINDS:
        t = r["cli"][kind]
        for figure, suffix in (("s", ""), ("CPU s", "_cpu")):
            mine, theirs, strong = (summary(t[name + suffix]) for name in ("knead", "fts5", "strong"))
            add(f"knead search {kind} {figure}", mine["median"], theirs["median"], mine["median"] / theirs["median"],
                "median <= 0.4 s", mine["median"] <= 0.4, mine_txt=_spread(mine, 2), ref_txt=_spread(theirs, 2),
                reference="FTS5 script", strong=strong["median"], strong_txt=_spread(strong, 2))
    return rows


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Machine: {results['machine']['cpu']}, {results['machine']['cores']} cores, "
        f"{results['machine']['memory_gb']:.0f} GB; Python {results['machine']['python']}; "
        f"load average at start {results['machine']['loadavg']}.",
        f"Command: `{results['command']}`",
        "",
        "Medians with spreads: (min-max) over repeated runs, IQR over query samples. Ratio = knead / reference,"
        " beside each of the two references: the first FTS5 one (`fts5.py`, kept as history) and the strong SQLite"
        " one (`sqlite_strong.py`: bitmask filter columns, R*Tree, the match driving the join)"
        " (for pages/s and docs/s: higher is better; elsewhere lower is better). Wall-clock rows and CPU-time"
        " rows (user + system of the process, or of the querying thread): on a shared machine under load the"
        " CPU rows are the steadier measure of the work done.",
        "",
        "| size | figure | knead | reference | ratio | strong SQLite | ratio | target | met |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | :-: |",
    ]
    for row in results["rows"]:
        met = "" if row["met"] is None else ("yes" if row["met"] else "**no**")
        ref = f"{row['reference_text']} {row['reference_name']}".strip() if row["reference"] is not None else "-"
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.2f}"
        strong = "-" if row.get("strong") is None else row["strong_text"]
        strong_ratio = "-" if row.get("strong_ratio") is None else f"{row['strong_ratio']:.2f}"
        lines.append(f"| {row['size']:,} | {row['figure']} | {row['knead_text']} | {ref} | {ratio} | {strong}"
                     f" | {strong_ratio} | {row['target']} | {met} |")
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
