"""The US ZIP table (from `zipcodes`), cached as one compact file for fast start-up.

`zipcodes` needs about 0.8 s to load its table on the first lookup in a
process, which would triple the time of a `knead search --near` command. The
first use in a data directory writes ZIP and city centroids to a compact text
cache (atomically); later processes answer a lookup from it in a few
milliseconds (`CachedLookup`). A crawl, which looks up thousands of ZIPs,
holds the whole table in memory instead (`load`).

`zipcodes` keeps its whole database in native memory (about 100 MB) from the
first query to the end of the process, so `load` writes a missing cache file
from a short-lived child process and reads the file: the crawl never holds
that memory.

Tests set `KNEAD_TEST_ZIP_CACHE` to a cache file built once per test session:
a new data directory then gets a copy of it instead of building the same table
again (2-5 s per crawl into a fresh directory, most of a small crawl's time).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from index.model.text import fold

CACHE_NAME = "zips-v1.txt"
TEST_SEED_ENV = "KNEAD_TEST_ZIP_CACHE"  # test hook, see the module docstring


class ZipInfo(NamedTuple):
    zip: str
    lat: float
    lon: float
    city: str
    state: str


@dataclass(frozen=True)
class ZipTable:
    # Rows stay as text ("41.7672|-72.676|Hartford|CT") until looked up:
    # parsing 80,000 rows up front would cost more than all the lookups of a crawl.
    zips: dict[str, str]  # "06103" -> "lat|lon|city|state"
    cities: dict[str, str]  # "hartford|CT" -> "lat|lon" (mean of the city's ZIP centroids)

    def zip_info(self, zip5: str | None) -> ZipInfo | None:
        """The ZIP's centroid, city and state; None for a ZIP that does not exist."""
        zip5 = (zip5 or "").strip()[:5]
        row = self.zips.get(zip5)
        if not row:
            return None
        lat, lon, city, state = row.split("|")
        return ZipInfo(zip5, float(lat), float(lon), city, state)

    def city_centroid(self, city: str, state: str) -> tuple[float, float] | None:
        """Mean position of a city's ZIPs (any case or accents, extra spaces ignored); None when unknown."""
        row = self.cities.get(f"{_city_key(city)}|{state.strip().upper()}")
        if not row:
            return None
        lat, lon = row.split("|")
        return float(lat), float(lon)

    def cities_in(self, state: str) -> list[str]:
        """The cities of a state, as compared (folded), for a "did you mean"."""
        suffix = f"|{state.strip().upper()}"
        return [key[: -len(suffix)] for key in self.cities if key.endswith(suffix)]


def build() -> ZipTable:
    """Read the whole `zipcodes` table (about 1 s).

    A tenth at a time (by first digit): `zipcodes.list_all()` would keep all
    42,000 rows as dicts in the module for the rest of the process (about 40 MB
    on top of the database itself).
    """
    import zipcodes

    zips: dict[str, str] = {}
    sums: dict[str, list] = {}
    for row in (row for digit in "0123456789" for row in zipcodes.similar_to(digit)):
        if not row.get("lat") or not row.get("long"):
            continue
        lat, lon = float(row["lat"]), float(row["long"])
        zips[row["zip_code"]] = f"{lat}|{lon}|{row['city'].replace('|', ' ')}|{row['state']}"
        for city in {row["city"], *(row.get("acceptable_cities") or [])}:
            acc = sums.setdefault(f"{_city_key(city)}|{row['state']}", [0.0, 0.0, 0])
            acc[0] += lat
            acc[1] += lon
            acc[2] += 1
    cities = {key: f"{round(a / n, 5)}|{round(b / n, 5)}" for key, (a, b, n) in sums.items()}
    return ZipTable(zips, cities)


_loaded: dict[str, ZipTable] = {}


def load(cache_dir: str | os.PathLike[str] | None = None) -> ZipTable:
    """The whole table in memory (once per process), for bulk lookups: read from
    `cache_dir`'s cache file when it is there (about 0.1 s), else built from
    `zipcodes` (about 2 s) and the cache written."""
    key = str(cache_dir or "")
    if key not in _loaded:
        path = Path(cache_dir) / CACHE_NAME if cache_dir else None
        table = _parse_cache(path) if path is not None else None
        if table is None and path is not None:
            if not _copy_test_seed(path):
                _write_cache_in_child(path)
            table = _parse_cache(path)
        if table is None:  # no cache directory, or the child could not write there
            table = build()
            if path is not None:
                write_cache(table, path)
        _loaded[key] = table
    return _loaded[key]


