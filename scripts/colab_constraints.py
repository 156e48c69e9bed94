"""Write ci/constraints-colab.txt: Colab's own version of every package `make test-colab` installs.

    python scripts/colab_constraints.py COLAB_PIP_FREEZE INSTALLED_FREEZE [--commit SHA]

COLAB_PIP_FREEZE is Colab's published list (pip-freeze.txt of github.com/googlecolab/backend-info);
INSTALLED_FREEZE is `pip freeze` of a .venv-colab made from ci/requirements-colab.txt. Every installed
package that Colab's list names is pinned to Colab's version (TensorFlow as tensorflow-cpu, the same
version: Colab's build has the GPU kernels). Packages Colab does not have (jedi and what only it
needs) are left free. A maintenance script: run it when Colab's list moves, then `make test-colab`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text.strip().lower())


def parse_freeze(text: str) -> dict[str, str]:
    """``name: version`` of the ``name==version`` lines of a pip freeze (others: URLs, comments, are skipped)."""
    out = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line.strip())
        if match:
            out[_name(match[1])] = match[2]
    return out


def constraints(colab: dict[str, str], installed: dict[str, str], commit: str, python: str) -> str:
    """The constraints file's text."""
    colab = dict(colab)
    if "tensorflow" in colab:
        colab["tensorflow-cpu"] = colab["tensorflow"]
    pinned = sorted(name for name in installed if name in colab)
    free = sorted(name for name in installed if name not in colab)
    head = [f"# Colab's own versions (googlecolab/backend-info {commit}, Colab's default runtime: Python {python}),",
            "# of every package `make test-colab` installs that Colab's list names; written by",
            "# scripts/colab_constraints.py. TensorFlow is Colab's version as the CPU build. Not on Colab's list,",
            f"# so free: {', '.join(free) or 'none'}."]
    return "\n".join(head + [f"{name}=={colab[name]}" for name in pinned]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("colab_freeze", type=Path)
    parser.add_argument("installed_freeze", type=Path)
    parser.add_argument("--commit", default="unknown")
    parser.add_argument("--python", default="3.13")
    parser.add_argument("--out", type=Path, default=ROOT / "ci" / "constraints-colab.txt")
    args = parser.parse_args(argv)
    text = constraints(parse_freeze(args.colab_freeze.read_text()), parse_freeze(args.installed_freeze.read_text()),
                       args.commit, args.python)
    args.out.write_text(text)
    print(f"wrote {args.out}: {sum(1 for line in text.splitlines() if '==' in line)} pins")
    return 0


if __name__ == "__main__":
    sys.exit(main())
