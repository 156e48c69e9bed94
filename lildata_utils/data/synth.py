"""The built-in dataset: songs in the paper's 8 genres, synthesised; each draws its own tempo, key, chords, sounds,
mix and arrangement. The same seed and arguments give byte-identical files, whatever the number of workers.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import itertools
import json
import os
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from ..audio import write_wav
from ..files import FolderLock, clean_stale_temporaries, write_text
from ..limits import bounded, bounded_int
from .genres import RECIPES
from .shards import process_pool
from .songs import GENRE_NOTES, GENRES, TEMPO_RANGES, Song, master, riser

__all__ = ["GENRES", "GENRE_NOTES", "TEMPO_RANGES", "make_dataset", "make_song"]


def make_song(genre: str, seed: int = 0, index: int = 0, seconds: float = 60.0,
              sample_rate: int = 22050) -> tuple[np.ndarray, dict[str, Any]]:
    """Render song ``index`` of a genre, ``seconds`` long: mono float32 audio (peak at most 0.98) and the song's
    parameters (tempo, key, chords, mix).

    Notebook: notebooks/01_data_prep.ipynb
    """
    if genre not in GENRES:
        raise ValueError(f"unknown genre {genre!r}; choose from {', '.join(GENRES)}")
    bounded("song_seconds", seconds, "seconds")
    rng = np.random.default_rng(np.random.SeedSequence([seed, GENRES.index(genre), index]))
    low, high = TEMPO_RANGES[genre]
    tempo = float(np.round(rng.uniform(low, high), 2)) if high else 0.0
    song = Song(genre, sample_rate, seconds, rng, tempo)
    song.params.update(genre=genre, index=index, seed=seed, tempo=tempo or None, sample_rate=sample_rate,
                       seconds=seconds)
    RECIPES[genre](song)
    if "build" in song.sections:
        riser(song)
    audio = master(song)
    song.params["swing"] = round(song.swing, 3)
    return audio, _jsonable(song.params)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return round(value, 4) if isinstance(value, float) else value


def _write_song(out_dir: str, genre: str, seed: int, index: int, seconds: float, sample_rate: int) -> str:
    path = Path(out_dir) / genre / f"{genre}_{index:03d}.wav"
    audio, params = make_song(genre, seed, index, seconds, sample_rate)
    write_wav(path, audio, sample_rate)  # the sound first: its JSON, written last, says the song is whole
    write_text(path.with_suffix(".json"), json.dumps(params, indent=2, sort_keys=True) + "\n")
    return str(path)


def _is_made(path: Path, seed: int, seconds: float, sample_rate: int) -> bool:
    """Whether a song is there, whole, with these settings; ``ValueError`` for a file the synthesiser did not make."""
    meta = path.with_suffix(".json")
    try:
        params = json.loads(meta.read_text())
    except (OSError, ValueError):
        params = None
    if not isinstance(params, dict) or "genre" not in params or "seed" not in params:
        existing = [p for p in (path, meta) if p.exists() or p.is_symlink()]
        if existing:
            raise ValueError(f"{existing[0]}: exists and was not made by `lildata synth`; it is left alone "
                             "(choose another folder for the built-in songs)")
        return False
    return path.exists() and (params.get("seed"), params.get("seconds"), params.get("sample_rate")) == (
        seed, round(float(seconds), 4), sample_rate)


def make_dataset(out_dir: str | Path, genres: list[str] | None = None, songs_per_genre: int = 10,
                 seconds: float = 60.0, seed: int = 0, jobs: int | None = None,
                 sample_rate: int = 22050, progress: bool = True) -> list[Path]:
    """Write ``OUT_DIR/<genre>/<genre>_<NNN>.wav`` plus JSON, ready for ``lildata prepare``; returns the WAV paths in
    order. Songs already made with the same settings are kept, so an interrupted run can be started again;
    ``jobs`` worker processes (default: all cores; 1 works in this process).

    Notebook: notebooks/01_data_prep.ipynb
    """
    genres, out_dir = list(GENRES if genres is None else genres), Path(out_dir)
    if not genres or any(not g for g in genres):  # one line for a request that cannot make songs
        raise ValueError(f"--genres: give genres separated by commas (choose from {', '.join(GENRES)})")
    if repeated := sorted({g for g in genres if genres.count(g) > 1}):
        raise ValueError(f"--genres: {', '.join(repeated)} given more than once")
    if unknown := [g for g in genres if g not in GENRES]:
        raise ValueError(f"unknown genre(s) {', '.join(unknown)}; choose from {', '.join(GENRES)}")
    bounded_int("songs_per_genre", songs_per_genre, "--songs-per-genre")
    bounded("song_seconds", seconds, "--seconds")
    bounded_int("sample_rate", sample_rate, "--sample-rate")
    if jobs is not None:
        bounded_int("jobs", jobs, "--jobs")
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir}: is a file; give a folder for the songs")
    with FolderLock(out_dir, f"`lildata synth {out_dir}`"):
        paths, todo = [], []
        for genre in genres:
            clean_stale_temporaries(out_dir / genre)
            for index in range(songs_per_genre):
                paths.append(out_dir / genre / f"{genre}_{index:03d}.wav")
                if not _is_made(paths[-1], seed, seconds, sample_rate):
                    todo.append((str(out_dir), genre, seed, index, seconds, sample_rate))
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
        with tqdm(total=len(todo), desc="synth", unit="song", disable=not progress) as bar, \
                (nullcontext() if workers == 1 else process_pool(workers)) as pool:
            for _ in itertools.starmap(_write_song, todo) if pool is None else pool.map(_write_song, *zip(*todo)):
                bar.update()
        return paths

