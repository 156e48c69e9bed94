"""Measures, all of them: of spectrograms (:mod:`.spectral`), of music and the fakes every generator is measured
beside (:mod:`.music`), and those that need a judge (:mod:`.judged`, TensorFlow)."""
