import numpy as np
import pytest
import soundfile as sf

from lildata_utils import audio, files
from lildata_utils.audio.io import iter_audio_blocks


def _tone(seconds, sr, channels=1, freq=440.0):
    t = np.arange(int(seconds * sr)) / sr
    mono = 0.5 * np.sin(2 * np.pi * freq * t)
    return np.stack([mono * (1 + 0.1 * c) for c in range(channels)], axis=1) if channels > 1 else mono


@pytest.mark.parametrize("fmt", ["wav", "flac", "ogg", "mp3"])
def test_common_formats_read_as_mono_at_the_target_rate(tmp_path, fmt):
    path = tmp_path / f"tone.{fmt}"
    sf.write(path, _tone(2.0, 44100, channels=2), 44100)
    out = audio.load_audio(path, 22050)
    assert out.ndim == 1 and out.dtype == np.float32
    assert abs(len(out) - 2 * 22050) < 0.03 * 22050  # lossy codecs pad a little
    # the 440 Hz tone survives: its FFT peak is in the right place
    spectrum = np.abs(np.fft.rfft(out[:22050]))
    assert abs(np.argmax(spectrum) - 440) <= 2


def test_four_channel_96k_file_is_mixed_down_and_resampled(tmp_path):
    path = tmp_path / "quad.wav"
    sf.write(path, _tone(3.0, 96000, channels=4), 96000)
    info = audio.audio_info(path)
    assert (info.sample_rate, info.channels) == (96000, 4)
    out = audio.load_audio(path, 22050)
    assert abs(len(out) - 3 * 22050) <= 2
    expected = 0.5 * np.mean([1.0, 1.1, 1.2, 1.3])  # the mean of the four channels' amplitudes
    assert abs(np.max(np.abs(out[1000:-1000])) - expected) < 0.01


def test_clips_are_non_overlapping_and_the_partial_one_is_dropped(tmp_path):
    path = tmp_path / "long.wav"
    sf.write(path, _tone(7.5, 8000), 8000)
    clips = list(audio.iter_clips(path, 8000, 8000 * 2))
    assert [start for start, _ in clips] == [0, 16000, 32000]
    assert all(len(c) == 16000 for _, c in clips)


def test_near_silent_clips_are_dropped_but_keep_their_place(tmp_path):
    sr = 8000
    signal = np.concatenate([_tone(1, sr), np.zeros(sr), _tone(1, sr)])
    path = tmp_path / "gap.wav"
    sf.write(path, signal, sr)
    starts = [start for start, _ in audio.iter_clips(path, sr, sr, silence_db=-60.0)]
    assert starts == [0, 2 * sr]


def test_streaming_reads_in_blocks(tmp_path):
    path = tmp_path / "minute.wav"
    sf.write(path, _tone(65.0, 8000), 8000)
    blocks = list(iter_audio_blocks(path, 8000, block_seconds=10.0))
    assert len(blocks) == 7 and max(len(b) for b in blocks) == 80000


@pytest.mark.parametrize("content,reason", [(b"", "empty file"), (b"RIFF\x00\x01garbage" * 50, "not readable audio")])
def test_bad_files_raise_a_readable_error(tmp_path, content, reason):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(audio.AudioError, match=reason):
        list(audio.iter_clips(path, 8000, 8000))


def test_atomic_path_leaves_nothing_behind_on_failure(tmp_path):
    target = tmp_path / "out.npy"
    with pytest.raises(RuntimeError):
        with files.atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_write_wav_is_16_bit_and_clipped(tmp_path):
    path = audio.write_wav(tmp_path / "x.wav", np.array([0.0, 2.0, -2.0, 0.5]), 22050)
    info = sf.info(path)
    assert (info.samplerate, info.channels, info.subtype) == (22050, 1, "PCM_16")
    data, _ = sf.read(path)
    assert np.max(np.abs(data)) <= 1.0
