"""Files: written whole or not at all (``safe``), read with one clear line when wrong, locked (``locks``), packed
(``pack``)."""

from .locks import FolderLock
from .safe import (append_csv_row, atomic_path, clean_stale_temporaries, csv_cell, inside, is_relative_safe,
                   read_csv_rows, read_json, regular_files, sha256_file, slug, write_json, write_text)

__all__ = ["FolderLock", "append_csv_row", "atomic_path", "clean_stale_temporaries", "csv_cell", "inside",
           "is_relative_safe", "read_csv_rows", "read_json", "regular_files", "sha256_file", "slug",
           "write_json", "write_text"]
