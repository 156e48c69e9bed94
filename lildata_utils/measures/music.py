"""Measures of generated music that noise, a frozen frame or shuffled frames cannot pass, and the fakes.

* :func:`modulation_spectrum` and :func:`modulation_distance`: how each band's level moves over time, from
  0.5 to 20 Hz (beats, hits, tremolo);
* :func:`tempo`, :func:`beats`, :func:`in_tempo_range` and :func:`beat_strength`: librosa's beat tracker on
  the audio, and how strongly the onsets repeat one beat later;
* :func:`harmonic_share`, :func:`bar_chroma_movement` and :func:`nearest_distance`: chords that stay, chords
  that move, and not a copy of a training clip (notebook 05c);
* :func:`fake_clips` and :func:`fake_songs`: the fakes every generator is measured beside.

Notebook: notebooks/05b_beat_lstm.ipynb
"""

from __future__ import annotations

import librosa
import numpy as np

from ..audio import stored_to_db, stored_to_magnitude
from ..data import TEMPO_RANGES
from ..lessons import spectrograms as lesson01
from ..settings import SpectrogramSettings
from .spectral import chroma_db

__all__ = ["TEMPO_RANGES", "bar_chroma_movement", "beat_strength", "beats", "fake_clips", "fake_songs", "harmonic_share",
           "in_tempo_range", "modulation_distance", "modulation_spectrum", "nearest_distance", "tempo"]


