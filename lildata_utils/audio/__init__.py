"""Audio: files read, checked, written and cut into clips (:mod:`.io`); spectrograms stored and heard."""

from .io import (AUDIO_EXTENSIONS, AudioError, AudioInfo, audio_info, check_regular_file, iter_clips, load_audio,
                 rms_db, write_audio, write_wav)
from .spectrogram import audio_to_stored, log_spectral_distance, stored_to_audio, stored_to_db, stored_to_magnitude

__all__ = ["AUDIO_EXTENSIONS", "AudioError", "AudioInfo", "audio_info", "audio_to_stored", "check_regular_file",
           "iter_clips", "load_audio", "log_spectral_distance", "rms_db", "stored_to_audio", "stored_to_db",
           "stored_to_magnitude", "write_audio", "write_wav"]
