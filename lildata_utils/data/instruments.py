"""Synthesis building blocks on whole numpy arrays: oscillators, envelopes, filters, effects and drums.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import numpy as np
from scipy import signal

__all__ = ["midi_to_hz", "envelope", "saw", "supersaw", "fm", "additive", "lowpass", "highpass", "bandpass",
           "formant_filter", "drive", "coloured_noise", "reverb", "tilt_eq", "wow_flutter", "kick", "snare", "clap",
           "hat", "place", "normalise_rms"]

VOWEL_FORMANTS = {  # first three formants (Hz) of a few vowels
    "a": (800, 1200, 2500), "e": (400, 2000, 2600), "i": (300, 2300, 3000),
    "o": (450, 800, 2800), "u": (325, 700, 2500),
}


def midi_to_hz(note: float | np.ndarray) -> float | np.ndarray:
    """MIDI note number to frequency in Hz (A4 = 69 = 440 Hz)."""
    return 440.0 * 2.0 ** ((np.asarray(note, dtype=np.float64) - 69.0) / 12.0)


def envelope(n: int, sr: int, attack: float = 0.005, decay: float = 0.2,
             sustain: float = 0.0, release: float = 0.05, hold: float | None = None) -> np.ndarray:
    """An attack-decay-sustain-release envelope of ``n`` samples: the decay is exponential (time constant
    ``decay``) towards ``sustain``, the release starts at ``hold`` seconds (default: the end minus ``release``)."""
    t = np.arange(n) / sr
    hold = (n / sr - release) if hold is None else hold
    env = np.where(t < attack, t / max(attack, 1e-6),
                   sustain + (1 - sustain) * np.exp(-(t - attack) / max(decay, 1e-6)))
    rel = np.clip(1 - (t - hold) / max(release, 1e-6), 0, 1)
    return (env * np.where(t > hold, rel, 1.0)).astype(np.float32)


def saw(freq: float | np.ndarray, n: int, sr: int, phase0: float = 0.0) -> np.ndarray:
    """A band-limited-ish sawtooth (PolyBLEP corrected)."""
    freq = np.broadcast_to(np.asarray(freq, dtype=np.float64), (n,))
    ph = (phase0 + np.cumsum(freq) / sr) % 1.0
    dt = np.clip(freq / sr, 1e-9, 0.5)
    out = 2.0 * ph - 1.0
    low, high = ph < dt, ph > 1 - dt
    x = ph[low] / dt[low]
    out[low] -= x + x - x * x - 1.0
    x = (ph[high] - 1.0) / dt[high]
    out[high] -= x * x + x + x + 1.0
    return out.astype(np.float32)


def supersaw(freq: float, n: int, sr: int, voices: int = 7, detune_cents: float = 25.0,
             rng: np.random.Generator | None = None, vibrato: np.ndarray | None = None) -> np.ndarray:
    """Several detuned saws, the classic wide trance and future-bass sound."""
    rng, mod = rng or np.random.default_rng(0), 1.0 if vibrato is None else vibrato
    out = np.zeros(n, np.float32)
    for cents in np.linspace(-1, 1, voices) * detune_cents:
        out += saw(freq * 2 ** (cents / 1200) * mod, n, sr, phase0=rng.random())
    return out / np.sqrt(voices)


def fm(freq: float, n: int, sr: int, ratio: float = 1.0, index: float = 2.0,
       index_decay: float = 0.3) -> np.ndarray:
    """Two-operator FM: electric pianos (ratio 1) and bells (ratio 3.5)."""
    t = np.arange(n) / sr
    idx = index * np.exp(-t / max(index_decay, 1e-4))
    return np.sin(2 * np.pi * freq * t + idx * np.sin(2 * np.pi * freq * ratio * t)).astype(np.float32)


def additive(freq: float, n: int, sr: int, amps: list[float], decay: float = 1.0,
             decay_slope: float = 0.5, inharmonic: float = 0.0) -> np.ndarray:
    """Harmonics that die faster as they go up: pianos, organs and plucks."""
    t, out = np.arange(n) / sr, np.zeros(n, np.float64)
    for k, amp in enumerate(amps, start=1):
        fk = freq * k * np.sqrt(1 + inharmonic * k * k)
        if fk >= sr / 2:
            break
        out += amp * np.sin(2 * np.pi * fk * t) * np.exp(-t * (1 + decay_slope * (k - 1)) / decay)
    return out.astype(np.float32)


def _butter(x: np.ndarray, kind: str, cutoff, sr: int, order: int) -> np.ndarray:
    low, high = (min(max(c / (sr / 2), 1e-4), 0.99) for c in np.broadcast_to(cutoff, 2))
    band = [low, max(high, low * 1.01)] if kind == "bandpass" else low
    return signal.sosfilt(signal.butter(order, band, btype=kind, output="sos"), x).astype(np.float32)


def lowpass(x: np.ndarray, cutoff: float, sr: int, order: int = 2) -> np.ndarray:
    """Butterworth low-pass."""
    return _butter(x, "lowpass", cutoff, sr, order)


def highpass(x: np.ndarray, cutoff: float, sr: int, order: int = 2) -> np.ndarray:
    """Butterworth high-pass."""
    return _butter(x, "highpass", cutoff, sr, order)


def bandpass(x: np.ndarray, low: float, high: float, sr: int, order: int = 2) -> np.ndarray:
    """Butterworth band-pass."""
    return _butter(x, "bandpass", (low, high), sr, order)


def formant_filter(x: np.ndarray, vowel: str, sr: int, shift: float = 1.0) -> np.ndarray:
    """Three resonant band-passes at a vowel's formants: voice-like colour."""
    out = np.zeros_like(x)
    for f, gain in zip(VOWEL_FORMANTS[vowel], (1.0, 0.6, 0.35)):
        out += bandpass(x, f * shift * 0.85, f * shift * 1.15, sr) * gain
    return out


