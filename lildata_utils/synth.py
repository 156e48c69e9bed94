"""The built-in dataset: electronic music in the paper's 8 genres.

Each song draws its own tempo (within its genre's range), key, scale, chord
progression, drum-pattern variations, sound design, mix levels and master
EQ, and plays an arrangement (intro, build, drop, breakdown, outro) so that
different clips of one song differ. Songs are made from real synthesis
(oscillators, filters, envelopes, noise, distortion, delay, reverb and
sidechain), see :mod:`lildata_utils.instruments`.

The same seed and arguments give byte-identical files, whatever the number
of worker processes.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from tqdm.auto import tqdm

from . import instruments as ins
from .audio import write_wav
from .files import FolderLock, clean_stale_temporaries, write_text
from .dataset import process_pool

__all__ = ["GENRES", "GENRE_NOTES", "TEMPO_RANGES", "make_song", "make_dataset"]

GENRES = ("trap", "future_bass", "lofi", "hardstyle", "hiphop", "liquid_dnb", "house", "noise")
"""The paper's 8 classes (``hiphop`` stands for the paper's rapper class)."""

TEMPO_RANGES = {
    "trap": (130, 150), "future_bass": (140, 160), "lofi": (70, 90), "hardstyle": (150, 160),
    "hiphop": (85, 100), "liquid_dnb": (170, 176), "house": (120, 128), "noise": (0, 0),
}
"""Beats per minute drawn for each genre (``noise`` has no beat)."""

GENRE_NOTES = {
    "trap": "half-time; long 808 sub-bass with glides; hi-hat rolls; snare or clap on beat 3; dark bell or pluck",
    "future_bass": "half-time; wide detuned supersaw chords with sidechain pumping and wobble; vocal-like plucks",
    "lofi": "slow and swung; soft dusty drums; jazzy 7th/9th electric piano; low-pass, crackle, hiss, wow and flutter",
    "hardstyle": "four on the floor; distorted pitched kick with a long tail; reverse bass on the off-beats; screech leads",
    "hiphop": "boom-bap with swing; looped soul chord sample; rap-like formant bursts at syllable rate",
    "liquid_dnb": "fast two-step breakbeat with ghost notes; rolling sub or reese bass; lush pads and piano",
    "house": "four on the floor; off-beat open hats; clap on 2 and 4; piano or organ stabs; off-beat bass",
    "noise": "no steady beat: coloured noise, rain, crackle, room tone, babble and stray tones",
}

SCALES = {
    "minor": [0, 2, 3, 5, 7, 8, 10], "major": [0, 2, 4, 5, 7, 9, 11],
    "dorian": [0, 2, 3, 5, 7, 9, 10], "harmonic_minor": [0, 2, 3, 5, 7, 8, 11],
}
NOTE_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
PROGRESSIONS = {
    "minor": [[0, 5, 2, 6], [0, 3, 4, 0], [0, 5, 3, 4], [0, 6, 5, 6], [0, 3, 6, 5]],
    "major": [[3, 4, 2, 5], [0, 4, 5, 3], [5, 3, 0, 4], [1, 4, 0, 5], [0, 5, 3, 4]],
}

# Which layers play in each part of the arrangement.
ACTIVE = {
    "intro": {"hats", "harmony", "texture", "kick4"},
    "build": {"hats", "harmony", "snare", "fx", "texture", "kick4"},
    "drop": {"kick", "kick4", "snare", "hats", "bass", "harmony", "lead", "texture", "fx"},
    "breakdown": {"harmony", "lead", "texture", "hats"},
    "verse": {"kick", "kick4", "snare", "hats", "bass", "harmony", "texture", "lead"},
    "outro": {"kick", "kick4", "hats", "harmony", "texture"},
}


@dataclass
class Song:
    """A song being rendered: its clock, arrangement, tracks and parameters."""

    genre: str
    sr: int
    seconds: float
    rng: np.random.Generator
    tempo: float
    swing: float = 0.0
    params: dict[str, Any] = field(default_factory=dict)
    tracks: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.n = int(round(self.seconds * self.sr))
        self.step_s = 60.0 / self.tempo / 4 if self.tempo else 0.125
        self.n_bars = int(np.ceil(self.seconds / (16 * self.step_s))) + 1
        self.sections: list[str] = []

    @property
    def buffer_length(self) -> int:
        """Samples in each track's buffer: the song and room for tails."""
        return self.n + 4 * self.sr

    def track(self, name: str) -> np.ndarray:
        """The buffer of a track (made on first use, with room for tails)."""
        if name not in self.tracks:
            self.tracks[name] = np.zeros(self.buffer_length, np.float32)
        return self.tracks[name]

    def at(self, bar: int, step: float) -> int:
        """Sample of a 16th step in a bar, swung on the off 16ths."""
        swing = self.swing * self.step_s if int(step) % 2 == 1 and float(step).is_integer() else 0.0
        return int(round(((bar * 16 + step) * self.step_s + swing) * self.sr))

    def bars(self, layer: str) -> list[int]:
        """The bars in which a layer plays."""
        return [b for b, kind in enumerate(self.sections) if layer in ACTIVE[kind]]

    def section(self, bar: int) -> str:
        return self.sections[bar] if bar < len(self.sections) else "outro"


# --- helpers shared by the genres -------------------------------------------------

def _arrangement(song: Song, pool: list[str]) -> None:
    rng = song.rng
    sections = ["intro"] * int(rng.choice([2, 4]))
    while len(sections) < song.n_bars:
        kind = pool[int(rng.integers(len(pool)))]
        if kind == sections[-1] and kind != "drop":
            continue
        sections += [kind] * int(rng.choice([2, 4, 4, 8]))
    song.sections = sections[: song.n_bars]
    song.params["arrangement"] = _runs(song.sections)


