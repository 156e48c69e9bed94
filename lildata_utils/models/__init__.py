"""Models: every registered classifier (:mod:`.classifiers`), notebook 02's baselines as Keras models
(:mod:`.baselines`), ImageNet weights (:mod:`.pretrained`), safe saving and loading (:mod:`.saving`) and Grad-CAM
(:mod:`.explain`); all but :mod:`.pretrained` import TensorFlow."""
