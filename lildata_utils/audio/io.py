"""Audio of any common format read block by block (memory bounded) and cut into clips: soundfile reads what it
can, audioread the rest, and soxr resamples the mono mix-down.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import errno
import io
import os
import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import audioread
import numpy as np
import soundfile as sf
import soxr

from ..errors import LildataError, MachineError, is_machine_error
from ..files import atomic_path
from ..limits import LIMITS, bounded

__all__ = ["AUDIO_EXTENSIONS", "AudioError", "AudioInfo", "audio_info", "check_regular_file", "iter_clips",
           "load_audio", "rms_db", "write_audio", "write_wav"]

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".m4a")


class AudioError(LildataError):
    """A file that cannot be used, with a reason a person can read."""


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds before its samples are decoded: its own rate (Hz), channels and seconds (0 when unknown);
    ``claimed_seconds`` is what a WAV header claims (more than ``seconds`` when the file was cut short)."""

    sample_rate: int
    channels: int
    seconds: float
    claimed_seconds: float = 0.0

    @property
    def truncated(self) -> bool:
        """Whether the file holds less audio than its header claims."""
        return self.claimed_seconds > self.seconds + 1e-3


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int) -> Path:
    """Write mono float audio (clipped to [-1, 1]) as a 16-bit WAV, atomically; returns the path."""
    return write_audio(path, audio, sample_rate, "WAV", "PCM_16")


def write_audio(path: str | Path, audio: np.ndarray, sample_rate: int, format: str = "WAV",
                subtype: str | None = None) -> Path:
    """Write mono float audio in any format soundfile writes, atomically (a full disk is a :class:`MachineError`)."""
    path, buffer = Path(path), io.BytesIO()
    sf.write(buffer, np.clip(np.asarray(audio, dtype=np.float64), -1.0, 1.0), int(sample_rate), subtype=subtype,
             format=format)
    try:
        with atomic_path(path) as tmp:
            tmp.write_bytes(buffer.getvalue())
    except OSError as error:
        if is_machine_error(error):
            raise MachineError(f"{path}: cannot write: {error.strerror}") from None
        raise
    return path


def audio_info(path: str | Path) -> AudioInfo:
    """Read a file's rate, channels and duration without decoding it (:class:`AudioError` if it is not audio)."""
    path = Path(path)
    check_regular_file(path)
    try:
        info = sf.info(str(path))
    except Exception:
        audio, rate = _decode_fallback(path)
        return AudioInfo(rate, 1, len(audio) / rate, len(audio) / rate)
    seconds, claimed = float(info.duration), _wav_claimed_seconds(path) if info.format == "WAV" else None
    return AudioInfo(_check_rate(int(info.samplerate)), int(info.channels), seconds, max(seconds, claimed or 0.0))


def _check_rate(rate: int) -> int:
    low, high = LIMITS["sample_rate"]
    if not low <= rate <= high:
        raise AudioError(f"its header claims a sample rate of {rate} Hz, which is not a rate of real audio "
                         f"({low:g} to {high:g} Hz)")
    return rate