_CHILD = (
    "import sys; sys.path.insert(0, sys.argv[2]); from pathlib import Path; "
    "from index.geo.ziptable import build, write_cache; write_cache(build(), Path(sys.argv[1]))"
)


def _write_cache_in_child(path: Path) -> None:
    """Build the table and write its cache file in a child process (see the module docstring)."""
    # Isolated (-I): the working directory cannot shadow this package; it is imported from where ours was.
    package_parent = str(Path(__file__).resolve().parents[1])
    try:
        subprocess.run(
            [sys.executable, "-I", "-c", _CHILD, str(path), package_parent], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        pass  # load() builds the table in process instead


def _copy_test_seed(path: Path) -> bool:
    """Copy the test session's cache file to `path` (atomically); False when there is none."""
    seed = os.environ.get(TEST_SEED_ENV)
    if not seed:
        return False
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".zips-", suffix=".tmp")
        os.close(fd)
        shutil.copyfile(seed, tmp)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return False
    return True


def _parse_cache(path: Path) -> ZipTable | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    if not text.startswith(_MAGIC):
        return None
    zips = dict(_ZIP_ROW.findall(text))
    cities = dict(_CITY_ROW.findall(text))
    return ZipTable(zips, cities) if zips else None


_ZIP_ROW = re.compile(r"^Z\|(\d{5})\|(.*)$", re.M)
_CITY_ROW = re.compile(r"^C\|([^|\n]*\|[A-Z]{2})\|(.*)$", re.M)


class CachedLookup:
    """Single lookups from the cache file without parsing all of it (a few ms a process).

    The file holds one line per ZIP ("Z|06103|41.7672|-72.676|Hartford|CT") and
    per city ("C|hartford|CT|41.77319|-72.7271"); a lookup is one substring
    search over the text. Written by `load(cache_dir)` when missing.
    """

    def __init__(self, cache_dir: str | os.PathLike[str]):
        path = Path(cache_dir) / CACHE_NAME
        try:
            self.text = path.read_text(encoding="utf-8")
        except OSError:
            self.text = ""
        if not self.text.startswith(_MAGIC) and _copy_test_seed(path):
            self.text = path.read_text(encoding="utf-8")
        if not self.text.startswith(_MAGIC):
            table = load(None)
            write_cache(table, path)
            self.text = _render(table)

    def _line(self, prefix: str) -> list[str] | None:
        at = self.text.find("\n" + prefix)
        if at < 0:
            return None
        end = self.text.find("\n", at + 1)
        return self.text[at + 1 : end if end > 0 else None].split("|")

    def zip_info(self, zip5: str | None) -> ZipInfo | None:
        zip5 = (zip5 or "").strip()[:5]
        if not zip5.isdigit():
            return None
        row = self._line(f"Z|{zip5}|")
        return ZipInfo(zip5, float(row[2]), float(row[3]), row[4], row[5]) if row else None

    def city_centroid(self, city: str, state: str) -> tuple[float, float] | None:
        row = self._line(f"C|{_city_key(city)}|{state.strip().upper()}|")
        return (float(row[3]), float(row[4])) if row else None

    def cities_in(self, state: str) -> list[str]:
        """The cities of a state, as compared (folded): one regex over the cache text (error path only)."""
        code = re.escape(state.strip().upper())
        return re.findall(rf"^C\|([^|\n]*)\|{code}\|", self.text, re.M)


_MAGIC = "knead-zips v1\n"


def _city_key(city: str) -> str:
    # Folded like every name knead compares; the table's names are ASCII, so
    # the cache's keys are the same as before (lower case).
    return fold(" ".join(city.replace("|", " ").split()))


def _render(table: ZipTable) -> str:
    lines = [f"Z|{z}|{row}" for z, row in table.zips.items()]
    lines += [f"C|{key}|{row}" for key, row in table.cities.items()]
    return _MAGIC + "\n".join(lines) + "\n"


def write_cache(table: ZipTable, path: Path) -> None:
    """Write the cache file atomically; a read-only data directory only costs speed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".zips-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(_render(table))
        os.replace(tmp, path)
    except OSError:
        pass
