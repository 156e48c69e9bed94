"""Genre transfer by statistics over time: per-bin AdaIN, modulation transfer.

Generated from notebooks/04b_statistics_over_time.ipynb (its cells marked ``#@save``) by scripts/export_lessons.py:
edit the notebook, then run `make lessons`.

Notebook: notebooks/04b_statistics_over_time.ipynb
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

__all__ = ["match_statistics", "modulation_transfer"]


# notebooks/04b_statistics_over_time.ipynb, cell 7
def match_statistics(content, style):
    """Per-bin AdaIN: every frequency bin of the content (bins x frames, stored levels in [0, 1]) keeps its course
    over time but takes the style's mean and standard deviation over time."""
    mean_c, std_c = content.mean(axis=1, keepdims=True), content.std(axis=1, keepdims=True)
    mean_s, std_s = style.mean(axis=1, keepdims=True), style.std(axis=1, keepdims=True)
    return np.clip((content - mean_c) / (std_c + 1e-4) * std_s + mean_s, 0.0, 1.0)


# notebooks/04b_statistics_over_time.ipynb, cell 10
def modulation_transfer(content, style, envelope_bins=3.0):
    """The style's modulation spectrum with the content's timing, on the spectral envelope: each frame smoothed
    over frequency (a Gaussian of `envelope_bins` bins; 0: the whole spectrogram); over time, the envelope of each
    bin takes the magnitude of the style's Fourier transform and keeps the phase of the content's; the content's
    fine structure (the content minus its envelope: its harmonics) is added back."""
    smooth = (lambda s: gaussian_filter1d(s, envelope_bins, axis=0, mode="nearest")) if envelope_bins else (lambda s: s)
    envelope_c, envelope_s = smooth(content.astype(np.float64)), smooth(style.astype(np.float64))
    rates_c, rates_s = np.fft.rfft(envelope_c, axis=1), np.fft.rfft(envelope_s, axis=1)
    moved = np.fft.irfft(np.abs(rates_s) * np.exp(1j * np.angle(rates_c)), n=content.shape[1], axis=1)
    return np.clip(moved + (content - envelope_c), 0.0, 1.0).astype(np.float32)
