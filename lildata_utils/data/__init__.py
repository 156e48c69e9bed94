"""Data: the built-in songs (:mod:`.synth`, with :mod:`.songs`, :mod:`.genres`, :mod:`.instruments`), a folder of
music found (:mod:`.discover`), split by song (:mod:`.splits`) and prepared (:mod:`.prepare`, :mod:`.shards`),
read back (:mod:`.reader`, and :mod:`.stream` for ``tf.data``: import it by name), and recorded music
(:mod:`.realmusic`)."""

from .discover import DatasetError, find_songs
from .prepare import PrepareReport, prepare
from .reader import Clip, PreparedDataset
from .realmusic import make_real_music
from .splits import SPLITS, assign_splits, split_clips, song_id
from .synth import GENRE_NOTES, GENRES, TEMPO_RANGES, make_dataset, make_song

__all__ = ["GENRES", "GENRE_NOTES", "SPLITS", "TEMPO_RANGES", "Clip", "DatasetError", "PrepareReport",
           "PreparedDataset", "assign_splits", "find_songs", "make_dataset", "make_real_music", "make_song", "prepare",
           "split_clips", "song_id"]
