"""Reading audio of any common format, and cutting it into clips.

Files are read with soundfile (libsndfile: WAV, FLAC, OGG/Vorbis, Opus and
MP3) block by block, so hours of audio never need memory in proportion; what
soundfile cannot read goes to a fallback decoder (audioread, through
whatever back end the machine has). Audio is mixed down to mono and
resampled with soxr's high-quality resampler.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import errno
import os
import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from .errors import LildataError, MachineError, is_machine_error
from .files import atomic_path

__all__ = [
    "AUDIO_EXTENSIONS",
    "AudioError",
    "AudioInfo",
    "audio_info",
    "check_regular_file",
    "iter_clips",
    "load_audio",
    "rms_db",
    "write_audio",
    "write_wav",
]

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".m4a")
"""File endings that are treated as audio; other files in a label folder are reported."""

_BLOCK_SECONDS = 30.0


class AudioError(LildataError):
    """A file that cannot be used, with a reason a person can read."""


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds before any decoding of its samples.

    Attributes:
        sample_rate: The file's own sample rate in Hz.
        channels: Number of channels.
        seconds: Duration in seconds (0 when unknown).
        claimed_seconds: For a WAV file, the duration its header claims
            (more than ``seconds`` when the file was cut short), else ``seconds``.
    """

    sample_rate: int
    channels: int
    seconds: float
    claimed_seconds: float = 0.0

    @property
    def truncated(self) -> bool:
        """Whether the file holds less audio than its header claims."""
        return self.claimed_seconds > self.seconds + 1e-3


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int) -> Path:
    """Write mono float audio as a 16-bit WAV, atomically.

    Args:
        path: Where to write.
        audio: Samples in [-1, 1]; values outside are clipped.
        sample_rate: Sample rate in Hz.

    Returns:
        The path written.
    """
    return write_audio(path, audio, sample_rate, "WAV", "PCM_16")


def write_audio(path: str | Path, audio: np.ndarray, sample_rate: int, format: str = "WAV",
                subtype: str | None = None) -> Path:
    """Write mono float audio in any format soundfile writes (WAV, FLAC ...), atomically.

    The file is encoded in memory first and then written with Python's own file calls, so a full disk or a
    missing permission is an error of the machine (:class:`MachineError`), never a decoder's message.

    Raises:
        MachineError: No space, no permission, an input/output error.
    """
    import io

    path = Path(path)
    buffer = io.BytesIO()
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
    """Read a file's rate, channels and duration without decoding it.

    Raises:
        AudioError: The file is missing, empty or not audio that can be read.
    """
    path = Path(path)
    check_regular_file(path)
    try:
        info = sf.info(str(path))
    except Exception:
        audio, rate = _decode_fallback(path)
        return AudioInfo(rate, 1, len(audio) / rate, len(audio) / rate)
    _check_rate(int(info.samplerate))
    seconds = float(info.duration)
    claimed = _wav_claimed_seconds(path) if info.format == "WAV" else None
    return AudioInfo(int(info.samplerate), int(info.channels), seconds, max(seconds, claimed or 0.0))


def _check_rate(rate: int) -> None:
    """A file's sample rate must be one of real audio (a header claiming 1 Hz would make a tiny file endless)."""
    from .limits import LIMITS

    low, high = LIMITS["sample_rate"]
    if not low <= rate <= high:
        raise AudioError(f"its header claims a sample rate of {rate} Hz, which is not a rate of real audio "
                         f"({low:g} to {high:g} Hz)")


