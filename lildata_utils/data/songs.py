"""A song being rendered (its clock and arrangement) and the parts the genres are made of: drum hits on a swung
16th grid, chords in a key, bass, melody, risers, sidechain, vocal-like bursts, textures, and the master mix.

Notebook: notebooks/01_data_prep.ipynb
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from . import instruments as ins

__all__ = ["ACTIVE", "GENRES", "GENRE_NOTES", "NOTE_NAMES", "PROGRESSIONS", "SCALES", "Song", "TEMPO_RANGES",
           "arrangement", "bass_line", "chord_track", "drum_hits", "harmony", "master", "melody", "riser", "runs",
           "sidechain", "texture", "vocal_bursts"]

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
    "hardstyle": ("four on the floor; distorted pitched kick with a long tail; reverse bass on the off-beats; "
                  "screech leads"),
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

ACTIVE = {  # which layers play in each part of the arrangement
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
        self.buffer_length = self.n + 4 * self.sr  # samples in each track: the song and room for tails
        self.sections: list[str] = []

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
        """The section of a bar (``outro`` past the end)."""
        return self.sections[bar] if bar < len(self.sections) else "outro"


def arrangement(song: Song, pool: list[str]) -> None:
    """Draw the song's sections, bar by bar: an intro, then runs of 2 to 8 bars from ``pool``."""
    rng = song.rng
    sections = ["intro"] * int(rng.choice([2, 4]))
    while len(sections) < song.n_bars:
        kind = pool[int(rng.integers(len(pool)))]
        if kind == sections[-1] and kind != "drop":
            continue
        sections += [kind] * int(rng.choice([2, 4, 4, 8]))
    song.sections = sections[: song.n_bars]
    song.params["arrangement"] = runs(song.sections)


def runs(sections: list[str]) -> list[list[Any]]:
    """Sections as ``[kind, bars]`` runs."""
    return [[kind, len(list(group))] for kind, group in itertools.groupby(sections)]


