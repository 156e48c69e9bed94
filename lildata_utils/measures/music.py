"""Measures of generated music that noise, a frozen frame or shuffled frames cannot pass (modulation, tempo and
beat strength, chords that stay and move, copies), and the fakes every generator is measured beside.

Notebook: notebooks/05b_beat_lstm.ipynb
"""

from __future__ import annotations

import librosa
import numpy as np

from ..audio import stored_to_db, stored_to_magnitude
from ..data import TEMPO_RANGES
from ..lessons import spectrograms as lesson01
from ..settings import SpectrogramSettings

__all__ = ["TEMPO_RANGES", "bar_chroma_movement", "beat_strength", "beats", "fake_clips", "fake_songs",
           "harmonic_share", "in_tempo_range", "modulation_distance", "modulation_spectrum", "nearest_distance",
           "nearest_piece_distance", "tempo"]


def modulation_spectrum(stored: np.ndarray, settings: SpectrogramSettings, bands: int = 8,
                        low_hz: float = 0.5, high_hz: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    """How each band's level in dB moves over time: ``(frequencies_hz, spectrum (bands, frequencies))``, the
    Hann-windowed spectrum of each band's envelope from ``low_hz`` to ``high_hz``, summing to 1 per band.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    decibels = stored_to_db(np.asarray(stored, np.float32), settings)
    envelopes = np.stack([part.mean(axis=0) for part in np.array_split(decibels, bands, axis=0)])
    envelopes = envelopes - envelopes.mean(axis=1, keepdims=True)
    spectrum = np.abs(np.fft.rfft(envelopes * np.hanning(envelopes.shape[1]), axis=1))
    freqs = np.fft.rfftfreq(envelopes.shape[1], 1.0 / (settings.sample_rate / settings.hop_length))
    keep = (freqs >= low_hz) & (freqs <= high_hz)
    spectrum = spectrum[:, keep]
    return freqs[keep], spectrum / np.maximum(spectrum.sum(axis=1, keepdims=True), 1e-12)


def modulation_distance(generated: np.ndarray, real: np.ndarray, settings: SpectrogramSettings) -> float:
    """The mean over bands of the L1 distance between two sets of clips' mean modulation spectra (0 to 2).

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
    """The tempo librosa's beat tracker finds (BPM, 0 where none) and its beats, in seconds.

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
    """The onset envelope's autocorrelation one beat at ``bpm`` later, over its value at lag 0: near 1 for hits on
    every beat, near 0 for no repeating pulse.

    Notebook: notebooks/05_lstm_generation.ipynb
    """
    if bpm <= 0:
        return 0.0
    envelope = librosa.onset.onset_strength(y=np.asarray(audio, np.float32), sr=sample_rate, hop_length=512)
    envelope = envelope - envelope.mean()
    lag = int(round(60.0 / bpm * sample_rate / 512))
    if lag >= len(envelope) or not np.any(envelope):
        return 0.0
    correlation = librosa.autocorrelate(envelope)
    return float(correlation[lag] / correlation[0])


def fake_clips(real: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Fakes of stored clips ``(clips, bins, frames)``, each of which some measure must fail: ``noise`` at their
    level, the first frame ``frozen``, the frames ``shuffled``, the first second ``looped``, and a ``held chord``
    (the first frame's harmonic part held under the clip's own changes over time).

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
    return librosa.decompose.hpss(stored_to_magnitude(stored, settings) ** 2)


def harmonic_share(stored: np.ndarray, settings: SpectrogramSettings, seconds: float = 5.0) -> tuple[float, float]:
    """The harmonic part's share of the energy (librosa's HPSS) in the first and in the last ``seconds``: a
    chord that fades takes it down.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    harmonic, percussive = _hpss(stored, settings)
    n = max(1, int(seconds * settings.sample_rate / settings.hop_length))
    total = harmonic + percussive
    return tuple(float(harmonic[:, p].sum() / max(total[:, p].sum(), 1e-12)) for p in (slice(0, n), slice(-n, None)))