def _wav_claimed_seconds(path: Path) -> float | None:
    """The duration a RIFF WAV header claims (its data chunk's size), read without libsndfile."""
    try:
        with open(path, "rb") as handle:
            if (head := handle.read(12))[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            block_align = rate = None
            while len(chunk := handle.read(8)) == 8:
                name, size = struct.unpack("<4sI", chunk)
                if name == b"data":
                    return size / block_align / rate if block_align and rate else None
                if name == b"fmt ":
                    rate, block_align = struct.unpack("<4xI4xH", handle.read(size + (size & 1))[:14])
                else:
                    handle.seek(size + (size & 1), os.SEEK_CUR)
    except (OSError, struct.error):
        pass
    return None


def check_regular_file(path: str | Path) -> None:
    """Raise a one-line reason unless ``path`` is a readable, non-empty regular file (or a link to one): an
    :class:`AudioError`, or a :class:`MachineError` where the file exists but this user may not read it."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise AudioError("dangling link (its target does not exist)" if os.path.islink(path)
                         else "file does not exist") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise AudioError("a link in a loop (it points back to itself)") from None
        raise MachineError(f"cannot read: {error.strerror}") from None
    kinds = {stat.S_ISDIR: "a folder", stat.S_ISFIFO: "a FIFO (named pipe)", stat.S_ISCHR: "a character device",
             stat.S_ISBLK: "a block device", stat.S_ISSOCK: "a socket"}
    for test, kind in kinds.items():
        if test(mode):
            raise AudioError(f"not a regular file ({kind})")
    if not os.access(path, os.R_OK):
        raise MachineError("cannot read: permission denied")
    if os.stat(path).st_size == 0:
        raise AudioError("empty file (0 bytes)")


def _decode_fallback(path: Path) -> tuple[np.ndarray, int]:
    """Decode with audioread (FFmpeg, GStreamer or Core Audio) to mono float32."""
    try:
        with audioread.audio_open(str(path)) as reader:
            rate, channels = int(reader.samplerate), int(reader.channels)
            raw = b"".join(reader)
    except Exception as error:  # audioread raises many unrelated types (NoBackendError, DecodeError, ...)
        if is_machine_error(error):
            raise MachineError(f"cannot read: {error.strerror}") from None
        raise AudioError("not readable audio (no decoder on this machine recognises it)") from None
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    data = data[: len(data) // channels * channels].reshape(-1, channels).mean(axis=1)
    if data.size == 0:
        raise AudioError("no audio samples in file")
    return data, rate


def _check_finite(samples: np.ndarray) -> np.ndarray:
    if not np.isfinite(samples).all():
        raise AudioError("holds samples that are not finite numbers (inf or NaN)")
    return samples


def iter_audio_blocks(path: str | Path, sample_rate: int, block_seconds: float = 30.0,
                      start_frame: int = 0) -> Iterator[np.ndarray]:
    """Yield a file's audio as mono float32 blocks at ``sample_rate`` (:class:`AudioError` if it is not audio); with
    ``start_frame`` (in the file's own frames), from there without decoding what comes before where it can seek."""
    path = Path(path)
    check_regular_file(path)
    try:
        handle = sf.SoundFile(str(path))
    except Exception:
        audio, rate = _decode_fallback(path)
        _check_rate(rate)
        audio = _check_finite(audio[int(start_frame):])
        yield audio if rate == sample_rate else soxr.resample(audio, rate, sample_rate, quality="HQ").astype(np.float32)
        return
    with handle:
        rate = _check_rate(int(handle.samplerate))
        if start_frame:
            handle.seek(min(int(start_frame), handle.frames))  # straight to the part that is needed
        stream = None if rate == sample_rate else soxr.ResampleStream(rate, sample_rate, 1, quality="HQ")
        block_frames, last = max(1, int(block_seconds * rate)), False
        while not last:
            try:
                block = handle.read(block_frames, dtype="float32", always_2d=True)
            except Exception as error:
                if is_machine_error(error):
                    raise MachineError(f"cannot read: {error.strerror}") from None
                raise AudioError(f"corrupt audio data ({error})") from None
            last = len(block) < block_frames
            mono = _check_finite(block.mean(axis=1, dtype=np.float32))
            if stream is not None:
                mono = stream.resample_chunk(mono, last=last)
            if mono.size:
                yield mono


def load_audio(path: str | Path, sample_rate: int, offset_seconds: float = 0.0,
               duration_seconds: float | None = None) -> np.ndarray:
    """Load (part of) a file as mono float32 audio at ``sample_rate`` (``duration_seconds=None``: to the end)."""
    bounded("offset_seconds", offset_seconds, "the offset into the file")
    info = audio_info(path)
    # whole frames of the file read past without decoding; 0.1 s more is decoded, for the resampler to settle
    skip = max(0, int((offset_seconds - 0.1) * info.sample_rate))
    start = int(round((offset_seconds - skip / info.sample_rate) * sample_rate))
    stop = None if duration_seconds is None else start + int(round(duration_seconds * sample_rate))
    pieces = []
    for block in iter_audio_blocks(path, sample_rate, start_frame=skip):
        pieces.append(block)
        if stop is not None and sum(map(len, pieces)) >= stop:
            break
    return (np.concatenate(pieces) if pieces else np.zeros(0, np.float32))[start:stop]


def rms_db(audio: np.ndarray) -> float:
    """RMS level of ``audio`` in dB relative to full scale (-inf for silence)."""
    power = float(np.mean(np.square(audio, dtype=np.float64))) if audio.size else 0.0
    return 10.0 * np.log10(power) if power > 0 else float("-inf")


def iter_clips(path: str | Path, sample_rate: int, clip_samples: int,
               silence_db: float | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Cut a file into non-overlapping clips of ``clip_samples``, streaming: ``(start_sample, clip)`` pairs, the last
    partial clip dropped; with ``silence_db`` (dBFS), quieter clips are skipped (their starts still counted)."""
    buffer, start = np.zeros(0, np.float32), 0
    for block in iter_audio_blocks(path, sample_rate):
        buffer = np.concatenate([buffer, block]) if buffer.size else block
        while len(buffer) >= clip_samples:
            clip, buffer = buffer[:clip_samples], buffer[clip_samples:]
            if silence_db is None or rms_db(clip) >= silence_db:
                yield start, np.ascontiguousarray(clip)
            start += clip_samples