def harmony(song: Song, scale: str, prog_kind: str, extensions: int) -> list[list[int]]:
    """Pick a key and progression; return MIDI notes of each chord."""
    rng = song.rng
    root = int(rng.integers(0, 12))
    degrees = PROGRESSIONS[prog_kind][int(rng.integers(len(PROGRESSIONS[prog_kind])))]
    steps, chords, names = SCALES[scale], [], []
    for degree in degrees:
        notes = [48 + root + steps[(degree + 2 * k) % 7] + 12 * ((degree + 2 * k) // 7) for k in range(3 + extensions)]
        chords.append(notes)
        names.append(NOTE_NAMES[(root + steps[degree % 7]) % 12] + ("m" if (notes[1] - notes[0]) % 12 == 3 else "")
                     + {0: "", 1: "7", 2: "9"}[min(extensions, 2)])
    song.params.update(key=NOTE_NAMES[root], scale=scale, chords=names, root_midi=36 + root)
    return chords


def drum_hits(song: Song, layer: str, name: str, sound: np.ndarray, steps: list[float],
              gain: float = 1.0, jitter: float = 0.0, velocity_spread: float = 0.0) -> None:
    """Hits on 16th ``steps`` of every bar where ``layer`` plays; ``velocity_spread`` plays off-beats softer."""
    track = song.track(name)
    for bar in song.bars(layer):
        for step in steps:
            accent = 0.0 if step % 4 == 0 else 0.5 if step % 2 == 0 else 1.0
            vel = gain * (1 - velocity_spread * (0.7 * accent + 0.3 * song.rng.random()))
            offset = int(jitter * song.rng.standard_normal() * song.sr)
            ins.place(track, sound, song.at(bar, step) + offset, vel)


def chord_track(song: Song, name: str, chords: list[list[int]], render: Callable[[float, int], np.ndarray],
                pattern: list[tuple[float, float]], layer: str = "harmony", bars_per_chord: int = 1,
                gain: float = 1.0, octave: int = 0, strum: float = 0.0) -> None:
    """Play each chord on a rhythm of (step, length in steps) within its bar."""
    track, cache = song.track(name), {}
    for bar in song.bars(layer):
        chord = chords[(bar // bars_per_chord) % len(chords)]
        for step, length in pattern:
            n = int(length * song.step_s * song.sr)
            for i, note in enumerate(chord):
                if (note, n) not in cache:
                    cache[note, n] = render(float(ins.midi_to_hz(note + 12 * octave)), n)
                ins.place(track, cache[note, n], song.at(bar, step) + int(i * strum * song.sr), gain / len(chord))


def bass_line(song: Song, name: str, notes: list[tuple[int, float, float, int]], shape: str,
              glide: float = 0.0, drive_amount: float = 0.0, decay: float = 0.4) -> None:
    """A continuous monophonic bass: notes are (bar, step, length in steps, MIDI)."""
    n = song.n + song.sr
    freq, amp, current = np.zeros(n, np.float64), np.zeros(n, np.float32), None
    for bar, step, length, midi in sorted(notes):
        start = song.at(bar, step)
        if start >= n:
            continue
        stop = min(n, start + int(length * song.step_s * song.sr))
        target = float(ins.midi_to_hz(midi))
        freq[start:stop] = target if current is None or glide <= 0 else (
            target + (current - target) * np.exp(-(np.arange(stop - start) / song.sr) / glide))
        current = target
        amp[start:stop] = ins.envelope(stop - start, song.sr, attack=0.004, decay=decay, sustain=0.3, release=0.03)
    freq[freq == 0] = 40.0
    if shape == "sine":
        osc = np.sin(2 * np.pi * np.cumsum(freq) / song.sr).astype(np.float32)
    elif shape == "reese":
        osc = 0.5 * (ins.saw(freq * 1.006, n, song.sr) + ins.saw(freq * 0.994, n, song.sr, 0.3))
        osc = ins.lowpass(osc, 400 + 300 * song.rng.random(), song.sr, order=4)
    else:  # "saw": off-beat house bass
        osc = ins.lowpass(ins.saw(freq, n, song.sr), 500 + 700 * song.rng.random(), song.sr, order=2)
    out = ins.drive(osc * amp, drive_amount) if drive_amount else osc * amp
    ins.place(song.track(name), out.astype(np.float32), 0)


def melody(song: Song, name: str, render: Callable[[float, int], np.ndarray], density: float,
           octave: int, layer: str = "lead", step_len: int = 2, gain: float = 1.0) -> None:
    """A repeating two-bar motif on the song's scale."""
    rng, steps = song.rng, SCALES[song.params["scale"]]
    root = song.params["root_midi"] + 12 * octave
    weight = {0: 1.5, 8: 1.0, 4: 1.2, 12: 1.0}
    motif = [(s, int(rng.integers(0, 8))) for s in range(0, 32, step_len)
             if rng.random() < density * weight.get(s % 16, 0.6 if s % 4 == 0 else 0.4)]
    track, cache = song.track(name), {}
    for bar in song.bars(layer):
        for slot, degree in motif:
            if slot // 16 != bar % 2:
                continue
            midi = root + steps[degree % 7] + 12 * (degree // 7)
            if midi not in cache:
                cache[midi] = render(float(ins.midi_to_hz(midi)), int(step_len * 1.5 * song.step_s * song.sr))
            ins.place(track, cache[midi], song.at(bar, slot % 16), gain)


def riser(song: Song, name: str = "fx") -> None:
    """White-noise risers over the build sections."""
    track = song.track(name)
    for bar in song.bars("fx"):
        if song.section(bar) != "build" or song.section(bar + 1) == "build":
            continue
        n = int(2 * 16 * song.step_s * song.sr)
        noise = ins.highpass(song.rng.standard_normal(n).astype(np.float32), 1500, song.sr)
        ins.place(track, noise * np.linspace(0, 1, n, dtype=np.float32) ** 2 * 0.5, song.at(bar - 1, 0))


def sidechain(song: Song, depth: float, release: float, beats: int = 4) -> np.ndarray:
    """A gain curve that ducks on every beat (as if keyed by the kick)."""
    n, beat = song.buffer_length, int(4 * song.step_s * song.sr)
    gain = np.ones(n, np.float32)
    duck = (1 - depth * np.exp(-(np.arange(beat) / song.sr) / release)).astype(np.float32)
    for start in range(0, n, beat * 4 // beats):
        gain[start:start + beat] = duck[: max(0, min(beat, n - start))]
    return gain


def vocal_bursts(song: Song, name: str, layer: str, rate_steps: list[float], pitch_hz: float,
                  gain: float = 1.0, shift: float = 1.0) -> None:
    """Rap-like syllables: pulse-plus-noise bursts through random vowel formants."""
    rng, track, vowels, cache = song.rng, song.track(name), list(ins.VOWEL_FORMANTS), {}
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


def texture(song: Song, name: str, kind: str, level: float) -> None:
    """A continuous bed: vinyl crackle, hiss, rain or room tone."""
    rng, n, sr = song.rng, song.n, song.sr
    if kind == "crackle":
        clicks = ((rng.random(n) < rng.uniform(5, 40) / sr).astype(np.float32)
                  * rng.standard_normal(n).astype(np.float32))
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


def master(song: Song) -> np.ndarray:
    """Mix the tracks (levels, sidechain, reverb), maybe dust it, and master it with the song's own EQ."""
    rng, sr, p = song.rng, song.sr, song.params
    mix_jitter = {name: float(rng.uniform(-3, 3)) for name in song.tracks}
    p["mix_jitter_db"] = {k: round(v, 2) for k, v in mix_jitter.items()}
    duck = sidechain(song, *p["sidechain"]) if "sidechain" in p else None
    drums = {"kick", "snare", "clap", "ghost", "hats", "open_hat", "ride"}
    out = np.zeros(len(next(iter(song.tracks.values()))), np.float32)
    for name, track in song.tracks.items():
        track = ins.normalise_rms(track, -20)
        if duck is not None and name not in drums:
            track = track * duck
        out += track * 10 ** ((p["mix"].get(name, -10) + mix_jitter[name]) / 20)
    if "wow_flutter_ms" in p:
        out = ins.wow_flutter(out, sr, *p["wow_flutter_ms"], rng)
    if "reverb" in p:
        out = ins.reverb(out, *p["reverb"], sr, rng)
    elif song.genre != "noise":
        out = ins.reverb(out, rng.uniform(0.6, 1.5), rng.uniform(0.05, 0.2), sr, rng)
    out = out[: song.n]
    if song.genre != "lofi" and rng.random() < 0.25:  # a dusty master is not only lo-fi's
        song.tracks = {}
        texture(song, "dust", "crackle", 1.0)
        level = 20 * np.log10(np.sqrt(np.mean(out ** 2)) + 1e-9) - rng.uniform(14, 24)
        out = out + ins.normalise_rms(song.tracks["dust"][: song.n], float(level))
        p["master_lowpass"] = float(np.exp(rng.uniform(np.log(2500), np.log(6000))))
        p["dusty_master"] = True
    tilt = float(rng.uniform(-4.0, 4.0))
    brightness = float(p.get("master_lowpass", np.exp(rng.uniform(np.log(3000), np.log(11000)))))
    eq_bands = [(float(np.exp(rng.uniform(np.log(60), np.log(8000)))), float(rng.uniform(-9, 9)),
                 float(rng.uniform(0.5, 2.0))) for _ in range(3)]
    out = ins.tilt_eq(out, sr, tilt, lowpass_hz=min(brightness, 0.45 * sr), bands=eq_bands,
                      highpass_hz=float(np.exp(rng.uniform(np.log(20), np.log(200)))))
    p["master_eq_bands"] = [[round(f, 1), round(g, 2), round(w, 2)] for f, g, w in eq_bands]
    loudness = float(rng.uniform(-22, -12))
    out = np.tanh(ins.normalise_rms(out, loudness) * 1.2) / 1.2
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    if peak > 0.98:
        out *= 0.98 / peak
    p.update(master_tilt_db_per_octave=round(tilt, 3), master_lowpass_hz=round(brightness, 1),
             loudness_dbfs=round(loudness, 2))
    return out.astype(np.float32)
