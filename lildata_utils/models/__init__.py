"""Models: :mod:`.classifiers` builds every registered classifier from the lessons' code, :mod:`.baselines`
saves notebook 02's logistic regressions as Keras models, :mod:`.pretrained` finds ImageNet weights,
:mod:`.saving` saves atomically and loads with safe mode on, :mod:`.explain` is Grad-CAM (all but
:mod:`.pretrained` import TensorFlow).
"""