def modulation_spectrum(stored: np.ndarray, settings: SpectrogramSettings, bands: int = 8,
                        low_hz: float = 0.5, high_hz: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    """How each frequency band's level moves over time: ``(frequencies_hz, spectrum (bands, frequencies))``.

    The bins are grouped into ``bands`` bands; each band's level in dB over the
    frames is an envelope; the magnitude of its Fourier transform (mean removed,
    Hann window), between ``low_hz`` and ``high_hz`` and normalised to sum to 1
    per band, says at what rates it moves: a beat at 80 BPM is a peak at 1.33 Hz.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    decibels = stored_to_db(np.asarray(stored, np.float32), settings)
    envelopes = np.stack([part.mean(axis=0) for part in np.array_split(decibels, bands, axis=0)])
    envelopes = envelopes - envelopes.mean(axis=1, keepdims=True)
    frame_rate = settings.sample_rate / settings.hop_length
    spectrum = np.abs(np.fft.rfft(envelopes * np.hanning(envelopes.shape[1]), axis=1))
    freqs = np.fft.rfftfreq(envelopes.shape[1], 1.0 / frame_rate)
    keep = (freqs >= low_hz) & (freqs <= high_hz)
    spectrum = spectrum[:, keep]
    return freqs[keep], spectrum / np.maximum(spectrum.sum(axis=1, keepdims=True), 1e-12)


def modulation_distance(generated: np.ndarray, real: np.ndarray, settings: SpectrogramSettings) -> float:
    """Distance between the mean modulation spectra of two sets of clips (``(clips, bins, frames)``):
    the mean over bands of the L1 distance of their normalised spectra, between 0 (the same) and 2.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    mean = lambda clips: np.mean([modulation_spectrum(c, settings)[1] for c in clips], axis=0)  # noqa: E731
    return float(np.abs(mean(generated) - mean(real)).sum(axis=1).mean())


def tempo(audio: np.ndarray, sample_rate: int) -> float:
    """The tempo librosa's beat tracker finds in some audio, in BPM (0 where it finds none).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    return beats(audio, sample_rate)[0]


def beats(audio: np.ndarray, sample_rate: int) -> tuple[float, list[float]]:
    """The tempo librosa's beat tracker finds in some audio (BPM, 0 where none) and its beats, in seconds.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    found, frames = librosa.beat.beat_track(y=np.asarray(audio, np.float32), sr=sample_rate)
    times = librosa.frames_to_time(frames, sr=sample_rate)
    return float(np.atleast_1d(found)[0]), [round(float(t), 3) for t in times]


def in_tempo_range(bpm: float, low: float = 70.0, high: float = 90.0) -> bool:
    """Whether a tempo is in a genre's range, or at half or double it (beat trackers pick either).

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    return any(low <= bpm * factor <= high for factor in (1.0, 0.5, 2.0))


def beat_strength(audio: np.ndarray, sample_rate: int, bpm: float) -> float:
    """The autocorrelation of the onset envelope at the lag of one beat at ``bpm``, over its value at lag 0:
    near 1 for hits that repeat every beat, near 0 for no repeating pulse.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    if bpm <= 0:
        return 0.0
    hop = 512
    envelope = librosa.onset.onset_strength(y=np.asarray(audio, np.float32), sr=sample_rate, hop_length=hop)
    envelope = envelope - envelope.mean()
    lag = int(round(60.0 / bpm * sample_rate / hop))
    if lag >= len(envelope) or not np.any(envelope):
        return 0.0
    correlation = librosa.autocorrelate(envelope)
    return float(correlation[lag] / correlation[0])


def fake_clips(real: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The fakes of stored clips ``(clips, bins, frames)`` that every generator is measured beside, each of which
    some measure must fail: ``noise`` at the real clips' level, each clip's first frame ``frozen``, each clip's
    frames ``shuffled`` in time, a real clip's first second ``looped``, and a ``held chord``: each clip's first
    frame's harmonic part held, with the clip's own drums (its changes over time) on top.

    Notebook: notebooks/05b_beat_lstm.ipynb
    """
    real = np.asarray(real, np.float32)
    frames = real.shape[2]
    second = max(2, frames // 5)
    loop = np.concatenate([real[:, :, :second]] * (frames // second + 1), axis=2)[:, :, :frames]
    held = np.clip(np.minimum(real, real[:, :, :1]) + np.maximum(real - real.mean(axis=2, keepdims=True), 0), 0, 1)
    return {"noise": np.clip(real.mean() + 0.3 * (rng.random(real.shape) - 0.5), 0, 1),
            "frozen": np.repeat(real[:, :, :1], frames, axis=2),
            "shuffled": np.stack([c[:, rng.permutation(frames)] for c in real]),
            "looped": loop.astype(np.float32), "held chord": held.astype(np.float32)}


def _hpss(stored: np.ndarray, settings: SpectrogramSettings) -> tuple[np.ndarray, np.ndarray]:
    """librosa's harmonic-percussive separation of a stored spectrogram's power: ``(harmonic, percussive)``."""
    return librosa.decompose.hpss(stored_to_magnitude(stored, settings) ** 2)


def harmonic_share(stored: np.ndarray, settings: SpectrogramSettings, seconds: float = 5.0) -> tuple[float, float]:
    """The harmonic part's share of the energy (librosa's HPSS) in the first and in the last ``seconds`` of a
    sound: held notes and chords are harmonic, hits percussive; a chord that fades takes the share down.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    harmonic, percussive = _hpss(stored, settings)
    n = max(1, int(seconds * settings.sample_rate / settings.hop_length))
    share = lambda part: float(harmonic[:, part].sum() / max((harmonic + percussive)[:, part].sum(), 1e-12))  # noqa: E731
    return share(slice(0, n)), share(slice(-n, None))


def bar_chroma(stored: np.ndarray, settings: SpectrogramSettings, frames_per_bar: float) -> np.ndarray:
    """Each bar's mean chroma (the harmonic part's pitch classes), scaled to unit length: ``(bars, 12)``."""
    harmonic, _ = _hpss(stored, settings)
    chroma = librosa.feature.chroma_stft(S=harmonic, sr=settings.sample_rate, n_fft=settings.n_fft, norm=None)
    edges = np.arange(0, chroma.shape[1] + 1, max(frames_per_bar, 1.0)).astype(int)
    bars = [chroma[:, a:b].mean(axis=1) for a, b in zip(edges[:-1], edges[1:]) if b > a]
    if not bars:  # a sound shorter than one bar
        return np.zeros((0, chroma.shape[0]))
    bars = np.stack(bars)
    return bars / np.maximum(np.linalg.norm(bars, axis=1, keepdims=True), 1e-12)


def bar_chroma_movement(stored: np.ndarray, settings: SpectrogramSettings, frames_per_bar: float) -> float:
    """How far the chords move from one bar to the next: the mean cosine distance between successive bars'
    chroma (0: the same chord all along). Bars of ``frames_per_bar`` frames (4 beats of the beat tracker).

    Notebook: notebooks/05c_song_generator.ipynb
    """
    bars = bar_chroma(stored, settings, frames_per_bar)
    if len(bars) < 2:
        return 0.0
    return float(np.mean(1.0 - (bars[1:] * bars[:-1]).sum(axis=1)))


def nearest_distance(clips: np.ndarray, training: np.ndarray) -> float:
    """The mean, over ``clips`` ``(n, bins, frames)``, of the RMS difference to the nearest training clip (stored
    values): a copy of a training clip scores 0; real clips of other songs score the floor a generator must not
    go below.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    a = np.asarray(clips, np.float32).reshape(len(clips), -1)
    b = np.asarray(training, np.float32).reshape(len(training), -1)
    squared = (a ** 2).sum(1)[:, None] + (b ** 2).sum(1)[None, :] - 2.0 * a @ b.T
    return float(np.sqrt(np.maximum(squared, 0.0).min(axis=1) / a.shape[1]).mean())


def fake_songs(real: np.ndarray, training: np.ndarray, settings: SpectrogramSettings,
               rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Fakes of whole sounds ``(n, bins, frames)`` (20 seconds of real songs), each of which a song measure must
    fail: ``noise`` at the real level, the first frame ``frozen``, the frames ``shuffled``, a training clip
    ``looped`` to the length, and one ``held chord`` (the first second's harmonic part, held) over the song's own
    drums (its percussive part).

    Notebook: notebooks/05c_song_generator.ipynb
    """
    real, training = np.asarray(real, np.float32), np.asarray(training, np.float32)
    frames, clip = real.shape[2], training.shape[2]
    looped = np.stack([np.tile(training[i % len(training)], (1, frames // clip + 1))[:, :frames] for i in range(len(real))])
    held = []
    for song in real:
        harmonic, percussive = _hpss(song, settings)
        chord = harmonic[:, : max(2, int(settings.sample_rate / settings.hop_length))].mean(axis=1, keepdims=True)
        held.append(lesson01.to_unit(np.sqrt(chord + percussive), settings))
    return {"noise": np.clip(real.mean() + 0.3 * (rng.random(real.shape) - 0.5), 0, 1).astype(np.float32),
            "frozen": np.repeat(real[:, :, :1], frames, axis=2),
            "shuffled": np.stack([c[:, rng.permutation(frames)] for c in real]),
            "looped": looped.astype(np.float32), "held chord": np.stack(held).astype(np.float32)}
