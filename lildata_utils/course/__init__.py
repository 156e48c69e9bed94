"""What the notebooks call: set-up (:mod:`.setup`, :mod:`.runtime`; :mod:`.lab`, with TensorFlow), plots,
listening (:mod:`.listening`, :mod:`.stages`), exercises (:mod:`.exercises`, :mod:`.solutions`), tables and the
listening report (:mod:`.report`), and ``make demo`` (:mod:`.demo`).
"""

from .setup import (Storage, check_accelerator, choose_song, dataset_dirs, ensure_dataset, first_clip_of,
                    import_tensorflow, local_copy, offer_download, runs_dir, storage, use_packed)

__all__ = ["Lab", "Storage", "check_accelerator", "choose_song", "dataset_dirs", "ensure_dataset", "first_clip_of",
           "import_tensorflow", "local_copy", "offer_download", "runs_dir", "start", "storage", "use_packed"]


def __getattr__(name: str):
    """``start``, ``Lab`` and ``set_precision`` load TensorFlow: imported when first used (notebook 01 needs none)."""
    if name in ("start", "Lab", "set_precision"):
        from . import lab
        return getattr(lab, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