def _wav_claimed_seconds(path: Path) -> float | None:
    """The duration a RIFF WAV header claims (its data chunk's size), read without libsndfile."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            block_align = rate = None
            while True:
                chunk = handle.read(8)
                if len(chunk) < 8:
                    return None
                name, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if name == b"fmt ":
                    fmt = handle.read(size + (size & 1))
                    rate, block_align = struct.unpack("<I", fmt[4:8])[0], struct.unpack("<H", fmt[12:14])[0]
                elif name == b"data":
                    return size / block_align / rate if block_align and rate else None
                else:
                    handle.seek(size + (size & 1), os.SEEK_CUR)
    except (OSError, struct.error):
        return None


def check_regular_file(path: str | Path) -> None:
    """Raise a one-line reason unless ``path`` is a readable, non-empty regular file (or a link to one).

    Raises:
        AudioError: Missing, a dangling link, a folder, a FIFO, a device or a socket, or empty.
        MachineError: The file exists but this user may not read it.
    """
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
    """Decode with audioread (FFmpeg, GStreamer or Core Audio), mono float32."""
    try:
        import audioread
    except ImportError:  # pragma: no cover - audioread comes with librosa
        raise AudioError("not a format soundfile can read, and audioread is not installed") from None
    try:
        with audioread.audio_open(str(path)) as reader:
            rate, channels = int(reader.samplerate), int(reader.channels)
            raw = b"".join(reader)
    except OSError as error:
        if is_machine_error(error):
            raise MachineError(f"cannot read: {error.strerror}") from None
        raise AudioError("not readable audio (no decoder on this machine recognises it)") from None
    except Exception:  # audioread raises many unrelated types (NoBackendError, DecodeError, ...)
        raise AudioError("not readable audio (no decoder on this machine recognises it)") from None
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        data = data[: len(data) // channels * channels].reshape(-1, channels).mean(axis=1)
    if data.size == 0:
        raise AudioError("no audio samples in file")
    return data, rate


def _mono(block: np.ndarray) -> np.ndarray:
    return block.mean(axis=1, dtype=np.float32) if block.ndim == 2 else block.astype(np.float32)


def iter_audio_blocks(path: str | Path, sample_rate: int, block_seconds: float = _BLOCK_SECONDS,
                      start_frame: int = 0) -> Iterator[np.ndarray]:
    """Yield a file's audio as mono float32 blocks at ``sample_rate``.

    Memory stays bounded by the block size, whatever the file's length. With ``start_frame`` (in the file's
    own frames) reading starts there, without decoding what comes before (where the format can seek).

    Raises:
        AudioError: The file cannot be read as audio.
    """
    path = Path(path)
    check_regular_file(path)
    try:
        handle = sf.SoundFile(str(path))
    except Exception:
        audio, rate = _decode_fallback(path)
        _check_rate(rate)
        audio = audio[int(start_frame):]
        _check_finite(audio)
        if rate != sample_rate:
            audio = soxr.resample(audio, rate, sample_rate, quality="HQ").astype(np.float32)
        yield audio
        return
    with handle:
        rate = int(handle.samplerate)
        _check_rate(rate)
        if start_frame:
            handle.seek(min(int(start_frame), handle.frames))  # straight to the part that is needed
        stream = None if rate == sample_rate else soxr.ResampleStream(
            rate, sample_rate, 1, dtype="float32", quality="HQ")
        block_frames = max(1, int(block_seconds * rate))
        while True:
            try:
                block = handle.read(block_frames, dtype="float32", always_2d=True)
            except OSError as error:
                if is_machine_error(error):
                    raise MachineError(f"cannot read: {error.strerror}") from None
                raise AudioError(f"corrupt audio data ({error})") from None
            except Exception as error:
                raise AudioError(f"corrupt audio data ({error})") from None
            last = len(block) < block_frames
            mono = _mono(block)
            _check_finite(mono)
            if stream is not None:
                mono = stream.resample_chunk(mono, last=last)
            if mono.size:
                yield mono
            if last:
                break


def _check_finite(samples: np.ndarray) -> None:
    if not np.isfinite(samples).all():
        raise AudioError("holds samples that are not finite numbers (inf or NaN)")


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
    from .limits import bounded

    bounded("offset_seconds", offset_seconds, "the offset into the file")
    info = audio_info(path)
    # whole frames of the file read past without decoding; 0.1 s more is decoded, for the resampler to settle
    skip = max(0, int((offset_seconds - 0.1) * info.sample_rate))
    start = int(round((offset_seconds - skip / info.sample_rate) * sample_rate))
    stop = None if duration_seconds is None else start + int(round(duration_seconds * sample_rate))
    pieces, have = [], 0
    for block in iter_audio_blocks(path, sample_rate, start_frame=skip):
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