def drive(x: np.ndarray, amount: float) -> np.ndarray:
    """Soft-clipping distortion (tanh); ``amount`` 1 is gentle, 10 is harsh."""
    return (np.tanh(amount * x) / np.tanh(amount)).astype(np.float32)


def coloured_noise(n: int, rng: np.random.Generator, exponent: float = 0.0) -> np.ndarray:
    """Noise with power falling as ``1 / f ** exponent`` (0 white, 1 pink, 2 brown)."""
    spectrum, freqs = np.fft.rfft(rng.standard_normal(n)), np.fft.rfftfreq(n)
    freqs[0] = freqs[1] if n > 1 else 1.0
    out = np.fft.irfft(spectrum / freqs ** (exponent / 2), n)
    return (out / (np.std(out) + 1e-12)).astype(np.float32)


def reverb(x: np.ndarray, seconds: float, mix: float, sr: int, rng: np.random.Generator,
           brightness: float = 4000.0) -> np.ndarray:
    """Convolution with decaying filtered noise: a plain room or hall."""
    n = max(16, int(seconds * sr))
    ir = lowpass((rng.standard_normal(n) * np.exp(-6.9 * np.arange(n) / n)).astype(np.float32), brightness, sr)
    ir /= np.sqrt(np.sum(ir ** 2)) + 1e-12
    return ((1 - mix) * x + mix * signal.oaconvolve(x, ir)[: len(x)]).astype(np.float32)


def tilt_eq(x: np.ndarray, sr: int, db_per_octave: float, pivot_hz: float = 1000.0,
            lowpass_hz: float | None = None, highpass_hz: float | None = None,
            bands: list[tuple[float, float, float]] = ()) -> np.ndarray:
    """A master EQ in one FFT: a tilt (dB per octave around ``pivot_hz``),
    optional low- and high-pass, and bell bands ``(centre_hz, gain_db, width_octaves)``."""
    freqs = np.fft.rfftfreq(len(x), 1 / sr)
    safe = np.maximum(freqs, 10.0)
    gain_db = db_per_octave * np.log2(safe / pivot_hz)
    for centre, band_db, width in bands:
        gain_db = gain_db + band_db * np.exp(-0.5 * (np.log2(safe / centre) / (width / 2)) ** 2)
    gain = 10 ** (gain_db / 20)
    if lowpass_hz:
        gain = gain / np.sqrt(1 + (freqs / lowpass_hz) ** 4)
    if highpass_hz:
        gain = gain / np.sqrt(1 + (highpass_hz / safe) ** 4)
    return np.fft.irfft(np.fft.rfft(x) * gain, len(x)).astype(np.float32)


