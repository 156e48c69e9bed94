"""Data: the built-in songs (:mod:`.synth`), a folder of music found, split by song, prepared and read back (and
:mod:`.stream` for ``tf.data``: import it by name), and recorded music (:mod:`.realmusic`)."""

from .discover import DatasetError, find_songs
from .prepare import PrepareReport, prepare
from .reader import Clip, PreparedDataset
from .realmusic import make_real_music
from .splits import SPLITS, assign_splits, split_clips, song_id
from .synth import GENRE_NOTES, GENRES, TEMPO_RANGES, make_dataset, make_song

__all__ = ["GENRES", "GENRE_NOTES", "SPLITS", "TEMPO_RANGES", "Clip", "DatasetError", "PrepareReport",
           "PreparedDataset", "assign_splits", "find_songs", "make_dataset", "make_real_music", "make_song", "prepare",
           "split_clips", "song_id"]
