"""lildata_utils: the package behind the Lil Data course notebooks, and the ``lildata`` command.

Subpackages by concern (TensorFlow is imported only by the modules that train, judge or transfer):

* :mod:`~lildata_utils.lessons`: the notebooks' own lesson code, exported from their ``#@save`` cells;
  the one implementation of the STFT, the networks, the losses, the Gram matrix and the samplers;
* :mod:`~lildata_utils.audio`: reading, checking and writing audio; spectrograms stored and heard;
* :mod:`~lildata_utils.data`: the built-in songs, ``prepare`` (split by song within each label), the
  prepared dataset, the ``tf.data`` stream, recorded music from Debian's packages;
* :mod:`~lildata_utils.models`: building the registered classifiers, the baselines as Keras models,
  pretrained weights, Grad-CAM;
* :mod:`~lildata_utils.measures`: every measure of the course (spectral, musical, judged);
* :mod:`~lildata_utils.runs`: the run folder (claim, lock, config, finished) and the classifier,
  generator and transfer runs;
* :mod:`~lildata_utils.files`: atomic files, locks, safe Keras loading, class packs;
* :mod:`~lildata_utils.course`: what the notebooks call: set-up, plots, listening, exercises, report, demo;
* :mod:`~lildata_utils.cli`: the ``lildata`` command;
* :mod:`~lildata_utils.settings`, :mod:`~lildata_utils.registry`, :mod:`~lildata_utils.limits` and
  :mod:`~lildata_utils.errors`: presets, the names of models and methods, bounds, errors.
"""

from .settings import DATASET_SIZES, PRESETS, SpectrogramSettings, get_preset

__all__ = ["DATASET_SIZES", "PRESETS", "SpectrogramSettings", "get_preset"]

__version__ = "0.2.0"
