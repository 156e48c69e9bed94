"""``python -m lildata_utils``: the ``lildata`` command, for where it is not on the PATH (Colab)."""

from .cli import run

run()
