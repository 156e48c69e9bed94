"""The lesson code of the notebooks, one module per notebook.

These modules are written by ``scripts/export_lessons.py`` from the notebook
cells marked ``#@save`` (``make lessons``); ``make test`` fails when a notebook
and its module differ. The notebook is the source: edit it, not these files.

* :mod:`~lildata_utils.lessons.spectrograms` (01): the STFT, decibels, clips, Griffin-Lim;
* :mod:`~lildata_utils.lessons.classifier` (02): Lil Data, the loss and the fit, the baseline;
* :mod:`~lildata_utils.lessons.resnet` (03): ResNet50, the paper's set-up and ours;
* :mod:`~lildata_utils.lessons.style` (04): Gram matrices, the costs, the step and the loop;
* :mod:`~lildata_utils.lessons.generators` (05): the LSTMs, their losses, the sampling step;
* :mod:`~lildata_utils.lessons.ab_test` (06): scoring a blind listening test.

The modules of 02 to 05 import TensorFlow; import them only where it is needed.
"""
