"""Files: written whole or not at all, read with one clear line when they are wrong, locked, packed.

* :mod:`~lildata_utils.files.safe`: atomic writes, JSON and CSV, safe names and paths;
* :mod:`~lildata_utils.files.locks`: :class:`FolderLock`;
* :mod:`~lildata_utils.files.pack`: runs and datasets in one checked file, and its download.
"""

from .locks import FolderLock
from .safe import (append_csv_row, atomic_path, clean_stale_temporaries, csv_cell, inside, is_relative_safe,
                   read_csv_rows, read_json, regular_files, sha256_file, slug, write_json, write_text)

__all__ = ["FolderLock", "append_csv_row", "atomic_path", "clean_stale_temporaries", "csv_cell", "inside",
           "is_relative_safe", "read_csv_rows", "read_json", "regular_files", "sha256_file", "slug",
           "write_json", "write_text"]
