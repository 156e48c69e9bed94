"""lildata_utils: the package behind the Lil Data course notebooks.

Modules, by topic:

* :mod:`~lildata_utils.config`: spectrogram settings and presets;
* :mod:`~lildata_utils.audio`: reading and writing audio, cutting clips;
* :mod:`~lildata_utils.spectrogram`: audio to stored spectrograms and back;
* :mod:`~lildata_utils.dataset`: preparing a folder of music, split by song;
* :mod:`~lildata_utils.pipeline`: a ``tf.data`` pipeline streaming from disk;
* :mod:`~lildata_utils.instruments` and :mod:`~lildata_utils.synth`: the
  built-in dataset of electronic music in 8 genres;
* :mod:`~lildata_utils.plots`: plot helpers that take ``ax=None``;
* :mod:`~lildata_utils.cli`: the ``lildata`` command.

TensorFlow is imported only by the modules that need it.
"""

from .config import PRESETS, SpectrogramSettings, get_preset
from .dataset import PreparedDataset, prepare
from .synth import GENRES, make_dataset, make_song

__all__ = [
    "GENRES",
    "PRESETS",
    "PreparedDataset",
    "SpectrogramSettings",
    "get_preset",
    "make_dataset",
    "make_song",
    "prepare",
]

__version__ = "0.1.0"
