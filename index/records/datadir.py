"""Where knead keeps its files: one data directory holding the store of record and the index.

The CLI resolves the directory (`--data-dir`, `KNEAD_DATA_DIR`, else the user
data directory from platformdirs); everything below it is laid out here so the
crawl pipelines, the index builder and the search agree on the paths.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "KNEAD_DATA_DIR"


def default_data_dir() -> Path:
    """`$KNEAD_DATA_DIR` if set, else the platform's user data directory for knead."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    import platformdirs  # only needed when no directory was given

    return Path(platformdirs.user_data_dir("knead", appauthor=False))


@dataclass(frozen=True)
class DataDir:
    root: Path

    @classmethod
    def resolve(cls, path: str | os.PathLike[str] | None = None) -> DataDir:
        return cls(Path(path).expanduser() if path else default_data_dir())

    @property
    def records_path(self) -> Path:
        """The store of record (SQLite): every listing ever crawled, with first/last seen."""
        return self.root / "records.sqlite3"

    @property
    def index_root(self) -> Path:
        """Parent of the Whoosh index generations and the pointer to the live one."""
        return self.root / "index"

    def ensure(self) -> DataDir:
        self.root.mkdir(parents=True, exist_ok=True)
        return self
