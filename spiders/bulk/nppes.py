"""Open an NPPES bulk file and stream its rows: the monthly or weekly zip, the CSV in it, or the deactivation report.

`open_bulk(path)` recognises what it was given and checks it before anything
is read past the header:

- a data zip (`NPPES_Data_Dissemination_*.zip`): its `npidata_pfile_<start>-
  <end>.csv` member (never the `_fileheader.csv` beside it), read straight out
  of the zip through a buffered reader: never unpacked to disk, never held in
  memory. `<start>` 20050523 (when enumeration began) makes it the monthly
  full file; any other week makes it a weekly incremental file. The CSV
  itself, given bare, is read the same way. A name without the dates does
  not say which it is: the caller's `kind` decides, else it is taken as a
  monthly file, and `BulkFile.kind_reason` says so (a `kind` the name
  contradicts raises `KindConflict`);
- the deactivation report (`NPPES_Deactivated_NPI_Report_*.zip` holding an
  `.xlsx`, or the `.xlsx`): its `NPI` / `NPPES Deactivation Date` rows, read
  with openpyxl in read-only mode (the workbook is a few MB).

A file that cannot be what it claims raises `BulkFileError`, one line naming
the file, what is wrong and the way out: a zip cut short (no central
directory, or a member that ends early or fails its CRC while read), a CSV
of another layout (the missing columns named), a report without its columns.

Rows: every massage row contains the text `225700000X`, and a deactivated
row has an empty `Entity Type Code`, so `BulkFile.rows()` tests those on the
raw bytes of each line and decodes and parses (csv) only the few lines that
pass (reference: bulk-file.md section 3). A value holding a line break makes
a line with an odd number of quote marks (every value is quoted, inner
quotes were replaced by CMS): such lines are joined until the quotes pair up,
and a parsed row whose field count is not the header's is counted as
malformed, never mis-read.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from spiders.bulk.layout import READ, SEX_COLUMNS, TAXONOMY_SLOTS
from spiders.parse.nppes import MASSAGE_CODES

MONTHLY, WEEKLY, DEACTIVATIONS = "monthly", "weekly", "deactivation report"
FIRST_ENUMERATION = "20050523"  # the first date of every monthly file's member name

_DATA_MEMBER = re.compile(r"(?:^|/)npidata_pfile_(\d{8})-(\d{8})\.csv$", re.IGNORECASE)
_REPORT_COLUMNS = ("NPI", "NPPES Deactivation Date")
_BUFFER = 1 << 20
# Deactivated rows start `"<NPI>","",` (an empty Entity Type Code) in CMS's column order.
_EMPTY_ENTITY = b'","",'
_MASSAGE_BYTES = tuple(code.encode() for code in sorted(MASSAGE_CODES))


class BulkFileError(Exception):
    """The file is not a complete NPPES bulk file of a known layout (the message says which and why)."""


class KindConflict(BulkFileError):
    """The kind asked for (monthly, weekly) is not what the file's name says it is."""


@dataclass
class ReadCounts:
    rows: int = 0  # data rows read
    bytes: int = 0  # uncompressed bytes read (progress against `BulkFile.size`)
    malformed: int = 0  # rows whose field count is not the header's
    replaced: int = 0  # undecodable bytes replaced by U+FFFD in the rows parsed