def wow_flutter(x: np.ndarray, sr: int, wow_depth_ms: float, flutter_depth_ms: float,
                rng: np.random.Generator) -> np.ndarray:
    """Tape speed wobble: a slowly and quickly varying delay."""
    t = np.arange(len(x)) / sr
    delay = (wow_depth_ms * np.sin(2 * np.pi * rng.uniform(0.3, 0.8) * t + rng.random() * 6)
             + flutter_depth_ms * np.sin(2 * np.pi * rng.uniform(5, 9) * t)) / 1000.0
    return np.interp(t - delay - (wow_depth_ms + flutter_depth_ms) / 1000.0, t, x).astype(np.float32)


def kick(sr: int, start_hz: float = 150.0, end_hz: float = 50.0, pitch_decay: float = 0.04,
         decay: float = 0.3, click: float = 0.3, distortion: float = 0.0,
         rng: np.random.Generator | None = None) -> np.ndarray:
    """A kick drum: a sine that falls in pitch, with a click; distorted for hardstyle."""
    rng, n = rng or np.random.default_rng(0), int((decay * 5 + 0.02) * sr)
    t = np.arange(n) / sr
    freq = end_hz + (start_hz - end_hz) * np.exp(-t / pitch_decay)
    body = np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.exp(-t / decay)
    out = body + click * (highpass(rng.standard_normal(n).astype(np.float32), 2000, sr) * np.exp(-t / 0.004))
    return (drive(out.astype(np.float32), distortion) if distortion > 0 else out).astype(np.float32)


def snare(sr: int, tone_hz: float = 190.0, decay: float = 0.12, noise_mix: float = 0.7,
          rng: np.random.Generator | None = None) -> np.ndarray:
    """A snare: a short tone and band-passed noise."""
    rng, n = rng or np.random.default_rng(0), int((decay * 5) * sr)
    t = np.arange(n) / sr
    tone = np.sin(2 * np.pi * tone_hz * t) * np.exp(-t / (decay * 0.5))
    noise = bandpass(rng.standard_normal(n).astype(np.float32), 1200, 7000, sr) * np.exp(-t / decay)
    return ((1 - noise_mix) * tone + noise_mix * 2 * noise).astype(np.float32)


def clap(sr: int, decay: float = 0.15, rng: np.random.Generator | None = None) -> np.ndarray:
    """A hand clap: a few quick noise bursts and a tail."""
    rng, n = rng or np.random.default_rng(0), int((decay * 5 + 0.04) * sr)
    t, env = np.arange(n) / sr, np.zeros(n)
    for offset in (0.0, 0.011, 0.022):
        env += np.where(t >= offset, np.exp(-np.maximum(t - offset, 0) / 0.006), 0)
    env += np.where(t >= 0.03, np.exp(-np.maximum(t - 0.03, 0) / decay), 0) * 0.6
    return (bandpass(rng.standard_normal(n).astype(np.float32), 900, 5000, sr) * env * 2).astype(np.float32)


def hat(sr: int, decay: float = 0.04, metallic: float = 0.5,
        rng: np.random.Generator | None = None) -> np.ndarray:
    """A hi-hat: high-passed noise mixed with inharmonic square waves."""
    rng, n = rng or np.random.default_rng(0), int((decay * 6 + 0.005) * sr)
    t = np.arange(n) / sr
    metal = sum(np.sign(np.sin(2 * np.pi * f * t)) for f in (205.3, 369.6, 304.4, 522.7, 540.0, 800.0))
    mix = (1 - metallic) * rng.standard_normal(n) + metallic * metal / 3
    return (highpass(mix.astype(np.float32), min(7000, sr * 0.3), sr) * np.exp(-t / decay)).astype(np.float32)


def place(track: np.ndarray, sound: np.ndarray, start: int, gain: float = 1.0) -> None:
    """Add ``sound`` into ``track`` at sample ``start`` (cut at the end)."""
    if start >= len(track) or start + len(sound) <= 0:
        return
    begin, end = max(start, 0), min(len(track), start + len(sound))
    track[begin:end] += gain * sound[begin - start: end - start]


def normalise_rms(x: np.ndarray, target_db: float = -20.0) -> np.ndarray:
    """Scale ``x`` to an RMS level in dBFS (silence stays silent)."""
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0
    return x if rms < 1e-9 else (x * (10 ** (target_db / 20) / rms)).astype(np.float32)
