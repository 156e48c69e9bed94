"""Strip outputs and execution counts from notebooks, in place: `python scripts/strip_notebooks.py notebooks/*.ipynb`."""

import json
import sys
from pathlib import Path


def strip(path: Path) -> bool:
    """Remove outputs from one notebook; returns whether it changed."""
    nb = json.loads(path.read_text())
    changed = False
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            if cell.get("outputs") or cell.get("execution_count") is not None:
                changed = True
            cell["outputs"], cell["execution_count"] = [], None
            cell.get("metadata", {}).pop("execution", None)
    if changed:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return changed


if __name__ == "__main__":
    for name in sys.argv[1:]:
        if strip(Path(name)):
            print(f"stripped {name}")
