"""Measures, all of them: of spectrograms, of music, and those that need a judge.

* :mod:`~lildata_utils.measures.spectral`: log-spectral distance, brightness, chroma, onsets, variance ratio;
* :mod:`~lildata_utils.measures.music`: modulation, tempo and beat strength, chords that stay and move, copies,
  and the fakes every generator is measured beside;
* :mod:`~lildata_utils.measures.judged`: embeddings and the Fréchet distance, a generator's music measures, the
  grid of transfer pairs and its target (TensorFlow).
"""