@dataclass
class BulkFile:
    path: Path
    kind: str  # MONTHLY, WEEKLY or DEACTIVATIONS
    member: str  # the CSV or workbook read (the file's own name when given bare)
    size: int | None  # uncompressed bytes to read, when known
    cutoff: str | None = None  # YYYYMMDD the data ends on, from the member name (None when it has no dates)
    kind_reason: str | None = None  # why `kind` when the name does not say it (the summary shows it)
    columns: list[str] = field(default_factory=list)
    counts: ReadCounts = field(default_factory=ReadCounts)
    stream: IO[bytes] | None = field(default=None, repr=False)  # the data CSV, buffered
    workbook: IO[bytes] | None = field(default=None, repr=False)  # the deactivation report

    @property
    def index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.columns)}

    def rows(self) -> Iterator[list[str]]:
        """The parsed rows that may be massage therapists or deactivated NPIs (all others are only counted).

        Raises BulkFileError when the zip ends early or fails its CRC."""
        assert self.stream is not None, "rows() is for the data CSV; deactivations() reads the report"
        width = len(self.columns)
        fast = self.columns[:2] == ["NPI", "Entity Type Code"]
        counts = self.counts
        # One code (225700000X) today: tested with `in` alone, no generator per line (a tenth of the reading time).
        code = _MASSAGE_BYTES[0] if len(_MASSAGE_BYTES) == 1 else None
        try:
            for line in _records(self.stream, counts):
                counts.rows += 1
                if fast and not (((code in line) if code else any(c in line for c in _MASSAGE_BYTES))
                                 or line[11:16] == _EMPTY_ENTITY):
                    continue
                text = line.decode("utf-8", "replace")
                counts.replaced += text.count("\ufffd")
                row = next(csv.reader((text,)), [])
                if len(row) != width:
                    counts.malformed += 1
                    continue
                yield row
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
            raise BulkFileError(
                f"{self.path} ends early or is damaged after {counts.rows:,} rows ({_reason(exc)}); "
                "download it again.") from None

    def deactivations(self) -> Iterator[tuple[str, str]]:
        """(NPI, deactivation date as written) for each row of the deactivation report."""
        assert self.workbook is not None, "deactivations() reads the report; rows() the data CSV"
        from openpyxl import load_workbook

        try:
            book = load_workbook(self.workbook, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises zip, XML and key errors alike for a damaged workbook
            raise BulkFileError(f"{self.path}: the workbook {self.member} cannot be read ({_reason(exc)}); "
                                "download the deactivation report again.") from None
        try:
            sheet = book["DeactivatedNPIs"] if "DeactivatedNPIs" in book.sheetnames else book.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            positions = None
            for seen, values in enumerate(rows):
                cells = [str(v).strip().casefold() if v is not None else "" for v in values]
                if "npi" in cells:
                    positions = [cells.index(c.casefold()) if c.casefold() in cells else None for c in _REPORT_COLUMNS]
                    break
                if seen >= 10:
                    break
            missing = [c for c, p in zip(_REPORT_COLUMNS, positions or [None, None]) if p is None]
            if missing:
                raise BulkFileError(f"{self.path} is not the NPPES deactivation report: its sheet has no "
                                    f"{' or '.join(repr(c) for c in missing)} column; pass the report as CMS publishes it.")
            npi_at, date_at = positions  # type: ignore[misc]
            for values in rows:
                npi = values[npi_at] if npi_at < len(values) else None
                if npi is None:
                    continue
                self.counts.rows += 1
                npi = str(int(npi)) if isinstance(npi, (int, float)) else str(npi).strip()
                date = values[date_at] if date_at < len(values) else None
                yield npi, (date.strftime("%m/%d/%Y") if hasattr(date, "strftime") else str(date or ""))
        finally:
            book.close()


def _reason(exc: BaseException) -> str:
    return str(exc).strip().rstrip(".") or type(exc).__name__


def _records(stream: IO[bytes], counts: ReadCounts) -> Iterator[bytes]:
    """Physical lines joined into CSV records (a quoted value may hold a line break)."""
    pending: list[bytes] = []
    for line in stream:
        counts.bytes += len(line)
        if pending:
            pending.append(line)
            if line.count(b'"') & 1:  # the open quote closes here
                yield b"".join(pending)
                pending = []
        elif line.count(b'"') & 1:
            pending = [line]
        else:
            yield line
    if pending:
        yield b"".join(pending)  # an unclosed quote at the end: the parse will count it malformed


def cutoff_of(member: str) -> str | None:
    """The YYYYMMDD a data file's rows end on, from its member name (None when the name has no dates)."""
    match = _DATA_MEMBER.search(member)
    return match[2] if match else None


def _data_file(path: Path, member: str, size: int | None, asked: str | None) -> BulkFile:
    """The BulkFile for a data CSV named `member`: its kind from the name's dates, else `asked`, else monthly."""
    match = _DATA_MEMBER.search(member)
    if match is None:
        kind = asked or MONTHLY
        reason = (f"taken as a {kind} file, as --{asked} says" if asked else
                  f"taken as a monthly file (the whole registry): its name {Path(member).name} does not say "
                  "monthly or weekly, as CMS's npidata_pfile_<start>-<end>.csv does; "
                  "pass --weekly if it holds one week's changes")
        return BulkFile(path, kind, member, size, kind_reason=reason)
    kind = MONTHLY if match[1] == FIRST_ENUMERATION else WEEKLY
    if asked and asked != kind:
        named = str(path) if Path(member).name == path.name else f"{path}: its data file {Path(member).name}"
        raise KindConflict(f"{named} is a {kind} file "
                           f"({'it starts on ' + FIRST_ENUMERATION if kind == MONTHLY else 'it spans one week'}), "
                           f"not a {asked} one; leave out --{asked}.")
    return BulkFile(path, kind, member, size, cutoff=match[2])


@contextmanager
def open_bulk(path: str | Path, kind: str | None = None) -> Iterator[BulkFile]:
    """Open `path` as one of the bulk files (see the module docstring); raises BulkFileError.

    `kind` (MONTHLY or WEEKLY): what the user says a data file is, for a name that does not say."""
    path = Path(path)
    with ExitStack() as stack:
        try:
            handle = stack.enter_context(path.open("rb", buffering=_BUFFER))
        except OSError as exc:
            raise BulkFileError(f"Cannot read {path}: {exc.strerror or exc}.") from None
        if handle.read(2) != b"PK":
            handle.seek(0)
            bulk = _data_file(path, path.name, path.stat().st_size, kind)
            bulk.stream = handle
            _read_header(bulk)
            yield bulk
            return
        handle.seek(0)
        try:
            archive = stack.enter_context(zipfile.ZipFile(handle))
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise BulkFileError(f"{path} is not a complete zip archive ({_reason(exc)}): it is probably "
                                "truncated; download it again.") from None
        names = archive.namelist()
        data = [n for n in names if _DATA_MEMBER.search(n)]
        reports = [n for n in names if n.lower().endswith(".xlsx")]
        if kind and ("[Content_Types].xml" in names or (reports and not data)):
            raise KindConflict(f"{path} is the deactivation report, not a {kind} data file; leave out --{kind}.")
        if "[Content_Types].xml" in names:  # the .xlsx itself (a workbook is a zip)
            bulk = BulkFile(path, DEACTIVATIONS, path.name, None)
            handle.seek(0)
            bulk.workbook = handle
            yield bulk
            return
        if data:
            info = archive.getinfo(data[0])
            bulk = _data_file(path, info.filename, info.file_size, kind)
            try:
                bulk.stream = io.BufferedReader(stack.enter_context(archive.open(info)), _BUFFER)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise BulkFileError(f"{path}: {info.filename} cannot be read ({_reason(exc)}); download it again.") from None
            _read_header(bulk)
        elif reports:
            bulk = BulkFile(path, DEACTIVATIONS, reports[0], None)
            try:
                bulk.workbook = io.BytesIO(archive.read(reports[0]))  # a few MB; openpyxl needs to seek
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                raise BulkFileError(f"{path}: {reports[0]} cannot be read ({_reason(exc)}); download it again.") from None
        else:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            raise BulkFileError(f"{path} holds no NPPES data file (npidata_pfile_*.csv) or deactivation report "
                                f"(*.xlsx), only: {shown or 'nothing'}.")
        yield bulk


def _read_header(bulk: BulkFile) -> None:
    """Read and check the header line: every column the import reads must be there (by name)."""
    assert bulk.stream is not None
    try:
        first = bulk.stream.readline(1 << 20)
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise BulkFileError(f"{bulk.path} is damaged ({_reason(exc)}); download it again.") from None
    bulk.counts.bytes += len(first)
    text = first.decode("utf-8-sig", "replace")
    columns = [c.strip() for c in next(csv.reader((text,)), [])]
    bulk.columns = columns
    present = set(columns)
    missing = [c for c in READ if c not in present]
    if not any(c in present for c in SEX_COLUMNS):
        missing.append(SEX_COLUMNS[0])
    if missing:
        raise BulkFileError(
            f"{bulk.path} is not an NPPES npidata file: its header lacks {len(missing)} of the columns knead reads: "
            f"{_compact(missing)}; pass the monthly or weekly zip as CMS publishes it (or the npidata_pfile CSV in it).")


def _compact(names: list[str]) -> str:
    """Column names with each numbered slot family written once: 'Provider License Number_1..15'."""
    families: dict[str, list[int]] = {}
    out: list[str] = []
    for name in names:
        match = re.fullmatch(r"(.*)_(\d+)", name)
        if match:
            if match[1] not in families:
                out.append(match[1])
            families.setdefault(match[1], []).append(int(match[2]))
        else:
            out.append(name)
    shown = []
    for name in out:
        numbers = families.get(name)
        if numbers is None:
            shown.append(f"'{name}'")
        elif numbers == list(range(1, TAXONOMY_SLOTS + 1)):
            shown.append(f"'{name}_1..{TAXONOMY_SLOTS}'")
        else:
            shown.append(f"'{name}_" + ",".join(map(str, numbers)) + "'")
    return ", ".join(shown)
