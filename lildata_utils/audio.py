"""Reading audio of any common format, and cutting it into clips.

Files are read with soundfile (libsndfile: WAV, FLAC, OGG/Vorbis, Opus and
MP3) block by block, so hours of audio never need memory in proportion; what
soundfile cannot read goes to a fallback decoder (audioread, through
whatever back end the machine has). Audio is mixed down to mono and
resampled with soxr's high-quality resampler.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

__all__ = [
    "AUDIO_EXTENSIONS",
    "AudioError",
    "AudioInfo",
    "atomic_path",
    "audio_info",
    "iter_clips",
    "load_audio",
    "rms_db",
    "write_json",
    "write_wav",
]

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".m4a")
"""File endings that are treated as audio; other files in a label folder are reported."""

_BLOCK_SECONDS = 30.0


class AudioError(Exception):
    """A file that cannot be used, with a reason a person can read."""


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds before any decoding of its samples.

    Attributes:
        sample_rate: The file's own sample rate in Hz.
        channels: Number of channels.
        seconds: Duration in seconds (0 when unknown).
    """

    sample_rate: int
    channels: int
    seconds: float


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Give a temporary path beside ``path``; rename it into place on success.

    A run killed while writing leaves only a ``.tmp`` file, never a
    half-written file under the final name.

    Example:
        >>> with atomic_path("out.npy") as tmp:  # doctest: +SKIP
        ...     np.save(tmp, array)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f"{path.suffix}.tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path: str | Path, data) -> Path:
    """Write JSON, indented, atomically (a temporary name, then renamed)."""
    import json

    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int) -> Path:
    """Write mono float audio as a 16-bit WAV, atomically.

    Args:
        path: Where to write.
        audio: Samples in [-1, 1]; values outside are clipped.
        sample_rate: Sample rate in Hz.

    Returns:
        The path written.
    """
    path = Path(path)
    pcm = np.clip(np.asarray(audio, dtype=np.float64), -1.0, 1.0)
    with atomic_path(path) as tmp:
        sf.write(tmp, pcm, int(sample_rate), subtype="PCM_16", format="WAV")
    return path


def audio_info(path: str | Path) -> AudioInfo:
    """Read a file's rate, channels and duration without decoding it.

    Raises:
        AudioError: The file is missing, empty or not audio that can be read.
    """
    path = Path(path)
    _check_file(path)
    try:
        info = sf.info(str(path))
        return AudioInfo(int(info.samplerate), int(info.channels), float(info.duration))
    except Exception:
        audio, rate = _decode_fallback(path)
        return AudioInfo(rate, 1, len(audio) / rate)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise AudioError("file does not exist")
    if not path.is_file():
        raise AudioError("not a file")
    if path.stat().st_size == 0:
        raise AudioError("empty file (0 bytes)")


def _decode_fallback(path: Path) -> tuple[np.ndarray, int]:
    """Decode with audioread (FFmpeg, GStreamer or Core Audio), mono float32."""
    try:
        import audioread
    except ImportError:  # pragma: no cover - audioread comes with librosa
        raise AudioError("not a format soundfile can read, and audioread is not installed") from None
    try:
        with audioread.audio_open(str(path)) as reader:
            rate, channels = int(reader.samplerate), int(reader.channels)
            raw = b"".join(reader)
    except Exception as error:  # audioread raises many unrelated types
        raise AudioError(f"not readable audio ({type(error).__name__})") from None
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        data = data[: len(data) // channels * channels].reshape(-1, channels).mean(axis=1)
    if data.size == 0:
        raise AudioError("no audio samples in file")
    return data, rate


def _mono(block: np.ndarray) -> np.ndarray:
    return block.mean(axis=1, dtype=np.float32) if block.ndim == 2 else block.astype(np.float32)


def iter_audio_blocks(path: str | Path, sample_rate: int,
                      block_seconds: float = _BLOCK_SECONDS) -> Iterator[np.ndarray]:
    """Yield a file's audio as mono float32 blocks at ``sample_rate``.

    Memory stays bounded by the block size, whatever the file's length.

    Raises:
        AudioError: The file cannot be read as audio.
    """
    path = Path(path)
    _check_file(path)
    try:
        handle = sf.SoundFile(str(path))
    except Exception:
        audio, rate = _decode_fallback(path)
        if rate != sample_rate:
            audio = soxr.resample(audio, rate, sample_rate, quality="HQ").astype(np.float32)
        yield audio
        return
    with handle:
        rate = int(handle.samplerate)
        stream = None if rate == sample_rate else soxr.ResampleStream(
            rate, sample_rate, 1, dtype="float32", quality="HQ")
        block_frames = max(1, int(block_seconds * rate))
        while True:
            try:
                block = handle.read(block_frames, dtype="float32", always_2d=True)
            except Exception as error:
                raise AudioError(f"corrupt audio data ({error})") from None
            last = len(block) < block_frames
            mono = _mono(block)
            if stream is not None:
                mono = stream.resample_chunk(mono, last=last)
            if mono.size:
                yield mono
            if last:
                break


def load_audio(path: str | Path, sample_rate: int, offset_seconds: float = 0.0,
               duration_seconds: float | None = None) -> np.ndarray:
    """Load (part of) a file as mono float32 audio at ``sample_rate``.

    Args:
        path: An audio file.
        sample_rate: The rate to resample to.
        offset_seconds: Where to start, in seconds.
        duration_seconds: How much to read; ``None`` reads to the end.

    Returns:
        A 1-D float32 array.

    Raises:
        AudioError: The file cannot be read as audio.
    """
    start = int(round(offset_seconds * sample_rate))
    stop = None if duration_seconds is None else start + int(round(duration_seconds * sample_rate))
    pieces, have = [], 0
    for block in iter_audio_blocks(path, sample_rate):
        pieces.append(block)
        have += len(block)
        if stop is not None and have >= stop:
            break
    audio = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
    return audio[start:stop]


def rms_db(audio: np.ndarray) -> float:
    """RMS level of ``audio`` in dB relative to full scale (-inf for silence)."""
    power = float(np.mean(np.square(audio, dtype=np.float64))) if audio.size else 0.0
    return 10.0 * np.log10(power) if power > 0 else float("-inf")


def iter_clips(path: str | Path, sample_rate: int, clip_samples: int,
               silence_db: float | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Cut a file into non-overlapping clips, streaming.

    The last partial clip is dropped. With ``silence_db``, clips whose RMS
    level is below it are skipped (their start is still counted, so the clip
    starts stay true to the file).

    Args:
        path: An audio file.
        sample_rate: The rate to resample to.
        clip_samples: Samples per clip.
        silence_db: Threshold in dBFS for near-silent clips, or ``None``.

    Yields:
        ``(start_sample, clip)`` pairs, ``clip`` a float32 array of
        ``clip_samples`` samples.
    """
    buffer = np.zeros(0, np.float32)
    start = 0
    for block in iter_audio_blocks(path, sample_rate):
        buffer = np.concatenate([buffer, block]) if buffer.size else block
        while len(buffer) >= clip_samples:
            clip, buffer = buffer[:clip_samples], buffer[clip_samples:]
            if silence_db is None or rms_db(clip) >= silence_db:
                yield start, np.ascontiguousarray(clip)
            start += clip_samples