def bar_chroma_movement(stored: np.ndarray, settings: SpectrogramSettings, frames_per_bar: float) -> float:
    """The mean cosine distance between successive bars' mean chroma of the harmonic part (0: one chord all
    along), bars of ``frames_per_bar`` frames.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    harmonic, _ = _hpss(stored, settings)
    chroma = librosa.feature.chroma_stft(S=harmonic, sr=settings.sample_rate, n_fft=settings.n_fft, norm=None)
    edges = np.arange(0, chroma.shape[1] + 1, max(frames_per_bar, 1.0)).astype(int)
    bars = [chroma[:, a:b].mean(axis=1) for a, b in zip(edges[:-1], edges[1:]) if b > a]
    if len(bars) < 2:
        return 0.0
    bars = np.stack(bars)
    bars = bars / np.maximum(np.linalg.norm(bars, axis=1, keepdims=True), 1e-12)
    return float(np.mean(1.0 - (bars[1:] * bars[:-1]).sum(axis=1)))


def _nearest_squared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Each row of ``a``'s squared distance to the nearest row of ``b``."""
    return np.maximum(((a ** 2).sum(1)[:, None] + (b ** 2).sum(1)[None, :] - 2.0 * a @ b.T).min(axis=1), 0.0)


def nearest_distance(clips: np.ndarray, training: np.ndarray) -> float:
    """The mean over ``clips`` ``(n, bins, frames)`` of the RMS difference to the nearest training clip: 0 for a
    copy; real clips of other songs give the floor a generator must not go below.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    a = np.asarray(clips, np.float32).reshape(len(clips), -1)
    return float(np.sqrt(_nearest_squared(a, np.asarray(training, np.float32).reshape(len(training), -1))
                         / a.shape[1]).mean())


def nearest_piece_distance(sounds: np.ndarray, training: np.ndarray, frames: int, bands: int = 64) -> float:
    """The mean over the ``frames``-long pieces of ``sounds`` ``(n, bins, T)``, one every ``frames // 2``, of the RMS
    difference to the nearest piece of the ``training`` clips starting at any frame, on ``bands`` bands (each the
    mean of its bins): 0 for training music cut up and pasted together, however the pieces are ordered.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    def pieces(group: np.ndarray, step: int) -> np.ndarray:
        pooled = np.stack([part.mean(axis=1) for part in np.array_split(np.asarray(group, np.float32),
                                                                        min(bands, group.shape[1]), axis=1)], axis=1)
        view = np.lib.stride_tricks.sliding_window_view(pooled, frames, axis=2)[:, :, ::step]
        return np.ascontiguousarray(view.transpose(0, 2, 1, 3)).reshape(-1, view.shape[1] * frames)

    ours = pieces(sounds, max(frames // 2, 1))  # against the training pieces 16 clips at a time, every start
    nearest = np.min([_nearest_squared(ours, pieces(training[i:i + 16], 1)) for i in range(0, len(training), 16)], 0)
    return float(np.sqrt(nearest / ours.shape[1]).mean())


def fake_songs(real: np.ndarray, training: np.ndarray, settings: SpectrogramSettings,
               rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Fakes of whole sounds ``(n, bins, frames)`` as :func:`fake_clips`, but a training clip ``looped``, the
    first second's harmonic part held over the song's own percussive part, and ``training bars``: pieces of 3 s
    (a bar of 4 beats at 80 BPM) cut from the training clips at random, end to end.

    Notebook: notebooks/05c_song_generator.ipynb
    """
    real, training = np.asarray(real, np.float32), np.asarray(training, np.float32)
    frames, clip = real.shape[2], training.shape[2]
    bar = int(min(round(3.0 * settings.sample_rate / settings.hop_length), clip))
    count = -(-frames // bar)  # bars to fill a sound
    picks = [zip(rng.integers(len(training), size=count), rng.integers(0, clip - bar + 1, count)) for _ in real]
    bars = [np.concatenate([training[i][:, t:t + bar] for i, t in pick], axis=1)[:, :frames] for pick in picks]
    looped = np.stack([np.tile(training[i % len(training)], (1, frames // clip + 1))[:, :frames]
                       for i in range(len(real))])
    held = []
    for harmonic, percussive in (_hpss(song, settings) for song in real):
        chord = harmonic[:, : max(2, int(settings.sample_rate / settings.hop_length))].mean(axis=1, keepdims=True)
        held.append(lesson01.to_unit(np.sqrt(chord + percussive), settings))
    return {"noise": np.clip(real.mean() + 0.3 * (rng.random(real.shape) - 0.5), 0, 1).astype(np.float32),
            "frozen": np.repeat(real[:, :, :1], frames, axis=2),
            "shuffled": np.stack([c[:, rng.permutation(frames)] for c in real]),
            "looped": looped.astype(np.float32), "held chord": np.stack(held).astype(np.float32),
            "training bars": np.stack(bars)}