def _runs(sections: list[str]) -> list[list[Any]]:
    out: list[list[Any]] = []
    for kind in sections:
        if out and out[-1][0] == kind:
            out[-1][1] += 1
        else:
            out.append([kind, 1])
    return out


def _harmony(song: Song, scale: str, prog_kind: str, extensions: int) -> list[list[int]]:
    """Pick a key and progression; return MIDI notes of each chord."""
    rng = song.rng
    root = int(rng.integers(0, 12))
    degrees = PROGRESSIONS[prog_kind][int(rng.integers(len(PROGRESSIONS[prog_kind])))]
    steps = SCALES[scale]
    chords, names = [], []
    for degree in degrees:
        notes = []
        for k in range(3 + extensions):
            idx = degree + 2 * k
            notes.append(48 + root + steps[idx % 7] + 12 * (idx // 7))
        chords.append(notes)
        names.append(NOTE_NAMES[(root + steps[degree % 7]) % 12] + ("m" if (notes[1] - notes[0]) % 12 == 3 else "")
                     + {0: "", 1: "7", 2: "9"}[min(extensions, 2)])
    song.params.update(key=NOTE_NAMES[root], scale=scale, chords=names)
    song.params["root_midi"] = 36 + root
    return chords


def _drum_hits(song: Song, layer: str, name: str, sound: np.ndarray, steps: list[float],
               gain: float = 1.0, jitter: float = 0.0, velocity_spread: float = 0.0) -> None:
    """Hits on the given 16th steps of every bar where ``layer`` plays.

    With ``velocity_spread``, hits off the 8th-note grid are played softer
    (by up to that fraction, plus a little randomness), as a drummer accents.
    """
    track = song.track(name)
    for bar in song.bars(layer):
        for step in steps:
            accent = 0.0 if step % 4 == 0 else 0.5 if step % 2 == 0 else 1.0
            vel = gain * (1 - velocity_spread * (0.7 * accent + 0.3 * song.rng.random()))
            offset = int(jitter * song.rng.standard_normal() * song.sr)
            ins.place(track, sound, song.at(bar, step) + offset, vel)


def _chord_track(song: Song, name: str, chords: list[list[int]], render: Callable[[float, int], np.ndarray],
                 pattern: list[tuple[float, float]], layer: str = "harmony", bars_per_chord: int = 1,
                 gain: float = 1.0, octave: int = 0, strum: float = 0.0) -> None:
    """Play each chord on a rhythm of (step, length in steps) within its bar."""
    track = song.track(name)
    cache: dict[tuple[int, int], np.ndarray] = {}
    for bar in song.bars(layer):
        chord = chords[(bar // bars_per_chord) % len(chords)]
        for step, length in pattern:
            n = int(length * song.step_s * song.sr)
            for i, note in enumerate(chord):
                key = (note, n)
                if key not in cache:
                    cache[key] = render(float(ins.midi_to_hz(note + 12 * octave)), n)
                ins.place(track, cache[key], song.at(bar, step) + int(i * strum * song.sr), gain / len(chord))


def _bass_line(song: Song, name: str, notes: list[tuple[int, float, float, int]], shape: str,
               glide: float = 0.0, drive_amount: float = 0.0, decay: float = 0.4) -> None:
    """A continuous monophonic bass: notes are (bar, step, length in steps, MIDI)."""
    n = song.n + song.sr
    freq = np.zeros(n, np.float64)
    amp = np.zeros(n, np.float32)
    current = None
    for bar, step, length, midi in sorted(notes):
        start = song.at(bar, step)
        if start >= n:
            continue
        stop = min(n, start + int(length * song.step_s * song.sr))
        target = float(ins.midi_to_hz(midi))
        seg = stop - start
        if current is None or glide <= 0:
            freq[start:stop] = target
        else:
            t = np.arange(seg) / song.sr
            freq[start:stop] = target + (current - target) * np.exp(-t / glide)
        current = target
        amp[start:stop] = ins.envelope(seg, song.sr, attack=0.004, decay=decay, sustain=0.3, release=0.03)
    freq[freq == 0] = 40.0
    if shape == "sine":
        osc = np.sin(2 * np.pi * np.cumsum(freq) / song.sr).astype(np.float32)
    elif shape == "reese":
        osc = 0.5 * (ins.saw(freq * 1.006, n, song.sr) + ins.saw(freq * 0.994, n, song.sr, 0.3))
        osc = ins.lowpass(osc, 400 + 300 * song.rng.random(), song.sr, order=4)
    else:  # "saw": off-beat house bass
        osc = ins.lowpass(ins.saw(freq, n, song.sr), 500 + 700 * song.rng.random(), song.sr, order=2)
    out = osc * amp
    if drive_amount:
        out = ins.drive(out, drive_amount)
    ins.place(song.track(name), out.astype(np.float32), 0)


def _melody(song: Song, name: str, render: Callable[[float, int], np.ndarray], density: float,
            octave: int, layer: str = "lead", step_len: int = 2, gain: float = 1.0) -> None:
    """A repeating two-bar motif on the song's scale."""
    rng = song.rng
    steps = SCALES[song.params["scale"]]
    root = song.params["root_midi"] + 12 * octave
    slots = list(range(0, 32, step_len))
    weight = {0: 1.5, 8: 1.0, 4: 1.2, 12: 1.0}
    motif = [(s, int(rng.integers(0, 8))) for s in slots
             if rng.random() < density * weight.get(s % 16, 0.6 if s % 4 == 0 else 0.4)]
    track = song.track(name)
    cache: dict[int, np.ndarray] = {}
    for bar in song.bars(layer):
        for slot, degree in motif:
            if slot // 16 != bar % 2:
                continue
            midi = root + steps[degree % 7] + 12 * (degree // 7)
            if midi not in cache:
                cache[midi] = render(float(ins.midi_to_hz(midi)), int(step_len * 1.5 * song.step_s * song.sr))
            ins.place(track, cache[midi], song.at(bar, slot % 16), gain)


def _riser(song: Song, name: str = "fx") -> None:
    """White-noise risers over the build sections."""
    track = song.track(name)
    bars = song.bars("fx")
    for bar in bars:
        if song.section(bar) != "build" or song.section(bar + 1) == "build":
            continue
        length = 2 * 16 * song.step_s
        n = int(length * song.sr)
        noise = ins.highpass(song.rng.standard_normal(n).astype(np.float32), 1500, song.sr)
        ramp = np.linspace(0, 1, n, dtype=np.float32) ** 2
        ins.place(track, noise * ramp * 0.5, song.at(bar - 1, 0))


def _sidechain(song: Song, depth: float, release: float, beats: int = 4) -> np.ndarray:
    """A gain curve that ducks on every beat (as if keyed by the kick)."""
    n = song.buffer_length
    gain = np.ones(n, np.float32)
    beat = int(4 * song.step_s * song.sr)
    t = np.arange(beat) / song.sr
    duck = (1 - depth * np.exp(-t / release)).astype(np.float32)
    for start in range(0, n, beat * 4 // beats):
        gain[start:start + beat] = duck[: max(0, min(beat, n - start))]
    return gain


def _vocal_bursts(song: Song, name: str, layer: str, rate_steps: list[float], pitch_hz: float,
                  gain: float = 1.0, shift: float = 1.0) -> None:
    """Rap-like syllables: pulse-plus-noise bursts through random vowel formants."""
    rng = song.rng
    track = song.track(name)
    vowels = list(ins.VOWEL_FORMANTS)
    cache = {}
    for bar in song.bars(layer):
        for step in rate_steps:
            if rng.random() < 0.2:
                continue
            vowel = vowels[int(rng.integers(len(vowels)))]
            length = int(song.step_s * song.sr * rng.uniform(0.8, 1.6))
            key = (vowel, length // 200)
            if key not in cache:
                f0 = pitch_hz * (1 + 0.08 * rng.standard_normal())
                pitch = f0 * (1 - 0.15 * np.linspace(0, 1, length))
                source = ins.saw(pitch, length, song.sr) + 0.3 * rng.standard_normal(length).astype(np.float32)
                env = ins.envelope(length, song.sr, attack=0.01, decay=0.06, sustain=0.5, release=0.02)
                cache[key] = ins.formant_filter(source * env, vowel, song.sr, shift)
            ins.place(track, cache[key], song.at(bar, step), gain * rng.uniform(0.6, 1.0))


def _texture(song: Song, name: str, kind: str, level: float) -> None:
    """A continuous bed: vinyl crackle, hiss, rain or room tone."""
    rng, n, sr = song.rng, song.n, song.sr
    if kind == "crackle":
        clicks = (rng.random(n) < rng.uniform(5, 40) / sr).astype(np.float32) * rng.standard_normal(n).astype(np.float32)
        bed = ins.highpass(clicks, 1000, sr) * 4 + 0.15 * ins.coloured_noise(n, rng, 1.0)
    elif kind == "hiss":
        bed = ins.highpass(ins.coloured_noise(n, rng, 0.5), 3000, sr)
    elif kind == "rain":
        drops = (rng.random(n) < rng.uniform(200, 1500) / sr).astype(np.float32) * rng.random(n).astype(np.float32)
        bed = ins.bandpass(drops, 800, 6000, sr) * 3 + 0.3 * ins.lowpass(ins.coloured_noise(n, rng, 1.0), 3000, sr)
    else:  # room tone with a mains hum
        hum_hz = 50.0 if rng.random() < 0.5 else 60.0
        t = np.arange(n) / sr
        hum = sum(np.sin(2 * np.pi * hum_hz * k * t) / k for k in (1, 2, 3)).astype(np.float32)
        bed = ins.lowpass(ins.coloured_noise(n, rng, 1.8), 600, sr) + 0.2 * hum
    ins.place(song.track(name), ins.normalise_rms(bed, -20) * level, 0)


# --- the genres -------------------------------------------------------------------

def _trap(song: Song) -> None:
    rng, sr = song.rng, song.sr
    _arrangement(song, ["drop", "drop", "breakdown", "build"])
    chords = _harmony(song, str(rng.choice(["minor", "harmonic_minor"])), "minor", 0)
    kick_steps = [0] + [s for s in (3, 6, 7, 10, 11, 14) if rng.random() < 0.35]
    _drum_hits(song, "kick", "kick", ins.kick(sr, start_hz=120, end_hz=48, pitch_decay=0.03, decay=0.12, click=0.4, rng=rng), kick_steps)
    sound = ins.clap(sr, rng=rng) if rng.random() < 0.5 else ins.snare(sr, tone_hz=rng.uniform(170, 230), rng=rng)
    _drum_hits(song, "snare", "snare", sound, [8], gain=1.0)
    hat_sound = ins.hat(sr, decay=rng.uniform(0.015, 0.035), metallic=rng.random(), rng=rng)
    hats = song.track("hats")
    for bar in song.bars("hats"):
        for beat in range(4):
            div = int(rng.choice([2, 4, 4, 4, 8, 3, 6], p=[0.15, 0.35, 0.1, 0.1, 0.12, 0.1, 0.08]))
            for k in range(div):
                ins.place(hats, hat_sound, song.at(bar, beat * 4 + 4 * k / div), 0.5 + 0.4 * rng.random())
    root = song.params["root_midi"]
    notes = []
    for bar in song.bars("bass"):
        for step in kick_steps:
            length = (kick_steps + [16])[kick_steps.index(step) + 1] - step
            offset = int(rng.choice([0, 0, 0, 7, 12, -2, 3]))
            notes.append((bar, step, length, root + offset))
    _bass_line(song, "bass", notes, "sine", glide=rng.uniform(0.02, 0.08), drive_amount=rng.uniform(1, 3), decay=0.8)
    if rng.random() < 0.5:
        lead = lambda f, n: ins.fm(f, n, sr, 3.5, 3.0, 0.2) * ins.envelope(n, sr, 0.002, 0.3)
        song.params["lead"] = "fm_bell"
    else:
        lead = lambda f, n: ins.additive(f, n, sr, [1, 0.5, 0.3, 0.2], 0.3, 1.0)
        song.params["lead"] = "pluck"
    _melody(song, "lead", lead, density=rng.uniform(0.3, 0.6), octave=2, step_len=2, gain=0.8)
    _chord_track(song, "pad", chords, lambda f, n: ins.lowpass(ins.supersaw(f, n, sr, 3, 10, rng), 900, sr)
                 * ins.envelope(n, sr, 0.3, 2.0, 0.6, 0.3), [(0, 16)], gain=0.5, bars_per_chord=2)
    song.params["mix"] = {"kick": 0, "snare": -3, "hats": -10, "bass": 0, "lead": -6, "pad": -14}
    song.params["sidechain"] = (0.2, 0.12)


def _future_bass(song: Song) -> None:
    rng, sr = song.rng, song.sr
    _arrangement(song, ["drop", "drop", "breakdown", "build"])
    chords = _harmony(song, "major", "major", 1)
    _drum_hits(song, "kick", "kick", ins.kick(sr, start_hz=160, end_hz=52, pitch_decay=0.03, decay=0.15, rng=rng),
               [0] + ([10] if rng.random() < 0.6 else []) + ([7] if rng.random() < 0.3 else []))
    layered = ins.clap(sr, rng=rng)
    ins.place(layered, 0.5 * ins.snare(sr, rng=rng), 0)
    _drum_hits(song, "snare", "snare", layered, [8])
    _drum_hits(song, "hats", "hats", ins.hat(sr, decay=0.03, rng=rng), [2, 6, 10, 14], gain=0.5)
    wobble_hz, wobble_depth = rng.uniform(3, 7), rng.uniform(0.003, 0.012)
    detune = rng.uniform(15, 40)

    def saw_chord(f: float, n: int) -> np.ndarray:
        vib = 1 + wobble_depth * np.sin(2 * np.pi * wobble_hz * np.arange(n) / sr)
        tone = ins.supersaw(f, n, sr, 7, detune, rng, vib)
        return ins.lowpass(tone, rng.uniform(3000, 7000), sr) * ins.envelope(n, sr, 0.01, 0.5, 0.8, 0.05)

    chop = [(s, 1.5) for s in range(0, 16, 2)] if rng.random() < 0.5 else [(0, 3), (3, 3), (6, 4), (10, 3), (13, 3)]
    _chord_track(song, "chords", chords, saw_chord, chop, gain=1.0, octave=1)
    vowel = str(rng.choice(list(ins.VOWEL_FORMANTS)))
    vocal = lambda f, n: ins.formant_filter(ins.saw(f, n, sr), vowel, sr) * ins.envelope(n, sr, 0.003, 0.08)
    song.params["vocal_vowel"] = vowel
    _melody(song, "lead", vocal, density=rng.uniform(0.5, 0.8), octave=3, step_len=1, gain=1.5)
    notes = [(bar, 0, 16, song.params["root_midi"] + chords[bar % 4][0] - chords[0][0]) for bar in song.bars("bass")]
    _bass_line(song, "bass", notes, "sine", decay=2.0)
    song.params["mix"] = {"kick": 0, "snare": -2, "hats": -12, "chords": -3, "lead": -9, "bass": -4}
    song.params["sidechain"] = (rng.uniform(0.7, 0.95), rng.uniform(0.12, 0.25))


def _lofi(song: Song) -> None:
    rng, sr = song.rng, song.sr
    _arrangement(song, ["verse", "verse", "breakdown"])
    chords = _harmony(song, str(rng.choice(["major", "dorian"])), "major", int(rng.choice([1, 2])))
    dusty = lambda x: ins.lowpass(x, rng.uniform(2500, 5000), sr)
    _drum_hits(song, "kick", "kick", dusty(ins.kick(sr, start_hz=110, end_hz=50, pitch_decay=0.04, decay=0.2, click=0.1, rng=rng)),
               [0] + [s for s in (7, 10) if rng.random() < 0.6], gain=0.8, jitter=0.006)
    _drum_hits(song, "snare", "snare", dusty(ins.snare(sr, tone_hz=200, decay=0.15, noise_mix=0.8, rng=rng)), [4, 12], gain=0.6, jitter=0.006)
    _drum_hits(song, "hats", "hats", dusty(ins.hat(sr, decay=0.03, metallic=0.2, rng=rng)), [0, 2, 4, 6, 8, 10, 12, 14],
               gain=0.35, velocity_spread=0.5, jitter=0.004)
    epiano = lambda f, n: ins.fm(f, n, sr, 1.0, rng.uniform(1, 2.5), 0.4) * ins.envelope(n, sr, 0.004, 1.2, 0.3, 0.2)
    _chord_track(song, "keys", chords, epiano, [(0, 14)] if rng.random() < 0.5 else [(0, 6), (6, 10)],
                 gain=1.2, strum=rng.uniform(0.005, 0.03))
    notes = [(bar, 0, 8, chords[bar % 4][0] - 12) for bar in song.bars("bass")]
    notes += [(bar, 10, 4, chords[bar % 4][0] - 12 + 7) for bar in song.bars("bass")]
    _bass_line(song, "bass", notes, "sine", decay=0.5)
    _melody(song, "lead", lambda f, n: ins.additive(f, n, sr, [1, 0.3, 0.1], 0.5, 0.6), 0.25, 2, step_len=4, gain=0.5)
    _texture(song, "texture", "crackle", 1.0)
    _texture(song, "hiss", "hiss", 1.0)
    song.params["mix"] = {"kick": -2, "snare": -6, "hats": -12, "keys": -2, "bass": -4, "lead": -10,
                          "texture": -20, "hiss": -28}
    song.params["wow_flutter_ms"] = (rng.uniform(0.5, 2.0), rng.uniform(0.05, 0.2))
    song.params["master_lowpass"] = rng.uniform(3000, 6000)


def _hardstyle(song: Song) -> None:
    rng, sr = song.rng, song.sr
    _arrangement(song, ["drop", "drop", "breakdown", "build"])
    chords = _harmony(song, "minor", "minor", 0)
    root_hz = float(ins.midi_to_hz(song.params["root_midi"] + 12))
    kick_sound = ins.kick(sr, start_hz=rng.uniform(200, 300), end_hz=root_hz, pitch_decay=0.02, decay=rng.uniform(0.15, 0.3), click=0.5, distortion=rng.uniform(4, 10), rng=rng)
    _drum_hits(song, "kick4", "kick", kick_sound, [0, 4, 8, 12])
    n = int(2 * song.step_s * sr)
    rev = ins.lowpass(ins.drive(ins.saw(root_hz, n, sr) * ins.envelope(n, sr, 0.002, 0.08), 3), 1200, sr)[::-1].copy()
    _drum_hits(song, "bass", "bass", rev, [2, 6, 10, 14], gain=0.8)
    _drum_hits(song, "hats", "hats", ins.hat(sr, decay=0.08, metallic=0.6, rng=rng), [2, 6, 10, 14], gain=0.4)
    _drum_hits(song, "snare", "snare", ins.clap(sr, rng=rng), [4, 12], gain=0.7)
    if rng.random() < 0.5:
        index = rng.uniform(4, 9)
        lead = lambda f, n: ins.drive(ins.fm(f, n, sr, 2.01, index, 10.0), 4) * ins.envelope(n, sr, 0.005, 1.0, 0.8, 0.05)
        song.params["lead"] = "screech"
    else:
        lead = lambda f, n: ins.supersaw(f, n, sr, 7, 30, rng) * ins.envelope(n, sr, 0.005, 1.0, 0.8, 0.05)
        song.params["lead"] = "supersaw"
    _melody(song, "lead", lead, density=rng.uniform(0.4, 0.7), octave=2, step_len=2)
    _chord_track(song, "pad", chords, lambda f, n: ins.supersaw(f, n, sr, 5, 20, rng) * ins.envelope(n, sr, 0.5, 3, 0.7, 0.5),
                 [(0, 16)], layer="harmony", gain=0.6)
    song.params["mix"] = {"kick": 0, "bass": -6, "hats": -12, "snare": -8, "lead": -9, "pad": -15}
    song.params["sidechain"] = (0.5, 0.1)


def _hiphop(song: Song) -> None:
    rng, sr = song.rng, song.sr
    song.swing = rng.uniform(0.1, 0.3)
    _arrangement(song, ["verse", "verse", "verse", "breakdown"])
    chords = _harmony(song, str(rng.choice(["minor", "dorian"])), "minor", 1)
    _drum_hits(song, "kick", "kick", ins.kick(sr, start_hz=130, end_hz=55, pitch_decay=0.03, decay=0.18, click=0.5, distortion=1.5, rng=rng),
               [0] + [s for s in (3, 7, 10, 11) if rng.random() < 0.4])
    _drum_hits(song, "snare", "snare", ins.snare(sr, tone_hz=rng.uniform(180, 220), decay=0.15, noise_mix=0.6, rng=rng), [4, 12])
    _drum_hits(song, "hats", "hats", ins.hat(sr, decay=0.03, metallic=0.4, rng=rng), [0, 2, 4, 6, 8, 10, 12, 14], gain=0.4,
               velocity_spread=0.4)
    # A "sampled" soul loop: two bars rendered once, filtered, then looped exactly.
    loop = Song(song.genre, sr, 2 * 16 * song.step_s, rng, song.tempo)
    loop.sections = ["verse", "verse"]
    organ = rng.random() < 0.5
    voice = ((lambda f, n: ins.additive(f, n, sr, [1, 0.7, 0.4, 0.3, 0.2], 3.0, 0.1) * ins.envelope(n, sr, 0.02, 2, 0.8, 0.1))
             if organ else (lambda f, n: ins.additive(f, n, sr, [1, 0.5, 0.25, 0.12, 0.06], 0.8, 0.8, 1e-4)))
    song.params["sample_instrument"] = "organ" if organ else "piano"
    progression = [chords[int(rng.integers(4))], chords[int(rng.integers(4))]]
    _chord_track(loop, "s", progression, voice, [(0, 6), (6, 10)], gain=1.0)
    sample = ins.bandpass(loop.track("s")[: loop.n], 200, rng.uniform(2500, 4500), sr)
    sample = ins.wow_flutter(sample, sr, 0.8, 0.1, rng)
    harmony = song.track("sample")
    for bar in song.bars("harmony")[::2]:
        ins.place(harmony, sample, song.at(bar, 0))
    notes = [(bar, 0, 6, progression[bar % 2][0] - 12) for bar in song.bars("bass")]
    _bass_line(song, "bass", notes, "sine", decay=0.4)
    _vocal_bursts(song, "vocal", "lead", [0, 2, 3, 4, 6, 8, 9, 10, 12, 14], rng.uniform(100, 170), shift=rng.uniform(0.9, 1.15))
    song.params["mix"] = {"kick": 0, "snare": -2, "hats": -12, "sample": -4, "bass": -6, "vocal": -4}


def _liquid_dnb(song: Song) -> None:
    rng, sr = song.rng, song.sr
    _arrangement(song, ["drop", "drop", "breakdown", "build"])
    chords = _harmony(song, str(rng.choice(["minor", "dorian"])), "minor", 2)
    _drum_hits(song, "kick", "kick", ins.kick(sr, start_hz=150, end_hz=55, pitch_decay=0.025, decay=0.12, click=0.4, rng=rng),
               [0, 10] + ([6] if rng.random() < 0.3 else []))
    snare_sound = ins.snare(sr, tone_hz=rng.uniform(190, 240), decay=0.1, noise_mix=0.7, rng=rng)
    _drum_hits(song, "snare", "snare", snare_sound, [4, 12])
    ghosts = [s for s in (3, 7, 9, 11, 15) if rng.random() < 0.4]
    _drum_hits(song, "snare", "ghost", snare_sound, ghosts, gain=0.25)
    _drum_hits(song, "hats", "hats", ins.hat(sr, decay=0.02, metallic=0.3, rng=rng), list(range(16)), gain=0.35, velocity_spread=0.8)
    _drum_hits(song, "hats", "ride", ins.hat(sr, decay=0.15, metallic=0.8, rng=rng), [0, 4, 8, 12], gain=0.5)
    shape = "reese" if rng.random() < 0.5 else "sine"
    song.params["bass"] = shape
    notes = [(bar, s, 3, chords[(bar // 2) % 4][0] - 12 + (7 if s == 8 else 0)) for bar in song.bars("bass") for s in (0, 3, 8, 11)]
    _bass_line(song, "bass", notes, shape, glide=0.02, decay=0.3)
    pad = lambda f, n: ins.lowpass(ins.supersaw(f, n, sr, 5, 12, rng), 2000, sr) * ins.envelope(n, sr, 0.6, 4, 0.8, 0.6)
    _chord_track(song, "pad", chords, pad, [(0, 32)], bars_per_chord=2, gain=1.0)
    piano = lambda f, n: ins.additive(f, n, sr, [1, 0.5, 0.25, 0.12], 0.8, 0.8, 1e-4)
    _chord_track(song, "piano", chords, piano, [(0, 4), (6, 4), (10, 6)], layer="lead", bars_per_chord=2,
                 gain=0.8, octave=1, strum=0.01)
    song.params["mix"] = {"kick": 0, "snare": -1, "ghost": -8, "hats": -7, "ride": -8, "bass": -6, "pad": -12, "piano": -10}
    song.params["reverb"] = (rng.uniform(1.5, 3.0), rng.uniform(0.2, 0.4))


def _house(song: Song) -> None:
    rng, sr = song.rng, song.sr
    _arrangement(song, ["drop", "drop", "breakdown", "build"])
    chords = _harmony(song, str(rng.choice(["minor", "major", "dorian"])), str(rng.choice(["minor", "major"])), 1)
    _drum_hits(song, "kick4", "kick", ins.kick(sr, start_hz=140, end_hz=50, pitch_decay=0.03, decay=0.15, click=rng.uniform(0.6, 1.0), rng=rng), [0, 4, 8, 12])
    _drum_hits(song, "snare", "clap", ins.clap(sr, rng=rng), [4, 12], gain=0.8)
    _drum_hits(song, "hats", "open_hat", ins.hat(sr, decay=0.12, metallic=0.5, rng=rng), [2, 6, 10, 14], gain=0.5)
    _drum_hits(song, "hats", "hats", ins.hat(sr, decay=0.02, metallic=0.3, rng=rng), list(range(0, 16, 1 if rng.random() < 0.5 else 2)),
               gain=0.3, velocity_spread=0.6)
    organ = rng.random() < 0.5
    song.params["stab"] = "organ" if organ else "piano"
    stab = ((lambda f, n: ins.additive(f, n, sr, [1, 1, 0.5, 0.6, 0, 0.4], 2.0, 0.0) * ins.envelope(n, sr, 0.005, 0.2, 0.5, 0.02))
            if organ else (lambda f, n: ins.additive(f, n, sr, [1, 0.6, 0.3, 0.15], 0.4, 0.7, 1e-4)))
    pattern = [(2, 1.5), (6, 1.5), (10, 1.5), (14, 1.5)] if rng.random() < 0.7 else [(0, 2), (3, 2), (6, 2), (10, 2), (13, 2)]
    _chord_track(song, "stabs", chords, stab, pattern, gain=1.0, octave=1)
    notes = [(bar, s, 1.5, chords[bar % 4][0] - 12) for bar in song.bars("bass") for s in (2, 6, 10, 14)]
    _bass_line(song, "bass", notes, "saw", decay=0.2)
    song.params["mix"] = {"kick": 0, "clap": -5, "open_hat": -9, "hats": -10, "stabs": -10, "bass": -7}
    song.params["sidechain"] = (0.4, 0.12)


def _noise(song: Song) -> None:
    rng, sr, n = song.rng, song.sr, song.n
    song.sections = ["noise"] * song.n_bars
    kinds = list(rng.choice(["coloured", "rain", "crackle", "room", "babble", "tones"],
                            size=int(rng.integers(2, 5)), replace=False))
    song.params["textures"] = kinds
    mix = {}
    for kind in kinds:
        name = f"t_{kind}"
        if kind == "coloured":
            exponent = float(rng.uniform(0, 2))
            bed = ins.coloured_noise(n, rng, exponent)
            song.params["noise_exponent"] = exponent
        elif kind in ("rain", "crackle", "room"):
            _texture(song, name, kind, 1.0)
            mix[name] = float(rng.uniform(-6, 0))
            continue
        elif kind == "babble":
            bed = np.zeros(n, np.float32)
            for _ in range(int(rng.integers(3, 8))):
                for _ in range(int(song.seconds * rng.uniform(1, 4))):
                    length = int(sr * rng.uniform(0.08, 0.3))
                    f0 = rng.uniform(90, 250)
                    src = ins.saw(f0, length, sr) + 0.3 * rng.standard_normal(length).astype(np.float32)
                    vowel = str(rng.choice(list(ins.VOWEL_FORMANTS)))
                    syl = ins.formant_filter(src * ins.envelope(length, sr, 0.02, 0.1, 0.5, 0.03), vowel, sr)
                    ins.place(bed, syl, int(rng.integers(0, n)), rng.uniform(0.2, 1.0))
            bed = ins.reverb(bed, 0.8, 0.4, sr, rng)
        else:  # stray tones at random times
            bed = np.zeros(n, np.float32)
            for _ in range(int(song.seconds * rng.uniform(0.3, 1.5))):
                length = int(sr * rng.uniform(0.1, 1.5))
                tone = np.sin(2 * np.pi * rng.uniform(150, 3000) * np.arange(length) / sr).astype(np.float32)
                ins.place(bed, tone * ins.envelope(length, sr, 0.02, 0.5, 0.3, 0.1), int(rng.integers(0, n)))
        ins.place(song.track(name), ins.normalise_rms(bed, -20), 0)
        mix[name] = float(rng.uniform(-8, 0))
    # A slow swell so that the texture changes over time, with no steady pulse.
    t = np.arange(len(song.track(f"t_{kinds[0]}"))) / sr
    swell = (1 + 0.5 * np.sin(2 * np.pi * rng.uniform(0.01, 0.05) * t + rng.random() * 6)).astype(np.float32)
    song.tracks[f"t_{kinds[0]}"] *= swell
    song.params["mix"] = mix


RECIPES: dict[str, Callable[[Song], None]] = {
    "trap": _trap, "future_bass": _future_bass, "lofi": _lofi, "hardstyle": _hardstyle,
    "hiphop": _hiphop, "liquid_dnb": _liquid_dnb, "house": _house, "noise": _noise,
}


def _master(song: Song) -> np.ndarray:
    rng, sr, p = song.rng, song.sr, song.params
    mix_jitter = {name: float(rng.uniform(-3, 3)) for name in song.tracks}
    p["mix_jitter_db"] = {k: round(v, 2) for k, v in mix_jitter.items()}
    length = len(next(iter(song.tracks.values())))
    duck = None
    if "sidechain" in p:
        duck = _sidechain(song, *p["sidechain"])
    drums = {"kick", "snare", "clap", "ghost", "hats", "open_hat", "ride"}
    out = np.zeros(length, np.float32)
    for name, track in song.tracks.items():
        level = p["mix"].get(name, -10) + mix_jitter[name]
        track = ins.normalise_rms(track, -20)
        if duck is not None and name not in drums:
            track = track * duck
        out += track * 10 ** (level / 20)
    if "wow_flutter_ms" in p:
        out = ins.wow_flutter(out, sr, *p["wow_flutter_ms"], rng)
    if "reverb" in p:
        out = ins.reverb(out, *p["reverb"], sr, rng)
    elif song.genre != "noise":
        out = ins.reverb(out, rng.uniform(0.6, 1.5), rng.uniform(0.05, 0.2), sr, rng)
    out = out[: song.n]
    if song.genre != "lofi" and rng.random() < 0.25:  # a dusty master is not only lo-fi's
        song.tracks = {}
        _texture(song, "dust", "crackle", 1.0)
        level = 20 * np.log10(np.sqrt(np.mean(out ** 2)) + 1e-9) - rng.uniform(14, 24)
        out = out + ins.normalise_rms(song.tracks["dust"][: song.n], float(level))
        p["master_lowpass"] = float(np.exp(rng.uniform(np.log(2500), np.log(6000))))
        p["dusty_master"] = True
    tilt = float(rng.uniform(-4.0, 4.0))
    default_lowpass = np.exp(rng.uniform(np.log(3000), np.log(11000)))
    brightness = float(p.get("master_lowpass", default_lowpass))
    eq_bands = [(float(np.exp(rng.uniform(np.log(60), np.log(8000)))), float(rng.uniform(-9, 9)),
                 float(rng.uniform(0.5, 2.0))) for _ in range(3)]
    out = ins.tilt_eq(out, sr, tilt, lowpass_hz=min(brightness, 0.45 * sr), bands=eq_bands,
                      highpass_hz=float(np.exp(rng.uniform(np.log(20), np.log(200)))))
    p["master_eq_bands"] = [[round(f, 1), round(g, 2), round(w, 2)] for f, g, w in eq_bands]
    loudness = float(rng.uniform(-22, -12))
    out = ins.normalise_rms(out, loudness)
    out = np.tanh(out * 1.2) / 1.2
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    if peak > 0.98:
        out *= 0.98 / peak
    p.update(master_tilt_db_per_octave=round(tilt, 3), master_lowpass_hz=round(brightness, 1),
             loudness_dbfs=round(loudness, 2))
    return out.astype(np.float32)


def _song_rng(seed: int, genre: str, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, GENRES.index(genre), index]))


def make_song(genre: str, seed: int = 0, index: int = 0, seconds: float = 60.0,
              sample_rate: int = 22050) -> tuple[np.ndarray, dict[str, Any]]:
    """Render one song.

    Args:
        genre: One of :data:`GENRES`.
        seed: Dataset seed.
        index: The song's number within its genre (each number is another song).
        seconds: Length in seconds (exact to the sample).
        sample_rate: Sample rate in Hz.

    Returns:
        ``(audio, params)``: mono float32 audio with peak at most 0.98, and
        the song's parameters (tempo, key, chords, sound choices, mix).

    Notebook: notebooks/01_data_prep.ipynb
    """
    if genre not in GENRES:
        raise ValueError(f"unknown genre {genre!r}; choose from {', '.join(GENRES)}")
    from .limits import bounded

    bounded("song_seconds", seconds, "seconds")
    rng = _song_rng(seed, genre, index)
    low, high = TEMPO_RANGES[genre]
    tempo = float(np.round(rng.uniform(low, high), 2)) if high else 0.0
    song = Song(genre, sample_rate, seconds, rng, tempo)
    song.params.update(genre=genre, index=index, seed=seed, tempo=tempo or None, sample_rate=sample_rate,
                       seconds=seconds)
    RECIPES[genre](song)
    if "build" in song.sections:
        _riser(song)
    audio = _master(song)
    song.params["swing"] = round(song.swing, 3)
    return audio, _jsonable(song.params)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float):
        return round(value, 4)
    return value


def _write_song(out_dir: str, genre: str, seed: int, index: int, seconds: float, sample_rate: int) -> str:
    path = Path(out_dir) / genre / f"{genre}_{index:03d}.wav"
    audio, params = make_song(genre, seed, index, seconds, sample_rate)
    write_wav(path, audio, sample_rate)  # the sound first: its JSON, written last, says the song is whole
    write_text(path.with_suffix(".json"), json.dumps(params, indent=2, sort_keys=True) + "\n")
    return str(path)


def _is_made(path: Path, seed: int, seconds: float, sample_rate: int) -> bool:
    """Whether a song is already there, whole, made with the same settings.

    Raises:
        ValueError: ``path`` or its JSON exists but was not made by the synthesiser (it is never overwritten).
    """
    meta = path.with_suffix(".json")
    try:
        params = json.loads(meta.read_text())
    except FileNotFoundError:
        params = None
    except (OSError, ValueError):
        params = {}
    if params is None or not isinstance(params, dict) or "genre" not in params or "seed" not in params:
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
    """Write a folder of songs, ``OUT_DIR/<genre>/<genre>_<NNN>.wav`` plus JSON.

    Songs already there, made with the same seed, length and rate (WAV and
    JSON both present), are kept, so an interrupted run can simply be started
    again; others are made anew.

    Args:
        out_dir: Where to write (ready for ``lildata prepare``).
        genres: Genres to make (default: all 8).
        songs_per_genre: Songs per genre.
        seconds: Length of each song.
        seed: Seed; the same seed and arguments give byte-identical files.
        jobs: Worker processes (default: all cores; 1 works in this process).
        sample_rate: Sample rate of the files.
        progress: Show a progress bar.

    Returns:
        The WAV paths, in genre and index order.

    Notebook: notebooks/01_data_prep.ipynb
    """
    genres = list(GENRES if genres is None else genres)
    _check_request(genres, songs_per_genre, seconds, sample_rate, jobs)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir}: is a file; give a folder for the songs")
    with FolderLock(out_dir, f"`lildata synth {out_dir}`"):
        for genre in genres:
            clean_stale_temporaries(out_dir / genre)
        return _make_songs(out_dir, genres, songs_per_genre, seconds, seed, jobs, sample_rate, progress)


def _check_request(genres: list[str], songs_per_genre: int, seconds: float, sample_rate: int,
                   jobs: int | None) -> None:
    """One line for a request that cannot make songs: no genre, a genre twice or unknown, a number out of bounds."""
    from .limits import bounded, bounded_int

    if not genres or any(not g for g in genres):
        raise ValueError(f"--genres: give genres separated by commas (choose from {', '.join(GENRES)})")
    repeated = sorted({g for g in genres if genres.count(g) > 1})
    if repeated:
        raise ValueError(f"--genres: {', '.join(repeated)} given more than once")
    unknown = [g for g in genres if g not in GENRES]
    if unknown:
        raise ValueError(f"unknown genre(s) {', '.join(unknown)}; choose from {', '.join(GENRES)}")
    bounded_int("songs_per_genre", songs_per_genre, "--songs-per-genre")
    bounded("song_seconds", seconds, "--seconds")
    bounded_int("sample_rate", sample_rate, "--sample-rate")
    if jobs is not None:
        bounded_int("jobs", jobs, "--jobs")


def _make_songs(out_dir: Path, genres: list[str], songs_per_genre: int, seconds: float, seed: int,
                jobs: int | None, sample_rate: int, progress: bool) -> list[Path]:
    jobs_list, paths = [], []
    for genre in genres:
        for index in range(songs_per_genre):
            path = out_dir / genre / f"{genre}_{index:03d}.wav"
            paths.append(path)
            if not _is_made(path, seed, seconds, sample_rate):
                jobs_list.append((str(out_dir), genre, seed, index, seconds, sample_rate))
    workers = max(1, min(jobs or os.cpu_count() or 1, len(jobs_list) or 1))
    bar = tqdm(total=len(jobs_list), desc="synth", unit="song", disable=not progress)
    if workers == 1:
        for args in jobs_list:
            _write_song(*args)
            bar.update()
    else:
        with process_pool(workers) as pool:
            for _ in pool.map(_write_song, *zip(*jobs_list)):
                bar.update()
    bar.close()
    return paths
