"""The lesson code of the notebooks, one module per notebook: the one implementation every command runs.

These modules are written by ``scripts/export_lessons.py`` from the notebook cells marked ``#@save``
(``make lessons``); ``make test`` fails when a notebook and its module differ. The notebook is the
source: edit it, not these files. They import only numpy, scipy, librosa, scikit-learn, Keras and
TensorFlow, never the rest of the package.

* :mod:`~lildata_utils.lessons.spectrograms` (01): clips, the STFT, decibels, Griffin-Lim;
* :mod:`~lildata_utils.lessons.classifier` (02): Lil Data, the baselines, training, song accuracy, the recipe;
* :mod:`~lildata_utils.lessons.resnet` (03): SpecAugment and ResNet50, the paper's set-up and ours;
* :mod:`~lildata_utils.lessons.style` (04): the nets' layers, Gram matrices, the costs, the step and the loop;
* :mod:`~lildata_utils.lessons.style_time` (04b): per-bin AdaIN and modulation transfer;
* :mod:`~lildata_utils.lessons.generators` (05): the LSTMs, teacher forcing, sampling, free running;
* :mod:`~lildata_utils.lessons.beat` (05b): the beat grid, its phase and the beat LSTM;
* :mod:`~lildata_utils.lessons.song` (05c): the song generator;
* :mod:`~lildata_utils.lessons.ab_test` (06): scoring a blind listening test.

Nothing is imported here: the modules of 02 to 05c import TensorFlow, so import them by name.
"""
